// fast-check arbitrary for pcap-filter text: primitives of every kind tfc implements (hosts, nets,
// ports, port ranges, protocols, proto/protochain, broadcast/multicast, vlan/mpls/geneve, less/greater,
// `proto[expr:size]` arithmetic with named constants, llc, byte, OSI proto, DECnet, built-in names) combined with and/or/not/parentheses and bare
// ids that inherit qualifiers. Values come from the frame generator's pools. Invariant: pure.
import fc from 'fast-check';
import { IP4_POOL, IP6_POOL, MAC_POOL, MPLS_POOL, PORT_POOL, VLAN_POOL } from './frames.ts';

const ip4 = fc.constantFrom(...IP4_POOL, '10.0.0', '192.168', '10');
const net4 = fc.constantFrom(
  '10.0.0.0/8',
  '192.168.0.0/16',
  '10.0.0.0/24',
  '0.0.0.0/0',
  '224.0.0.0/4',
  '10.0.0.0 mask 255.0.0.0',
);
const ip6 = fc.constantFrom(...IP6_POOL);
const net6 = fc.constantFrom('2001:db8::/32', 'fe80::/10', '::/0', 'ff00::/8');
const port = fc.constantFrom(...PORT_POOL.map(String));
const dir = fc.constantFrom('', 'src ', 'dst ', 'src or dst ', 'src and dst ');
const l4 = fc.constantFrom('', 'tcp ', 'udp ', 'sctp ');
const hostProto = fc.constantFrom('', 'ip ', 'arp ', 'rarp ');
const protoNum = fc.constantFrom('6', '17', '1', '58', '47', '132', '44', '0', '60', '300');

const primitive: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'tcp',
    'udp',
    'icmp',
    'icmp6',
    'ip',
    'ip6',
    'arp',
    'rarp',
    'sctp',
    'igmp',
    'igrp',
    'pim',
    'vrrp',
    'carp',
    'ah',
    'esp',
    'stp',
    'netbeui',
    'iso',
    'decnet',
    'lat',
    'sca',
    'moprc',
    'mopdl',
    'ether broadcast',
    'broadcast',
    'ether multicast',
    'multicast',
    'ip multicast',
    'ip6 multicast',
    'vlan',
    'mpls',
    'geneve',
    'pppoed',
    'ipx',
    'atalk',
    'aarp',
    'clnp',
    'esis',
    'isis',
    'l1',
    'l2',
    'iih',
    'lsp',
    'snp',
    'csnp',
    'psnp',
  ),
  // llc, byte, OSI proto, DECnet, built-in names, nested geneve (issue 18)
  fc.constantFrom(
    'llc',
    'llc i',
    'llc s',
    'llc u',
    'llc ui',
    'llc rr',
    'llc ua',
    'byte 12 = 8',
    'byte 23 < 17',
    'byte 14 > 0x44',
    'iso proto 0x83',
    'isis proto 0x12',
    'decnet host 1.2',
    'decnet src 50.764',
    'decnet[0] = 0',
    'link proto \\ip6',
    'ether proto \\arp',
    'ether proto loopback',
    'iso proto \\isis',
    'geneve and geneve',
  ),
  fc.tuple(hostProto, dir, ip4).map(([p, d, a]) => `${p}${d}host ${a}`),
  fc.tuple(hostProto, dir, net4).map(([p, d, a]) => `${p}${d}net ${a}`),
  fc
    .tuple(dir, ip4)
    .map(([d, a]) => `${d}${a}`)
    .filter((s) => s.includes(' ')),
  fc.tuple(fc.constantFrom('', 'ip6 '), dir, ip6).map(([p, d, a]) => `${p}${d}host ${a}`),
  fc.tuple(fc.constantFrom('', 'ip6 '), dir, net6).map(([p, d, a]) => `${p}${d}net ${a}`),
  fc.tuple(dir, fc.constantFrom(...MAC_POOL)).map(([d, m]) => `ether ${d}host ${m}`),
  fc.tuple(fc.constantFrom('src', 'dst'), fc.constantFrom(...MAC_POOL)).map(([d, m]) => `ether ${d} ${m}`),
  // 802.11 address fields (errors elsewhere: libpcap's 'ra' is only supported on 802.11 …)
  fc
    .tuple(
      fc.constantFrom('wlan', 'ether', ''),
      fc.constantFrom('addr1', 'address2', 'addr3', 'addr4', 'ra', 'ta'),
      fc.constantFrom('', 'host '),
      fc.constantFrom(...MAC_POOL),
    )
    .map(([p, d, h, m]) => `${p} ${d} ${h}${m}`.trim()),
  fc.tuple(l4, dir, port).map(([p, d, n]) => `${p}${d}port ${n}`),
  fc.tuple(l4, dir, port, port).map(([p, d, a, b]) => `${p}${d}portrange ${a}-${b}`),
  fc.tuple(fc.constantFrom('', 'ip ', 'ip6 '), protoNum).map(([p, n]) => `${p}proto ${n}`),
  fc.tuple(fc.constantFrom('', 'ip ', 'ip6 '), protoNum).map(([p, n]) => `${p}protochain ${n}`),
  fc
    .constantFrom(
      '0x800',
      '0x86dd',
      '0x806',
      '0x88cc',
      '0x8847',
      '0x42',
      '0xf0',
      '0xfe',
      '6',
      '66',
      '0xe0',
      '0x809b',
      '0x80f3',
      '0x8137',
    )
    .map((n) => `ether proto ${n}`),
  fc.constantFrom(...VLAN_POOL.map(String)).map((n) => `vlan ${n}`),
  fc.constantFrom(...MPLS_POOL.map(String)).map((n) => `mpls ${n}`),
  fc.constantFrom('less', 'greater').chain((w) => fc.integer({ min: 0, max: 120 }).map((n) => `${w} ${n}`)),
  fc.constantFrom('0', '1', '0x7b').map((n) => `geneve ${n}`),
  fc.constantFrom(
    'pppoes',
    'pppoes 5',
    'pppoes 0x1234',
    'vlan and pppoes',
    'pppoes and ip',
    'pppoes 5 and ip6',
    'pppoes and mpls',
    'pppoes and mpls 5 and ip',
    'pppoes and mpls and ip6',
    'pppoes and ether[0:2] = 0x21',
    'pppoes and link[1] = 0x57',
    'pppoes and pppoes',
    'pppoes and isis',
    'pppoes and l1',
    'pppoes and clnp',
    'pppoes and iso proto 0x83',
    'pppoes and geneve',
    'mpls and geneve',
    'mpls and geneve and ip',
    'geneve and mpls',
    'geneve and mpls 5 and ip6',
    'vlan and geneve 1',
    'geneve and ip',
    'geneve and tcp',
    'geneve 1 and udp port 80',
    'geneve and host 10.0.0.1',
    'geneve and ip[9] = 6',
    'geneve and ether[12:2] = 0x800',
    'geneve and (tcp port 443 or arp)',
    'geneve and not ip6',
    'pppoes and geneve and ip',
  ),
);

const proto = fc.constantFrom(
  'ether',
  'ip',
  'ip6',
  'arp',
  'tcp',
  'udp',
  'icmp',
  'icmp6',
  'sctp',
  'igmp',
  'link',
);
const small = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 60 }).map(String) },
  { weight: 2, arbitrary: fc.constantFrom('tcpflags', 'icmptype', 'icmp6type') },
  // indices near 2^32: cBPF's X + k must not wrap
  { weight: 1, arbitrary: fc.constantFrom('len - 60', '0 - 1', '0 - 20', '0xfffffff0', '0xffffffff') },
);
const value = fc.oneof(
  fc.integer({ min: 0, max: 300 }).map(String),
  fc.constantFrom(
    '0x12',
    '0x45',
    '0xffff',
    '0x40',
    'tcp-syn',
    'tcp-ack',
    'icmp-echo',
    'icmp6-echo',
    '0x0800',
  ),
);
const access = fc
  .tuple(proto, small, fc.constantFrom('', ':1', ':2', ':4'))
  .map(([p, i, s]) => `${p}[${i}${s}]`);
const arithAtom = fc.oneof({ weight: 3, arbitrary: access }, value, fc.constant('len'));
const arith: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: arithAtom },
  fc
    .tuple(arithAtom, fc.constantFrom('+', '-', '*', '/', '%', '&', '|', '^', '<<', '>>'), arithAtom)
    .map(([a, o, b]) => `${a} ${o} ${b}`),
  fc.tuple(arithAtom, arithAtom).map(([a, b]) => `(${a} & 0xf) * 4 + ${b}`),
  fc.tuple(proto, arithAtom).map(([p, a]) => `${p}[${a} & 0x1f]`),
  arithAtom.map((a) => `-${a}`),
);
const relation = fc
  .tuple(arith, fc.constantFrom('=', '!=', '<', '<=', '>', '>=', '=='), arith)
  .map(([a, o, b]) => `${a} ${o} ${b}`);

const leaf = fc.oneof({ weight: 4, arbitrary: primitive }, { weight: 2, arbitrary: relation });

/** A filter expression with up to `depth` levels of combination. */
export const filterText: fc.Arbitrary<string> = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 3, arbitrary: leaf },
    fc
      .tuple(tie('expr'), fc.constantFrom('and', 'or', '&&', '||'), tie('expr'))
      .map(([a, o, b]) => `${a} ${o} ${b}`),
    tie('expr').map((a) => `not ${a}`),
    tie('expr').map((a) => `(${a})`),
    // bare ids inheriting the previous qualifier
    fc
      .tuple(
        primitive,
        fc.constantFrom('and', 'or'),
        fc.oneof(ip4, port, fc.constantFrom('not 10.0.0.2', '(1.2.3.4 or 5.6.7.8)')),
      )
      .map(([a, o, b]) => `${a} ${o} ${b}`),
  ),
})).expr;
