// Kernel proof: every generated eBPF program passes the verifier (tracepoint, socket, tc, xdp;
// rejections counted, must be zero); trace-frame programs agree with the IR evaluator under
// BPF_PROG_TEST_RUN (tc, xdp) and cBPF programs under SO_ATTACH_FILTER on an AF_UNIX socketpair.
// Every fd is released in finally blocks. Skips only when bpf(2) or test runs are unavailable.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluate } from '@tfc/ir';
import {
  type FilterVerdict,
  loadProgram,
  openCbpfSocket,
  probeFeatures,
  type Result,
  testRun,
  testRunFrameProblem,
} from '@tfc/kernel/sys';
import fc from 'fast-check';
import { compileBpf } from '../src/index.ts';
import { filterArb, inputArb } from './ir-arbitraries.ts';
import { forFrame, forTracepoint, makeFrame } from './transform.ts';

const F = probeFeatures();
const sys = F.syscalls.ok ? F.syscalls.value : undefined;
const FILTERS = Number(process.env.TFC_CODEGEN_KERNEL_FILTERS ?? 150);
const SEED = Number(process.env.TFC_SEED ?? 4242);
const skipLoad = sys === undefined ? 'bpf(2) unavailable' : false;
const skipRun = F.testRun.ok ? skipLoad : F.testRun.reason;

const filters = fc.sample(filterArb, { numRuns: FILTERS, seed: SEED });
const frameInputs = fc.sample(
  fc.tuple(
    fc.uint8Array({ minLength: 54, maxLength: 54 }),
    inputArb,
    fc.oneof(fc.integer({ min: 0, max: 130 }), fc.constant(1000)),
  ),
  { numRuns: 24, seed: SEED + 1 },
);
const frames = frameInputs.map(([h, i, cut]) => makeFrame(h, i.record!.subarray(0, 64), cut));

test('every generated eBPF program passes the verifier', { skip: skipLoad }, () => {
  assert.ok(sys);
  let loaded = 0;
  const rejected: string[] = [];
  for (const raw of filters) {
    const jobs = [
      { ir: forTracepoint(raw), ctx: 'tracepoint' as const, pt: undefined },
      ...(['socket', 'tc', 'xdp'] as const).map((pt) => ({
        ir: forFrame(raw),
        ctx: 'trace-frame' as const,
        pt,
      })),
    ];
    for (const j of jobs) {
      const r = compileBpf(j.ir, { target: 'ebpf', ctx: j.ctx, ...(j.pt ? { progType: j.pt } : {}) });
      if (!r.ok || r.program.target !== 'ebpf') continue;
      const l = loadProgram(sys, { type: r.program.progType, insns: r.program.bytes });
      if (l.ok) {
        loaded++;
        l.value.dispose();
      } else
        rejected.push(
          `${r.program.progTypeName}: ${l.error.message}\n${r.program.listing}\n${l.error.log ?? ''}`,
        );
    }
  }
  console.log(`verifier: ${loaded} programs loaded, ${rejected.length} rejected`);
  assert.equal(rejected.length, 0, rejected.slice(0, 2).join('\n----\n'));
  assert.ok(loaded >= FILTERS * 2);
});

test('tc and xdp programs agree with the IR evaluator under BPF_PROG_TEST_RUN', { skip: skipRun }, () => {
  assert.ok(sys);
  let pairs = 0;
  for (const raw of filters) {
    const ir = forFrame(raw);
    for (const pt of ['tc', 'xdp'] as const) {
      const r = compileBpf(ir, { target: 'ebpf', ctx: 'trace-frame', progType: pt });
      if (!r.ok || r.program.target !== 'ebpf') continue;
      const l = loadProgram(sys, { type: r.program.progType, insns: r.program.bytes });
      assert.ok(l.ok, l.ok ? '' : l.error.message);
      if (!l.ok) continue;
      try {
        for (const f of frames) {
          if (testRunFrameProblem(pt === 'tc' ? 'SCHED_CLS' : 'XDP', f) !== undefined) continue;
          const out = testRun(sys, l.value, { data: f, dataOutSize: 0 });
          assert.ok(out.ok, out.ok ? '' : out.error.message);
          if (!out.ok) continue;
          const want: number =
            evaluate(ir, { packet: f }) === 'accept' ? r.program.onMatch : r.program.onMiss;
          assert.equal(out.value.retval, want, `${pt} disagrees\n${r.program.listing}`);
          pairs++;
        }
      } finally {
        l.value.dispose();
      }
    }
  }
  console.log(`TEST_RUN: ${pairs} (program, frame) pairs agree`);
  assert.ok(pairs >= FILTERS * 10);
});

test('cBPF programs agree with the IR evaluator under SO_ATTACH_FILTER', { skip: skipLoad }, () => {
  assert.ok(sys);
  let pairs = 0;
  for (const raw of filters) {
    const ir = forFrame(raw);
    const r = compileBpf(ir, { target: 'cbpf', ctx: 'trace-frame' });
    if (!r.ok || r.program.target !== 'cbpf') continue;
    const s = openCbpfSocket(sys, r.program.bytes);
    assert.ok(s.ok, s.ok ? '' : s.error.message);
    if (!s.ok) continue;
    try {
      for (const f of frames) {
        if (f.length === 0) continue;
        const v: Result<FilterVerdict> = s.value.run(f);
        assert.ok(v.ok, v.ok ? '' : v.error.message);
        if (!v.ok) continue;
        assert.equal(
          v.value.accepted,
          evaluate(ir, { packet: f }) === 'accept',
          `cBPF disagrees\n${r.program.listing}`,
        );
        pairs++;
      }
    } finally {
      s.value.dispose();
    }
  }
  console.log(`SO_ATTACH_FILTER: ${pairs} (program, frame) pairs agree`);
  assert.ok(pairs >= FILTERS * 10);
});
