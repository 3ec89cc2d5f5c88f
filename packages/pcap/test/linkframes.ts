// Test helper: frames of the Linux and 802.11 link types, built from the Ethernet and raw IP frame
// generators (frames.ts): Linux cooked v1/v2 headers (packet type, ARPHRD, address, protocol — 802.2 and
// 802.3 pseudo-protocols for length-field frames), 802.11 data/QoS/management/control frames with
// ToDS/FromDS, 4-address frames and LLC/SNAP, radiotap headers with TSFT/flags/extended-bitmap bits and
// the data-pad flag (sometimes inconsistent with the length, as captures can be); Ethernet frames with MPLS and
// Geneve together (label stacks of depth 0..3 before and after Geneve, right and wrong bottom-of-stack bits) carried
// by each link type; and the filters whose meaning depends on the link type. Invariant: pure.
import fc from 'fast-check';
import type { LinkType } from '../src/index.ts';
import { ethernetFrame, MAC_POOL, rawFrame, withRunts } from './frames.ts';

const u16 = (v: number) => [(v >> 8) & 0xff, v & 0xff];
const le16 = (v: number) => [v & 0xff, (v >> 8) & 0xff];
const le32 = (v: number) => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];

/** Linux cooked protocol for an Ethernet frame: its EtherType, or 802.3 (raw IPX) / 802.2 for lengths. */
function sllProto(eth: readonly number[]): number {
  const t = ((eth[12] ?? 0) << 8) | (eth[13] ?? 0);
  if (t > 1500) return t;
  return eth[14] === 0xff && eth[15] === 0xff ? 0x0001 : 0x0004;
}

const sllOf = (eth: fc.Arbitrary<number[]>) =>
  fc
    .tuple(eth, fc.constantFrom(0, 1, 2, 3, 4), fc.constantFrom(1, 772, 65534))
    .map(([eth, pkttype, hatype]) => [
      ...u16(pkttype),
      ...u16(hatype),
      ...u16(6),
      ...eth.slice(6, 12),
      0,
      0,
      ...u16(sllProto(eth)),
      ...eth.slice(14),
    ]);

const sll2Of = (eth: fc.Arbitrary<number[]>) =>
  fc
    .tuple(eth, fc.constantFrom(0, 1, 2, 3, 4), fc.constantFrom(1, 2, 7, 0x01020304))
    .map(([eth, pkttype, ifindex]) => [
      ...u16(sllProto(eth)),
      0,
      0,
      ...[(ifindex >>> 24) & 0xff, (ifindex >> 16) & 0xff, (ifindex >> 8) & 0xff, ifindex & 0xff],
      ...u16(1),
      pkttype,
      6,
      ...eth.slice(6, 12),
      0,
      0,
      ...eth.slice(14),
    ]);

/** Frame control byte 0: data, QoS data, null, data-cf-poll; beacon, probe request, action and deauth (management
 *  subtypes with ACK's and CTS's subtype bits); RTS, ACK, CTS, PS-Poll, CF-End (control); reserved type, plain
 *  and with CTS's subtype bits. */
const FC0 = [0x08, 0x88, 0x48, 0x28, 0x80, 0x40, 0xd0, 0xc0, 0xb4, 0xd4, 0xc4, 0xa4, 0xe4, 0x0c, 0xcc];

/** Addresses 3 and 4 of an 802.11 header: the filters' MACs, or one derived from the frame's. */
const otherMac = fc.oneof(
  fc.constantFrom(...MAC_POOL).map((m) => m.split(':').map((h) => Number.parseInt(h, 16))),
  fc.constant(undefined),
);

/** An 802.11 frame carrying an Ethernet frame's payload (SNAP-encapsulated EtherType, or the 802.2 LLC). */
const wlanPartsOf = (eth: fc.Arbitrary<number[]>) =>
  fc
    .tuple(eth, fc.constantFrom(...FC0), fc.integer({ min: 0, max: 3 }), fc.boolean(), otherMac, otherMac)
    .map(([eth, fc0, dir, fcFlags, mac3, mac4]) => {
      const t = ((eth[12] ?? 0) << 8) | (eth[13] ?? 0);
      const payload =
        t > 1500 ? [0xaa, 0xaa, 0x03, 0, 0, 0, ...eth.slice(12, 14), ...eth.slice(14)] : eth.slice(14);
      const a = eth.slice(0, 6);
      const b = eth.slice(6, 12);
      const c = mac3 ?? [0x02, 0, 0, 0, 0, dir];
      const hdr = [fc0, dir | (fcFlags ? 0x40 : 0), 0, 0, ...a, ...b, ...c, 0x10, 0];
      if (dir === 3) hdr.push(...(mac4 ?? b.map((x) => x ^ 1)));
      if ((fc0 & 0x8c) === 0x88) hdr.push(0, 0);
      return { hdr, payload, data: (fc0 & 0x0c) === 0x08 };
    });

const wlanOf = (eth: fc.Arbitrary<number[]>) =>
  wlanPartsOf(eth).map(({ hdr, payload }) => [...hdr, ...payload]);

/** Radiotap: present bits TSFT (0), flags (1), ext (31); data pad (flags 0x20) pads the 802.11 header. */
const radiotapOf = (eth: fc.Arbitrary<number[]>) =>
  fc
    .tuple(
      wlanPartsOf(eth),
      fc.boolean(),
      fc.boolean(),
      fc.integer({ min: 0, max: 9 }),
      fc.boolean(),
      fc.nat(3),
    )
    .map(([w, tsft, flags, extOrPad, datapad, slack]) => {
      const ext = extOrPad === 0;
      const present = (tsft ? 1 : 0) | (flags ? 2 : 0) | (ext ? 0x80000000 : 0);
      const body: number[] = [];
      if (ext) body.push(...le32(0));
      if (tsft) {
        while ((8 + body.length) % 8 !== 0) body.push(0);
        body.push(1, 2, 3, 4, 5, 6, 7, 8);
      }
      if (flags) body.push(datapad ? 0x20 : 0x10);
      for (let i = 0; i < slack; i++) body.push(0);
      const len = 8 + body.length;
      const hdr = [...w.hdr];
      if (flags && datapad) while (hdr.length % 4 !== 0) hdr.push(0xee);
      return [0, 0, ...le16(len), ...le32(present), ...body, ...hdr, ...w.payload];
    });

/** Frames of `link` carrying the Ethernet frames `eth` (their payload, for the link types without a link
 *  header: the IP packets `raw`), one in five cut short. */
export function linkFramesOf(
  link: LinkType,
  eth: fc.Arbitrary<number[]>,
  raw: fc.Arbitrary<number[]>,
): fc.Arbitrary<Uint8Array> {
  switch (link) {
    case 'ethernet':
      return withRunts(eth);
    case 'raw':
    case 'ipv4':
    case 'ipv6':
      return withRunts(raw);
    case 'linux_sll':
      return withRunts(sllOf(eth));
    case 'linux_sll2':
      return withRunts(sll2Of(eth));
    case 'ieee802_11':
      return withRunts(wlanOf(eth));
    case 'ieee802_11_radio':
      return withRunts(radiotapOf(eth));
  }
}

/** Frames of `link` (one in five cut short; one in ten carries MPLS and Geneve together). */
export function linkFrames(link: LinkType): fc.Arbitrary<Uint8Array> {
  return linkFramesOf(
    link,
    fc.oneof({ weight: 9, arbitrary: ethernetFrame }, { weight: 1, arbitrary: mplsGeneveEthernet }),
    fc.oneof(
      { weight: 9, arbitrary: rawFrame },
      { weight: 1, arbitrary: mplsGeneveEthernet.map((f) => f.slice(14)) },
    ),
  );
}

/** Filters whose meaning depends on the link type. */
export const LINK_FILTERS: readonly string[] = [
  'ip',
  'ip6',
  'ip or ip6',
  'ip and ip6',
  'not ip',
  'arp',
  'rarp',
  'tcp',
  'udp port 53',
  'tcp dst port 80 or 443',
  'icmp',
  'icmp6',
  'host 10.0.0.1',
  'net 10.0.0.0/8',
  'src net 192.168',
  'ip6 host 2001:db8::1',
  'ip multicast',
  'ip6 multicast',
  'ether host aa:bb:cc:dd:ee:ff',
  'ether src 00:11:22:33:44:55',
  'ether dst aa:bb:cc:dd:ee:ff',
  'ether src and dst 00:11:22:33:44:55',
  'ether broadcast',
  'ether multicast',
  'broadcast',
  'multicast',
  'inbound',
  'outbound',
  'ifindex 2',
  'ifindex 7 and ip',
  'pppoes and inbound',
  'pppoes and ifindex 2 or tcp',
  'geneve and outbound',
  'vlan and not inbound and udp',
  'link[0] = 8',
  'link[0] & 0xc = 8',
  'link[1] & 3 = 3',
  'ether[12:2] = 0x800',
  'link proto 0x800',
  'ether proto 0x88cc',
  'ether proto 0x86dd',
  'iso',
  'stp',
  'netbeui',
  'ipx',
  'atalk',
  'aarp',
  'decnet',
  'lat',
  'clnp',
  'isis',
  'l1',
  'csnp',
  'pppoed',
  'pppoes',
  'pppoes and ip',
  'pppoes 1 and tcp port 80',
  'vlan',
  'vlan 100 and ip',
  'mpls',
  'mpls and ip',
  'geneve',
  'geneve and ip',
  'ip6 protochain 17',
  'ip protochain 6',
  'protochain 58',
  'tcp[13] & 2 != 0',
  'ip[9] = 6',
  'ip6[6] = 17',
  'udp[0:2] = 53',
  'len > 60',
  'less 40',
  'ip proto 17 or ip6 proto 6',
  'tcp portrange 1000-2000',
  'not ether broadcast and ip',
  'type data',
  'type ctl',
  'type mgt subtype beacon',
  'type data subtype null',
  'subtype qos-data',
  'subtype ack',
  'dir tods',
  'direction 3',
  'type data and dir fromds and ip',
  'not type mgt and wlan src 00:11:22:33:44:55',
  // 802.11 address fields (gen_wlanhostop's addr1..addr4, ra, ta)
  'wlan addr1 aa:bb:cc:dd:ee:ff',
  'wlan addr2 00:11:22:33:44:55',
  'wlan address2 host aa:bb:cc:dd:ee:ff',
  'wlan addr3 aa:bb:cc:dd:ee:ff',
  'wlan addr4 00:11:22:33:44:55',
  'wlan addr4 aa:bb:cc:dd:ee:ff or ff:ff:ff:ff:ff:ff',
  'wlan ra ff:ff:ff:ff:ff:ff',
  'wlan ra aa:bb:cc:dd:ee:ff',
  'wlan ta 00:11:22:33:44:55',
  'wlan ta aa:bb:cc:dd:ee:ff and not type data',
  'link addr1 01:00:5e:00:00:fb or wlan addr3 01:00:5e:00:00:fb',
  'ether ta 00:11:22:33:44:55',
  'ra host 10.0.0.1',
  'ta port 80',
  'addr2 portrange 1-1024',
  'addr3 net 10.0.0.0/8',
  'ta 00:11:22:33:44:55',
  'not wlan addr4 00:11:22:33:44:55 and ip',
  'subtype ack or wlan ta aa:bb:cc:dd:ee:ff',
  'wlan type data',
  'wlan type mgt subtype beacon or wlan subtype ack',
  'link dir tods and ip',
  // encapsulations over 802.11 (SNAP types 0x8100 / 0x8864 / IPv4 to UDP 6081)
  'vlan and tcp',
  'vlan and vlan',
  'vlan 5 or pppoes',
  'vlan and link[0] & 0x0c = 8',
  'pppoes and udp',
  'pppoes and link[0:2] = 0x21',
  'pppoes and vlan',
  'geneve and tcp port 80',
  'geneve 1 and (ip or arp)',
  'geneve and ether host aa:bb:cc:dd:ee:ff',
  'geneve and ether src 00:11:22:33:44:55 and ip',
  'geneve and (broadcast or multicast)',
  'geneve and not ether dst ff:ff:ff:ff:ff:ff',
  'geneve and vlan and ip',
  'geneve and (vlan 5 or pppoes)',
  'geneve and pppoes and ip',
  'geneve and llc',
  'geneve and (llc u or byte 12 = 8)',
  'geneve and (iso proto 0x81 or isis proto 0x11 or clnp)',
  'geneve and decnet host 1.1',
  'pppoes and geneve and clnp',
  // MPLS around Geneve (libpcap's label depth outlives `geneve`: README, encap.test.ts)
  'geneve and mpls',
  'geneve and mpls 100 and ip',
  'geneve and mpls and mpls and tcp port 80',
  'mpls and geneve and ether host aa:bb:cc:dd:ee:ff',
  'mpls and geneve and ip',
  'mpls and geneve and mpls',
  // radiotap fields (radio[…], DLT_IEEE802_11_RADIO only)
  'radio[0] = 0',
  'radio[2:2] > 0x1000',
  'radio[4:4] & 0x02000000 != 0',
  'radio[len - 40] = 0',
  'radio',
];

// ---------------------------------------------------------------- MPLS around Geneve
const MG_MACS = MAC_POOL.map((m) => m.split(':').map((h) => Number.parseInt(h, 16)));

/** A label stack of `labels` (bottom-of-stack: on the last label; `wrong` puts it on the first instead, or
 *  nowhere when there is one label), TTL 64. */
function labelStack(labels: readonly number[], wrong: boolean): number[] {
  return labels.flatMap((l, i) => {
    const last = i === labels.length - 1;
    const bos = wrong ? labels.length > 1 && i === 0 : last;
    const w = (l * 4096 + (bos ? 0x100 : 0) + 64) >>> 0;
    return [(w >>> 24) & 0xff, (w >>> 16) & 0xff, (w >>> 8) & 0xff, w & 0xff];
  });
}

const mgLabel = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(100, 16, 5) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xfffff }) },
);
const mgStack = (min: number) =>
  fc
    .integer({ min, max: 3 })
    .chain((n) => fc.tuple(fc.array(mgLabel, { minLength: n, maxLength: n }), fc.nat(5)))
    .map(([ls, w]) => ({
      labels: ls,
      wrong: w === 0,
    }));

/** An inner IPv4 (IHL 5) or IPv6 packet: TCP or UDP with the filters' ports and addresses. */
const mgInnerIp = fc
  .tuple(
    fc.boolean(),
    fc.constantFrom(6, 17),
    fc.constantFrom(80, 53, 6081, 12345),
    fc.constantFrom(80, 53, 443),
    fc.constantFrom([10, 0, 0, 1], [192, 168, 1, 10]),
  )
  .map(([v6, proto, sp, dp, a]) => {
    const l4 = [...u16(sp), ...u16(dp), 0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0x02, 0, 0, 0, 0, 0, 0];
    const ip = v6
      ? [
          0x60,
          0,
          0,
          0,
          ...u16(l4.length),
          proto,
          64,
          0x20,
          0x01,
          0x0d,
          0xb8,
          ...new Array<number>(11).fill(0),
          1,
          ...new Array<number>(16).fill(2),
        ]
      : [0x45, 0, ...u16(20 + l4.length), 0, 0, 0, 0, 64, proto, 0, 0, ...a, 10, 0, 0, 2];
    return { v6, bytes: [...ip, ...l4] };
  });

/** A label stack (possibly empty) and the packet under it: the EtherType announcing it and the bytes. */
const mgLabelled = (min: number) =>
  fc.tuple(mgStack(min), mgInnerIp).map(([s, ip]) => ({
    type: s.labels.length > 0 ? 0x8847 : ip.v6 ? 0x86dd : 0x800,
    bytes: [...labelStack(s.labels, s.wrong), ...ip.bytes],
  }));

/** Geneve's protocol type and payload: an inner Ethernet frame (0x6558) over a label stack of depth 0..3, a bare
 *  label stack (0x8847), a bare IPv4/IPv6 packet, or (rarely) another type. */
const mgInnerEthernet = fc
  .tuple(fc.constantFrom(...MG_MACS), fc.constantFrom(...MG_MACS), mgLabelled(0))
  .map(([d, s, p]) => ({ ptype: 0x6558, bytes: [...d, ...s, ...u16(p.type), ...p.bytes] }));
const mgGenevePayload = fc.oneof(
  { weight: 3, arbitrary: mgInnerEthernet },
  { weight: 2, arbitrary: mgLabelled(1).map((p) => ({ ptype: 0x8847, bytes: p.bytes })) },
  { weight: 2, arbitrary: mgLabelled(0).map((p) => ({ ptype: p.type, bytes: p.bytes })) },
  { weight: 1, arbitrary: mgLabelled(0).map((p) => ({ ptype: 0x0806, bytes: p.bytes })) },
);

/** Ethernet frames with MPLS and Geneve together: a label stack of depth 0..3 (bottom-of-stack bits right or
 *  wrong), IPv4 (IHL 5 or 6) or IPv6, UDP to 6081 (sometimes 4789), Geneve (version 0, sometimes 1; 0..2 option
 *  words; VNI 5, 1 or any) and the payload above. */
export const mplsGeneveEthernet: fc.Arbitrary<number[]> = fc
  .tuple(
    fc.constantFrom(...MG_MACS),
    fc.constantFrom(...MG_MACS),
    fc.oneof(
      mgStack(0),
      mgStack(0).map((st) => ({ ...st, labels: [] })),
    ),
    fc.boolean(),
    fc.boolean(),
    fc.nat(7),
    fc.nat(7),
    fc.integer({ min: 0, max: 2 }),
    fc.oneof(fc.constantFrom(5, 1), fc.integer({ min: 0, max: 0xffffff })),
    mgGenevePayload,
  )
  .map(([d, s, outer, v6, ipOpts, portSel, verSel, opt, vni, pl]) => {
    const gen = [(verSel === 0 ? 0x40 : 0) | opt, 0, ...u16(pl.ptype), ...u16(vni >>> 8), vni & 0xff, 0];
    const body = [...gen, ...new Array<number>(4 * opt).fill(0), ...pl.bytes];
    const udp = [...u16(4242), ...u16(portSel === 0 ? 4789 : 6081), ...u16(8 + body.length), 0, 0, ...body];
    const ip = v6
      ? [0x60, 0, 0, 0, ...u16(udp.length), 17, 64, ...new Array<number>(32).fill(3)]
      : [ipOpts ? 0x46 : 0x45, 0, ...u16(udp.length + (ipOpts ? 24 : 20)), 0, 0, 0, 0, 64, 17, 0, 0]
          .concat([10, 0, 0, 9, 10, 0, 0, 1])
          .concat(ipOpts ? [1, 1, 1, 0] : []);
    const type = outer.labels.length > 0 ? 0x8847 : v6 ? 0x86dd : 0x800;
    return [...d, ...s, ...u16(type), ...labelStack(outer.labels, outer.wrong), ...ip, ...udp];
  });

/** `mplsGeneveEthernet` as frames of `link` (on the link types without a link header: the packet after the
 *  Ethernet header, a label stack first when there is one); one in five cut short. */
export function mplsGeneveFrames(link: LinkType): fc.Arbitrary<Uint8Array> {
  return linkFramesOf(
    link,
    mplsGeneveEthernet,
    mplsGeneveEthernet.map((f) => f.slice(14)),
  );
}
