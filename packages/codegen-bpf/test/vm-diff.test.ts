// Differential property: IR evaluator = compiled eBPF in the @tfc/bpf VM = compiled cBPF in its VM,
// for random IR filters (packages/ir/test/arbitraries.ts) × random inputs, in the tracepoint context
// (record via ctx, helpers from the VM env) and the trace-frame context (frames of every length,
// including frames shorter than the record: socket, tc, xdp and classic BPF). Filters a target
// does not support yet are counted; the counts of compared cases are asserted from below.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as cbpf from '@tfc/bpf/cbpf';
import * as ebpf from '@tfc/bpf/ebpf';
import { evaluate, type Filter } from '@tfc/ir';
import { filterArb, inputArb } from '@tfc/testkit/ir';
import fc from 'fast-check';
import { compileBpf, type ProgType } from '../src/index.ts';
import { vmMaps } from './maps.ts';
import { forFrame, forTracepoint, makeFrame, sanitizeComm } from './transform.ts';

const RUNS = Number(process.env.TFC_CODEGEN_RUNS ?? 1800);

function vmInput(pt: ProgType, frame: Uint8Array): ebpf.VmInput {
  if (pt === 'tc') return ebpf.skbTestRunInput(frame, 'tc');
  if (pt === 'xdp') return ebpf.xdpTestRunInput(frame);
  return { kind: 'skb', packet: frame };
}

test('tracepoint context: IR evaluator = eBPF VM', () => {
  let compared = 0;
  let unsupported = 0;
  const reasons = new Map<string, number>();
  fc.assert(
    fc.property(filterArb, fc.array(inputArb, { minLength: 4, maxLength: 4 }), (raw, inputs) => {
      const ir: Filter = forTracepoint(raw);
      const r = compileBpf(ir, { target: 'ebpf', ctx: 'tracepoint' });
      if (!r.ok) {
        unsupported++;
        const c = r.diagnostics[0]!.code;
        reasons.set(c, (reasons.get(c) ?? 0) + 1);
        return;
      }
      assert.equal(r.program.target, 'ebpf');
      if (r.program.target !== 'ebpf') return;
      const maps = vmMaps(r.program);
      for (const input of inputs) {
        const comm = sanitizeComm(input.comm);
        const rec = input.record!;
        const irIn = { ...input, comm: comm.bytes, packet: new Uint8Array(0) };
        const want = evaluate(ir, irIn) === 'accept' ? 1n : 0n;
        const got = ebpf.run(
          r.program.insns,
          { kind: 'tracepoint', record: rec },
          {
            env: {
              maps,
              cpu: input.cpu ?? 0,
              pid: input.pid ?? 0,
              comm: comm.text,
              kernelMemory: (input.memory ?? [])
                .filter((m) => m.space === 'kernel')
                .map((m) => ({ addr: m.address, bytes: m.bytes })),
              userMemory: (input.memory ?? [])
                .filter((m) => m.space === 'user')
                .map((m) => ({ addr: m.address, bytes: m.bytes })),
            },
          },
        );
        assert.ok(got.ok, `VM error: ${got.ok ? '' : got.error}\n${r.program.listing}`);
        assert.equal(got.r0, want, `eBPF disagrees\n${r.program.listing}`);
        compared++;
      }
    }),
    { numRuns: RUNS },
  );
  console.log(
    `tracepoint: ${compared} cases compared, ${unsupported} filters unsupported`,
    Object.fromEntries(reasons),
  );
  assert.ok(compared >= RUNS * 2, `only ${compared} cases compared`);
});

const frameArb = fc.tuple(
  fc.uint8Array({ minLength: 54, maxLength: 54 }),
  inputArb,
  fc.oneof(fc.integer({ min: 0, max: 130 }), fc.constant(1000)),
);

test('trace-frame context: IR evaluator = eBPF VM (socket, tc, xdp) = cBPF VM', () => {
  let compared = 0;
  let unsupported = 0;
  const reasons = new Map<string, number>();
  fc.assert(
    fc.property(filterArb, fc.array(frameArb, { minLength: 4, maxLength: 4 }), (raw, frames) => {
      const ir = forFrame(raw);
      const frs = frames.map(([head, input, cut]) => makeFrame(head, input.record!.subarray(0, 64), cut));
      const want = frs.map((f) => evaluate(ir, { packet: f }) === 'accept');
      for (const pt of ['socket', 'tc', 'xdp'] as const) {
        const r = compileBpf(ir, { target: 'ebpf', ctx: 'trace-frame', progType: pt });
        if (!r.ok) {
          unsupported++;
          const c = `ebpf:${r.diagnostics[0]!.code}`;
          reasons.set(c, (reasons.get(c) ?? 0) + 1);
          continue;
        }
        if (r.program.target !== 'ebpf') continue;
        const prep = ebpf.prepare(r.program.insns);
        assert.ok(prep.ok);
        if (!prep.ok) return;
        const maps = vmMaps(r.program);
        frs.forEach((f, i) => {
          const got = ebpf.run(prep.prog, vmInput(pt, f), { env: { maps } });
          assert.ok(got.ok, `VM error (${pt}): ${got.ok ? '' : got.error}\n${r.program.listing}`);
          const exp = want[i] ? r.program.onMatch : r.program.onMiss;
          assert.equal(
            Number(got.r0 & 0xffffffffn),
            exp,
            `eBPF ${pt} disagrees on frame ${i}\n${r.program.listing}`,
          );
          compared++;
        });
      }
      const c = compileBpf(ir, { target: 'cbpf', ctx: 'trace-frame' });
      if (!c.ok) {
        unsupported++;
        const k = `cbpf:${c.diagnostics[0]!.code}`;
        reasons.set(k, (reasons.get(k) ?? 0) + 1);
        return;
      }
      if (c.program.target !== 'cbpf') return;
      const vm = cbpf.compileVm(c.program.insns);
      frs.forEach((f, i) => {
        const got = vm(f);
        assert.equal(got !== 0, want[i], `cBPF disagrees on frame ${i}\n${c.program.listing}`);
        compared++;
      });
    }),
    { numRuns: RUNS },
  );
  console.log(
    `trace-frame: ${compared} cases compared, ${unsupported} compiles unsupported`,
    Object.fromEntries(reasons),
  );
  assert.ok(compared >= RUNS * 8, `only ${compared} cases compared`);
});

test('sets as binary search and as hash map lookups (every set size) agree with the IR', () => {
  let compared = 0;
  fc.assert(
    fc.property(filterArb, fc.array(frameArb, { minLength: 3, maxLength: 3 }), (raw, frames) => {
      const ir = forFrame(raw);
      const frs = frames.map(([head, input, cut]) => makeFrame(head, input.record!.subarray(0, 64), cut));
      const want = frs.map((f) => evaluate(ir, { packet: f }) === 'accept');
      for (const setLookup of ['search', 'map'] as const) {
        const r = compileBpf(ir, {
          target: 'ebpf',
          ctx: 'trace-frame',
          progType: 'tc',
          binarySearchMin: 2,
          setLookup,
        });
        if (!r.ok || r.program.target !== 'ebpf') continue;
        const maps = vmMaps(r.program);
        frs.forEach((f, i) => {
          const got = ebpf.run(r.program.insns as ebpf.Insn[], vmInput('tc', f), { env: { maps } });
          assert.ok(got.ok, got.ok ? '' : got.error);
          assert.equal(Number(got.r0 & 0xffffffffn), want[i] ? 0 : 2, `${setLookup}\n${r.program.listing}`);
          compared++;
        });
      }
      const c = compileBpf(ir, { target: 'cbpf', ctx: 'trace-frame', binarySearchMin: 2 });
      if (c.ok && c.program.target === 'cbpf') {
        const vm = cbpf.compileVm(c.program.insns);
        frs.forEach((f, i) => {
          assert.equal(vm(f) !== 0, want[i], c.program.listing);
          compared++;
        });
      }
    }),
    { numRuns: Math.ceil(RUNS / 3) },
  );
  assert.ok(compared >= RUNS, `only ${compared}`);
});
