// Test helper: frames of the Linux and 802.11 link types, built from the Ethernet and raw IP frame
// generators (frames.ts): Linux cooked v1/v2 headers (packet type, ARPHRD, address, protocol — 802.2 and
// 802.3 pseudo-protocols for length-field frames), 802.11 data/QoS/management/control frames with
// ToDS/FromDS, 4-address frames and LLC/SNAP, radiotap headers with TSFT/flags/extended-bitmap bits and
// the data-pad flag (sometimes inconsistent with the length, as captures can be); and the filters whose
// meaning depends on the link type. Invariant: pure.
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

const sll = fc
  .tuple(ethernetFrame, fc.constantFrom(0, 1, 2, 3, 4), fc.constantFrom(1, 772, 65534))
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

const sll2 = fc
  .tuple(ethernetFrame, fc.constantFrom(0, 1, 2, 3, 4), fc.constantFrom(1, 2, 7, 0x01020304))
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
const wlanParts = fc
  .tuple(
    ethernetFrame,
    fc.constantFrom(...FC0),
    fc.integer({ min: 0, max: 3 }),
    fc.boolean(),
    otherMac,
    otherMac,
  )
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

const wlan = wlanParts.map(({ hdr, payload }) => [...hdr, ...payload]);

/** Radiotap: present bits TSFT (0), flags (1), ext (31); data pad (flags 0x20) pads the 802.11 header. */
const radiotap = fc
  .tuple(wlanParts, fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 9 }), fc.boolean(), fc.nat(3))
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

/** Frames of `link` (one in five cut short). */
export function linkFrames(link: LinkType): fc.Arbitrary<Uint8Array> {
  switch (link) {
    case 'ethernet':
      return withRunts(ethernetFrame);
    case 'raw':
    case 'ipv4':
    case 'ipv6':
      return withRunts(rawFrame);
    case 'linux_sll':
      return withRunts(sll);
    case 'linux_sll2':
      return withRunts(sll2);
    case 'ieee802_11':
      return withRunts(wlan);
    case 'ieee802_11_radio':
      return withRunts(radiotap);
  }
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
  // radiotap fields (radio[…], DLT_IEEE802_11_RADIO only)
  'radio[0] = 0',
  'radio[2:2] > 0x1000',
  'radio[4:4] & 0x02000000 != 0',
  'radio[len - 40] = 0',
  'radio',
];
