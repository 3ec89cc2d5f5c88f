// DECnet addresses as libpcap 1.10.3 reads and tests them: `AREA.NODE` (__pcap_atodn: sscanf "%d.%d",
// area in bits 10-15, node in bits 0-9) or a plain number; gen_dnhostop tests the DECnet routing header
// after the EtherType 0x6003 check: four header forms (short or long, with or without a padding byte),
// each comparing the 16-bit address (little-endian on the wire) at that form's source or destination.
// Invariants: pure; errors are PcapFail values with libpcap's wording.
import { and, arith, cmp, type Expr as IrExpr, konst, or, type Pred } from '@tfc/ir';
import { type DirQual, isWlanDir } from './ast.ts';
import { fail } from './diagnostics.ts';
import type { Encap } from './encap.ts';
import { wlanDirMisuse } from './linklayer.ts';
import { ld as ldAt } from './lower-ops.ts';
import type { Span } from './tokens.ts';

// lower-ops' load: an offset may be a run-time one (802.11's payload follows a variable header)
const ld = (off: number, w: 1 | 2): IrExpr => ldAt(off, w);
const eq = (l: IrExpr, v: number): Pred => cmp('eq', 4, false, l, konst(v >>> 0));
const mcmp = (l: IrExpr, v: number, mask: number): Pred => eq(arith('&', l, konst(mask)), v);

/** __pcap_atodn: "AREA.NODE" → the 16-bit DECnet address, or a diagnostic. */
export function decnetAddress(text: string, span: Span): number {
  const m = /^([0-9]+)\.([0-9]+)/.exec(text);
  if (!m) return fail('address', `malformed decnet address '${text}'`, span);
  const area = Number(BigInt(m[1]!) & 0xffffffffn);
  const node = Number(BigInt(m[2]!) & 0xffffffffn);
  return (((area << 10) & 0o176000) | (node & 0o1777)) >>> 0;
}

/** gen_dnhostop for `addr` (only its low 16 bits count, as libpcap's u_short cast). */
export function decnetHost(
  e: Encap,
  addr: number,
  dir: DirQual | undefined,
  linktype: (etherProto: number) => Pred,
  span: Span,
): Pred {
  if (isWlanDir(dir)) return wlanDirMisuse(dir, 'addresses', span);
  const a = addr & 0xffff;
  const swapped = ((a & 0xff) << 8) | (a >> 8);
  const pl = e.linkpl + e.nl;
  const one = (sh: number, lh: number): Pred =>
    // libpcap ors each form in front of the previous ones: short unpadded, short padded, long unpadded, long padded
    or(
      and(mcmp(ld(pl + 2, 1), 0x02, 0x07), eq(ld(pl + 2 + sh, 2), swapped)),
      and(mcmp(ld(pl + 2, 2), 0x8102, 0xff07), eq(ld(pl + 2 + 1 + sh, 2), swapped)),
      and(mcmp(ld(pl + 2, 1), 0x06, 0x07), eq(ld(pl + 2 + lh, 2), swapped)),
      and(mcmp(ld(pl + 2, 2), 0x8106, 0xff07), eq(ld(pl + 2 + 1 + lh, 2), swapped)),
    );
  // gen_dnhostop recurses for the combined directions: each side has its own EtherType test
  const src = () => and(linktype(0x6003), one(3, 15));
  const dst = () => and(linktype(0x6003), one(1, 7));
  if (dir === 'src') return src();
  if (dir === 'dst') return dst();
  return dir === 'src and dst' ? and(src(), dst()) : or(src(), dst());
}
