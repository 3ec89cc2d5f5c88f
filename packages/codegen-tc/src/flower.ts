/*
 * The flower target (`--target flower`): a decision list over packet bytes → flower filters, one per entry, at
 * ascending prios (flower gives no order among overlapping filters of one prio): a hit entry carries the action, a
 * miss entry is a stop rule (`classid 1:2`, TC_ACT_OK: later filters on the hook do not run for it). Invariants:
 *  - an entry maps to flower keys only when each constrained byte lies in a key the flow dissector fills from fixed
 *    header offsets: the EtherType (the filter's `protocol`, exact), dst/src MAC (value/mask), and under IPv4 ip_tos,
 *    ip_ttl, ip_proto (exact), src/dst_ip (prefixes); under IPv6 ip_proto (the next header, exact), src/dst_ip
 *    (prefixes), under ARP/RARP arp_sip/arp_tip (prefixes, bytes 28 and 38) and, under tcp/udp/sctp, src/dst_port (exact, or value/mask where the profile allows it);
 *    IPv4 src/dst_port: the list is built over one case per IHL value (`ihl & 15 == v`, expandIhl); the cases
 *    v ≥ 5 fold into one port key at 14 + 4·v, because the dissector (net/core/flow_dissector.c) advances by
 *    ihl·4 and rejects IHL < 5, so options shift the transport header for both; cases v < 5 are dropped;
 *  - fragments (flow_dissector.c, cls_flower.c): fl_classify dissects without FLOW_DISSECTOR_F_PARSE_1ST_FRAG, so
 *    for any IPv4 fragment (MF set or offset ≠ 0) the dissector stops after the addresses: the port key is 0;
 *    libpcap's `tcp dst port 80` rejects non-first fragments (offset ≠ 0) but reads the ports of a first fragment
 *    (MF set, offset 0). The two cannot agree on first fragments with one conjunction of keys (flower never sees
 *    their ports), so fragments stay outside the contract; a libpcap key on MF/offset asking 0 is dropped (true
 *    inside it) and an entry asking anything else is dropped (never inside it). IPv6: the dissector walks
 *    extension headers and reports the last next header as ip_proto; libpcap reads byte 20 and, for `tcp`/`udp`,
 *    the fragment header's next header: entries with an extension header as next header are dropped;
 *  - the contract (what makes a flower key equal to those bytes): frames of at least 60 bytes, without VLAN tags,
 *    IPv4 headers with IHL ≥ 5, not fragmented and with the transport header's first 4 bytes inside the frame,
 *    IPv6 without extension headers, ARP/RARP with Ethernet/IPv4 addresses and op 1 or 2; flowerContract() says whether a frame is inside it;
 *  - a rule with the same keys as an earlier one never decides and is dropped;
 *  - iproute2 traps are avoided: ip_proto is a name or 0x-hex (a bare number is read as hex), ip_proto comes before
 *    ports, L3 keys only under protocol ip/ipv6; a --flower-profile limits keys to what a driver offloads;
 *  - pure and deterministic; anything else is a diagnostic naming the byte or key.
 */
import type { DecisionList, KeyInfo } from '@tfc/decision-list';
import { handleDiagnostics, hitText, hookText } from './attach.ts';
import { isTcDevName } from './dev-name.ts';
import { TC_BPF_HINT, type U32Diagnostic } from './u32.ts';

export type FlowerProfile = 'portable' | 'mlx5' | 'ice' | 'nfp';
export const FLOWER_PROFILES: readonly FlowerProfile[] = ['portable', 'mlx5', 'ice', 'nfp'];

/** What each profile offloads (targets-spec §2.4; portable = the subset every listed driver takes). */
const PROFILE: Record<FlowerProfile, { ttl: boolean; portMask: boolean; macMask: boolean }> = {
  portable: { ttl: false, portMask: false, macMask: false },
  mlx5: { ttl: true, portMask: true, macMask: true },
  ice: { ttl: true, portMask: true, macMask: true },
  nfp: { ttl: true, portMask: true, macMask: true },
};

export interface FlowerMatch {
  /** EtherType, or undefined = protocol all. */
  readonly ethType?: number;
  readonly dstMac?: { readonly value: readonly number[]; readonly mask: readonly number[] };
  readonly srcMac?: { readonly value: readonly number[]; readonly mask: readonly number[] };
  readonly ipProto?: number;
  readonly tos?: { readonly value: number; readonly mask: number };
  readonly ttl?: { readonly value: number; readonly mask: number };
  readonly srcIp?: { readonly addr: readonly number[]; readonly len: number };
  readonly dstIp?: { readonly addr: readonly number[]; readonly len: number };
  /** ARP/RARP sender and target protocol addresses (arp_sip/arp_tip, prefixes). */
  readonly arpSip?: { readonly addr: readonly number[]; readonly len: number };
  readonly arpTip?: { readonly addr: readonly number[]; readonly len: number };
  readonly srcPort?: { readonly value: number; readonly mask: number };
  readonly dstPort?: { readonly value: number; readonly mask: number };
}

export interface FlowerRule {
  readonly kind: 'hit' | 'miss';
  readonly match: FlowerMatch;
}

export type FlowerResult =
  | { readonly ok: true; readonly rules: readonly FlowerRule[] }
  | { readonly ok: false; readonly diagnostics: readonly U32Diagnostic[] };

const fail = (code: string, message: string): FlowerResult => ({
  ok: false,
  diagnostics: [{ severity: 'error', code, message: `${message}; ${TC_BPF_HINT} or --target u32` }],
});

/** Length of the leading ones of a byte mask sequence, or undefined when not a prefix. */
function prefixLen(mask: readonly number[]): number | undefined {
  let len = 0;
  let done = false;
  for (const m of mask)
    for (let b = 7; b >= 0; b--) {
      const one = ((m >> b) & 1) === 1;
      if (one && done) return undefined;
      if (one) len++;
      else done = true;
    }
  return len;
}

type Bytes = Map<number, { v: number; m: number }>;

function rowBytes(
  fields: readonly (readonly [KeyInfo & { kind: 'field' }, bigint, bigint])[],
): Bytes | undefined {
  const bytes: Bytes = new Map();
  for (const [k, value, mask] of fields) {
    const n = k.bits / 8;
    for (let i = 0; i < n; i++) {
      const shift = BigInt(8 * (k.byteOrder === 'big' ? n - 1 - i : i));
      const m = Number((mask >> shift) & 0xffn);
      if (m === 0) continue;
      const v = Number((value >> shift) & 0xffn) & m;
      const old = bytes.get(k.offset + i);
      if (old === undefined) bytes.set(k.offset + i, { v, m });
      else {
        if (((old.v ^ v) & old.m & m) !== 0) return undefined;
        bytes.set(k.offset + i, { v: old.v | v, m: old.m | m });
      }
    }
  }
  return bytes;
}

/** The IPv4 flags/fragment-offset key (bytes 20-21) when it covers only MF and the offset (mask ⊆ 0x3fff):
 *  removed from `bytes`; 'never' when it asks for a non-zero value (no frame inside the contract has one). */
function take20(bytes: Bytes): 'never' | undefined {
  const hi = bytes.get(20);
  const lo = bytes.get(21);
  const m = ((hi?.m ?? 0) << 8) | (lo?.m ?? 0);
  if (m === 0 || (m & ~0x3fff) !== 0) return undefined;
  bytes.delete(20);
  bytes.delete(21);
  return (((hi?.v ?? 0) << 8) | (lo?.v ?? 0)) !== 0 ? 'never' : undefined;
}

const PROTO_NAMES: Readonly<Record<number, string>> = {
  1: 'icmp',
  6: 'tcp',
  17: 'udp',
  58: 'icmpv6',
  132: 'sctp',
};

/** The flower rules for a decision list over packet bytes (built with ranges off and minFrameLength 60). */
export function flowerFromList(list: DecisionList, profile: FlowerProfile = 'portable'): FlowerResult {
  const caps = PROFILE[profile];
  const byName = new Map(list.keys.map((k) => [k.name, k]));
  const rules: FlowerRule[] = [];
  for (const e of list.entries) {
    const fields: (readonly [KeyInfo & { kind: 'field' }, bigint, bigint])[] = [];
    for (const [name, m] of e.match) {
      const k = byName.get(name);
      if (k === undefined || k.kind === 'length')
        return fail('flower-length', 'flower cannot test the frame length');
      if (k.kind === 'valid')
        return fail('flower-header', `a header-validity key (${name}): this backend reads the byte model`);
      if (m.kind !== 'ternary') return fail('flower-range', 'a range match (build the list without ranges)');
      fields.push([k, m.value, m.mask]);
    }
    const bytes = rowBytes(fields);
    if (bytes === undefined) continue; // contradictory keys: the entry matches nothing
    const take = (from: number, n: number) => {
      const value: number[] = [];
      const mask: number[] = [];
      let any = false;
      for (let i = 0; i < n; i++) {
        const b = bytes.get(from + i);
        value.push(b?.v ?? 0);
        mask.push(b?.m ?? 0);
        if (b !== undefined) any = true;
        bytes.delete(from + i);
      }
      return any ? { value, mask } : undefined;
    };
    const match: { -readonly [K in keyof FlowerMatch]: FlowerMatch[K] } = {};
    const eth = take(12, 2);
    if (eth !== undefined) {
      if (eth.mask[0] !== 0xff || eth.mask[1] !== 0xff)
        return fail('flower-ethertype', 'flower matches the EtherType only exactly (the protocol)');
      match.ethType = (eth.value[0]! << 8) | eth.value[1]!;
    }
    const mac = (from: number, what: string) => {
      const x = take(from, 6);
      if (x === undefined) return { ok: true as const, v: undefined };
      if (!caps.macMask && x.mask.some((m) => m !== 0xff))
        return {
          ok: false as const,
          r: fail('flower-profile', `a masked ${what} (profile ${profile} offloads exact MACs only)`),
        };
      return { ok: true as const, v: x };
    };
    const d = mac(0, 'dst_mac');
    if (!d.ok) return d.r;
    if (d.v) match.dstMac = d.v;
    const s = mac(6, 'src_mac');
    if (!s.ok) return s.r;
    if (s.v) match.srcMac = s.v;
    const ip = (from: number, n: number, what: string) => {
      const x = take(from, n);
      if (x === undefined) return { ok: true as const, v: undefined };
      const len = prefixLen(x.mask);
      if (len === undefined)
        return { ok: false as const, r: fail('flower-ip', `${what} with a mask that is not a prefix`) };
      return { ok: true as const, v: { addr: x.value, len } };
    };
    const exact8 = (at: number, what: string) => {
      const x = take(at, 1);
      if (x === undefined) return { ok: true as const, v: undefined };
      if (x.mask[0] !== 0xff) return { ok: false as const, r: fail('flower-proto', `a masked ${what}`) };
      return { ok: true as const, v: x.value[0]! };
    };
    /** The src/dst_port keys from the 4 bytes of the transport header at `l4`; a diagnostic or undefined. */
    const portKeys = (l4: number): FlowerResult | undefined => {
      for (const [at, key] of [
        [l4, 'srcPort'],
        [l4 + 2, 'dstPort'],
      ] as const) {
        const x = take(at, 2);
        if (x === undefined) continue;
        if (match.ipProto !== 6 && match.ipProto !== 17 && match.ipProto !== 132)
          return fail(
            'flower-port',
            'transport-header bytes without ip_proto tcp, udp or sctp (no flower key for them)',
          );
        const value = (x.value[0]! << 8) | x.value[1]!;
        const mask = (x.mask[0]! << 8) | x.mask[1]!;
        if (mask !== 0xffff && !caps.portMask)
          return fail(
            'flower-profile',
            `a port mask ${value}/0x${mask.toString(16)} (profile ${profile} offloads exact ports only)`,
          );
        match[key] = { value, mask };
      }
      return undefined;
    };
    if (match.ethType === 0x0800) {
      // The IHL case (expandIhl's `ihl & 15 == v`): the dissector follows the IHL, so the transport header at
      // 14 + 4·v is flower's port key for every v ≥ 5; v < 5 is outside the contract (the dissector stops there).
      const ihlB = bytes.get(14);
      let l4: number | undefined;
      if (ihlB !== undefined) {
        if ((ihlB.m & 0x0f) === 0x0f && (ihlB.v & 0x0f) < 5) continue;
        if (ihlB.m !== 0x0f)
          return fail('flower-key', 'a key on the IPv4 version/IHL byte other than the IHL');
        bytes.delete(14);
        l4 = 14 + 4 * ihlB.v;
      }
      // Flags/fragment offset: inside the contract MF and the offset are 0, so a key on them that asks for 0 is
      // always true there, and one that asks for anything else never matches there (the entry is dropped).
      if (take20(bytes) === 'never') continue;
      const tos = take(15, 1);
      if (tos) match.tos = { value: tos.value[0]!, mask: tos.mask[0]! };
      const ttl = take(22, 1);
      if (ttl) {
        if (!caps.ttl) return fail('flower-profile', `ip_ttl (profile ${profile} does not offload it)`);
        match.ttl = { value: ttl.value[0]!, mask: ttl.mask[0]! };
      }
      const p = exact8(23, 'IPv4 protocol');
      if (!p.ok) return p.r;
      if (p.v !== undefined) match.ipProto = p.v;
      const a = ip(26, 4, 'src_ip');
      if (!a.ok) return a.r;
      if (a.v) match.srcIp = a.v;
      const b = ip(30, 4, 'dst_ip');
      if (!b.ok) return b.r;
      if (b.v) match.dstIp = b.v;
      if (l4 !== undefined) {
        const pr = portKeys(l4);
        if (pr !== undefined) return pr;
      }
    } else if (match.ethType === 0x0806 || match.ethType === 0x8035) {
      const a = ip(28, 4, 'arp_sip');
      if (!a.ok) return a.r;
      if (a.v) match.arpSip = a.v;
      const b = ip(38, 4, 'arp_tip');
      if (!b.ok) return b.r;
      if (b.v) match.arpTip = b.v;
    } else if (match.ethType === 0x86dd) {
      const p = exact8(20, 'IPv6 next header');
      if (!p.ok) return p.r;
      if (p.v !== undefined) match.ipProto = p.v;
      const a = ip(22, 16, 'src_ip');
      if (!a.ok) return a.r;
      if (a.v) match.srcIp = a.v;
      const b = ip(38, 16, 'dst_ip');
      if (!b.ok) return b.r;
      if (b.v) match.dstIp = b.v;
      // A next header that is an extension header never matches inside the contract (no extension headers):
      // libpcap's `udp`/`tcp` test the fragment header's next header at byte 54, an entry flower need not carry.
      if (
        match.ipProto !== undefined &&
        EXT_HEADERS.has(match.ipProto) &&
        [...bytes.keys()].some((k) => k >= 54)
      )
        continue;
      const pr = portKeys(54);
      if (pr !== undefined) return pr;
    }
    const rest = [...bytes.keys()].sort((a, b) => a - b);
    if (rest.length > 0)
      return fail(
        'flower-key',
        `flower has no key for packet byte ${rest[0]}${match.ethType === undefined ? ' without an exact EtherType' : ` under EtherType 0x${match.ethType.toString(16).padStart(4, '0')}`}`,
      );
    rules.push({ kind: e.action, match });
  }
  // A rule whose keys equal an earlier rule's never decides (the IHL cases all map to one rule): drop it.
  const seen = new Set<string>();
  const kept = rules.filter((r) => {
    const k = JSON.stringify(r.match);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  while (kept.length > 0 && kept[kept.length - 1]!.kind === 'miss') kept.pop();
  return { ok: true, rules: kept };
}

const PROTOCOL_NAMES: Readonly<Record<number, string>> = { 2048: 'ip', 34525: 'ipv6', 2054: 'arp' };
const mac = (x: { value: readonly number[]; mask: readonly number[] }): string => {
  const h = (a: readonly number[]) => a.map((b) => b.toString(16).padStart(2, '0')).join(':');
  return x.mask.every((m) => m === 0xff) ? h(x.value) : `${h(x.value)}/${h(x.mask)}`;
};
function ipText(addr: readonly number[], len: number): string {
  if (addr.length === 4) return `${addr.join('.')}/${len}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((addr[i]! << 8) | addr[i + 1]!).toString(16));
  return `${groups.join(':')}/${len}`;
}

/** The flower arguments of one rule, in the order iproute2 requires. */
export function flowerArgs(m: FlowerMatch): string[] {
  const a: string[] = [];
  if (m.dstMac) a.push('dst_mac', mac(m.dstMac));
  if (m.srcMac) a.push('src_mac', mac(m.srcMac));
  if (m.ipProto !== undefined) a.push('ip_proto', PROTO_NAMES[m.ipProto] ?? `0x${m.ipProto.toString(16)}`);
  if (m.tos) a.push('ip_tos', `0x${m.tos.value.toString(16)}/0x${m.tos.mask.toString(16)}`);
  if (m.ttl) a.push('ip_ttl', `0x${m.ttl.value.toString(16)}/0x${m.ttl.mask.toString(16)}`);
  if (m.srcIp) a.push('src_ip', ipText(m.srcIp.addr, m.srcIp.len));
  if (m.dstIp) a.push('dst_ip', ipText(m.dstIp.addr, m.dstIp.len));
  if (m.arpSip) a.push('arp_sip', ipText(m.arpSip.addr, m.arpSip.len));
  if (m.arpTip) a.push('arp_tip', ipText(m.arpTip.addr, m.arpTip.len));
  for (const [k, v] of [
    ['src_port', m.srcPort],
    ['dst_port', m.dstPort],
  ] as const)
    if (v) a.push(k, v.mask === 0xffff ? String(v.value) : `${v.value}/0x${v.mask.toString(16)}`);
  return a;
}

/** `tc -b` lines: rule i at prio base + i; hits carry the action (default classid 1:1), misses classid 1:2. */
export function flowerBatch(
  rules: readonly FlowerRule[],
  o: {
    readonly dev: string;
    readonly direction: 'ingress' | 'egress';
    readonly prio: number;
    readonly action?: string;
    /** `classid MAJ:MIN` of every hit rule. */
    readonly classid?: string;
    /** Attach to a classful qdisc or class instead of clsact (refused with stop rules: they carry classid 1:2). */
    readonly parent?: string;
  },
):
  | { readonly ok: true; readonly lines: readonly string[] }
  | { readonly ok: false; readonly diagnostics: readonly U32Diagnostic[] } {
  if (!isTcDevName(o.dev))
    return {
      ok: false,
      diagnostics: [{ severity: 'error', code: 'dev', message: `invalid device name '${o.dev}'` }],
    };
  if (!Number.isInteger(o.prio) || o.prio < 1 || o.prio + rules.length - 1 > 0xffff)
    return {
      ok: false,
      diagnostics: [
        {
          severity: 'error',
          code: 'prio',
          message: `prios ${o.prio}…${o.prio + rules.length - 1} do not fit 1…65535`,
        },
      ],
    };
  const handles = handleDiagnostics(o);
  if (handles.length > 0) return { ok: false, diagnostics: handles };
  if (o.parent !== undefined && rules.some((r) => r.kind === 'miss'))
    return {
      ok: false,
      diagnostics: [
        {
          severity: 'error',
          code: 'parent',
          message: `flower's stop rules (negations) carry classid 1:2, which under --parent ${o.parent} would select a class; ${TC_BPF_HINT} or --target u32`,
        },
      ],
    };
  const hit = hitText(o, 'classid 1:1');
  return {
    ok: true,
    lines: rules.map((r, i) => {
      const proto =
        r.match.ethType === undefined
          ? 'all'
          : (PROTOCOL_NAMES[r.match.ethType] ?? `0x${r.match.ethType.toString(16).padStart(4, '0')}`);
      const args = flowerArgs(r.match);
      return `filter add dev ${o.dev} ${hookText(o)} protocol ${proto} prio ${o.prio + i} flower${args.length > 0 ? ` ${args.join(' ')}` : ''} ${r.kind === 'hit' ? hit : 'classid 1:2'}`;
    }),
  };
}

const EXT_HEADERS = new Set([0, 43, 44, 50, 51, 60, 135, 139, 140]);

/** Whether the dissector keys an ARP/RARP frame: hardware Ethernet, protocol IPv4, lengths 6 and 4, op 1 or 2. */
function arpKeyed(f: Uint8Array): boolean {
  const u16 = (at: number) => ((f[at] ?? 0) << 8) | (f[at + 1] ?? 0);
  return (
    u16(14) === 1 && u16(16) === 0x0800 && f[18] === 6 && f[19] === 4 && (u16(20) === 1 || u16(20) === 2)
  );
}

/** Whether a frame is inside the flower contract (see the header comment). */
export function flowerContract(frame: Uint8Array): boolean {
  if (frame.length < 60) return false;
  const et = (frame[12]! << 8) | frame[13]!;
  if (et === 0x8100 || et === 0x88a8) return false;
  if (et === 0x0800) {
    const ihl = frame[14]! & 0xf;
    const frag = ((frame[20]! << 8) | frame[21]!) & 0x3fff;
    return frame[14]! >> 4 === 4 && ihl >= 5 && frame.length >= 14 + ihl * 4 + 4 && frag === 0;
  }
  // ARP/RARP: the dissector fills arp_sip/arp_tip only for Ethernet/IPv4 addresses and op request or reply.
  if (et === 0x0806 || et === 0x8035) return arpKeyed(frame);
  if (et === 0x86dd) return frame.length >= 58 && frame[14]! >> 4 === 6 && !EXT_HEADERS.has(frame[20]!);
  return true;
}

/** The flower model: the lowest prio whose keys all equal the dissector's (fixed-offset) keys decides. */
export function evaluateFlower(rules: readonly FlowerRule[], frame: Uint8Array): 'hit' | 'miss' {
  const et = (frame[12]! << 8) | frame[13]!;
  const bytesEq = (at: number, value: readonly number[], mask: readonly number[]) =>
    value.every((v, i) => ((frame[at + i] ?? 0) & mask[i]!) === (v & mask[i]!));
  const prefixEq = (at: number, x: { addr: readonly number[]; len: number }) =>
    bytesEq(
      at,
      x.addr,
      x.addr.map((_, i) => {
        const bits = Math.max(0, Math.min(8, x.len - 8 * i));
        return (0xff << (8 - bits)) & 0xff;
      }),
    );
  const v6 = et === 0x86dd;
  for (const r of rules) {
    const m = r.match;
    if (m.ethType !== undefined && m.ethType !== et) continue;
    if (m.dstMac && !bytesEq(0, m.dstMac.value, m.dstMac.mask)) continue;
    if (m.srcMac && !bytesEq(6, m.srcMac.value, m.srcMac.mask)) continue;
    if (m.ipProto !== undefined && frame[v6 ? 20 : 23] !== m.ipProto) continue;
    if (m.tos && ((frame[15]! ^ m.tos.value) & m.tos.mask) !== 0) continue;
    if (m.ttl && ((frame[22]! ^ m.ttl.value) & m.ttl.mask) !== 0) continue;
    if (m.srcIp && !prefixEq(v6 ? 22 : 26, m.srcIp)) continue;
    if (m.dstIp && !prefixEq(v6 ? 38 : 30, m.dstIp)) continue;
    if ((m.arpSip || m.arpTip) && !arpKeyed(frame)) continue; // outside the contract (the dissector leaves the keys 0)
    if (m.arpSip && !prefixEq(28, m.arpSip)) continue;
    if (m.arpTip && !prefixEq(38, m.arpTip)) continue;
    // Ports: the transport header behind the IHL (IPv4) or the fixed header (IPv6); zero for IPv4 fragments (the
    // dissector stops before the ports when MF or the offset is set and flower asks no first-fragment parse).
    const l4 = v6 ? 54 : 14 + 4 * ((frame[14] ?? 0) & 0xf);
    const frag = !v6 && ((((frame[20] ?? 0) << 8) | (frame[21] ?? 0)) & 0x3fff) !== 0;
    const port = (at: number) => (frag ? 0 : ((frame[at] ?? 0) << 8) | (frame[at + 1] ?? 0));
    if (m.srcPort && ((port(l4) ^ m.srcPort.value) & m.srcPort.mask) !== 0) continue;
    if (m.dstPort && ((port(l4 + 2) ^ m.dstPort.value) & m.dstPort.mask) !== 0) continue;
    return r.kind;
  }
  return 'miss';
}
