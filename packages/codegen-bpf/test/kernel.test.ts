// Kernel proof: every generated eBPF program passes the verifier (tracepoint, socket, tc, xdp;
// rejections counted, must be zero); trace-frame programs agree with the IR evaluator under
// BPF_PROG_TEST_RUN (tc, xdp) and cBPF programs under SO_ATTACH_FILTER on an AF_UNIX socketpair.
// Every fd is released in finally blocks. Skips only when bpf(2) or test runs are unavailable.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { and, cmp, evaluate, filter, load, or, str } from '@tfc/ir';
import {
  type FilterVerdict,
  loadProgram,
  openBpfSocket,
  openCbpfSocket,
  probeFeatures,
  type Result,
  testRun,
  testRunFrameProblem,
} from '@tfc/kernel/sys';
import { filterArb, inputArb } from '@tfc/testkit/ir';
import fc from 'fast-check';
import { compileBpf } from '../src/index.ts';
import { kernelMaps } from './maps.ts';
import { packetFrameArb, packetPredArb } from './packet-filters.ts';
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
      for (const setLookup of ['search', 'map'] as const) {
        const r = compileBpf(j.ir, {
          target: 'ebpf',
          ctx: j.ctx,
          ...(j.pt ? { progType: j.pt } : {}),
          ...(setLookup === 'map' ? { setLookup, binarySearchMin: 2 } : {}),
        });
        if (!r.ok || r.program.target !== 'ebpf') continue;
        if (setLookup === 'map' && r.program.maps.length === 0) continue;
        const linked = kernelMaps(sys, r.program);
        assert.ok(typeof linked !== 'string', String(linked));
        if (typeof linked === 'string') continue;
        let l: ReturnType<typeof loadProgram>;
        try {
          l = loadProgram(sys, { type: r.program.progType, insns: linked.bytes });
        } finally {
          for (const m of linked.maps) m.dispose();
        }
        if (l.ok) {
          loaded++;
          l.value.dispose();
        } else
          rejected.push(
            `${r.program.progTypeName}: ${l.error.message}\n${r.program.listing}\n${l.error.log ?? ''}`,
          );
      }
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
      const linked = kernelMaps(sys, r.program);
      assert.ok(typeof linked !== 'string', String(linked));
      if (typeof linked === 'string') continue;
      const l = loadProgram(sys, { type: r.program.progType, insns: linked.bytes });
      assert.ok(l.ok, l.ok ? '' : l.error.message);
      if (!l.ok) {
        for (const m of linked.maps) m.dispose();
        continue;
      }
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
        for (const m of linked.maps) m.dispose();
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

test('eBPF socket filters agree with the IR evaluator under SO_ATTACH_BPF', { skip: skipLoad }, () => {
  assert.ok(sys);
  let pairs = 0;
  for (const raw of filters) {
    const ir = forFrame(raw);
    const r = compileBpf(ir, { target: 'ebpf', ctx: 'trace-frame', progType: 'socket' });
    if (!r.ok || r.program.target !== 'ebpf') continue;
    const linked = kernelMaps(sys, r.program);
    assert.ok(typeof linked !== 'string', String(linked));
    if (typeof linked === 'string') continue;
    const l = loadProgram(sys, { type: r.program.progType, insns: linked.bytes });
    assert.ok(l.ok, l.ok ? '' : l.error.message);
    if (!l.ok) {
      for (const m of linked.maps) m.dispose();
      continue;
    }
    try {
      const opened = openBpfSocket(sys, l.value.fd);
      assert.ok(opened.ok, opened.ok ? '' : opened.error.message);
      if (!opened.ok) continue;
      const s = opened.value;
      try {
        for (const f of frames) {
          const v: Result<FilterVerdict> = s.run(f);
          assert.ok(v.ok, v.ok ? '' : v.error.message);
          if (!v.ok) continue;
          assert.equal(
            v.value.accepted,
            evaluate(ir, { packet: f }) === 'accept',
            `socket disagrees\n${r.program.listing}`,
          );
          pairs++;
        }
      } finally {
        s.dispose();
      }
    } finally {
      l.value.dispose();
      for (const m of linked.maps) m.dispose();
    }
  }
  console.log(`SO_ATTACH_BPF: ${pairs} (program, frame) pairs agree`);
  assert.ok(pairs >= FILTERS * 10);
});

test('set hash maps: a 1,000-way OR compiles to a map lookup that the kernel runs as the IR says', {
  skip: skipRun,
}, () => {
  assert.ok(sys);
  const values = Array.from({ length: 1000 }, (_, i) => BigInt(i * 7 + 5));
  const ir = filter(or(...values.map((v) => cmp('eq', 4, false, load('frame', 8, 4), v))));
  const r = compileBpf(ir, { target: 'ebpf', ctx: 'trace-frame', progType: 'xdp', setLookup: 'map' });
  assert.ok(r.ok && r.program.target === 'ebpf');
  if (!r.ok || r.program.target !== 'ebpf') return;
  assert.ok(r.program.stats.instructions <= 64, `${r.program.stats.instructions} instructions`);
  assert.equal(r.program.maps.length, 1);
  const linked = kernelMaps(sys, r.program);
  assert.ok(typeof linked !== 'string', String(linked));
  if (typeof linked === 'string') return;
  try {
    const l = loadProgram(sys, { type: r.program.progType, insns: linked.bytes });
    assert.ok(l.ok, l.ok ? '' : `${l.error.message}\n${l.error.log ?? ''}`);
    if (!l.ok) return;
    try {
      let pairs = 0;
      for (let v = 0; v < 400; v++) {
        const frame = new Uint8Array(70);
        new DataView(frame.buffer).setUint32(54 + 8, v * 3, true);
        const out = testRun(sys, l.value, { data: frame, dataOutSize: 0 });
        assert.ok(out.ok);
        if (!out.ok) continue;
        const want: number =
          evaluate(ir, { packet: frame }) === 'accept' ? r.program.onMatch : r.program.onMiss;
        assert.equal(out.value.retval, want, `value ${v * 3}`);
        pairs++;
      }
      assert.equal(pairs, 400);
    } finally {
      l.value.dispose();
    }
  } finally {
    for (const m of linked.maps) m.dispose();
  }
});

test('string loops within the verifier budget load; beyond it they are a diagnostic', {
  skip: skipLoad,
}, () => {
  assert.ok(sys);
  const long = 'abcdefghijklmnopqrstuvwxyz012345';
  const dl = (offset: number) =>
    ({ kind: 'dataloc', base: 'record', offset, rel: false, order: 'le' }) as const;
  const ptr = { kind: 'ptr', base: 'record', offset: 32, order: 'le', space: 'kernel' } as const;
  const fits = filter(
    and(str('middle', long, dl(8)), str('middle', long, ptr), str('middle', 'xyz', ptr, true)),
  );
  const r = compileBpf(fits, { target: 'ebpf', ctx: 'tracepoint' });
  assert.ok(r.ok && r.program.target === 'ebpf', r.ok ? '' : JSON.stringify(r.diagnostics));
  if (!r.ok || r.program.target !== 'ebpf') return;
  const linked = kernelMaps(sys, r.program);
  assert.ok(typeof linked !== 'string', String(linked));
  if (typeof linked === 'string') return;
  try {
    // (Measured on 6.18: the verifier processes ~347,000 instructions for this program.)
    const l = loadProgram(sys, { type: r.program.progType, insns: linked.bytes });
    assert.ok(l.ok, l.ok ? '' : `${l.error.message}\n${(l.error.log ?? '').slice(-400)}`);
    if (l.ok) l.value.dispose();
  } finally {
    for (const m of linked.maps) m.dispose();
  }
  const tooMuch = filter(or(...[8, 12, 16].map((o) => str('middle', long, dl(o)))));
  const d = compileBpf(tooMuch, { target: 'ebpf', ctx: 'tracepoint' });
  assert.equal(d.ok, false);
  if (!d.ok) assert.equal(d.diagnostics[0]!.code, 'verifier-budget');
});

test('packet-shaped filters (code passes, LD_ABS socket programs): cBPF under SO_ATTACH_FILTER, eBPF socket under SO_ATTACH_BPF and tc under TEST_RUN agree with the IR', {
  skip: skipRun,
}, () => {
  assert.ok(sys);
  const preds = fc.sample(packetPredArb, { numRuns: FILTERS, seed: SEED + 7 });
  const pkts = fc.sample(packetFrameArb, { numRuns: 24, seed: SEED + 8 }).filter((f) => f.length > 0);
  const counts = { cbpf: 0, socket: 0, tc: 0, ldAbs: 0 };
  for (const p of preds) {
    const ir = filter(p);
    const want = pkts.map((f) => evaluate(ir, { packet: f }) === 'accept');
    const c = compileBpf(ir, { target: 'cbpf', ctx: 'packet' });
    assert.ok(c.ok && c.program.target === 'cbpf');
    if (c.ok && c.program.target === 'cbpf') {
      const s = openCbpfSocket(sys, c.program.bytes);
      assert.ok(s.ok, s.ok ? '' : s.error.message);
      if (s.ok)
        try {
          pkts.forEach((f, i) => {
            const v = s.value.run(f);
            assert.ok(v.ok);
            if (v.ok) assert.equal(v.value.accepted, want[i], `cBPF disagrees\n${c.program.listing}`);
            counts.cbpf++;
          });
        } finally {
          s.value.dispose();
        }
    }
    for (const [pt, codePasses, o0] of [
      ['socket', true, false],
      ['tc', true, false],
      ['tc', false, false],
      ['tc', false, true],
    ] as const) {
      // o0: no IR passes either (-O0), so sums keep their constants on both sides
      const r = compileBpf(ir, {
        target: 'ebpf',
        ctx: 'packet',
        progType: pt,
        codePasses,
        ...(o0 ? { optimize: false, order: 'source' as const } : {}),
      });
      assert.ok(r.ok && r.program.target === 'ebpf');
      if (!r.ok || r.program.target !== 'ebpf') continue;
      if (pt === 'socket' && /skb\[/.test(r.program.listing)) counts.ldAbs++;
      const l = loadProgram(sys, { type: r.program.progType, insns: r.program.bytes });
      assert.ok(l.ok, l.ok ? '' : `${l.error.message}\n${r.program.listing}`);
      if (!l.ok) continue;
      try {
        if (pt === 'socket') {
          const opened = openBpfSocket(sys, l.value.fd);
          assert.ok(opened.ok, opened.ok ? '' : opened.error.message);
          if (!opened.ok) continue;
          const s = opened.value;
          try {
            pkts.forEach((f, i) => {
              const v = s.run(f);
              assert.ok(v.ok);
              if (v.ok) assert.equal(v.value.accepted, want[i], `socket disagrees\n${r.program.listing}`);
              counts.socket++;
            });
          } finally {
            s.dispose();
          }
        } else
          pkts.forEach((f, i) => {
            if (testRunFrameProblem('SCHED_CLS', f) !== undefined) return;
            const out = testRun(sys, l.value, { data: f, dataOutSize: 0 });
            assert.ok(out.ok, out.ok ? '' : out.error.message);
            if (!out.ok) return;
            const exp: number = want[i] ? r.program.onMatch : r.program.onMiss;
            assert.equal(out.value.retval, exp, `tc disagrees\n${r.program.listing}`);
            counts.tc++;
          });
      } finally {
        l.value.dispose();
      }
    }
  }
  console.log(`packet-shaped: (filter, frame) pairs judged by the kernel`, counts);
  assert.ok(counts.cbpf >= FILTERS * 10 && counts.socket >= FILTERS * 10 && counts.ldAbs >= FILTERS / 2);
});

test('glob on __data_loc and char * strings: the verifier accepts every pattern shape', {
  skip: skipLoad,
}, () => {
  assert.ok(sys);
  const patterns = [
    '*',
    'abc',
    'a*',
    '*a',
    'a*b',
    '*ab*',
    'a?c*[!x-z]',
    '*[a-c][0-9]*d*e',
    'x*y*z*w',
    '[*',
    '\\*a*',
  ];
  let loaded = 0;
  for (const pattern of patterns)
    for (const source of [
      { kind: 'dataloc', base: 'record', offset: 8, rel: false, order: 'le' },
      { kind: 'ptr', base: 'record', offset: 16, order: 'le', space: 'user' },
    ] as const) {
      const r = compileBpf(filter(str('glob', pattern, source)), { target: 'ebpf', ctx: 'tracepoint' });
      if (!r.ok) {
        // Only the verifier budget may refuse a pattern, and then with its own diagnostic.
        assert.equal(
          r.diagnostics[0]!.code,
          'verifier-budget',
          `${pattern}: ${JSON.stringify(r.diagnostics)}`,
        );
        continue;
      }
      if (r.program.target !== 'ebpf') continue;
      const linked = kernelMaps(sys, r.program);
      assert.ok(typeof linked !== 'string', String(linked));
      if (typeof linked === 'string') continue;
      try {
        const l = loadProgram(sys, { type: r.program.progType, insns: linked.bytes });
        assert.ok(
          l.ok,
          l.ok ? '' : `${pattern} (${source.kind}): ${l.error.message}\n${l.error.log?.slice(-2000) ?? ''}`,
        );
        if (l.ok) {
          loaded++;
          l.value.dispose();
        }
      } finally {
        for (const m of linked.maps) m.dispose();
      }
    }
  console.log(`glob on dynamic strings: ${loaded} programs verified`);
  assert.ok(loaded >= patterns.length * 2 - 4);
});
