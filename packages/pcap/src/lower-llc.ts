// `llc` and its subtypes, and `byte N op V`, as libpcap 1.10.3's gen_llc*/gen_byteop generate them.
// llc on Ethernet: the frame is 802.3 (length field ≤ 1500) and not Novell raw 802.3 (0xffff), then the
// LLC control byte (payload + 2) says I (bit 0 clear), S (low bits 01) or U (low bits 11) format; an S
// subtype compares the control byte under mask 0x0f, a U subtype under 0xef. `byte N op V` reads byte
// N of the link header: `=`, `<`, `>` compare it; `&` and `|` are refused, because libpcap 1.10.3
// generates them without loading the byte (its verdict depends on whatever the previous test left in
// the accumulator).
// Invariants: offsets follow the encapsulation in force (VLAN tags shift the payload; PPPoE makes the
// link PPP, where libpcap has no llc; on 802.11 llc is the data-frame check and the LLC header starts at the
// run-time link payload offset; after `geneve` the inner frame's run-time offsets, Ethernet rules); pure; errors
// are PcapFail values with libpcap's wording.
import { and, arith, cmp, type Expr as IrExpr, konst, not, type Pred } from '@tfc/ir';
import { fail } from './diagnostics.ts';
import type { Encap } from './encap.ts';
import { isWlan, wlanDataFrame } from './linklayer.ts';
import { linkTypeInfo } from './linktypes.ts';
import { ld as ldAt } from './lower-ops.ts';
import type { Span } from './tokens.ts';

const ld = (off: number, w: 1 | 2 | 4): IrExpr => ldAt(off, w);
const mcmp = (l: IrExpr, v: number, mask: number): Pred =>
  cmp('eq', 4, false, arith('&', l, konst(mask)), konst(v));

const S_SUBTYPES: Readonly<Record<string, number>> = { rr: 0x01, rnr: 0x05, rej: 0x09 };
const U_SUBTYPES: Readonly<Record<string, number>> = {
  ui: 0x03,
  ua: 0x63,
  disc: 0x43,
  dm: 0x0f,
  sabme: 0x6f,
  test: 0xe3,
  xid: 0xaf,
  frmr: 0x87,
};

/** gen_llc_internal: the frame carries an 802.2 LLC header (on 802.11: it is a data frame). */
function isLlc(e: Encap, span: Span): Pred {
  if (e.ppp) return fail('link', "'llc' not supported for PPP", span);
  if (isWlan(e)) return wlanDataFrame(e);
  if (e.link !== 'ethernet')
    return fail('link', `'llc' not supported for ${linkTypeInfo(e.link).description}`, span);
  return and(
    cmp('le', 4, false, ld(e.linktype, 2), konst(1500)),
    not(cmp('eq', 4, false, ld(e.linkpl, 2), konst(0xffff))),
  );
}

/** `llc` or `llc SUB` (grammar.y pllc: i, s, u, then S and U subtype names, case-insensitive). */
export function lowerLlc(e: Encap, sub: string | undefined, span: Span): Pred {
  const s = sub?.toLowerCase();
  // the control byte: OR_LLC + 2, after the link header (on 802.11 a run-time offset)
  const ctl = () => ldAt(e.linkpl + 2, 1);
  if (s === undefined) return isLlc(e, span);
  const own = (r: Readonly<Record<string, number>>) => (Object.hasOwn(r, s) ? r[s] : undefined);
  const st = own(S_SUBTYPES);
  const ut = own(U_SUBTYPES);
  if (s !== 'i' && s !== 's' && s !== 'u' && st === undefined && ut === undefined)
    return fail('name', `unknown LLC type name "${sub}"`, span);
  const head = isLlc(e, span);
  if (s === 'i') return and(head, cmp('clear', 4, false, ctl(), konst(1)));
  if (s === 's') return and(head, mcmp(ctl(), 1, 3));
  if (s === 'u') return and(head, mcmp(ctl(), 3, 3));
  if (st !== undefined) return and(head, mcmp(ctl(), st, 0x0f));
  return and(head, mcmp(ctl(), ut!, 0xef));
}

/** gen_byteop: byte `index` of the link header (after PPPoE: the PPP header; after radiotap: the 802.11 header)
 *  against `value`. */
export function lowerByte(
  e: Encap,
  index: number,
  op: '&' | '|' | '<' | '>' | '=',
  value: number,
  span: Span,
): Pred {
  if (op === '&' || op === '|')
    return fail(
      'unsupported',
      `'byte ${index} ${op} ${value}' is not supported by tfc: libpcap 1.10.3 compiles it without loading the byte (its verdict depends on the accumulator left by the previous test)`,
      span,
    );
  // OR_LINKHDR: the link header (after radiotap: the 802.11 header, a run-time offset; after PPPoE: PPP's; after
  // geneve: the inner frame's, a run-time offset)
  const at = ldAt((e.ppp ? e.linktype : (e.linkhdr ?? 0)) + index, 1);
  return cmp(op === '=' ? 'eq' : op === '<' ? 'lt' : 'gt', 4, false, at, konst(value));
}
