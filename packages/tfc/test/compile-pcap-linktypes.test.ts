// `--lang pcap` on every link type, end to end: link-layer filters compiled by compilePcapFilter to classic BPF
// and to eBPF (tc), run in tfc's cBPF and eBPF VMs on the corpus frames recast as frames of each link type (and
// cut short; as root also loaded by the verifier and run by BPF_PROG_TEST_RUN), against libpcap 1.10.3's bpf_filter on libpcap's own unoptimized program for pcap_open_dead(DLT).
// And what libpcap's optimizer drops (README "Short frames and libpcap's optimizer"): on a frame too short for a
// byte whose value cannot change the verdict, libpcap's optimized program accepts where its unoptimized
// program rejects; tfc's programs — cBPF, eBPF, and the u32 rules' bounds — keep the load and reject.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cbpf, ebpf } from '@tfc/bpf';
import { compilePcapFilter, LINK_TYPES, type LinkType } from '@tfc/compiler';
import {
  DLT,
  loadKoffiSyscalls,
  loadLibpcap,
  loadProgram,
  readsLinuxMeta,
  testRun,
  testRunFrameProblem,
  withLinuxMeta,
} from '@tfc/kernel/sys';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';

const CORPUS = fileURLToPath(
  new URL('../../../../shared/corpus/pcap-libpcap-1.10.3/semantic/packets.json', import.meta.url),
);
const ethernet = (JSON.parse(readFileSync(CORPUS, 'utf8')) as { hex: string }[]).map((p) => [
  ...Buffer.from(p.hex, 'hex'),
]);

/** Filters whose meaning depends on the link type (a sample of pcap/test/linkframes.ts's list). */
const FILTERS = [
  'ip or ip6',
  'tcp dst port 80 or 443',
  'udp port 53',
  'host 10.0.0.1',
  'ip6 host 2001:db8::1',
  'icmp6',
  'ether host aa:bb:cc:dd:ee:ff',
  'ether src 00:11:22:33:44:55',
  'ether broadcast',
  'ether multicast',
  'inbound',
  'outbound',
  'ifindex 2',
  'ifindex 1 and (inbound or ip)',
  'not outbound and udp',
  'link[0] & 0xc = 8',
  'ether proto 0x88cc',
  'arp',
  'iso',
  'ipx',
  'atalk',
  'pppoes and ip',
  'tcp[13] & 2 != 0',
  'ip multicast',
  'type data subtype qos-data',
  'dir tods or type mgt',
  'wlan addr1 00:11:22:33:44:55',
  'wlan addr2 aa:bb:cc:dd:ee:ff',
  'wlan addr3 02:02:02:02:02:02 and not wlan addr4 aa:bb:cc:dd:ee:ff',
  'wlan ra ff:ff:ff:ff:ff:ff or wlan ta aa:bb:cc:dd:ee:ff',
  'vlan and ip',
  'vlan 100 or pppoes',
  'geneve and udp',
  'geneve and (ether src aa:bb:cc:dd:ee:ff or multicast)',
  'geneve and vlan and ip',
  'radio[8] & 0x20 != 0',
  // MPLS around Geneve: after `mpls … geneve` libpcap's MPLS link-type test reads at x + 0xfffffffe (rejects)
  'mpls and geneve and ip',
  'mpls 100 and geneve 5 and tcp port 80',
  'mpls and geneve and mpls and udp',
  'geneve and mpls',
  'geneve and mpls and ip',
];

/**
 * Whether libpcap's program reads a scratch register no earlier instruction writes (forward jumps only: no path
 * writes it first) — its 802.11 prologue after `geneve`/`pppoes` (pcap README, Divergences). bpf_filter then reads
 * uninitialised memory, so there tfc's cBPF program is the reference of its eBPF program and the kernel (the IR's
 * verdicts are judged by pcap/test/linklayer.test.ts against libpcap's program with the registers filled in).
 */
function readsUnwritten(program: Uint8Array): boolean {
  const written = new Set<number>();
  const view = new DataView(program.buffer, program.byteOffset, program.byteLength);
  for (let i = 0; i < program.length; i += 8) {
    const code = view.getUint16(i, true);
    const k = view.getUint32(i + 4, true);
    if (code === 0x02 || code === 0x03) written.add(k);
    else if ((code === 0x60 || code === 0x61) && !written.has(k)) return true;
  }
  return false;
}

const be16 = (v: number) => [(v >> 8) & 0xff, v & 0xff];
/** The corpus's Ethernet frames as frames of `link` (the conversions of pcap/test/linkframes.ts, fixed choices). */
function asLink(link: LinkType, eth: readonly number[], i: number): Uint8Array {
  const type = ((eth[12] ?? 0) << 8) | (eth[13] ?? 0);
  const proto = type > 1500 ? type : eth[14] === 0xff ? 1 : 4;
  const body = eth.slice(14);
  const data = type > 1500 ? [0xaa, 0xaa, 3, 0, 0, 0, ...be16(type), ...body] : body;
  const wlan = [
    i % 3 === 0 ? 0x88 : 0x08,
    i % 4,
    0,
    0,
    ...eth.slice(0, 6),
    ...eth.slice(6, 12),
    ...Array(6).fill(2),
    0,
    0,
  ];
  if (i % 3 === 0) wlan.push(0, 0);
  switch (link) {
    case 'ethernet':
      return Uint8Array.from(eth);
    case 'raw':
    case 'ipv4':
    case 'ipv6':
      return Uint8Array.from(body);
    case 'linux_sll':
      return Uint8Array.from([0, i % 5, 0, 1, 0, 6, ...eth.slice(6, 12), 0, 0, ...be16(proto), ...body]);
    case 'linux_sll2':
      return Uint8Array.from([
        ...be16(proto),
        0,
        0,
        0,
        0,
        0,
        1 + (i % 3),
        0,
        1,
        i % 5,
        6,
        ...eth.slice(6, 12),
        0,
        0,
        ...body,
      ]);
    case 'ieee802_11':
      return Uint8Array.from([...wlan, ...data]);
    case 'ieee802_11_radio': {
      // radiotap: flags present with "data pad" on every other frame (the 802.11 header padded to 4)
      const pad = i % 2 === 0;
      const hdr = [...wlan];
      if (pad) while (hdr.length % 4 !== 0) hdr.push(0xee);
      return Uint8Array.from([0, 0, 12, 0, 2, 0, 0, 0, pad ? 0x20 : 0, 0, 0, 0, ...hdr, ...data]);
    }
  }
}

const pcap = loadLibpcap();
const skip = pcap.ok ? false : pcap.reason;

test('link types: tfc cBPF and eBPF (VMs) decide as libpcap 1.10.3 on frames of each link type', {
  skip,
}, () => {
  assert.ok(pcap.ok);
  const lib = pcap.value;
  const sys = process.getuid?.() === 0 ? loadKoffiSyscalls() : undefined;
  const report: string[] = [];
  let kernelRuns = 0;
  for (const info of LINK_TYPES) {
    using pc = lib.compiler(info.dlt);
    const frames = ethernet.map((eth, i) => asLink(info.id, eth, i));
    frames.push(...frames.map((f) => f.slice(0, Math.max(0, f.length - 30))));
    let pairs = 0;
    let compiled = 0;
    let unwritten = 0;
    for (const filter of FILTERS) {
      const ref = pc.compile(filter, { optimize: false });
      const c = compilePcapFilter({ filter, linktype: info.id, target: 'cbpf' });
      const e = compilePcapFilter({ filter, linktype: info.id, target: 'ebpf', progType: 'tc' });
      if (!ref.ok || !c.ok || !e.ok) continue;
      const judged = !readsUnwritten(ref.program);
      if (judged) compiled++;
      else unwritten++;
      // as root: the verifier must take every program, and BPF_PROG_TEST_RUN must agree too
      const cls = sys?.ok
        ? loadProgram(sys.value, { type: 'SCHED_CLS', insns: e.program.bytes, license: 'GPL' })
        : undefined;
      if (cls && !cls.ok)
        assert.fail(`verifier: ${info.name} '${filter}': ${cls.error.log ?? cls.error.message}`);
      try {
        for (const f of frames) {
          // the metadata BPF_PROG_TEST_RUN gives a tc program (eth_type_trans on loopback: pkt_type from the
          // destination address, ifindex 1), for `inbound`/`ifindex` in every judge
          const input = ebpf.skbTestRunInput(f, 'tc');
          const meta = { pkttype: input.pktType ?? 0, ifindex: input.ifindex ?? 0 };
          const r = cbpf.run(c.program.insns as cbpf.RawInsn[], f, { ctx: meta });
          assert.ok(!('error' in r), `${info.name} '${filter}': ${'error' in r ? r.error : ''}`);
          const libpcap: Uint8Array = readsLinuxMeta(ref.program)
            ? withLinuxMeta(ref.program, meta)
            : ref.program;
          const want: boolean = judged ? lib.filter(libpcap, f) !== 0 : r.result !== 0;
          const hex = Buffer.from(f).toString('hex');
          assert.equal(r.result !== 0, want, `cBPF VM ${info.name} '${filter}' on ${hex}`);
          const x = ebpf.run(e.program.insns as ebpf.Insn[], input);
          assert.ok(x.ok, x.ok ? '' : x.error);
          assert.equal(x.r0 === 0n, want, `eBPF VM ${info.name} '${filter}' on ${hex}`);
          pairs++;
          if (sys?.ok && cls?.ok && testRunFrameProblem('SCHED_CLS', f) === undefined) {
            const t = testRun(sys.value, cls.value, { data: f });
            assert.ok(t.ok, t.ok ? '' : t.error.message);
            assert.equal(
              t.ok && t.value.retval === 0,
              want,
              `kernel eBPF ${info.name} '${filter}' on ${hex}`,
            );
            kernelRuns++;
          }
        }
      } finally {
        if (cls?.ok) cls.value.dispose();
      }
    }
    report.push(
      `${info.name}: ${compiled + unwritten} filters × ${frames.length} frames = ${pairs} pairs in both VMs (${unwritten} of the filters: libpcap reads unwritten scratch memory, eBPF and kernel judged against cBPF)`,
    );
  }
  for (const r of report) console.log(`# ${r}`);
  console.log(`# ${kernelRuns} of them also through BPF_PROG_TEST_RUN`);
});

test("libpcap's optimizer drops a dead load; tfc keeps it on every target", { skip }, async () => {
  assert.ok(pcap.ok);
  const lib = pcap.value;
  using pc = lib.compiler(DLT.EN10MB);
  const filter = 'ether[100] & 0 = 0';
  const frame = Uint8Array.from([...Array(12).fill(2), 0x08, 0x00, ...Array(46).fill(0)]); // 60 bytes
  const long = Uint8Array.from([...frame, ...Array(60).fill(0)]);
  const unopt = pc.compile(filter, { optimize: false });
  const opt = pc.compile(filter, { optimize: true });
  assert.ok(unopt.ok && opt.ok);
  assert.equal(lib.filter(unopt.program, frame), 0, 'libpcap unoptimized: the load of byte 100 rejects');
  assert.notEqual(lib.filter(opt.program, frame), 0, 'libpcap optimized: the load is gone, the frame passes');
  assert.notEqual(lib.filter(unopt.program, long), 0);
  const c = compilePcapFilter({ filter, linktype: 'ethernet', target: 'cbpf' });
  const e = compilePcapFilter({ filter, linktype: 'ethernet', target: 'ebpf', progType: 'tc' });
  assert.ok(c.ok && e.ok);
  for (const [f, want] of [
    [frame, false],
    [long, true],
  ] as const) {
    const r = cbpf.run(c.program.insns as cbpf.RawInsn[], f);
    assert.ok(!('error' in r));
    assert.equal(r.result !== 0, want, `cBPF on ${f.length} bytes`);
    const x = ebpf.run(e.program.insns as ebpf.Insn[], ebpf.skbTestRunInput(f, 'tc'));
    assert.ok(x.ok);
    assert.equal(x.r0 === 0n, want, `eBPF on ${f.length} bytes`);
  }
  // u32: the zero-mask key stays, so the classifier's bounds check on bytes 100.. still applies
  const io = memoryIo();
  assert.equal(
    await main(['compile', '--lang', 'pcap', filter, '--target', 'u32', '--dev', 'lo'], io),
    0,
    io.stderr(),
  );
  assert.match(io.stdout(), /match u32 0x00000000 0x00000000 at 84/);
});

test('on IPV4/IPV6 the link type decides: `ip or ip6` is one instruction, as in libpcap', { skip }, () => {
  assert.ok(pcap.ok);
  for (const [link, dlt] of [
    ['ipv4', 228],
    ['ipv6', 229],
  ] as const) {
    using pc = pcap.value.compiler(dlt);
    for (const filter of ['ip or ip6', link === 'ipv4' ? 'ip' : 'ip6']) {
      const lib = pc.compile(filter, { optimize: true });
      assert.ok(lib.ok);
      const c = compilePcapFilter({ filter, linktype: link, target: 'cbpf' });
      assert.ok(c.ok);
      assert.equal(lib.program.length / 8, 1, `libpcap ${link} '${filter}'`);
      assert.equal(c.program.insns.length, 1, `tfc ${link} '${filter}'`);
    }
  }
});
