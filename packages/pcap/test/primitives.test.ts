// The pcap-filter(7) primitives added for issue 18 judged by libpcap 1.10.3 through koffi: `llc` and its
// subtypes and `byte` (src/lower-llc.ts), `iso proto`/`isis proto` (src/lower-iso.ts), DECnet addresses
// (src/lower-decnet.ts), `ip broadcast` with a netmask (src/lower-broadcast.ts) and every IPv6 address
// form of scanner.l (src/lexer.ts). Each filter is compiled by both and decided on generated frames
// (the generic generators plus frames built to hit the primitive: LLC control bytes, DECnet routing
// headers, addresses), or refused by both; counts per item are printed. The only filters libpcap accepts
// and tfc refuses are `byte N & V` / `byte N | V`, which libpcap 1.10.3 compiles without loading the
// byte (checked here to be exactly those, with an `unsupported` diagnostic).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DLT, loadLibpcap, type PcapCompiler } from '@tfc/kernel/sys';
import fc from 'fast-check';
import { PcapFail } from '../src/diagnostics.ts';
import { initialEncap } from '../src/encap.ts';
import { compilePcap, type PcapOptions } from '../src/index.ts';
import { NETMASK_UNKNOWN } from '../src/lower-broadcast.ts';
import { decnetAddress } from '../src/lower-decnet.ts';
import { nosnapOffset } from '../src/lower-iso.ts';
import { lowerLlc } from '../src/lower-llc.ts';
import { ethernetFrame, rawFrame, withRunts } from './frames.ts';
import {
  type DiffStats,
  decnetFrame,
  diffFilter,
  geneveWrap,
  ip4Frame,
  ip6Frame,
  l4Frame,
  llcFrame,
  newStats,
} from './judge.ts';

const pcap = loadLibpcap();
const skip = pcap.ok ? false : pcap.reason;

const ETH_RANDOM = fc.sample(withRunts(ethernetFrame), { numRuns: 60, seed: 18 });
const RAW_RANDOM = fc.sample(withRunts(rawFrame), { numRuns: 30, seed: 19 });
const vlan = (f: Uint8Array, tci = 100) =>
  Uint8Array.from([...f.slice(0, 12), 0x81, 0, tci >> 8, tci & 0xff, ...f.slice(12)]);
const runts = (fs: readonly Uint8Array[]) => fs.flatMap((f) => [f, f.slice(0, 16), f.slice(0, f.length - 3)]);

interface Item {
  readonly name: string;
  readonly eth: readonly string[];
  readonly raw?: readonly string[];
  readonly frames: readonly Uint8Array[];
  readonly options?: Omit<PcapOptions, 'linktype'>;
}

const CONTROLS = [
  0x03, 0x63, 0x43, 0x0f, 0x6f, 0xe3, 0xaf, 0x87, 0x01, 0x05, 0x09, 0x00, 0x10, 0x73, 0xf3, 0x1f, 0xff,
];
const LLC_FRAMES = runts([
  ...CONTROLS.flatMap((c) => [
    llcFrame(0x42, 0x42, c),
    llcFrame(0xfe, 0xfe, c),
    vlan(llcFrame(0xaa, 0xaa, c)),
  ]),
  llcFrame(0xff, 0xff, 0x03),
  llcFrame(0x42, 0x42, 0x03, 1501),
  llcFrame(0x42, 0x42, 0x03, 1500),
]);
const dn = (area: number, node: number) => ((area << 10) | node) & 0xffff;
const DECNET_FRAMES = [
  ...runts(
    [0x02, 0x06, 0x0a, 0x0e, 0x01, 0x07].flatMap((flags) =>
      [dn(50, 764), dn(1, 2), dn(0, 0x1234 & 0x3ff)].flatMap((a) =>
        [false, true].flatMap((pad) => [decnetFrame(flags, pad, a, 0), decnetFrame(flags, pad, a, 1)]),
      ),
    ),
  ),
  vlan(decnetFrame(0x02, false, dn(50, 764), 0)),
  vlan(decnetFrame(0x06, true, dn(50, 764), 1)),
];
const ISO_FRAMES = runts(
  [0x81, 0x82, 0x83].flatMap((nlpid) =>
    [0x0f, 0x10, 0x11, 0x12, 0x14, 0x18, 0x1a, 0x05].map((pdu) =>
      Uint8Array.from([
        0,
        1,
        2,
        3,
        4,
        5,
        6,
        7,
        8,
        9,
        10,
        11,
        0,
        46,
        0xfe,
        0xfe,
        3,
        nlpid,
        0,
        0,
        0,
        pdu,
        ...new Array(20).fill(0),
      ]),
    ),
  ),
);
/** OSI over PPP in a PPPoE session (PPP protocol 0x23, no LLC header): libpcap reads the NLPID right after it. */
const PPP_OSI_FRAMES = runts(
  [
    [0x83, 0, 0, 0, 0x12],
    [0xfe, 0xfe, 3, 0x83, 0, 0, 0, 0x12],
    [0x81, 0, 0, 0x83, 0, 0, 0, 0x12],
    [0x82, 1, 2, 3, 0x0f],
  ].map((b) =>
    Uint8Array.from([
      ...new Array(12).fill(1),
      0x88,
      0x64,
      0x11,
      0,
      0,
      5,
      0,
      30,
      0,
      0x23,
      ...b,
      ...new Array(20).fill(0),
    ]),
  ),
);
const B6 = (s: string) => {
  const [a, b] = s.split('::') as [string, string | undefined];
  const ga = a ? a.split(':') : [];
  const gb = b !== undefined && b !== '' ? b.split(':') : [];
  const w = [...ga, ...new Array<string>(8 - ga.length - gb.length).fill('0'), ...gb];
  return w.flatMap((x) => [Number.parseInt(x, 16) >> 8, Number.parseInt(x, 16) & 0xff]);
};
const V6_ADDRS = [
  '2001:db8::1',
  '2001:db8::c7c8:0',
  '2001:db8::c7c8:ff',
  '1:2:3:4:5:6:7:0',
  '0:1:2:3:4:5:6:7',
  '::ffff:a00:1',
  '::a00:1',
  'fe80::1',
  '::',
];
const V6_FRAMES = runts(V6_ADDRS.flatMap((a) => [ip6Frame(B6(a), B6('9::9')), ip6Frame(B6('9::9'), B6(a))]));
const BCAST_FRAMES = runts(
  [
    '10.0.0.255',
    '10.0.255.255',
    '255.255.255.255',
    '0.0.0.0',
    '10.0.0.0',
    '10.0.0.1',
    '10.0.0.254',
    '10.0.0.3',
  ].map((a) => ip4Frame([9, 9, 9, 9], a.split('.').map(Number), 17)),
);

const INNER = [
  l4Frame(false, 6, 1, 80),
  l4Frame(true, 17, 53, 2),
  l4Frame(false, 17, 5, 53),
  ip4Frame([1, 2, 3, 4], [5, 6, 7, 8]),
];
const GENEVE_FRAMES = runts(
  INNER.flatMap((f, i) => {
    const once = [
      geneveWrap(f, 0x6558, i % 2 === 0, 5, i % 3),
      geneveWrap(f.slice(14), 0x800, i % 2 === 1, 7, 0),
    ];
    return [
      ...once,
      ...once.flatMap((g, j) => [geneveWrap(g, 0x6558, j === 0, 7, j), geneveWrap(g, 0x6558, false, 5, 1)]),
      geneveWrap(geneveWrap(once[0]!, 0x6558, true, 5, 0), 0x6558, false, 9, 2),
    ];
  }),
);
const NET_INDEX_FRAMES = runts(
  [0x809b, 0x6003, 0x6007, 0x6004, 0x6002, 0x6001, 0x0800, 0x86dd].map((et) =>
    Uint8Array.from([
      ...new Array(12).fill(1),
      et >> 8,
      et & 0xff,
      ...Array.from({ length: 30 }, (_, i) => i),
    ]),
  ),
);

const ITEMS: readonly Item[] = [
  {
    name: 'geneve and geneve',
    eth: [
      'geneve and geneve',
      'geneve and geneve and tcp',
      'geneve 5 and geneve 7',
      'geneve and geneve 7 and udp port 53',
      'geneve and geneve and geneve',
      'geneve and geneve and geneve and ip',
      'geneve and (geneve and tcp port 80)',
      'geneve and geneve and ip host 1.2.3.4',
      'not (geneve and geneve and udp)',

      'vlan and geneve and geneve and tcp',
      'geneve and geneve and link[12:2] = 0x800',
    ],
    raw: ['geneve and geneve', 'geneve and geneve and udp'],
    frames: GENEVE_FRAMES,
  },
  {
    name: 'proto[] of atalk decnet sca lat moprc mopdl',
    eth: [
      'atalk[0] = 0',
      'decnet[2] = 2',
      'sca[1:2] = 0x0102',
      'lat[3] > 1',
      'moprc[0:4] != 0',
      'mopdl[4] = 4',
      'decnet[len - 20] = 9',
      'vlan and decnet[0] = 0',
    ],
    raw: ['decnet[0] = 0', 'atalk[1] = 1'],
    frames: NET_INDEX_FRAMES,
  },
  {
    name: 'llc',
    eth: [
      'llc',
      'llc i',
      'llc s',
      'llc u',
      'llc rr',
      'llc rnr',
      'llc rej',
      'llc ui',
      'llc ua',
      'llc disc',
      'llc dm',
      'llc sabme',
      'llc test',
      'llc xid',
      'llc frmr',
      'llc UA',
      'llc \\ua',
      'llc I',
      'llc foo',
      'llc 5',
      'not llc',
      'vlan and llc ua',
      'llc and stp',
      'llc s or llc u',
      'pppoes and llc',
      'mpls and llc u',
      'llc and tcp port 80',
    ],
    raw: ['llc', 'llc ua'],
    frames: LLC_FRAMES,
  },
  {
    name: 'byte',
    eth: [
      'byte 12 = 8',
      'byte 13 = 0',
      'byte 0 > 100',
      'byte 23 < 10',
      'byte 14 == 69',
      'byte 1000 = 0',
      'byte 12 = 8 and byte 23 = 6',
      'pppoes and byte 0 = 0',
      'vlan and byte 12 = 0x81',
      'byte 12 >= 8',
      'byte x = 1',
      'byte 1 = ',
      'not byte 6 < 128',
    ],
    raw: ['byte 0 = 0x45', 'byte 9 = 6', 'byte 0 > 0x50'],
    frames: [],
  },
  {
    name: 'iso/isis proto',
    eth: [
      'iso proto 0x83',
      'iso proto 0x81',
      'iso proto 130',
      'isis proto 0x12',
      'isis proto 18',
      'isis proto 0x10',
      'iso proto \\isis',
      'iso proto \\esis',
      'iso proto \\clnp',
      'isis proto \\isis',
      'esis proto 1',
      'clnp proto 1',
      'l1 proto 1',
      'vlan and iso proto 0x83',
      'pppoes and iso proto 0x83',
      'pppoes and isis proto 0x12',
      'pppoes and isis',
      'pppoes and clnp',
      'pppoes and esis',
      'pppoes and l1',
      'pppoes and lsp',
      'pppoes and iih',
      'isis and l2',
      'not isis proto 0x14',
      'mpls and iso proto 1',
    ],
    raw: ['iso proto 0x83', 'isis proto 0x12'],
    frames: [...ISO_FRAMES, ...PPP_OSI_FRAMES],
  },
  {
    name: 'decnet',
    eth: [
      'decnet host 50.764',
      'decnet src 50.764',
      'decnet dst host 1.2',
      'decnet src and dst 50.764',
      'decnet src or dst 50.764',
      'decnet host 51964',
      'decnet net 50.764',
      'decnet host 1.2.3',
      'decnet host 0x10.5',
      'decnet port 1',
      'decnet net 1.2/16',
      'vlan and decnet host 50.764',
      'decnet host 2001::1',
      'mpls and decnet host 1.2',
      'decnet host 50.764 or 1.2',
      'decnet src 0.564 and not decnet dst 50.764',
      'decnet proto 1',
      'decnet gateway 1.2',
      'decnet host 99999.1',
    ],
    raw: ['decnet host 1.2', 'decnet src 50.764'],
    frames: DECNET_FRAMES,
  },
  {
    name: 'ipv6 forms',
    eth: [
      'net 2001:db8:0:0:0:0:c7c8::/120',
      'net 2001:db8::c7c8:0/112',
      'host 1:2:3:4:5:6:7::',
      'host ::1:2:3:4:5:6:7',
      'host 0:1:2:3:4:5:6:7',
      'host ::ffff:10.0.0.1',
      'host ::10.0.0.1',
      'host 0:0:0:0:0:ffff:10.0.0.1',
      'host 2001:0db8::0001',
      'ip6 net fe80::/10',
      'host ::',
      'net ::/0',
      'src host 2001:DB8::1',
      'net 2001:db8::/32 and not host 2001:db8::1',
      'host 1:2:3:4:5:6:7:8::',
      'host 1::2::3',
      'host ::ffff:1.2.3.256',
      'net 2001:db8::c7c8:1/120',
      'host 2001:db8::c7c8:0/120',
      'ip6 src net 0:1:2:3::/64',
      'host 2001:db8:0:0:0:0:c7c8::',
      'host ::1:2:3:4:5:1.2.3.4',
      'host 1:2:3:4:5:6:1.2.3.4',
    ],
    raw: ['net 2001:db8:0:0:0:0:c7c8::/120', 'host ::ffff:10.0.0.1'],
    frames: V6_FRAMES,
  },
];
const BCAST_FILTERS = [
  'ip broadcast',
  'not ip broadcast',
  'ip broadcast and udp',
  'vlan and ip broadcast',
  'ip broadcast or broadcast',
];
const NETMASKS = [0xffffff00, 0xffff0000, 0, 0xfffffffe, 0xffffffff];

function check(
  lib: { filter(p: Uint8Array, f: Uint8Array): number },
  c: PcapCompiler,
  f: string,
  o: PcapOptions,
  frames: readonly Uint8Array[],
  s: DiffStats,
  refused: string[],
): void {
  // `byte N & V` / `byte N | V`: libpcap accepts, tfc refuses by name (see lower-llc.ts)
  if (/^byte [0-9]+ [&|]/.test(f)) {
    const t = compilePcap(f, o);
    assert.ok(!t.ok && t.diagnostics[0]!.code === 'unsupported', f);
    refused.push(f);
    return;
  }
  diffFilter(lib, c, f, o, frames, s);
}

test('module facts: DECnet address packing, OR_LINKPL_NOSNAP, llc names, the unknown netmask', () => {
  const span = { start: 0, end: 1 };
  assert.equal(decnetAddress('50.764', span), (50 << 10) | 764);
  assert.equal(decnetAddress('1.2.3', span), (1 << 10) | 2, 'sscanf "%d.%d" ignores the rest');
  assert.equal(decnetAddress('64.1025', span), 1, 'area keeps 6 bits, node 10');
  assert.throws(() => decnetAddress('0x10.5', span), PcapFail);
  assert.equal(nosnapOffset(initialEncap('ethernet')), 17);
  assert.equal(nosnapOffset(initialEncap('raw')), 0);
  assert.throws(() => lowerLlc(initialEncap('ethernet'), 'nosuch', span), PcapFail);
  assert.deepEqual(
    lowerLlc(initialEncap('ethernet'), 'UA', span),
    lowerLlc(initialEncap('ethernet'), 'ua', span),
  );
  assert.equal(NETMASK_UNKNOWN, 0xffffffff);
});

test('new primitives decide as libpcap decides (or both refuse)', { skip }, () => {
  assert.ok(pcap.ok);
  const lib = pcap.value;
  using eth = lib.compiler(DLT.EN10MB, 262144);
  using raw = lib.compiler(DLT.RAW, 262144);
  const lines: string[] = [];
  const all: string[] = [];
  const refused: string[] = [];
  for (const it of ITEMS) {
    const s = newStats();
    const ethFrames = [...it.frames, ...ETH_RANDOM];
    const rawFrames = [...it.frames.map((f) => f.slice(14)), ...RAW_RANDOM];
    for (const f of it.eth)
      check(lib, eth, f, { linktype: 'ethernet', ...it.options }, ethFrames, s, refused);
    for (const f of it.raw ?? [])
      check(lib, raw, f, { linktype: 'raw', ...it.options }, rawFrames, s, refused);
    lines.push(
      `${it.name}: ${s.filters} filters, ${s.bothRefused} refused by both, ${s.pairs} verdicts (${s.accepted} accepted)`,
    );
    all.push(...s.disagreements);
    assert.ok(s.accepted > 0, `${it.name}: no frame accepted`);
  }
  for (const f of ['byte 20 & 1', 'byte 20 | 1'])
    check(lib, eth, f, { linktype: 'ethernet' }, [], newStats(), refused);
  // ip broadcast under several netmasks (pcap_compile's netmask argument), and without one (both refuse)
  const s = newStats();
  for (const netmask of NETMASKS)
    for (const f of BCAST_FILTERS) {
      diffFilter(lib, eth, f, { linktype: 'ethernet', netmask }, [...BCAST_FRAMES, ...ETH_RANDOM], s);
      diffFilter(
        lib,
        raw,
        f,
        { linktype: 'raw', netmask },
        [...BCAST_FRAMES.map((x) => x.slice(14)), ...RAW_RANDOM],
        s,
      );
    }
  lines.push(
    `ip broadcast: ${s.filters} filters × netmasks, ${s.bothRefused} refused by both, ${s.pairs} verdicts (${s.accepted} accepted)`,
  );
  all.push(...s.disagreements);
  assert.deepEqual(all, []);
  assert.deepEqual(refused, ['byte 20 & 1', 'byte 20 | 1']);
  for (const l of lines) console.log(`# primitives: ${l}, 0 disagreements`);
  console.log(`# primitives: libpcap-only (named refusals): ${refused.join(', ')}`);
});
