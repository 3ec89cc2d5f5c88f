// Differential proof for middle/glob on __data_loc strings inside trace frames: the IR evaluator against the
// eBPF VM (socket, tc, xdp; frames up to 65,535 bytes) and against the kernel (BPF_PROG_LOAD of every program,
// BPF_PROG_TEST_RUN for tc and xdp, SO_ATTACH_BPF for socket filters) on the same frames; cBPF refuses these by
// name, never with another verdict, and so does eBPF for a kernel without may_goto. Counts are printed and asserted from below. Kernel steps skip (with the
// reason) only when bpf(2) or test runs are unavailable.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as cbpf from '@tfc/bpf/cbpf';
import * as ebpf from '@tfc/bpf/ebpf';
import { evaluate, type Filter, filter, or, str } from '@tfc/ir';
import { probeFeatures } from '@tfc/kernel/sys';
import fc from 'fast-check';
import { compileBpf, type EbpfProgram, type ProgType } from '../src/index.ts';
import { frameArb, frameStringFilterArb } from './frame-strings.ts';
import { kernelVerdicts, vmMaps } from './maps.ts';

const RUNS = Number(process.env.TFC_CODEGEN_RUNS ?? 1800);
const KFILTERS = Number(process.env.TFC_CODEGEN_KERNEL_FILTERS ?? 150);
const SEED = Number(process.env.TFC_SEED ?? 4242);
const F = probeFeatures();
const sys = F.syscalls.ok ? F.syscalls.value : undefined;
const skipLoad = sys === undefined ? 'bpf(2) unavailable' : false;
const skipRun = F.testRun.ok ? skipLoad : F.testRun.reason;
const PROG_TYPES = ['socket', 'tc', 'xdp'] as const;

function vmInput(pt: ProgType, frame: Uint8Array): ebpf.VmInput {
  if (pt === 'tc') return ebpf.skbTestRunInput(frame, 'tc');
  if (pt === 'xdp') return ebpf.xdpTestRunInput(frame);
  return { kind: 'skb', packet: frame };
}

function compileFrame(ir: Filter, pt: ProgType): EbpfProgram {
  const r = compileBpf(ir, { target: 'ebpf', ctx: 'trace-frame', progType: pt });
  assert.ok(r.ok, r.ok ? '' : r.diagnostics.map((d) => d.message).join('; '));
  assert.equal(r.program.target, 'ebpf');
  return r.program as EbpfProgram;
}

function vmVerdict(p: EbpfProgram, pt: ProgType, frame: Uint8Array): number {
  const got = ebpf.run(p.insns as ebpf.Insn[], vmInput(pt, frame), {
    env: { maps: vmMaps(p) },
    fuel: 50_000_000,
  });
  assert.ok(got.ok, `VM error (${pt}): ${got.ok ? '' : got.error}\n${p.listing}`);
  return Number(got.r0 & 0xffffffffn);
}

test('frame strings: IR evaluator = eBPF VM (socket, tc, xdp), short and 65,535-byte strings; cBPF refuses by name', () => {
  let compared = 0;
  let cbpfRefused = 0;
  let cbpfCompared = 0;
  fc.assert(
    fc.property(
      frameStringFilterArb,
      fc.array(
        fc.oneof({ weight: 6, arbitrary: frameArb(200) }, { weight: 1, arbitrary: frameArb(0xffff - 200) }),
        {
          minLength: 4,
          maxLength: 4,
        },
      ),
      (ir, frames) => {
        const want = frames.map((f) => evaluate(ir, { packet: f }) === 'accept');
        for (const pt of PROG_TYPES) {
          const p = compileFrame(ir, pt);
          frames.forEach((f, i) => {
            const exp = want[i] ? p.onMatch : p.onMiss;
            assert.equal(vmVerdict(p, pt, f), exp, `eBPF ${pt} disagrees on frame ${i}\n${p.listing}`);
            compared++;
          });
        }
        const c = compileBpf(ir, { target: 'cbpf', ctx: 'trace-frame' });
        if (!c.ok) {
          assert.match(c.diagnostics[0]!.message, /string match kind (middle|glob) on __data_loc strings/);
          cbpfRefused++;
          return;
        }
        if (c.program.target !== 'cbpf') return;
        const vm = cbpf.compileVm(c.program.insns);
        frames.forEach((f, i) => {
          assert.equal(vm(f) !== 0, want[i], `cBPF disagrees on frame ${i}\n${c.program.listing}`);
          cbpfCompared++;
        });
      },
    ),
    { numRuns: Math.ceil(RUNS / 3), seed: SEED },
  );
  console.log(
    `frame strings (VM): ${compared} eBPF cases agree; cBPF: ${cbpfCompared} cases agree, ${cbpfRefused} filters refused by name`,
  );
  assert.ok(compared >= RUNS * 3);
});

test('frame strings: the kernel loads every program and its verdicts equal the IR evaluator', {
  skip: skipRun,
}, () => {
  const filters = fc.sample(frameStringFilterArb, { numRuns: KFILTERS, seed: SEED });
  const frames = fc.sample(frameArb(200), { numRuns: 40, seed: SEED + 1 });
  // Socket filters take datagrams up to the socket buffer: long strings too.
  const long = fc.sample(frameArb(20_000), { numRuns: 4, seed: SEED + 2 });
  const counts = { programs: 0, pairs: 0, socket: 0, tc: 0, xdp: 0 };
  for (const ir of filters) {
    for (const pt of PROG_TYPES) {
      const p = compileFrame(ir, pt);
      const fs = pt === 'socket' ? [...frames, ...long] : frames;
      const got = kernelVerdicts(sys, p, pt, fs, 3000);
      counts.programs++;
      fs.forEach((f, i) => {
        if (got[i] === undefined) return;
        const want = evaluate(ir, { packet: f }) === 'accept' ? p.onMatch : p.onMiss;
        assert.equal(got[i], want, `kernel ${pt} disagrees on frame ${i}\n${p.listing}`);
        counts.pairs++;
        counts[pt]++;
      });
    }
  }
  console.log(
    `frame strings (kernel): ${counts.programs} programs loaded; (program, frame) pairs agree:`,
    counts,
  );
  assert.ok(counts.programs >= KFILTERS * 3 && counts.pairs >= KFILTERS * 60);
});

test('frame strings: a 65,535-byte string under the VM, and the leaf limit is a diagnostic', () => {
  const src = { kind: 'dataloc', base: 'frame', offset: 8, rel: false, order: 'le' } as const;
  const rec = new Uint8Array(12 + 0xffff - 200);
  const len = rec.length - 12;
  new DataView(rec.buffer).setUint32(8, ((len << 16) | 12) >>> 0, true);
  rec.fill(0x61, 12);
  rec[rec.length - 1] = 0x62;
  const f = new Uint8Array(54 + rec.length);
  f.set(rec, 54);
  for (const [match, pattern] of [
    ['middle', 'aab'],
    ['glob', '*a*ab'],
    ['glob', '*b*'],
  ] as const) {
    const ir = filter(str(match, pattern, src));
    assert.equal(evaluate(ir, { packet: f }), 'accept');
    for (const pt of PROG_TYPES) {
      const p = compileFrame(ir, pt);
      assert.equal(vmVerdict(p, pt, f), p.onMatch, `${match} ${pattern} ${pt}`);
    }
  }
  const many = filter(or(...Array.from({ length: 8 }, (_, i) => str('middle', `x${i}`, src))));
  const r = compileBpf(many, { target: 'ebpf', ctx: 'trace-frame', progType: 'tc' });
  assert.ok(!r.ok);
  assert.equal(r.diagnostics[0]!.code, 'loop-budget');
});

test('frame strings without may_goto (bpfFeatures.mayGoto false): middle and glob refused by name, full/front/end compile loop-free', () => {
  const src = { kind: 'dataloc', base: 'frame', offset: 8, rel: false, order: 'le' } as const;
  const noLoops = { mayGoto: false } as const;
  let refused = 0;
  let compiled = 0;
  for (const pt of PROG_TYPES) {
    for (const [match, pattern] of [
      ['middle', 'ab'],
      ['glob', '*b*'],
    ] as const) {
      const ir = filter(str(match, pattern, src));
      const r = compileBpf(ir, { target: 'ebpf', ctx: 'trace-frame', progType: pt, bpfFeatures: noLoops });
      assert.ok(!r.ok, `${match} ${pt}`);
      assert.equal(r.diagnostics[0]!.code, 'needs-may-goto');
      assert.match(r.diagnostics[0]!.message, /needs may_goto \(Linux 6\.9\+\)/);
      refused++;
    }
    for (const [match, pattern] of [
      ['full', 'ab'],
      ['front', 'a'],
      ['end', 'b'],
    ] as const) {
      const ir = filter(str(match, pattern, src));
      const r = compileBpf(ir, { target: 'ebpf', ctx: 'trace-frame', progType: pt, bpfFeatures: noLoops });
      assert.ok(r.ok, `${match} ${pt}`);
      const insns = r.program.insns as ebpf.Insn[];
      assert.ok(!insns.some((i) => i.code === ebpf.OPCODE.mayGoto), `${match} ${pt}`);
      compiled++;
    }
  }
  assert.equal(refused, 6);
  assert.equal(compiled, 9);
});

test('frame strings: a grid of glob and middle shapes × short strings (matches at 0 and at the end), every locator length mode', () => {
  const PATTERNS = [
    '*?*',
    '*[a-b]*',
    '*a?*',
    '?*',
    '*?',
    '*a*b*',
    'a*',
    '*b',
    '**',
    '*',
    '',
    '?',
    '[!a]*',
    '*\\*',
    'a*b\\',
    '*ab*ab*',
    '*[a-c]x',
  ];
  const STRINGS = ['', 'a', '?', 'ab', 'ba', 'aab', 'abab', 'x', 'ax', 'cx', '*', 'a\0b'];
  let compared = 0;
  for (const match of ['glob', 'middle'] as const)
    for (const pattern of PATTERNS) {
      if (match === 'middle' && /[*?[\\]/.test(pattern)) continue;
      const src = { kind: 'dataloc', base: 'frame', offset: 8, rel: false, order: 'le' } as const;
      const ir = filter(str(match, pattern, src));
      const progs = PROG_TYPES.map((pt) => [pt, compileFrame(ir, pt)] as const);
      for (const s of STRINGS)
        for (const mode of ['exact', 'nul', 'zero'] as const) {
          const bytes = Buffer.from(`${s}\0`, 'latin1');
          const rec = new Uint8Array(16 + bytes.length);
          rec.set(bytes, 16);
          const len = mode === 'exact' ? s.length : mode === 'nul' ? s.length + 1 : 0;
          new DataView(rec.buffer).setUint32(8, ((len << 16) | 16) >>> 0, true);
          const f = new Uint8Array(54 + rec.length);
          f.set(rec, 54);
          const want = evaluate(ir, { packet: f }) === 'accept';
          for (const [pt, p] of progs) {
            assert.equal(
              vmVerdict(p, pt, f),
              want ? p.onMatch : p.onMiss,
              `${pt} ${match} ${JSON.stringify(pattern)} on ${JSON.stringify(s)} (${mode})`,
            );
            compared++;
          }
        }
    }
  assert.ok(compared > 1000, String(compared));
});
