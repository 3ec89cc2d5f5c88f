// `tfc compile --lang pcap`: libpcap filters compiled to classic BPF (socket filter) and eBPF (tc), run on the
// corpus frames in tfc's VMs and — for cBPF — in the kernel through SO_ATTACH_FILTER, against libpcap 1.10.3's own
// verdicts (../shared/corpus/pcap-libpcap-1.10.3/semantic/verdicts.json).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cbpf, ebpf } from '@tfc/bpf';
import { type EbpfProgram, linkMaps } from '@tfc/codegen-bpf';
import { compilePcapFilter } from '@tfc/compiler';
import {
  type BpfMap,
  createMap,
  DLT,
  loadKoffiSyscalls,
  loadLibpcap,
  loadProgram,
  openCbpfSocket,
  type Syscalls,
  testRun,
  testRunFrameProblem,
} from '@tfc/kernel/sys';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';

const CORPUS = fileURLToPath(
  new URL('../../../../shared/corpus/pcap-libpcap-1.10.3/semantic/', import.meta.url),
);
const packets = (JSON.parse(readFileSync(`${CORPUS}packets.json`, 'utf8')) as { hex: string }[]).map((p) =>
  Uint8Array.from(Buffer.from(p.hex, 'hex')),
);
const verdicts = (
  JSON.parse(readFileSync(`${CORPUS}verdicts.json`, 'utf8')) as {
    filters: { filter: string; v1_10_3_unopt?: (number | null)[] }[];
  }
).filters;

/** A program's maps (a protochain walk's per-CPU cells) created in the kernel, and its bytes linked to them. */
function linked(sys: Syscalls, p: EbpfProgram): { bytes: Uint8Array; maps: BpfMap[] } {
  const maps: BpfMap[] = [];
  const fds = new Map<string, number>();
  for (const m of p.maps) {
    const r = createMap(sys, {
      type: 'PERCPU_ARRAY',
      keySize: m.keySize,
      valueSize: m.valueSize,
      maxEntries: 1,
    });
    assert.ok(r.ok && m.type === 'percpu_array', `map ${m.name}`);
    maps.push(r.value);
    fds.set(m.name, r.value.fd);
  }
  const l = linkMaps(p.insns, fds);
  assert.ok(l.ok, l.ok ? '' : l.message);
  return { bytes: l.bytes, maps };
}

test('corpus filters × frames: tfc cBPF and eBPF decide as libpcap 1.10.3 (VMs, and cBPF in the kernel)', () => {
  const sys = process.getuid?.() === 0 ? loadKoffiSyscalls() : undefined;
  let pairs = 0;
  let kernelPairs = 0;
  let testRuns = 0;
  const skipped: string[] = [];
  for (const v of verdicts) {
    const want = v.v1_10_3_unopt;
    if (!want) continue;
    const c = compilePcapFilter({ filter: v.filter, linktype: 'ethernet', target: 'cbpf' });
    const e = compilePcapFilter({ filter: v.filter, linktype: 'ethernet', target: 'ebpf', progType: 'tc' });
    if (!c.ok || !e.ok) {
      const why = [...(c.ok ? [] : c.diagnostics), ...(e.ok ? [] : e.diagnostics)].map((d) => d.message)[0];
      skipped.push(`${v.filter}: ${why}`);
      continue;
    }
    const sock = sys?.ok ? openCbpfSocket(sys.value, c.program.bytes) : undefined;
    const ep = e.program as EbpfProgram;
    const vmMaps = ep.maps.map((m) => ebpf.createMap({ ...m, type: 'array' }));
    const own = sys?.ok ? linked(sys.value, ep) : undefined;
    const cls =
      sys?.ok && own
        ? loadProgram(sys.value, { type: 'SCHED_CLS', insns: own.bytes, license: 'GPL' })
        : undefined;
    if (cls && !cls.ok) assert.fail(`verifier rejected '${v.filter}': ${cls.error.log ?? cls.error.message}`);
    try {
      packets.forEach((pkt, i) => {
        const expected = want[i];
        if (expected === null || expected === undefined) return;
        const r = cbpf.run(c.program.insns as cbpf.RawInsn[], pkt);
        assert.ok(!('error' in r), `${v.filter}: ${'error' in r ? r.error : ''}`);
        assert.equal(
          !('error' in r) && r.result !== 0,
          expected === 1,
          `cBPF VM: '${v.filter}' on frame ${i + 1}`,
        );
        const x = ebpf.run(e.program.insns as ebpf.Insn[], ebpf.skbTestRunInput(pkt, 'tc'), {
          env: { maps: vmMaps },
        });
        assert.ok(x.ok, x.ok ? '' : x.error);
        assert.equal(x.ok && x.r0 === 0n, expected === 1, `eBPF VM (tc): '${v.filter}' on frame ${i + 1}`);
        pairs++;
        if (sock?.ok) {
          const k = sock.value.run(pkt);
          assert.ok(k.ok, k.ok ? '' : k.error.message);
          assert.equal(
            k.ok && k.value.accepted,
            expected === 1,
            `kernel cBPF: '${v.filter}' on frame ${i + 1}`,
          );
          kernelPairs++;
        }
        if (sys?.ok && cls?.ok && testRunFrameProblem('SCHED_CLS', pkt) === undefined) {
          const t = testRun(sys.value, cls.value, { data: pkt });
          assert.ok(t.ok, t.ok ? '' : t.error.message);
          assert.equal(
            t.ok && t.value.retval === 0,
            expected === 1,
            `kernel eBPF (sched_cls): '${v.filter}' on frame ${i + 1}`,
          );
          testRuns++;
        }
      });
    } finally {
      if (sock?.ok) sock.value.dispose();
      if (cls?.ok) cls.value.dispose();
      for (const m of own?.maps ?? []) m.dispose();
    }
  }
  console.log(
    `# ${pairs} (filter, frame) pairs in both VMs, ${kernelPairs} through SO_ATTACH_FILTER, ${testRuns} through BPF_PROG_TEST_RUN; not compiled: ${skipped.length}`,
  );
  for (const s of skipped) console.log(`#   ${s}`);
  assert.ok(pairs >= 1500, `only ${pairs} pairs`);
  if (sys?.ok) assert.ok(testRuns >= 1000, `only ${testRuns} TEST_RUN pairs`);
  assert.ok(skipped.length <= 4, `too many corpus filters not compiled:\n${skipped.join('\n')}`);
});

test('tfc compile --lang pcap: listing, errors with a caret, usage errors', async () => {
  const ok = memoryIo();
  assert.equal(await main(['compile', '--lang', 'pcap', 'tcp dst port 80'], ok), 0, ok.stderr());
  assert.match(ok.stdout(), /^\(000\) ldh {6}\[12\]\n/);
  const bad = memoryIo();
  assert.equal(await main(['compile', '--lang', 'pcap', 'tcp dst prot 80'], bad), 1);
  assert.match(bad.stderr(), /^tfc: tcp dst prot 80\ntfc: .*\^/);
  const usage = memoryIo();
  assert.equal(await main(['compile', '--lang', 'pcap', 'tcp', '--event', 'sock/x'], usage), 2);
});

test('a filter that rejects every packet gets a note, as libpcap refuses it ("expression rejects all packets")', async () => {
  const lib = loadLibpcap();
  const corpus = (
    JSON.parse(readFileSync(`${CORPUS}../index.json`, 'utf8')) as {
      rows: { filter: string; error?: string }[];
    }
  ).rows.map((r) => r.filter);
  const cases = [
    ...corpus,
    'tcp and icmp',
    'tcp[13] = 2 and ip6',
    'not tcp and tcp',
    'ip and arp',
    'tcp',
    'tcp port 80 or udp',
    'not (tcp and icmp)',
    'ip6 and ip',
    'udp and port 53 and tcp',
  ];
  let judged = 0;
  for (const f of cases) {
    const io = memoryIo();
    const code = await main(['compile', '--lang', 'pcap', f, '--target', 'cbpf', '--emit', 'asm'], io);
    if (code !== 0) continue; // refused by tfc's front end (the corpus holds errors too)
    const noted = io.stderr().includes('rejects every packet');
    if (lib.ok) {
      using c = lib.value.compiler(DLT.EN10MB, 262144);
      const r = c.compile(f, { optimize: true });
      const libpcapRefuses = !r.ok && r.error.includes('rejects all packets');
      assert.equal(
        noted,
        libpcapRefuses,
        `${f}: tfc ${noted ? 'notes' : 'does not note'}; libpcap: ${r.ok ? 'compiles' : r.error}`,
      );
      judged++;
    }
  }
  if (lib.ok) assert.ok(judged >= 60, `${judged} filters judged`);
});
