// Header models: the P4 parser a decision list is built for, as plain data — named headers with named fields,
// where each header sits in the frame (a fixed offset, or right after the IPv4 header: 4·IHL bytes past its
// start), and the conditions under which the parser extracts it (frame bytes under a mask, e.g. EtherType
// 0x0800, protocol 6, fragment offset 0). Two models: trace frames (ethernet, the tfc trace header, the event's
// record named after its fields) and packets (ethernet, up to two vlan tags, arp/rarp, ipv4 with options skipped,
// ipv6, ipv6 fragment header, tcp, udp, sctp (after either), icmp (after IPv4) and icmp6 (after IPv6), as libpcap
// addresses them).
// Invariants:
//  - parseFrame is the model's parser: headers in order; a header is valid iff one of its placements has every
//    condition true on the frame (condition bytes read from headers already valid), its start is known (for
//    `after-ipv4`: the IPv4 header is valid and its IHL ≥ 5) and the frame holds all of its bytes;
//  - the P4 parser text (`parser`) extracts exactly the headers parseFrame makes valid, under the model's
//    contract (`contract`): frames that are not truncated inside a header the parser would extract, and IPv4
//    headers with IHL ≥ 5 — outside it libpcap reads bytes the parser never extracts;
//  - field bit widths sum to 8 × the header's size; names are P4 identifiers; pure data, deterministic.

export interface HeaderField {
  readonly name: string;
  readonly bits: number;
}

/** Frame bytes [offset, offset+bytes) read big-endian, under `mask`, equal one of `values`. */
export interface FrameCondition {
  readonly offset: number;
  readonly bytes: number;
  readonly mask: bigint;
  readonly values: readonly bigint[];
}

export type Placement =
  | { readonly at: 'fixed'; readonly offset: number; readonly when: readonly FrameCondition[] }
  /** Starts 4·IHL bytes after the IPv4 header (frame offset `ipv4` holds its version/IHL byte). */
  | { readonly at: 'after-ipv4'; readonly ipv4: number; readonly when: readonly FrameCondition[] };

export interface HeaderSpec {
  /** Instance name: `hdr.<name>`. */
  readonly name: string;
  /** P4 header type name. */
  readonly type: string;
  readonly fields: readonly HeaderField[];
  readonly placements: readonly Placement[];
}

export interface HeaderModel {
  readonly name: string;
  /** Parse order (a condition only reads headers earlier in the list). */
  readonly headers: readonly HeaderSpec[];
  /** True when the filter is known to reject every frame on which a header it reads is not extracted (trace
   *  frames: the EtherType/event-id guard is part of every filter). Then a key may be read in any context. */
  readonly guarded: boolean;
  /** The P4 parser's states (body of the parser block). */
  readonly parser: readonly string[];
  /** What frames the model's equivalence holds for, in words (for docs and diagnostics). */
  readonly contract: string;
}

export function headerBytes(h: HeaderSpec): number {
  let bits = 0;
  for (const f of h.fields) bits += f.bits;
  return bits / 8;
}

export function findHeader(model: HeaderModel, name: string): HeaderSpec | undefined {
  return model.headers.find((h) => h.name === name);
}

function readBe(frame: Uint8Array, offset: number, bytes: number): bigint | undefined {
  if (offset < 0 || offset + bytes > frame.length) return undefined;
  let v = 0n;
  for (let i = 0; i < bytes; i++) v = (v << 8n) | BigInt(frame[offset + i]!);
  return v;
}

/** The model's parser: the frame offset of every valid header (absent = not extracted). */
export function parseFrame(model: HeaderModel, frame: Uint8Array): ReadonlyMap<string, number> {
  const valid = new Map<string, number>();
  const inValid = (off: number, bytes: number): boolean => {
    for (const [name, start] of valid) {
      const h = findHeader(model, name)!;
      if (start <= off && off + bytes <= start + headerBytes(h)) return true;
    }
    return false;
  };
  for (const h of model.headers) {
    const size = headerBytes(h);
    for (const p of h.placements) {
      const ok = p.when.every((c) => {
        if (!inValid(c.offset, c.bytes)) return false;
        const v = readBe(frame, c.offset, c.bytes);
        return v !== undefined && c.values.includes(v & c.mask);
      });
      if (!ok) continue;
      let start: number;
      if (p.at === 'fixed') start = p.offset;
      else {
        const ipStart = valid.get('ipv4');
        if (ipStart === undefined || ipStart !== p.ipv4) continue;
        const ihl = frame[p.ipv4]! & 15;
        if (ihl < 5) continue;
        start = p.ipv4 + 4 * ihl;
        // The parser extracts (skips) the options: the frame must hold them.
        if (start > frame.length) continue;
      }
      if (start + size <= frame.length) valid.set(h.name, start);
      break;
    }
  }
  return valid;
}

/** The bit slices of a header's fields covering header bits [from, to) (bit 0 = first bit on the wire). */
export function fieldSlices(
  h: HeaderSpec,
  from: number,
  to: number,
): { readonly field: string; readonly bits: number; readonly hi: number; readonly lo: number }[] {
  const out: { field: string; bits: number; hi: number; lo: number }[] = [];
  let pos = 0;
  for (const f of h.fields) {
    const a = Math.max(from, pos);
    const b = Math.min(to, pos + f.bits);
    if (a < b) {
      // P4 slices count from the least significant bit: wire bit i of the field is bit (bits-1-i).
      out.push({ field: f.name, bits: f.bits, hi: f.bits - 1 - (a - pos), lo: f.bits - (b - pos) });
    }
    pos += f.bits;
  }
  return out;
}

const P4_KEYWORDS = new Set(
  (
    'abstract action actions apply bit bool const control default default_action else entries enum error exit ' +
    'extern false header header_union if in inout int key list match_kind out package parser return select ' +
    'size state string struct switch table this transition true tuple type typedef value_set varbit void'
  ).split(' '),
);

/** A P4 identifier for a name: other characters become `_`, keywords and leading digits get a `_`. */
export function p4Ident(name: string): string {
  let s = name.replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z_]/.test(s)) s = `_${s}`;
  if (P4_KEYWORDS.has(s)) s = `${s}_`;
  return s;
}

const ETHERNET: HeaderSpec = {
  name: 'ethernet',
  type: 'ethernet_t',
  fields: [
    { name: 'dst_addr', bits: 48 },
    { name: 'src_addr', bits: 48 },
    { name: 'ether_type', bits: 16 },
  ],
  placements: [{ at: 'fixed', offset: 0, when: [] }],
};

const ethertype = (v: number): FrameCondition => ({
  offset: 12,
  bytes: 2,
  mask: 0xffffn,
  values: [BigInt(v)],
});

/** The frame offset of a header that always sits at the same place, else undefined. */
export function fixedOffset(h: HeaderSpec): number | undefined {
  const first = h.placements[0];
  if (first === undefined || first.at !== 'fixed') return undefined;
  return h.placements.every((p) => p.at === 'fixed' && p.offset === first.offset) ? first.offset : undefined;
}

export interface RecordField {
  readonly name: string;
  /** Offset in the record. */
  readonly offset: number;
  readonly size: number;
}

/**
 * Trace frames (../shared/docs/trace-over-ethernet.md): ethernet, the 40-byte tfc trace header when the EtherType
 * is 0x88b5, and the event's record (its fixed part, fields named after the event's fields, gaps as `_padN`)
 * when the header's event id is the event's. Record fields keep the host's little-endian byte order: a key on
 * one reads the field's bytes reversed. The model is `guarded`: the filter given with it must reject every frame
 * whose EtherType or event id differs (compileP4 in @tfc/compiler conjoins that guard).
 */
export function traceFrameModel(
  eventId: number,
  eventName: string,
  fields: readonly RecordField[],
  ethertypeValue = 0x88b5,
  recordOffset = 54,
): HeaderModel {
  const sorted = [...fields].filter((f) => f.size > 0).sort((a, b) => a.offset - b.offset);
  const rec: HeaderField[] = [];
  const taken = new Set<string>();
  let pos = 0;
  for (const f of sorted) {
    if (f.offset < pos) continue; // overlapping (union) fields: the first one names the bytes
    if (f.offset > pos) rec.push({ name: `_pad${pos}`, bits: (f.offset - pos) * 8 });
    let name = p4Ident(f.name);
    while (taken.has(name)) name = `${name}_`;
    taken.add(name);
    rec.push({ name, bits: f.size * 8 });
    pos = f.offset + f.size;
  }
  const recType = `${p4Ident(eventName)}_t`;
  const trace: HeaderSpec = {
    name: 'trace',
    type: 'tfc_trace_t',
    fields: [
      { name: 'version', bits: 8 },
      { name: 'flags', bits: 8 },
      { name: 'header_length', bits: 16 },
      { name: 'event_id', bits: 16 },
      { name: 'cpu', bits: 16 },
      { name: 'timestamp', bits: 64 },
      { name: 'record_length', bits: 32 },
      { name: 'sequence', bits: 32 },
      { name: 'comm', bits: 128 },
    ],
    placements: [{ at: 'fixed', offset: 14, when: [ethertype(ethertypeValue)] }],
  };
  const headers: HeaderSpec[] = [ETHERNET, trace];
  const parser = [
    'state start {',
    '    packet.extract(hdr.ethernet);',
    '    transition select(hdr.ethernet.ether_type) {',
    `        0x${ethertypeValue.toString(16)}: parse_trace;`,
    '        default: accept;',
    '    }',
    '}',
    'state parse_trace {',
    '    packet.extract(hdr.trace);',
  ];
  if (rec.length > 0) {
    headers.push({
      name: 'rec',
      type: recType,
      fields: rec,
      placements: [
        {
          at: 'fixed',
          offset: recordOffset,
          when: [
            ethertype(ethertypeValue),
            { offset: 18, bytes: 2, mask: 0xffffn, values: [BigInt(eventId & 0xffff)] },
          ],
        },
      ],
    });
    parser.push(
      '    transition select(hdr.trace.event_id) {',
      `        0x${(eventId & 0xffff).toString(16)}: parse_rec;`,
      '        default: accept;',
      '    }',
      '}',
      'state parse_rec {',
      '    packet.extract(hdr.rec);',
      '    transition accept;',
      '}',
    );
  } else parser.push('    transition accept;', '}');
  return {
    name: 'trace-frame',
    headers,
    guarded: true,
    parser,
    contract: `frames at least ${recordOffset + pos} bytes long (the headers and the record's fixed part)`,
  };
}

/** 802.1Q, 802.1ad and the old QinQ TPID: libpcap's `vlan` tests all three. */
const TPIDS = [0x8100n, 0x88a8n, 0x9100n];

const tpidAt = (offset: number): FrameCondition => ({ offset, bytes: 2, mask: 0xffffn, values: TPIDS });

/** Where the network header starts: 14 (untagged), 18 (after one VLAN tag) or 22 (after two: libpcap's
 *  `vlan and vlan`), and its EtherType condition (the TPIDs before it, then the type). */
type L3 = 14 | 18 | 22;
function l3Type(at: L3, type: number): FrameCondition[] {
  const tags = [12, 16].filter((o) => o < at - 2).map(tpidAt);
  return [...tags, { offset: at - 2, bytes: 2, mask: 0xffffn, values: [BigInt(type)] }];
}
const fragZero = (at: L3): FrameCondition => ({ offset: at + 6, bytes: 2, mask: 0x1fffn, values: [0n] });
const ipv4Proto = (at: L3, p: number): FrameCondition => ({
  offset: at + 9,
  bytes: 1,
  mask: 0xffn,
  values: [BigInt(p)],
});
const ipv6Next = (at: L3, p: number): FrameCondition => ({
  offset: at + 6,
  bytes: 1,
  mask: 0xffn,
  values: [BigInt(p)],
});
const L3S: readonly L3[] = [14, 18, 22];

function l4(
  name: string,
  type: string,
  proto: number,
  fields: readonly HeaderField[],
  afterIpv6 = true,
): HeaderSpec {
  const placements: Placement[] = [];
  for (const at of L3S)
    placements.push({
      at: 'after-ipv4',
      ipv4: at,
      when: [...l3Type(at, 0x800), fragZero(at), ipv4Proto(at, proto)],
    });
  if (afterIpv6)
    for (const at of L3S)
      placements.push({ at: 'fixed', offset: at + 40, when: [...l3Type(at, 0x86dd), ipv6Next(at, proto)] });
  return { name, type, fields, placements };
}

function afterIpv6(next: number): Placement[] {
  return L3S.map((at) => ({
    at: 'fixed',
    offset: at + 40,
    when: [...l3Type(at, 0x86dd), ipv6Next(at, next)],
  }));
}

function l3(type: number): Placement[] {
  return L3S.map((at) => ({ at: 'fixed', offset: at, when: l3Type(at, type) }));
}

const VLAN_FIELDS: readonly HeaderField[] = [
  { name: 'pcp', bits: 3 },
  { name: 'dei', bits: 1 },
  { name: 'vid', bits: 12 },
  { name: 'ether_type', bits: 16 },
];

const PORTS: readonly HeaderField[] = [
  { name: 'src_port', bits: 16 },
  { name: 'dst_port', bits: 16 },
];

/** The parser's select cases for a network-layer EtherType (no match: accept). */
const L3_CASES = [
  '        0x0800: parse_ipv4;',
  '        0x0806: parse_arp;',
  '        0x8035: parse_arp;',
  '        0x86dd: parse_ipv6;',
  '        default: accept;',
];

/** A `transition select` on an EtherType field: the VLAN TPIDs to `tag` (when given), then `rest`. */
function etherSelect(field: string, tag: string | undefined, rest: readonly string[]): string[] {
  const tpids = tag === undefined ? [] : TPIDS.map((t) => `        0x${t.toString(16)}: ${tag};`);
  return [`    transition select(${field}) {`, ...tpids, ...rest, '    }'];
}

/**
 * Packets on Ethernet as libpcap addresses them: ethernet; at most two VLAN tags (TPID 0x8100, 0x88a8 or 0x9100);
 * then arp/rarp, ipv4 (EtherType 0x0800; options skipped by IHL) or ipv6 (0x86dd; the fragment header when Next
 * Header is 44, icmp6 when 58); then tcp, udp, sctp or icmp — after IPv4 only when the fragment offset is 0
 * (libpcap's `jset #0x1fff`), after IPv6 only as the first Next Header.
 */
export const PACKET_MODEL: HeaderModel = {
  name: 'ethernet-ip',
  headers: [
    ETHERNET,
    {
      name: 'vlan',
      type: 'vlan_t',
      fields: VLAN_FIELDS,
      placements: [{ at: 'fixed', offset: 14, when: [tpidAt(12)] }],
    },
    {
      name: 'vlan_inner',
      type: 'vlan_t',
      fields: VLAN_FIELDS,
      placements: [{ at: 'fixed', offset: 18, when: [tpidAt(12), tpidAt(16)] }],
    },
    {
      name: 'ipv4',
      type: 'ipv4_t',
      fields: [
        { name: 'version', bits: 4 },
        { name: 'ihl', bits: 4 },
        { name: 'diffserv', bits: 8 },
        { name: 'total_len', bits: 16 },
        { name: 'identification', bits: 16 },
        { name: 'flags', bits: 3 },
        { name: 'frag_offset', bits: 13 },
        { name: 'ttl', bits: 8 },
        { name: 'protocol', bits: 8 },
        { name: 'hdr_checksum', bits: 16 },
        { name: 'src_addr', bits: 32 },
        { name: 'dst_addr', bits: 32 },
      ],
      placements: l3(0x800),
    },
    {
      name: 'arp',
      type: 'arp_t',
      fields: [
        { name: 'htype', bits: 16 },
        { name: 'ptype', bits: 16 },
        { name: 'hlen', bits: 8 },
        { name: 'plen', bits: 8 },
        { name: 'oper', bits: 16 },
        { name: 'sha', bits: 48 },
        { name: 'spa', bits: 32 },
        { name: 'tha', bits: 48 },
        { name: 'tpa', bits: 32 },
      ],
      placements: [...l3(0x806), ...l3(0x8035)],
    },
    {
      name: 'ipv6',
      type: 'ipv6_t',
      fields: [
        { name: 'version', bits: 4 },
        { name: 'traffic_class', bits: 8 },
        { name: 'flow_label', bits: 20 },
        { name: 'payload_len', bits: 16 },
        { name: 'next_hdr', bits: 8 },
        { name: 'hop_limit', bits: 8 },
        { name: 'src_addr', bits: 128 },
        { name: 'dst_addr', bits: 128 },
      ],
      placements: l3(0x86dd),
    },
    {
      name: 'ipv6_frag',
      type: 'ipv6_frag_t',
      fields: [
        { name: 'next_hdr', bits: 8 },
        { name: 'reserved', bits: 8 },
        { name: 'frag_offset', bits: 13 },
        { name: 'res', bits: 2 },
        { name: 'more', bits: 1 },
        { name: 'identification', bits: 32 },
      ],
      placements: afterIpv6(44),
    },
    {
      name: 'icmp6',
      type: 'icmp6_t',
      fields: [
        { name: 'icmp6_type', bits: 8 },
        { name: 'icmp6_code', bits: 8 },
        { name: 'checksum', bits: 16 },
      ],
      placements: afterIpv6(58),
    },
    l4('tcp', 'tcp_t', 6, [
      ...PORTS,
      { name: 'seq_no', bits: 32 },
      { name: 'ack_no', bits: 32 },
      { name: 'data_offset', bits: 4 },
      { name: 'res', bits: 4 },
      { name: 'flags', bits: 8 },
      { name: 'window', bits: 16 },
      { name: 'checksum', bits: 16 },
      { name: 'urgent_ptr', bits: 16 },
    ]),
    l4('udp', 'udp_t', 17, [...PORTS, { name: 'length', bits: 16 }, { name: 'checksum', bits: 16 }]),
    l4('sctp', 'sctp_t', 132, [
      ...PORTS,
      { name: 'verification_tag', bits: 32 },
      { name: 'checksum', bits: 32 },
    ]),
    l4(
      'icmp',
      'icmp_t',
      1,
      [
        { name: 'icmp_type', bits: 8 }, // `type` is a P4_16 keyword
        { name: 'icmp_code', bits: 8 },
        { name: 'checksum', bits: 16 },
      ],
      false,
    ),
  ],
  guarded: false,
  parser: [
    'state start {',
    '    packet.extract(hdr.ethernet);',
    ...etherSelect('hdr.ethernet.ether_type', 'parse_vlan', ['        default: parse_l3;']),
    '}',
    'state parse_vlan {',
    '    packet.extract(hdr.vlan);',
    ...etherSelect('hdr.vlan.ether_type', 'parse_vlan_inner', L3_CASES),
    '}',
    'state parse_vlan_inner {',
    '    packet.extract(hdr.vlan_inner);',
    ...etherSelect('hdr.vlan_inner.ether_type', undefined, L3_CASES),
    '}',
    'state parse_l3 {',
    ...etherSelect('hdr.ethernet.ether_type', undefined, L3_CASES),
    '}',
    'state parse_ipv4 {',
    '    packet.extract(hdr.ipv4);',
    '    transition select(hdr.ipv4.ihl) {',
    '        0 .. 4: accept;',
    '        5: parse_ipv4_l4;',
    '        default: skip_ipv4_options;',
    '    }',
    '}',
    'state skip_ipv4_options {',
    '    // Options are skipped (not re-emitted by the deparser): the program only classifies.',
    '    packet.advance(((bit<32>) hdr.ipv4.ihl - 5) * 32);',
    '    transition parse_ipv4_l4;',
    '}',
    'state parse_ipv4_l4 {',
    '    transition select(hdr.ipv4.frag_offset, hdr.ipv4.protocol) {',
    '        (0, 6): parse_tcp;',
    '        (0, 17): parse_udp;',
    '        (0, 132): parse_sctp;',
    '        (0, 1): parse_icmp;',
    '        default: accept;',
    '    }',
    '}',
    'state parse_arp {',
    '    packet.extract(hdr.arp);',
    '    transition accept;',
    '}',
    'state parse_ipv6 {',
    '    packet.extract(hdr.ipv6);',
    '    transition select(hdr.ipv6.next_hdr) {',
    '        6: parse_tcp;',
    '        17: parse_udp;',
    '        132: parse_sctp;',
    '        58: parse_icmp6;',
    '        44: parse_ipv6_frag;',
    '        default: accept;',
    '    }',
    '}',
    'state parse_ipv6_frag {',
    '    packet.extract(hdr.ipv6_frag);',
    '    transition accept;',
    '}',
    'state parse_tcp {',
    '    packet.extract(hdr.tcp);',
    '    transition accept;',
    '}',
    'state parse_udp {',
    '    packet.extract(hdr.udp);',
    '    transition accept;',
    '}',
    'state parse_sctp {',
    '    packet.extract(hdr.sctp);',
    '    transition accept;',
    '}',
    'state parse_icmp6 {',
    '    packet.extract(hdr.icmp6);',
    '    transition accept;',
    '}',
    'state parse_icmp {',
    '    packet.extract(hdr.icmp);',
    '    transition accept;',
    '}',
  ],
  contract:
    'IPv4 headers with IHL ≥ 5, and frames not truncated inside a header the parser extracts (at most two VLAN tags are parsed)',
};

/**
 * Whether a frame lies within the model's contract: it is at least `minLength` bytes long, no header the parser
 * would extract from a long enough frame is cut (the frame ends before the header or holds it whole), and every
 * IPv4 header the parser reaches has IHL ≥ 5. Computed by parsing the frame padded with zeros.
 */
export function withinContract(model: HeaderModel, frame: Uint8Array, minLength = 0): boolean {
  if (frame.length < minLength) return false;
  const padded = new Uint8Array(frame.length + 256);
  padded.set(frame);
  const full = parseFrame(model, padded);
  for (const [name, start] of full) {
    const end = start + headerBytes(findHeader(model, name)!);
    if (frame.length > start && frame.length < end) return false;
  }
  const ip = full.get('ipv4');
  if (ip !== undefined && ip < frame.length && (padded[ip]! & 15) < 5) return false;
  return true;
}
