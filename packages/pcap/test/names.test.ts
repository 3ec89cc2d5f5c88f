// Names (src/names/db.ts, src/names/resolve.ts) judged by libpcap 1.10.3 through koffi.
// libpcap reads this machine's files under /etc (and asks DNS for unknown host names), so:
// - every name of this machine's /etc/services, /etc/protocols, /etc/hosts and /etc/networks, under
//   each qualifier that takes it, is compiled by both from the same text (tfc with the database parsed
//   from those same files) and decided on frames that carry the resolved numbers — or refused by both;
// - names only the fixture database (test/fixtures/names) holds are compiled by tfc with the fixture and
//   by libpcap as the numeric filter libpcap itself would generate for them;
// - libpcap's built-in names (Ethernet protocol, LLC SAP and OSI names) need no database.
// Host names that are in no file are never given to libpcap (it would ask DNS).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DLT, loadLibpcap } from '@tfc/kernel/sys';
import fc from 'fast-check';
import { compilePcap } from '../src/index.ts';
import { type NameDb, nameDbFromFiles } from '../src/names/db.ts';
import { EPROTO_NAMES, LLC_NAMES } from '../src/names/resolve.ts';
import { classifyWord } from '../src/tokens.ts';
import { ethernetFrame, rawFrame, withRunts } from './frames.ts';
import { diffFilter, ip4Frame, ip6Frame, l4Frame, newStats } from './judge.ts';

const pcap = loadLibpcap();
const skip = pcap.ok ? false : pcap.reason;

const read = (p: string): string | undefined => {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
};
const filesOf = (dir: string) => ({
  services: read(`${dir}/services`),
  protocols: read(`${dir}/protocols`),
  hosts: read(`${dir}/hosts`),
  networks: read(`${dir}/networks`),
  ethers: read(`${dir}/ethers`),
});
const FIXTURE = nameDbFromFiles(filesOf(new URL('./fixtures/names', import.meta.url).pathname));
const ETC = nameDbFromFiles(filesOf('/etc'));

const random = (arb: fc.Arbitrary<number[]>, n: number, seed: number) =>
  fc.sample(withRunts(arb), { numRuns: n, seed });
const ETH_RANDOM = random(ethernetFrame, 25, 7);
const RAW_RANDOM = random(rawFrame, 15, 8);
/** An id as it must be written: keywords and protocol names behind a backslash. */
const asId = (name: string) =>
  classifyWord(name) === undefined && /^[A-Za-z0-9]/.test(name) ? name : `\\${name}`;
const v4 = (s: string) => s.split('.').map(Number);

test('the fixture files parse as the C library reads them', () => {
  assert.deepEqual(FIXTURE.services.domain, { tcp: 53, udp: 53 });
  assert.deepEqual(FIXTURE.services.www, { tcp: 80 });
  assert.deepEqual(FIXTURE.services.splitalias, { tcp: 700, udp: 701 });
  assert.deepEqual(FIXTURE.services.dup, { tcp: 10 }, 'the first entry wins');
  assert.equal(FIXTURE.services.sctponly, undefined, 'libpcap asks only for tcp and udp');
  assert.equal(FIXTURE.protocols['IPv6-ICMP'], 58);
  assert.deepEqual(FIXTURE.hosts.dual, ['10.1.2.3', '2001:db8::7']);
  assert.deepEqual(FIXTURE.hosts.multi, ['10.9.9.9', '10.9.9.10']);
  assert.equal(FIXTURE.networks.tennet, 10, 'inet_network does not left-justify');
  assert.equal(FIXTURE.networks.shortnet, 0x0a01);
  assert.equal(FIXTURE.networks.loopback, 0x7f000000);
  assert.equal(FIXTURE.ethers.router, 'aa:bb:cc:dd:ee:ff', 'ethers names are case-insensitive');
  assert.equal(FIXTURE.ethers.sun, '08:00:20:01:02:03');
});

test('without a database only the built-in names resolve, with libpcap’s errors', () => {
  const msg = (f: string, names?: NameDb) => {
    const r = compilePcap(f, { linktype: 'ethernet', ...(names ? { names } : {}) });
    return r.ok ? 'ok' : `${r.diagnostics[0]!.code}: ${r.diagnostics[0]!.message}`;
  };
  assert.equal(msg('link proto \\ip6'), 'ok');
  assert.equal(msg('ether proto loopback'), 'ok');
  assert.equal(msg('iso proto \\isis'), 'ok');
  assert.equal(msg('udp port 53'), 'ok');
  assert.equal(msg('ether proto lldp'), "name: unknown ether proto 'lldp'");
  assert.equal(msg('ip proto \\tcp'), "name: unknown ip proto 'tcp'");
  assert.equal(msg('ip proto \\tcp', FIXTURE), 'ok');
  assert.equal(msg('host localhost'), "name: unknown host 'localhost'");
  assert.equal(msg('udp port domain'), "name: unknown port 'domain'");
  assert.equal(msg('udp port http', FIXTURE), "name: port 'http' is tcp");
  assert.equal(msg('ip6 host multi', FIXTURE), "name: unknown host 'multi' for specified address family");
  assert.equal(msg('iso proto foo'), "name: unknown osi proto 'foo'");
  assert.equal(
    msg('gateway localhost', FIXTURE),
    "unsupported: 'gateway' not supported in this configuration",
  );
  assert.equal(msg('net default', FIXTURE), "name: unknown network 'default'");
  // \NAME is an ID even for a keyword; its span covers the backslash
  const r = compilePcap('ip proto \\nosuch', { linktype: 'ethernet', names: FIXTURE });
  assert.ok(!r.ok);
  assert.deepEqual(r.diagnostics[0]!.span, { start: 9, end: 16 });
});

test('802.11 link-level host names come from ethers too (gen_scode), under every 802.11 address qualifier', () => {
  for (const linktype of ['ieee802_11', 'ieee802_11_radio'] as const)
    for (const q of ['', 'src ', 'dst and src ', 'addr1 ', 'address2 ', 'addr3 ', 'addr4 ', 'ra ', 'ta ']) {
      const byName = compilePcap(`wlan ${q}host router`, { linktype, names: FIXTURE });
      const byMac = compilePcap(`wlan ${q}host aa:bb:cc:dd:ee:ff`, { linktype });
      assert.ok(byName.ok && byMac.ok, q);
      assert.deepEqual(byName.ir, byMac.ir, `${linktype} ${q}`);
    }
  const r = compilePcap('wlan ra host nosuch', { linktype: 'ieee802_11', names: FIXTURE });
  assert.ok(!r.ok);
  assert.equal(r.diagnostics[0]!.message, "unknown 802.11 host 'nosuch'");
  const p = compilePcap('pppoes and wlan host router', { linktype: 'ieee802_11', names: FIXTURE });
  assert.ok(!p.ok);
  assert.equal(
    p.diagnostics[0]!.message,
    'only ethernet/FDDI/token ring/802.11/ATM LANE/Fibre Channel supports link-level host name',
  );
});

test('every name of this machine’s /etc decides as libpcap decides', { skip }, () => {
  assert.ok(pcap.ok);
  const lib = pcap.value;
  using eth = lib.compiler(DLT.EN10MB, 262144);
  using raw = lib.compiler(DLT.RAW, 262144);
  const stats = newStats();
  const counts: Record<string, number> = {};
  const run = (
    what: string,
    f: string,
    frames: readonly Uint8Array[],
    linktype: 'ethernet' | 'raw' = 'ethernet',
  ) => {
    counts[what] = (counts[what] ?? 0) + 1;
    diffFilter(lib, linktype === 'ethernet' ? eth : raw, f, { linktype, names: ETC }, frames, stats);
  };
  // services: each name under port / tcp / udp / sctp port, on frames carrying its tcp and udp ports
  const services = Object.entries(ETC.services);
  for (const [name, p] of services) {
    const ports = [p.tcp, p.udp].filter((x): x is number => x !== undefined);
    const frames = ports.flatMap((n) =>
      [6, 17, 132].flatMap((proto) => [l4Frame(false, proto, 1, n), l4Frame(true, proto, n, 2)]),
    );
    frames.push(l4Frame(false, 6, 3, 4), ...ETH_RANDOM.slice(0, 5));
    for (const q of ['port', 'tcp port', 'udp port', 'sctp port', 'src port', 'udp dst port'])
      run('services', `${q} ${asId(name)}`, frames);
  }
  // port ranges: pairs of service names (libpcap splits at the first '-')
  for (let i = 0; i + 1 < services.length; i += 3) {
    const [a, pa] = services[i]!;
    const [b, pb] = services[i + 1]!;
    const ports = [pa.tcp, pa.udp, pb.tcp, pb.udp].filter((x): x is number => x !== undefined);
    const frames = ports.flatMap((n) => [
      l4Frame(false, 6, 1, n),
      l4Frame(false, 17, n, 1),
      l4Frame(true, 17, 1, n),
    ]);
    for (const q of ['portrange', 'tcp portrange', 'udp portrange'])
      run('portranges', `${q} ${a}-${b}`, frames);
  }
  for (const f of [
    'udp portrange 68-bootps',
    'portrange bootps-68',
    'portrange 70000-http',
    'tcp portrange 10-20x',
    'portrange 10--20',
    'portrange 65535-65536',
    'udp portrange 0-domain',
    'portrange 99999999999-1',
    'portrange 1-99999999999',
    'portrange http-99999999999',
    'port 99999999999',
    'port \\99999999999',
    'port \\65536',
  ])
    run('portranges', f, [
      l4Frame(false, 17, 67, 1),
      l4Frame(false, 17, 68, 1),
      l4Frame(false, 6, 15, 1),
      l4Frame(false, 6, 4464, 1),
    ]);
  // protocols: under proto / ip proto / ip6 proto / protochain, on IPv4 and IPv6 frames with that protocol
  for (const [name, n] of Object.entries(ETC.protocols)) {
    const frames = [
      ip4Frame([1, 2, 3, 4], [5, 6, 7, 8], n),
      ip6Frame(new Array(16).fill(1), new Array(16).fill(2), n),
    ];
    frames.push(ip4Frame([1, 2, 3, 4], [5, 6, 7, 8], (n + 1) & 0xff));
    for (const q of ['proto', 'ip proto', 'ip6 proto', 'ip protochain', 'tcp proto'])
      run('protocols', `${q} ${asId(name)}`, frames);
    run('protocols', `ip proto ${asId(name)}`, RAW_RANDOM.slice(0, 3).concat([frames[0]!.slice(14)]), 'raw');
  }
  // hosts and networks
  const addrFrames = ['127.0.0.1', '127.0.0.0', '169.254.0.0', '10.0.0.1'].flatMap((a) => [
    ip4Frame(v4(a), [9, 9, 9, 9]),
    ip4Frame([9, 9, 9, 9], v4(a)),
  ]);
  for (const name of Object.keys(ETC.hosts))
    for (const q of [
      'host',
      'src host',
      'ip host',
      'ip6 host',
      'arp host',
      'ether host',
      'decnet host',
      'tcp host',
    ])
      run('hosts', `${q} ${asId(name)}`, addrFrames);
  for (const name of Object.keys(ETC.networks))
    for (const q of ['net', 'dst net', 'ip net', 'ether net'])
      run('networks', `${q} ${asId(name)}`, addrFrames);
  for (const name of Object.keys(ETC.hosts))
    run('hosts', `host ${asId(name)}`, RAW_RANDOM.concat(addrFrames.map((f) => f.slice(14))), 'raw');
  // built-in names: Ethernet protocols and LLC SAPs under link/ether proto, OSI names under iso proto
  for (const name of [...Object.keys(EPROTO_NAMES), ...Object.keys(LLC_NAMES), 'lldp', 'slow', 'nosuch'])
    for (const q of ['link proto', 'ether proto', 'ether protochain'])
      run('built-in', `${q} ${asId(name)}`, ETH_RANDOM);
  for (const name of ['isis', 'esis', 'clnp', 'iso', 'nosuch'])
    for (const q of ['iso proto', 'isis proto', 'proto']) run('built-in', `${q} ${asId(name)}`, ETH_RANDOM);
  // names inside id lists, under inherited qualifiers and after encapsulations (host names: only
  // localhost, which every /etc/hosts has, so libpcap never asks DNS)
  const mixFrames = [
    ...ETH_RANDOM,
    l4Frame(false, 17, 53, 1),
    l4Frame(false, 6, 80, 1),
    l4Frame(true, 6, 1, 443),
  ];
  for (const f of [
    'port (domain or http)',
    'tcp port (http or https) and not port ssh',
    'udp port domain or bootps or bootpc',
    'host localhost or 10.0.0.1',
    'port domain and not http',
    'tcp port http or 443',
    'ip proto \\tcp or \\udp',
    'proto (\\tcp or \\udp)',
    'portrange 1-http or domain-https',
    'vlan and port domain',
    'pppoes and host localhost',
    'mpls and port https',
    'geneve and port domain',
  ])
    run('combinations', f, mixFrames);
  assert.deepEqual(stats.disagreements, []);
  assert.ok(stats.pairs > 10_000 && stats.accepted > 500, `${stats.pairs} pairs, ${stats.accepted} accepted`);
  console.log(
    `# names (/etc): ${stats.filters} filters (${Object.entries(counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(
        ', ',
      )}), ${stats.bothRefused} refused by both, ${stats.pairs} frame verdicts (${stats.accepted} accepted), 0 disagreements`,
  );
});

test('fixture-only names: tfc with the fixture = libpcap on the numbers they stand for', { skip }, () => {
  assert.ok(pcap.ok);
  const lib = pcap.value;
  using eth = lib.compiler(DLT.EN10MB, 262144);
  using raw = lib.compiler(DLT.RAW, 262144);
  const stats = newStats();
  const frames = [
    ...ETH_RANDOM,
    l4Frame(false, 6, 700, 1),
    l4Frame(true, 17, 1, 701),
    l4Frame(false, 17, 5000, 1),
    l4Frame(false, 6, 80, 7),
    ip4Frame([10, 1, 2, 3], [9, 9, 9, 9]),
    ip4Frame([9, 9, 9, 9], [10, 9, 9, 10]),
    ip4Frame([10, 1, 7, 7], [9, 9, 9, 9]),
    ip4Frame([10, 0, 0, 0], [9, 9, 9, 9]),
    ip6Frame([0x20, 1, 0xd, 0xb8, ...new Array(11).fill(0), 7], new Array(16).fill(2)),
    ip6Frame(new Array(16).fill(2), [0x20, 1, 0xd, 0xb8, ...new Array(11).fill(0), 0x99]),
    ip4Frame([1, 2, 3, 4], [5, 6, 7, 8], 253),
    Uint8Array.from([
      0xaa,
      0xbb,
      0xcc,
      0xdd,
      0xee,
      0xff,
      8,
      0,
      0x20,
      1,
      2,
      3,
      8,
      0,
      ...new Array(30).fill(0),
    ]),
  ];
  const PAIRS: readonly [string, string][] = [
    ['port split', 'tcp port 700'],
    ['port splitalias', 'tcp port 700'],
    ['udp port onlyudp', 'udp port 5000'],
    ['port onlyudp', 'udp port 5000'],
    ['sctp port domain', 'sctp port 53'],
    ['port www', 'tcp port 80'],
    ['portrange split-onlyudp', 'portrange 700-5000'],
    ['tcp portrange echo-split', 'tcp portrange 7-700'],
    ['host dual', 'host 10.1.2.3 or host 2001:db8::7'],
    ['src host DUAL.example', 'src host 10.1.2.3 or src host 2001:db8::7'],
    ['ip host dual', 'ip host 10.1.2.3'],
    ['ip6 host dual', 'ip6 host 2001:db8::7'],
    ['host multi', 'host 10.9.9.9 or host 10.9.9.10'],
    [
      'dst host multi and not host only6',
      'dst host 10.9.9.9 or dst host 10.9.9.10 and not host 2001:db8::99',
    ],
    ['net tennet', 'net 10'],
    ['net shortnet', 'net 10.1'],
    ['src net loopback', 'src net 127.0.0.0'],
    ['ip proto myproto', 'ip proto 253'],
    ['proto \\icmp6', 'proto 58'],
    ['ether host sun', 'ether host 08:00:20:01:02:03'],
    ['ether src router or ether dst sun', 'ether src aa:bb:cc:dd:ee:ff or ether dst 08:00:20:01:02:03'],
  ];
  for (const [t, l] of PAIRS)
    diffFilter(lib, eth, t, { linktype: 'ethernet', names: FIXTURE }, frames, stats, l);
  const rawFrames = [...RAW_RANDOM, ...frames.slice(ETH_RANDOM.length).map((f) => f.slice(14))];
  const RAW_PAIRS: readonly [string, string][] = [
    ['host dual', 'ip host 10.1.2.3 or ip6 host 2001:db8::7'],
    ['host multi', 'host 10.9.9.9 or host 10.9.9.10'],
    ['ether host sun', 'ether host 08:00:20:01:02:03'],
  ];
  for (const [t, l] of RAW_PAIRS)
    diffFilter(lib, raw, t, { linktype: 'raw', names: FIXTURE }, rawFrames, stats, l);
  assert.deepEqual(stats.disagreements, []);
  assert.ok(stats.accepted > 20, `${stats.accepted} accepted`);
  console.log(
    `# names (fixture): ${stats.filters} filters, ${stats.bothRefused} refused by both, ${stats.pairs} frame verdicts (${stats.accepted} accepted), 0 disagreements`,
  );
});
