// Filters that used to exceed the kernel's 4,096 classic instructions, now under it with libpcap's verdicts.
// protochain: one IR `chain` leaf, unrolled by the classic generator into code linear in its depth (33,597
// instructions for `ip6 protochain 6` when the front end unrolled the walk into shared values re-expanded per use).
// Through `tfc compile` (a child killed after 20 s: a hang detector, no timing assertion), the cBPF program must
// stay under the limit, the eBPF one must compile, and the cBPF program must give libpcap's verdicts (libpcap's
// own unoptimised program, both run by libpcap's bpf_filter) on structured frames with IPv6 extension-header
// chains and runts, and on hand-built chains of every length up to the classic walk's depth (PROTOCHAIN_DEPTH: longer
// chains reject where libpcap walks on, README "Long protochains"), cut at every length.
// host-or over 800 scattered addresses: two 800-value binary searches per protocol, whose far jumps to the returns
// and the next test took one `ja` trampoline each (6,040 instructions) and now share jump islands.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DLT, loadLibpcap } from '@tfc/kernel/sys';
import fc from 'fast-check';
import { compileInChild } from './cli-compile.ts';
import { corpusFrames } from './corpus.ts';
import { ethernetFrame, withRunts } from './frames.ts';

const pcap = loadLibpcap();
const FILTERS = [
  'ip6 protochain 6',
  'ip6 protochain 58',
  'ip6 protochain 17',
  'protochain 6',
  'ip protochain 17',
];
const LIMIT = 4096;
/** Chain lengths checked by hand-built frames: the classic walk's depth (codegen-bpf cbpf/chain-leaf.ts
 *  CBPF_CHAIN_DEPTH; this package does not depend on the code generator). */
const PROTOCHAIN_DEPTH = 32;

const compile = compileInChild;

/** Ethernet + IPv6 whose extension headers (hop-by-hop 0, routing 43, destination options 60; 8 bytes each)
 *  lead to `last`, `n` headers deep. */
function ip6Chain(n: number, last: number, kinds: readonly number[] = [0, 60, 43]): Uint8Array {
  const hdrs: number[][] = [];
  for (let i = 0; i < n; i++) hdrs.push([0, 0, 0, 0, 0, 0, 0, 0]);
  const first = n === 0 ? last : kinds[0]!;
  for (let i = 0; i < n; i++) hdrs[i]![0] = i + 1 < n ? kinds[(i + 1) % kinds.length]! : last;
  const body = hdrs.flat();
  const f = [
    ...Array(12).fill(0x11),
    0x86,
    0xdd,
    0x60,
    0,
    0,
    0,
    (body.length + 20) >> 8,
    (body.length + 20) & 0xff,
    first,
    64,
    ...Array(32).fill(0x22),
    ...body,
    ...Array(20).fill(0),
  ];
  return Uint8Array.from(f);
}

test('protochain compiles under 4,096 cBPF instructions and gives libpcap verdicts', (t) => {
  const dir = mkdtempSync(join(tmpdir(), `tfc-protochain-${process.pid}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const frames: Uint8Array[] = [
    ...corpusFrames().flatMap((f) => [f.bytes, f.bytes.subarray(0, 40)]),
    ...fc.sample(withRunts(ethernetFrame), { numRuns: 1500, seed: 61 }),
  ];
  for (let n = 0; n <= PROTOCHAIN_DEPTH; n++)
    for (const last of [6, 17, 58, 59])
      for (const kinds of [[0, 60, 43], [60], [43, 60]]) {
        const f = ip6Chain(n, last, kinds);
        for (let cut = 50; cut <= f.length; cut += 3) frames.push(f.subarray(0, cut));
      }
  const sizes: string[] = [];
  for (const text of FILTERS) {
    const bins: Partial<Record<'cbpf' | 'ebpf', Uint8Array>> = {};
    for (const target of ['cbpf', 'ebpf'] as const) {
      const out = join(dir, `${target}.bin`);
      const r = compile(text, target, out);
      assert.equal(r.error, undefined, `${text} ${target}: ${String(r.error)} (killed after 20 s: blow-up)`);
      assert.equal(r.status, 0, `${text} ${target}: ${r.stderr}`);
      bins[target] = new Uint8Array(readFileSync(out));
    }
    const prog = bins.cbpf!;
    const insns = prog.length / 8;
    assert.ok(insns < LIMIT, `${text}: ${insns} cBPF instructions`);
    sizes.push(`${text}: ${insns} cBPF, ${bins.ebpf!.length / 8} eBPF slots`);
    if (!pcap.ok) continue;
    using c = pcap.value.compiler(DLT.EN10MB, 262144);
    const l = c.compile(text, { optimize: false });
    assert.ok(l.ok, `libpcap rejects ${text}`);
    let accepted = 0;
    for (const fr of frames) {
      const want: boolean = pcap.value.filter(l.program, fr) !== 0;
      const got: boolean = pcap.value.filter(prog, fr) !== 0;
      assert.equal(got, want, `${text} on ${Buffer.from(fr).toString('hex')}`);
      if (want) accepted++;
    }
    assert.ok(accepted > 0 && accepted < frames.length, `${text}: ${accepted}/${frames.length} accepted`);
  }
  console.log(`# protochain sizes (${frames.length} frames each vs libpcap): ${sizes.join('; ')}`);
  if (!pcap.ok) t.skip(`libpcap: ${pcap.reason} (sizes checked, verdicts not)`);
});

/** The bench's scattered host series (bench/src/suites/pcap.ts): 10.x.y.z, x.y.z = i * 0x9e3779b1 mod 2^24. */
function scattered(i: number): number[] {
  const v = Math.imul(i, 0x9e3779b1) & 0xffffff;
  return [10, v >>> 16, (v >>> 8) & 255, v & 255];
}

/** Ethernet + IPv4 (or ARP) with the given source and destination addresses. */
function ipFrame(src: readonly number[], dst: readonly number[], arp: boolean): Uint8Array {
  const f = new Uint8Array(arp ? 42 : 54);
  if (arp) {
    f.set([0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1], 12);
    f.set(src, 28);
    f.set(dst, 38);
  } else {
    f.set([0x08, 0x00, 0x45], 12);
    f[23] = 6;
    f.set(src, 26);
    f.set(dst, 30);
  }
  return f;
}

test('host-or over 800 scattered addresses compiles under 4,096 cBPF instructions and gives libpcap verdicts', (t) => {
  const dir = mkdtempSync(join(tmpdir(), `tfc-hostor-${process.pid}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const N = 800;
  const text = Array.from({ length: N }, (_, i) => `host ${scattered(i + 1).join('.')}`).join(' or ');
  const out = join(dir, 'cbpf.bin');
  const r = compile(text, 'cbpf', out);
  assert.equal(r.error, undefined, `${String(r.error)} (killed after 20 s: blow-up)`);
  assert.equal(r.status, 0, r.stderr);
  const prog = new Uint8Array(readFileSync(out));
  assert.ok(prog.length / 8 < LIMIT, `${prog.length / 8} cBPF instructions`);
  console.log(`# host-or-scattered-${N}: ${prog.length / 8} cBPF instructions`);
  if (!pcap.ok) {
    t.skip(`libpcap: ${pcap.reason} (size checked, verdicts not)`);
    return;
  }
  using c = pcap.value.compiler(DLT.EN10MB, 262144);
  const l = c.compile(text, { optimize: false });
  assert.ok(l.ok, 'libpcap rejects the filter');
  const other = [10, 1, 2, 3];
  const frames: Uint8Array[] = corpusFrames().map((f) => f.bytes);
  for (const i of [1, 2, 3, 100, 399, 400, 401, 555, 799, 800, 801, 802, 5000])
    for (const arp of [false, true]) {
      const a = scattered(i);
      frames.push(ipFrame(a, other, arp), ipFrame(other, a, arp), ipFrame(other, other, arp));
      frames.push(ipFrame(a, other, arp).subarray(0, arp ? 32 : 30));
    }
  let accepted = 0;
  for (const fr of frames) {
    const want: boolean = pcap.value.filter(l.program, fr) !== 0;
    const got: boolean = pcap.value.filter(prog, fr) !== 0;
    assert.equal(got, want, `host-or on ${Buffer.from(fr).toString('hex')}`);
    if (want) accepted++;
  }
  assert.ok(accepted > 20 && accepted < frames.length, `${accepted}/${frames.length} accepted`);
});
