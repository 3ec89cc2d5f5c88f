// Test helper: one filter judged by libpcap 1.10.3 (pcap_compile unoptimized + bpf_filter through koffi)
// and by tfc (compilePcap + the IR evaluator) on the same frames, with counts. libpcap may be given a
// different text than tfc (the numeric equivalent of a name tfc resolves from a fixture database).
// Also small frame builders for the primitives the generic generators rarely hit (ports of a given
// service, LLC control bytes, DECnet routing headers). Invariant: pure apart from the koffi calls.
import { evaluate } from '@tfc/ir';
import type { PcapCompiler } from '@tfc/kernel/sys';
import { compilePcap, type PcapOptions } from '../src/index.ts';

export interface DiffStats {
  filters: number;
  pairs: number;
  accepted: number;
  /** Filters both refused. */
  bothRefused: number;
  disagreements: string[];
}

export const newStats = (): DiffStats => ({
  filters: 0,
  pairs: 0,
  accepted: 0,
  bothRefused: 0,
  disagreements: [],
});

export interface Judged {
  readonly lib: Uint8Array | string;
  readonly tfc: 'ok' | string;
}

/**
 * Compares one filter. `libText` (default `text`) is what libpcap compiles; `netmask` goes to both.
 * Returns what each side said; disagreements are appended to `stats` (at most 30 kept).
 */
export function diffFilter(
  lib: { filter(program: Uint8Array, packet: Uint8Array): number },
  compiler: PcapCompiler,
  text: string,
  options: PcapOptions,
  frames: readonly Uint8Array[],
  stats: DiffStats,
  libText = text,
): Judged {
  stats.filters++;
  const l = compiler.compile(libText, {
    optimize: false,
    ...(options.netmask !== undefined ? { netmask: options.netmask } : {}),
  });
  const t = compilePcap(text, options);
  const say = (m: string) => {
    if (stats.disagreements.length < 30) stats.disagreements.push(`${options.linktype} '${text}': ${m}`);
  };
  if (!l.ok) {
    if (t.ok) say(`libpcap refuses (${l.error}), tfc accepts`);
    else stats.bothRefused++;
    return { lib: l.error, tfc: t.ok ? 'ok' : t.diagnostics[0]!.message };
  }
  if (!t.ok) {
    say(`tfc refuses (${t.diagnostics[0]!.message}), libpcap accepts`);
    return { lib: l.program, tfc: t.diagnostics[0]!.message };
  }
  for (const fr of frames) {
    const want = lib.filter(l.program, fr) !== 0 ? 'accept' : 'reject';
    const got = evaluate(t.ir, { packet: fr });
    stats.pairs++;
    if (want === 'accept') stats.accepted++;
    if (got !== want) say(`frame ${Buffer.from(fr).toString('hex')}: libpcap ${want}, tfc ${got}`);
  }
  return { lib: l.program, tfc: 'ok' };
}

const u16 = (v: number) => [(v >> 8) & 0xff, v & 0xff];
const ETH_HDR = [0, 1, 2, 3, 4, 5, 0xa, 0xb, 0xc, 0xd, 0xe, 0xf];

/** Ethernet + IPv4 or IPv6 + a transport header with the given protocol and ports. */
export function l4Frame(v6: boolean, proto: number, sport: number, dport: number): Uint8Array {
  const l4 = [...u16(sport), ...u16(dport), 0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0x02, 0, 0, 0, 0, 0, 0];
  const ip = v6
    ? [0x60, 0, 0, 0, ...u16(l4.length), proto, 64, ...new Array<number>(32).fill(1)]
    : [0x45, 0, ...u16(20 + l4.length), 0, 0, 0, 0, 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
  return Uint8Array.from([...ETH_HDR, ...u16(v6 ? 0x86dd : 0x800), ...ip, ...l4]);
}

/** Ethernet + IPv4 with the given addresses and protocol (20 bytes of payload). */
export function ip4Frame(src: readonly number[], dst: readonly number[], proto = 6): Uint8Array {
  const ip = [0x45, 0, 0, 40, 0, 0, 0, 0, 64, proto, 0, 0, ...src, ...dst];
  return Uint8Array.from([...ETH_HDR, 8, 0, ...ip, ...new Array<number>(20).fill(0)]);
}

/** Ethernet + IPv6 with the given addresses and next header (20 bytes of payload). */
export function ip6Frame(src: readonly number[], dst: readonly number[], nh = 6): Uint8Array {
  const ip = [0x60, 0, 0, 0, 0, 20, nh, 64, ...src, ...dst];
  return Uint8Array.from([...ETH_HDR, 0x86, 0xdd, ...ip, ...new Array<number>(20).fill(0)]);
}

/** An 802.3 frame (length field) with an LLC header: DSAP, SSAP, control byte, then payload. */
export function llcFrame(dsap: number, ssap: number, control: number, lengthField = 46): Uint8Array {
  return Uint8Array.from([
    ...ETH_HDR,
    ...u16(lengthField),
    dsap,
    ssap,
    control,
    ...new Array<number>(20).fill(7),
  ]);
}

/** A DECnet (EtherType 0x6003) frame: length, routing flags (optionally after a padding byte), then
 *  the 16-bit address `addr` (little-endian) repeated from byte `shift`, so every header form finds it. */
export function decnetFrame(flags: number, pad: boolean, addr: number, shift: 0 | 1): Uint8Array {
  const a = [addr & 0xff, (addr >> 8) & 0xff];
  const body = new Array<number>(shift).fill(0);
  while (body.length < 24) body.push(...a);
  return Uint8Array.from([...ETH_HDR, 0x60, 0x03, 0, 30, ...(pad ? [0x81] : []), flags, ...body]);
}

/** `inner` (an Ethernet frame, protocol type 0x6558; or an IPv4 packet, 0x0800) in Geneve over UDP 6081 over
 *  IPv4 or IPv6 in Ethernet, with `opt` 4-byte option words and the given VNI. */
export function geneveWrap(
  inner: Uint8Array,
  ptype: 0x6558 | 0x800,
  v6: boolean,
  vni: number,
  opt: number,
): Uint8Array {
  const gen = [opt & 0x3f, 0, ...u16(ptype), (vni >> 16) & 0xff, (vni >> 8) & 0xff, vni & 0xff, 0];
  const body = [
    ...u16(4242),
    ...u16(6081),
    ...u16(8 + gen.length + 4 * opt + inner.length),
    0,
    0,
    ...gen,
    ...new Array<number>(4 * opt).fill(0),
    ...inner,
  ];
  const ip = v6
    ? [0x60, 0, 0, 0, ...u16(body.length), 17, 64, ...new Array<number>(32).fill(3)]
    : [0x45, 0, ...u16(20 + body.length), 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 9, 10, 0, 0, 1];
  return Uint8Array.from([...ETH_HDR, ...u16(v6 ? 0x86dd : 0x800), ...ip, ...body]);
}
