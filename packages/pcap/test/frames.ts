// fast-check arbitraries for structured frames: Ethernet with 0-2 VLAN tags (802.1Q/802.1ad/QinQ TPIDs)
// or an MPLS stack, IPv4 with options and fragments, IPv6 with extension headers (hop-by-hop, routing,
// fragment, destination options), TCP/UDP/ICMP/SCTP/Geneve, ARP/RARP, LLC, other EtherTypes, and runts
// (any frame cut at a random length). Field values come from small pools that the filter generator
// also uses, so matches are frequent. Invariant: pure arbitraries, no I/O.
// Never generated: AH (51) in an IPv6 chain, because libpcap's protochain loop never terminates on some
// AH headers (its bpf_filter would hang the test).
import fc from 'fast-check';

export const IP4_POOL = [
  '10.0.0.1',
  '10.0.0.2',
  '1.2.3.4',
  '5.6.7.8',
  '192.168.1.10',
  '224.0.0.251',
  '255.255.255.255',
];
export const IP6_POOL = ['2001:db8::1', '2001:db8::2', 'fe80::1', 'ff02::1'];
export const MAC_POOL = ['aa:bb:cc:dd:ee:ff', '00:11:22:33:44:55', 'ff:ff:ff:ff:ff:ff', '01:00:5e:00:00:fb'];
export const PORT_POOL = [80, 443, 53, 1500, 1000, 2000, 6081, 4789, 12345];
export const VLAN_POOL = [100, 200, 2, 3];
export const MPLS_POOL = [1024, 5, 16];

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const u16 = (v: number) => [(v >> 8) & 0xff, v & 0xff];
const ip4 = fc.oneof(
  fc.constantFrom(...IP4_POOL).map((s) => s.split('.').map(Number)),
  bytes(4).map((b) => [...b]),
);
function ip6Bytes(s: string): number[] {
  const [a, b] = s.split('::') as [string, string | undefined];
  const ga = a ? a.split(':') : [];
  const gb = b ? b.split(':') : [];
  const words = [...ga, ...new Array<string>(8 - ga.length - gb.length).fill('0'), ...gb];
  return words.flatMap((w) => u16(Number.parseInt(w, 16)));
}
const ip6 = fc.oneof(
  fc.constantFrom(...IP6_POOL).map(ip6Bytes),
  bytes(16).map((b) => [...b]),
);
const mac = fc.oneof(
  fc.constantFrom(...MAC_POOL).map((s) => s.split(':').map((h) => Number.parseInt(h, 16))),
  bytes(6).map((b) => [...b]),
);
const port = fc.oneof(fc.constantFrom(...PORT_POOL), fc.integer({ min: 0, max: 65535 }));

/** A small inner IPv4 header (IHL 5, TCP or UDP) with ports: what primitives after `geneve` read. */
const innerIp: fc.Arbitrary<number[]> = fc
  .tuple(fc.constantFrom(6, 17, 1), fc.constantFrom(...IP4_POOL), port, port)
  .map(([proto, a, sp, dp]) => [
    0x45,
    0,
    0,
    40,
    0,
    0,
    0,
    0,
    64,
    proto,
    0,
    0,
    ...a.split('.').map(Number),
    10,
    0,
    0,
    1,
    ...u16(sp),
    ...u16(dp),
    0,
    0,
    0,
    0,
  ]);
/** Geneve protocol type and payload: an inner Ethernet frame (0x6558) with IPv4 or other bytes, bare IPv4, or noise. */
const genevePayload: fc.Arbitrary<[number, number[]]> = fc.oneof(
  fc
    .tuple(bytes(12), fc.constantFrom(0x800, 0x86dd, 0x806), innerIp)
    .map(([m, et, ip]): [number, number[]] => [0x6558, [...m, ...u16(et), ...ip]]),
  innerIp.map((ip): [number, number[]] => [0x800, ip]),
  bytes(16).map((b): [number, number[]] => [0x6558, [...b]]),
  // inner Ethernet with the filters' MACs: 802.3 + LLC (OSI NLPIDs, IS-IS PDU types, U/S control bytes), IPv4, or
  // a VLAN tag (VID 5) and IPv4
  fc
    .tuple(
      fc.constantFrom(...MAC_POOL),
      fc.constantFrom(...MAC_POOL),
      fc.constantFrom(0xfe, 0x42, 0xaa),
      fc.constantFrom(0x03, 0x01, 0xe3, 0x00),
      fc.constantFrom(0x81, 0x82, 0x83),
      fc.constantFrom(0x0f, 0x11, 0x12, 0x18),
      fc.constantFrom('llc', 'ip', 'vlan'),
    )
    .map(([d, s, sap, ctl, nlpid, pdu, kind]): [number, number[]] => {
      const m = [d, s].flatMap((x) => x.split(':').map((h) => Number.parseInt(h, 16)));
      const ip = [0x08, 0x00, 0x45, 0, 0, 20];
      const body =
        kind === 'llc'
          ? [0, 20, sap, sap, ctl, nlpid, 0, 0, 0, pdu, 0, 0]
          : kind === 'vlan'
            ? [0x81, 0x00, 0, 5, ...ip]
            : ip;
      return [0x6558, [...m, ...body, ...new Array<number>(8).fill(0)]];
    }),
);

const l4 = (proto: number): fc.Arbitrary<number[]> => {
  switch (proto) {
    case 6:
      return fc
        .tuple(port, port, bytes(8), fc.constantFrom(0x02, 0x12, 0x10, 0x18, 0x11, 0x04), bytes(6))
        .map(([s, d, seq, fl, rest]) => [...u16(s), ...u16(d), ...seq, 0x50, fl, ...rest]);
    case 17:
      return fc
        .tuple(port, port, fc.boolean(), bytes(4), fc.integer({ min: 0, max: 3 }), genevePayload)
        .map(([s, d, gen, vni, opt, [ptype, inner]]) => {
          const dp = gen ? 6081 : d;
          const geneve = gen ? [opt, 0, ...u16(ptype), ...vni.slice(0, 3), 0] : [];
          return [
            ...u16(s),
            ...u16(dp),
            0,
            30,
            0,
            0,
            ...geneve,
            ...new Array<number>(4 * opt).fill(0),
            ...inner,
          ];
        });
    case 1:
    case 58:
      return fc.tuple(fc.constantFrom(0, 8, 3, 11, 128, 129, 135), bytes(7)).map(([t, r]) => [t, ...r]);
    case 132:
      return fc.tuple(port, port, bytes(8)).map(([s, d, r]) => [...u16(s), ...u16(d), ...r]);
    default:
      return fc.uint8Array({ maxLength: 12 }).map((b) => [...b]);
  }
};
const l4proto = fc.oneof(
  fc.constantFrom(6, 17, 1, 2, 132, 47, 50, 103, 112, 58),
  fc.integer({ min: 0, max: 255 }),
);

export const ipv4Packet: fc.Arbitrary<number[]> = fc
  .tuple(
    fc.integer({ min: 5, max: 8 }),
    fc.constantFrom(0, 0x4000, 0x2000, 0x00b9, 0x20b9, 0x1fff),
    l4proto,
    ip4,
    ip4,
    bytes(12),
  )
  .chain(([ihl, frag, proto, src, dst, opts]) =>
    l4(proto).map((payload) => [
      0x40 | ihl,
      0,
      ...u16(20 + payload.length),
      0x12,
      0x34,
      ...u16(frag),
      64,
      proto,
      0,
      0,
      ...src,
      ...dst,
      ...opts.slice(0, 4 * (ihl - 5)),
      ...payload,
    ]),
  );

const extHeader = fc
  .tuple(fc.constantFrom(0, 43, 44, 60), fc.integer({ min: 0, max: 2 }), bytes(22))
  .map(([type, len, pad]) => ({
    type,
    body: (next: number) => [next, len, ...pad.slice(0, 8 * (len + 1) - 2)],
  }));

export const ipv6Packet: fc.Arbitrary<number[]> = fc
  .tuple(fc.array(extHeader, { maxLength: 3 }), l4proto, ip6, ip6)
  .chain(([exts, proto, src, dst]) =>
    l4(proto).map((payload) => {
      const chain: number[] = [];
      exts.forEach((h, i) => {
        chain.push(...h.body(i + 1 < exts.length ? exts[i + 1]!.type : proto));
      });
      const first = exts.length > 0 ? exts[0]!.type : proto;
      return [
        0x60,
        0,
        0,
        0,
        ...u16(chain.length + payload.length),
        first,
        64,
        ...src,
        ...dst,
        ...chain,
        ...payload,
      ];
    }),
  );

const arpPacket: fc.Arbitrary<number[]> = fc
  .tuple(mac, ip4, mac, ip4, fc.constantFrom(1, 2, 3, 4))
  .map(([sha, spa, tha, tpa, op]) => [0, 1, 8, 0, 6, 4, 0, op, ...sha, ...spa, ...tha, ...tpa]);

const payloadFor = (ethertype: number): fc.Arbitrary<number[]> =>
  ethertype === 0x800
    ? ipv4Packet
    : ethertype === 0x86dd
      ? ipv6Packet
      : ethertype === 0x806 || ethertype === 0x8035
        ? arpPacket
        : fc.uint8Array({ maxLength: 40 }).map((b) => [...b]);

const ethertype = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(0x800, 0x86dd, 0x806, 0x8035) },
  { weight: 1, arbitrary: fc.constantFrom(0x88cc, 0x8863, 0x8864, 0x6003, 0x8847) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
);
const llc = fc.oneof(
  fc
    .tuple(fc.constantFrom(0x42, 0xf0, 0xfe, 0x06, 0xe0, 0xaa), fc.boolean(), bytes(20))
    .map(([sap, same, rest]) => [0, 46, sap, same ? sap : rest[0]!, 3, ...rest]),
  // SNAP with IPX/AppleTalk/AARP types, raw 802.3 IPX, ISO (CLNP/ES-IS/IS-IS with PDU types)
  fc
    .tuple(fc.constantFrom([0, 0, 0], [8, 0, 7]), fc.constantFrom(0x8137, 0x809b, 0x80f3, 0x800), bytes(12))
    .map(([oui, t, rest]) => [0, 46, 0xaa, 0xaa, 3, ...oui, (t >> 8) & 0xff, t & 0xff, ...rest]),
  bytes(20).map((rest) => [0, 46, 0xff, 0xff, ...rest]),
  fc
    .tuple(
      fc.constantFrom(0x81, 0x82, 0x83),
      fc.constantFrom(0x0f, 0x10, 0x11, 0x12, 0x14, 0x18, 0x19, 0x1a, 0x1b),
      bytes(12),
    )
    .map(([nlpid, pdu, rest]) => [0, 46, 0xfe, 0xfe, 3, nlpid, 0, 0, 0, pdu, ...rest]),
);

const vlanTag = fc
  .tuple(
    fc.constantFrom(0x8100, 0x88a8, 0x9100),
    fc.oneof(fc.constantFrom(...VLAN_POOL), fc.integer({ min: 0, max: 0xffff })),
  )
  .map(([tpid, tci]) => ({ tpid, tci }));
const mplsLabel = fc.oneof(fc.constantFrom(...MPLS_POOL), fc.integer({ min: 0, max: 0xfffff }));

/** PPPoE session payload: version/type, code, session id, length, PPP protocol, then an IP packet. */
const pppoeSession: fc.Arbitrary<number[]> = fc
  .tuple(
    fc.oneof(fc.constantFrom(5, 0x1234), fc.integer({ min: 0, max: 0xffff })),
    fc.constantFrom(0x21, 0x57, 0x0806, 0xc021, 0x0281, 0x23),
  )
  .chain(([sid, proto]) =>
    (proto === 0x23
      ? // OSI over PPP: NLPID first (no LLC header), IS-IS PDU type 4 bytes later
        fc
          .tuple(
            fc.constantFrom(0x81, 0x82, 0x83),
            bytes(3),
            fc.constantFrom(0x0f, 0x11, 0x12, 0x14, 0x18, 0x1a),
            bytes(8),
          )
          .map(([nlpid, a, pdu, rest]) => [nlpid, ...a, pdu, ...rest])
      : proto === 0x21
        ? ipv4Packet
        : proto === 0x57
          ? ipv6Packet
          : proto === 0x0281
            ? fc
                .tuple(mplsLabel, fc.oneof(ipv4Packet, ipv6Packet))
                .map(([l, ip]) => [(l >>> 12) & 0xff, (l >>> 4) & 0xff, ((l & 0xf) << 4) | 1, 64, ...ip])
            : payloadFor(0)
    ).map((ip) => [0x11, 0, ...u16(sid), ...u16(ip.length + 2), ...u16(proto), ...ip]),
  );

const plainEthernetFrame: fc.Arbitrary<number[]> = fc
  .tuple(
    mac,
    mac,
    fc.array(vlanTag, { maxLength: 2 }),
    fc.array(mplsLabel, { maxLength: 2 }),
    fc.boolean(),
    ethertype,
  )
  .chain(([dst, src, tags, labels, isLlc, et]) => {
    const inner = labels.length > 0 ? fc.constantFrom(0x800, 0x86dd) : fc.constant(et);
    return inner.chain((ety) =>
      (isLlc && labels.length === 0 ? llc : payloadFor(ety)).map((payload) => {
        const out = [...dst, ...src];
        for (const t of tags) out.push(...u16(t.tpid), ...u16(t.tci));
        if (labels.length > 0) {
          out.push(...u16(0x8847));
          labels.forEach((l, i) => {
            const w = (l * 4096 + (i === labels.length - 1 ? 0x100 : 0) + 64) >>> 0;
            out.push((w >>> 24) & 0xff, (w >>> 16) & 0xff, (w >>> 8) & 0xff, w & 0xff);
          });
          out.push(...payload);
          return out;
        }
        if (isLlc) return [...out, ...payload];
        return [...out, ...u16(ety), ...payload];
      }),
    );
  });

/** Ethernet / IPv4 (IHL 5 or 6) or IPv6 / UDP to 6081 / Geneve (version 0, options) / payload: the frames
 *  that primitives after `geneve` read into. */
const geneveFrame: fc.Arbitrary<number[]> = fc
  .tuple(mac, mac, fc.boolean(), fc.boolean(), port, bytes(3), fc.integer({ min: 0, max: 2 }), genevePayload)
  .map(([d, s, v6, opts, sp, vni, opt, [ptype, inner]]) => {
    const udp = [...u16(sp), ...u16(6081), 0, 0, 0, 0, opt, 0, ...u16(ptype), ...vni, 0];
    const body = [...udp, ...new Array<number>(4 * opt).fill(0), ...inner];
    const ip = v6
      ? [0x60, 0, 0, 0, ...u16(body.length), 17, 64, ...new Array<number>(32).fill(1)]
      : [
          opts ? 0x46 : 0x45,
          0,
          ...u16(body.length + 20),
          0,
          0,
          0,
          0,
          64,
          17,
          0,
          0,
          10,
          0,
          0,
          9,
          10,
          0,
          0,
          1,
        ].concat(opts ? [1, 1, 1, 0] : []);
    return [...d, ...s, ...u16(v6 ? 0x86dd : 0x800), ...ip, ...body];
  });

export const ethernetFrame: fc.Arbitrary<number[]> = fc.oneof(
  { weight: 9, arbitrary: plainEthernetFrame },
  { weight: 1, arbitrary: geneveFrame },
  {
    weight: 1,
    arbitrary: fc
      .tuple(mac, mac, fc.array(vlanTag, { maxLength: 1 }), pppoeSession)
      .map(([d, s, tags, body]) => [
        ...d,
        ...s,
        ...tags.flatMap((t) => [...u16(t.tpid), ...u16(t.tci)]),
        ...u16(0x8864),
        ...body,
      ]),
  },
);

export const rawFrame: fc.Arbitrary<number[]> = fc.oneof(
  { weight: 4, arbitrary: ipv4Packet },
  { weight: 4, arbitrary: ipv6Packet },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map((b) => [...b]) },
);

/** A frame, cut short (a runt) one time in five. */
export function withRunts(frame: fc.Arbitrary<number[]>): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(frame, fc.integer({ min: 0, max: 4 }), fc.nat())
    .map(([f, r, cut]) => Uint8Array.from(r === 0 ? f.slice(0, cut % (f.length + 1)) : f));
}
