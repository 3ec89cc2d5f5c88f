// Differential proof of the encapsulation stack (encap.ts) where MPLS and Geneve meet, against libpcap 1.10.3
// (pcap_compile unoptimized + bpf_filter through koffi): a label stack before `geneve` (libpcap's label depth
// outlives `geneve`, which resets only off_nl, so its later link-type tests are still the MPLS ones, reading the
// bottom-of-stack bit 2 bytes before the inner payload: `ld [x + 0xfffffffe]`, which bpf_filter rejects) and a
// label stack after it (the inner protocol type or inner EtherType 0x8847, labels at the inner payload). On every
// link type tfc compiles, on frames carrying both (linkframes.ts: stacks of depth 0..3 before and after Geneve,
// IPv4/IPv6, inner Ethernet / bare labels / bare IP, wrong bottom-of-stack bits, runts), the IR evaluator must give
// libpcap's verdict before and after @tfc/ir's passes, and every filter libpcap refuses tfc refuses with the same
// words; outside the geneve's `and` chain, those that read libpcap's possibly unwritten registers first stay
// refused by tfc (TFC_ONLY, `unsupported`), while after `mpls … geneve` the ones that reject first compile. On 802.11
// libpcap's prologue after `geneve` writes other registers than its tests read (README, Divergences): such programs
// are judged repaired (wlanrepair.ts) and counted. And the one place the two executors of libpcap's program differ:
// the kernel's classic BPF (SO_ATTACH_FILTER on a Unix socket) loads `x + 0xfffffffe` at x − 2 instead of rejecting.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluate, type Filter, runPasses } from '@tfc/ir';
import { loadKoffiSyscalls, loadLibpcap, openCbpfSocket } from '@tfc/kernel/sys';
import fc from 'fast-check';
import { compilePcap, type LinkType } from '../src/index.ts';
import { LINK_TYPES } from '../src/linktypes.ts';
import { mplsGeneveFrames } from './linkframes.ts';
import { repairClobbered, repaired, unwrittenReads } from './wlanrepair.ts';

const pcap = loadLibpcap();
const skip = pcap.ok ? false : pcap.reason;

/** `mpls` before `geneve` (libpcap's MPLS rules after it), `mpls` after it, both, and controls. */
export const MPLS_GENEVE_FILTERS: readonly string[] = [
  'mpls and geneve',
  'mpls 100 and geneve',
  'mpls and geneve 5',
  'mpls and geneve and ip',
  'mpls and geneve and ip6',
  'mpls 100 and geneve 5 and tcp port 80',
  'mpls and geneve and udp',
  'mpls and geneve and host 10.0.0.1',
  'mpls and geneve and link proto 0x86dd',
  'mpls and geneve and not ip',
  'mpls and geneve and (ip or len > 100)',
  'mpls and geneve and ether host aa:bb:cc:dd:ee:ff',
  'mpls and geneve and (broadcast or multicast)',
  'mpls and geneve and link[12:2] = 0x8847',
  'mpls and geneve and len > 90',
  'mpls and geneve and mpls',
  'mpls and geneve and mpls and udp',
  'mpls and geneve and mpls 16 and ip',
  'mpls and geneve and geneve',
  'mpls and mpls and geneve and ip',
  'mpls 5 and mpls and mpls and geneve and tcp',
  'mpls and (geneve and ip6 or len > 200)',
  'mpls and geneve and llc',
  'mpls and geneve and arp',
  'mpls and geneve and vlan',
  'mpls and geneve and pppoes',
  'mpls and geneve and iso',
  'geneve and mpls',
  'geneve and mpls 100',
  'geneve 5 and mpls',
  'geneve and mpls and ip',
  'geneve and mpls and ip6',
  'geneve and mpls and udp',
  'geneve and mpls and tcp port 80',
  'geneve and mpls and port 80',
  'geneve and mpls 16 and mpls and ip6',
  'geneve and mpls and mpls and mpls and udp port 53',
  'geneve and mpls and mpls and mpls and mpls',
  'geneve and mpls and host 10.0.0.1',
  'geneve and mpls and net 192.168.0.0/16',
  'geneve and mpls and ip6 host 2001:db8::1',
  'geneve and mpls and ip[9] = 17',
  'geneve and mpls and tcp[13] & 2 != 0',
  'geneve and mpls and not ip',
  'geneve and (mpls or ip)',
  'geneve and not mpls',
  'geneve and mpls and ether src aa:bb:cc:dd:ee:ff',
  'geneve and mpls and geneve',
  'geneve and mpls and geneve and mpls and ip',
  'geneve and vlan and mpls and ip',
  'geneve and pppoes and mpls and ip',
  'geneve and mpls and arp',
  'geneve and mpls and vlan',
  'geneve and mpls and pppoes',
  'geneve and geneve and mpls',
  'mpls and geneve and mpls and geneve and ip',
  'pppoes and mpls and geneve and ip',
  // outside the chain where the geneve matched: after `mpls … geneve` the MPLS link-type test rejects first
  'mpls and geneve or ip',
  'mpls and (geneve or tcp port 80)',
  'mpls and not geneve and ip',
  'mpls and geneve or mpls',
  'mpls and geneve or geneve',
  'mpls and (geneve 5 or ip[9] = 6)',
  // … and the ones that read libpcap's possibly unwritten registers first: refused by tfc only
  'mpls and geneve or ether host aa:bb:cc:dd:ee:ff',
  'mpls and geneve or link[0] = 1',
  'geneve or mpls',
  'mpls and (geneve or 1 + tcp[0] > 0)',
  // controls: the primitives alone
  'mpls and ip',
  'mpls',
  'geneve and ip',
];

/** Filters that must accept some frame of the generator on Ethernet (so the frames reach what they test). */
const MUST_ACCEPT = [
  'mpls and geneve',
  'mpls 100 and geneve',
  'mpls and geneve and ether host aa:bb:cc:dd:ee:ff',
  'geneve and mpls',
  'geneve and mpls and ip',
  'geneve and mpls and ip6',
  'geneve and mpls and port 80',
  'geneve and mpls 16 and mpls and ip6',
  'geneve and mpls and host 10.0.0.1',
];

/** libpcap compiles them, tfc refuses them (`unsupported`: README, Refusals): what they read first after `geneve`
 *  comes from scratch registers libpcap writes only where the Geneve test matched. */
const TFC_ONLY: ReadonlySet<string> = new Set([
  'mpls and geneve or ether host aa:bb:cc:dd:ee:ff',
  'mpls and geneve or link[0] = 1',
  'geneve or mpls',
  'mpls and (geneve or 1 + tcp[0] > 0)',
]);

const FRAMES_PER_LINK = 500;
const WLAN: ReadonlySet<LinkType> = new Set<LinkType>(['ieee802_11', 'ieee802_11_radio']);

interface Judge {
  readonly ir: Filter;
  readonly passed: Filter;
  readonly program: Uint8Array;
  readonly unwritten: boolean;
}

test('MPLS around Geneve: IR evaluator = libpcap bpf_filter on every link type', { skip }, () => {
  assert.ok(pcap.ok);
  const lib = pcap.value;
  const report: string[] = [];
  const disagreements: string[] = [];
  const say = (m: string) => {
    if (disagreements.length < 20) disagreements.push(m);
  };
  const acceptedOnEthernet = new Map<string, number>();
  for (const info of LINK_TYPES) {
    const link = info.id;
    using c = lib.compiler(info.dlt, 262144);
    const frames = fc.sample(mplsGeneveFrames(link), { numRuns: FRAMES_PER_LINK, seed: 18 });
    let pairs = 0;
    let accepted = 0;
    let refused = 0;
    let compiled = 0;
    let repairedCount = 0;
    let tfcOnly = 0;
    for (const text of MPLS_GENEVE_FILTERS) {
      const r = c.compile(text, { optimize: false });
      const t = compilePcap(text, { linktype: link });
      if (!r.ok) {
        refused++;
        if (t.ok) say(`${info.name} '${text}': libpcap refuses (${r.error}), tfc accepts`);
        else if (t.diagnostics[0]!.message !== r.error)
          say(`${info.name} '${text}': libpcap says "${r.error}", tfc "${t.diagnostics[0]!.message}"`);
        continue;
      }
      if (TFC_ONLY.has(text)) {
        if (t.ok || t.diagnostics[0]!.code !== 'unsupported')
          say(`${info.name} '${text}': not refused by tfc`);
        else tfcOnly++;
        continue;
      }
      if (!t.ok) {
        say(`${info.name} '${text}': tfc refuses (${t.diagnostics[0]!.message}), libpcap accepts`);
        continue;
      }
      const p = runPasses(t.ir, { verifyEach: true });
      if (!p.ok) {
        say(`${info.name} '${text}': passes failed`);
        continue;
      }
      compiled++;
      const unwritten = WLAN.has(link) && unwrittenReads(r.program).length > 0;
      if (unwritten) {
        repairedCount++;
        if (repairClobbered(r.program))
          say(`${info.name} '${text}': libpcap clobbers the repaired registers`);
      }
      const j: Judge = { ir: t.ir, passed: p.ir, program: r.program, unwritten };
      for (const fr of frames) {
        const prog = j.unwritten ? repaired(j.program, fr, link === 'ieee802_11_radio') : j.program;
        const want = lib.filter(prog, fr) !== 0 ? 'accept' : 'reject';
        const got = evaluate(j.ir, { packet: fr });
        const after = evaluate(j.passed, { packet: fr });
        pairs++;
        if (want === 'accept') {
          accepted++;
          if (link === 'ethernet') acceptedOnEthernet.set(text, (acceptedOnEthernet.get(text) ?? 0) + 1);
        }
        const hex = Buffer.from(fr).toString('hex');
        if (got !== want) say(`${info.name} '${text}' frame ${hex}: libpcap ${want}, tfc ${got}`);
        if (after !== got) say(`${info.name} '${text}' frame ${hex}: passes change ${got} to ${after}`);
      }
    }
    report.push(
      `${info.name}: ${MPLS_GENEVE_FILTERS.length} filters (${compiled} compiled, ${refused} refused by both with libpcap's words, ${tfcOnly} refused by tfc only, ${repairedCount} judged with libpcap's unwritten registers filled in), ${frames.length} frames, ${pairs} filter×frame pairs, ${accepted} accepted`,
    );
  }
  for (const r of report) console.log(`# ${r}`);
  assert.deepEqual(disagreements, []);
  for (const f of MUST_ACCEPT)
    assert.ok((acceptedOnEthernet.get(f) ?? 0) > 0, `'${f}' accepts no generated Ethernet frame`);
});

const IPV4_TCP80 = [
  ...[0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2],
  ...[0x30, 0x39, 0, 80, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0x02, 0, 0, 0, 0, 0, 0],
];

/** Ethernet / MPLS label 100 (bottom of stack) / IPv4 / UDP 6081 / Geneve VNI 5 / inner Ethernet of EtherType
 *  `innerType` (IPv4 by default) / `packet` (IPv4 / TCP 80 by default). */
function labelledGeneve(innerType = 0x0800, packet: readonly number[] = IPV4_TCP80): Uint8Array {
  const inner = [
    ...[
      0xaa,
      0xbb,
      0xcc,
      0xdd,
      0xee,
      0xff,
      0,
      0x11,
      0x22,
      0x33,
      0x44,
      0x55,
      innerType >> 8,
      innerType & 0xff,
    ],
    ...packet,
  ];
  const gen = [0, 0, 0x65, 0x58, 0, 0, 5, 0];
  const udp = [0x10, 0x92, 0x17, 0xc1, 0, 8 + gen.length + inner.length, 0, 0, ...gen, ...inner];
  const ip = [0x45, 0, 0, 20 + udp.length, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 9, 10, 0, 0, 1];
  const label = [0x00, 0x06, 0x41, 64]; // label 100, bottom of stack
  return Uint8Array.from([
    ...[0, 1, 2, 3, 4, 5, 0xa, 0xb, 0xc, 0xd, 0xe, 0xf, 0x88, 0x47],
    ...label,
    ...ip,
    ...udp,
  ]);
}

test("after `mpls … geneve` libpcap's MPLS link-type test reads at x + 0xfffffffe: the packet is rejected", {
  skip,
}, () => {
  assert.ok(pcap.ok);
  const lib = pcap.value;
  using c = lib.compiler(1, 262144);
  const frame = labelledGeneve();
  const verdict = (text: string) => {
    const r = c.compile(text, { optimize: false });
    assert.ok(r.ok, text);
    const t = compilePcap(text, { linktype: 'ethernet' });
    assert.ok(t.ok, text);
    const lib1 = lib.filter(r.program, frame) !== 0 ? 'accept' : 'reject';
    assert.equal(evaluate(t.ir, { packet: frame }), lib1, text);
    return { lib: lib1, program: r.program };
  };
  // the frame is what the filter names: the label stack, the Geneve header, the inner Ethernet header
  assert.equal(verdict('mpls 100 and geneve 5').lib, 'accept');
  assert.equal(verdict('mpls 100 and geneve 5 and ether src 00:11:22:33:44:55').lib, 'accept');
  // the inner IPv4 packet's tests are the MPLS ones: bottom-of-stack bit at the inner payload − 2
  const ip = verdict('mpls 100 and geneve 5 and ip');
  assert.equal(ip.lib, 'reject');
  assert.equal(verdict('mpls 100 and geneve 5 and tcp port 80').lib, 'reject');
  assert.equal(verdict('mpls 100 and geneve 5 and not ip').lib, 'reject');
  // libpcap's program holds `ldb [x + 0xfffffffe]` (BPF_LD|BPF_IND|BPF_B, k = (u_int)-2)
  const insns = Array.from(
    { length: ip.program.length / 8 },
    (_, i) => new DataView(ip.program.buffer, ip.program.byteOffset + i * 8, 8),
  );
  assert.ok(insns.some((v) => v.getUint16(0, true) === 0x50 && v.getUint32(4, true) === 0xfffffffe));
});

test("the kernel's classic BPF runs libpcap's `ldb [x + 0xfffffffe]` as a load at x − 2 (tfc follows bpf_filter)", {
  skip: skip || (loadKoffiSyscalls().ok ? false : 'no syscalls through koffi'),
}, () => {
  assert.ok(pcap.ok);
  const sys = loadKoffiSyscalls();
  assert.ok(sys.ok);
  using c = pcap.value.compiler(1, 262144);
  // the byte before the inner EtherType's last one is 0x81 (odd: "bottom of stack"), the inner packet is IPv6
  const ip6 = [0x60, 0, 0, 0, 0, 20, 6, 64, ...new Array<number>(52).fill(0)];
  const frame = labelledGeneve(0x81dd, ip6);
  const text = 'mpls 100 and geneve 5 and ip6';
  const r = c.compile(text, { optimize: false });
  assert.ok(r.ok);
  const t = compilePcap(text, { linktype: 'ethernet' });
  assert.ok(t.ok);
  assert.equal(pcap.value.filter(r.program, frame), 0, 'bpf_filter rejects');
  assert.equal(evaluate(t.ir, { packet: frame }), 'reject', 'tfc rejects');
  using s = (() => {
    const o = openCbpfSocket(sys.value, r.program);
    assert.ok(o.ok, o.ok ? '' : o.error.message);
    return o.value;
  })();
  const v = s.run(frame);
  assert.ok(v.ok, v.ok ? '' : v.error.message);
  assert.equal(v.value.accepted, true, "the kernel runs libpcap's program on this frame and accepts");
  // with the inner EtherType 0x86dd the byte at x − 2 is 0x86 (even): the kernel rejects too
  const even = s.run(labelledGeneve(0x86dd, ip6));
  assert.ok(even.ok, even.ok ? '' : even.error.message);
  assert.equal(even.value.accepted, false);
});
