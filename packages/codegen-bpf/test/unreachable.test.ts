// Regression: no eBPF program carries an instruction that no path reaches (the verifier's check_cfg refuses it:
// "unreachable insn N"). Two generator defects found with constants on both sides of sums and a dead string loop:
//  - tc/xdp programs translated from classic BPF: a load at X + k whose bytes end past 0xffff on every packet
//    ((0xfff0 + (b & 3)) + 0xc, 4 bytes, as -O0 leaves it; (b & 3) + 0xfffc after fold) became `ja miss` and the
//    translation went on emitting the instructions after it;
//  - tracepoint programs: a string loop placed in code no path reaches (after an always-true leaf) revived that
//    code through its loop head.
// The structural check (ebpf-cfg.ts) is asserted on each program and the kernel loads it (bpf(2), skipped only
// when unavailable); tc programs also run under BPF_PROG_TEST_RUN and return the IR's verdict.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ebpf from '@tfc/bpf/ebpf';
import { arith, cmp, evaluate, type Filter, filter, konst, load, or, str } from '@tfc/ir';
import { loadProgram, probeFeatures, testRun, testRunFrameProblem } from '@tfc/kernel/sys';
import { cfgProblem } from '../src/ebpf-cfg.ts';
import { type CompileOptions, compileBpf } from '../src/index.ts';
import { kernelMaps } from './maps.ts';

const F = probeFeatures();
const sys = F.syscalls.ok ? F.syscalls.value : undefined;

const b3 = arith('&', load('packet', 3, 1, 'be'), konst(3));
/** Loads no packet can satisfy (their 4 bytes end past 0xffff), written as -O0 and as fold leaves them. */
const pastEnd: readonly Filter[] = [
  filter(
    cmp('eq', 4, false, load('packet', arith('+', arith('+', konst(0xfff0), b3), konst(0xc)), 4, 'be'), 1n),
  ),
  filter(
    cmp('eq', 4, false, load('packet', arith('+', arith('+', b3, konst(0xfff0)), konst(0xc)), 4, 'be'), 1n),
  ),
  filter(cmp('ne', 4, false, load('packet', arith('+', b3, konst(0xfffc)), 4, 'be'), 1n)),
  filter(
    or(
      cmp('eq', 4, false, load('packet', arith('+', konst(0xfffc), b3), 4, 'be'), 1n),
      cmp('eq', 1, false, load('packet', 2, 1, 'be'), 7n),
    ),
  ),
];
/** A glob loop behind an always-true leaf (`front ""`): the loop is dead code. */
const deadLoop = filter(
  or(
    str('front', '', { kind: 'fixed', base: 'record', offset: 16, size: 8 }),
    str('glob', '*!b', { kind: 'dataloc', base: 'record', offset: 24, rel: false, order: 'le' }, true),
  ),
);
const O0 = { optimize: false, order: 'source', codePasses: false } as const;

type Job = { readonly ir: Filter; readonly opts: CompileOptions };
const jobs: Job[] = [
  ...pastEnd.flatMap((ir) =>
    [O0, {}].flatMap((o) =>
      (['tc', 'xdp', 'socket'] as const).map((pt) => ({
        ir,
        opts: { target: 'ebpf', ctx: 'packet', progType: pt, ...o } as CompileOptions,
      })),
    ),
  ),
  ...[O0, { optimize: false }, {}].map((o) => ({
    ir: deadLoop,
    opts: { target: 'ebpf', ctx: 'tracepoint', ...o } as CompileOptions,
  })),
];

function compiled(
  j: Job,
): Extract<ReturnType<typeof compileBpf>, { ok: true }>['program'] & { target: 'ebpf' } {
  const r = compileBpf(j.ir, j.opts);
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.diagnostics));
  assert.ok(r.program.target === 'ebpf');
  return r.program as never;
}

test('no unreachable instruction: loads past 0xffff (tc, xdp, socket) and a dead string loop (tracepoint)', () => {
  const frames = [new Uint8Array(0), new Uint8Array(14), Uint8Array.from({ length: 80 }, (_, i) => i)];
  for (const j of jobs) {
    const p = compiled(j);
    assert.equal(cfgProblem(p.insns), undefined, `${JSON.stringify(j.opts)}\n${p.listing}`);
    if (j.opts.ctx !== 'packet') continue;
    const prep = ebpf.prepare(p.insns);
    assert.ok(prep.ok);
    if (!prep.ok) continue;
    for (const f of frames) {
      const input: ebpf.VmInput =
        j.opts.progType === 'tc'
          ? ebpf.skbTestRunInput(f, 'tc')
          : j.opts.progType === 'xdp'
            ? ebpf.xdpTestRunInput(f)
            : { kind: 'skb', packet: f };
      const got = ebpf.run(prep.prog, input);
      assert.ok(got.ok, got.ok ? '' : got.error);
      const want = evaluate(j.ir, { packet: f }) === 'accept' ? p.onMatch : p.onMiss;
      if (got.ok) assert.equal(Number(got.r0 & 0xffffffffn), want, p.listing);
    }
  }
});

test('the kernel loads them (bpf(2)); tc programs return the IR verdict under BPF_PROG_TEST_RUN', {
  skip: sys === undefined ? 'bpf(2) unavailable' : false,
}, () => {
  assert.ok(sys);
  let loaded = 0;
  let ran = 0;
  for (const j of jobs) {
    const p = compiled(j);
    const linked = kernelMaps(sys, p);
    assert.ok(typeof linked !== 'string', String(linked));
    if (typeof linked === 'string') continue;
    try {
      const l = loadProgram(sys, { type: p.progType, insns: linked.bytes });
      assert.ok(l.ok, l.ok ? '' : `${l.error.message}\n${p.listing}\n${l.error.log ?? ''}`);
      if (!l.ok) continue;
      loaded++;
      try {
        if (j.opts.progType !== 'tc' || !F.testRun.ok) continue;
        const f = Uint8Array.from({ length: 80 }, (_, i) => i);
        if (testRunFrameProblem('SCHED_CLS', f) !== undefined) continue;
        const out = testRun(sys, l.value, { data: f, dataOutSize: 0 });
        assert.ok(out.ok, out.ok ? '' : out.error.message);
        const want = evaluate(j.ir, { packet: f }) === 'accept' ? p.onMatch : p.onMiss;
        if (out.ok) assert.equal(out.value.retval, want, p.listing);
        ran++;
      } finally {
        l.value.dispose();
      }
    } finally {
      for (const m of linked.maps) m.dispose();
    }
  }
  console.log(`unreachable regression: ${loaded} programs loaded, ${ran} tc test runs`);
  assert.equal(loaded, jobs.length);
});
