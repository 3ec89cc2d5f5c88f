// The code passes (cBPF: cbpf-opt.ts CBPF_PASSES) on packet-shaped filters — EtherType dispatch, one shared
// byte loaded under many tests, IPv4 header-length computed offsets (`4*([14]&0xf)`), bit tests, and/or/not
// with aborting loads — over frames whose bytes come from small value pools (so equalities hit and frames end
// anywhere): IR evaluator = cBPF VM with the passes = cBPF VM without them = eBPF VMs (socket, tc, xdp); and the
// passes never make a program longer. A pass that mis-tracks a value, folds a jump wrongly or merges blocks that
// differ shows up here as a disagreement with the IR.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as cbpf from '@tfc/bpf/cbpf';
import * as ebpf from '@tfc/bpf/ebpf';
import { evaluate, type Filter, filter } from '@tfc/ir';
import fc from 'fast-check';
import { CBPF_PASS_NAMES, compileBpf } from '../src/index.ts';
import { packetFrameArb, packetPredArb } from './packet-filters.ts';

const RUNS = Number(process.env.TFC_CODEGEN_RUNS ?? 1800);

function vmInput(pt: 'socket' | 'tc' | 'xdp', frame: Uint8Array): ebpf.VmInput {
  if (pt === 'tc') return ebpf.skbTestRunInput(frame, 'tc');
  if (pt === 'xdp') return ebpf.xdpTestRunInput(frame);
  return { kind: 'skb', packet: frame };
}

test('code passes: IR = cBPF VM (passes on) = cBPF VM (passes off) = eBPF VMs on packet-shaped filters', () => {
  assert.deepEqual(CBPF_PASS_NAMES, [
    'known-values',
    'mask-tests',
    'dead-ends',
    'thread-jumps',
    'merge-tails',
    'drop-unreachable',
    'place-fallthrough',
  ]);
  let compared = 0;
  let before = 0;
  let after = 0;
  fc.assert(
    fc.property(packetPredArb, fc.array(packetFrameArb, { minLength: 6, maxLength: 6 }), (p, frames) => {
      const ir: Filter = filter(p);
      const on = compileBpf(ir, { target: 'cbpf', ctx: 'packet' });
      const off = compileBpf(ir, { target: 'cbpf', ctx: 'packet', codePasses: false });
      assert.ok(on.ok, JSON.stringify(on.ok ? '' : on.diagnostics));
      // Without the passes a large filter may exceed the 4,096-instruction limit that the passes bring it under.
      const offOk = off.ok || off.diagnostics[0]?.code === 'cbpf-limit';
      assert.ok(offOk, JSON.stringify(off.ok ? '' : off.diagnostics));
      if (!on.ok || on.program.target !== 'cbpf') return;
      const offProg = off.ok && off.program.target === 'cbpf' ? off.program : undefined;
      assert.ok(
        on.program.insns.length <= (offProg?.insns.length ?? 4096),
        'the passes made the program longer',
      );
      before += offProg?.insns.length ?? 4097;
      after += on.program.insns.length;
      const vmOn = cbpf.compileVm(on.program.insns);
      const vmOff = offProg === undefined ? undefined : cbpf.compileVm(offProg.insns);
      const ebpfs = (['socket', 'tc', 'xdp', 'tc-O0'] as const).map((job) => {
        // tc-O0: no IR passes, source order, no code passes (what `tfc compile -O0` builds)
        const pt = job === 'tc-O0' ? 'tc' : job;
        const O0 = { optimize: false, order: 'source', codePasses: false } as const;
        const r = compileBpf(ir, { target: 'ebpf', ctx: 'packet', progType: pt, ...(job === pt ? {} : O0) });
        assert.ok(r.ok && r.program.target === 'ebpf', r.ok ? '' : JSON.stringify(r.diagnostics));
        const prep = r.ok && r.program.target === 'ebpf' ? ebpf.prepare(r.program.insns) : undefined;
        assert.ok(prep?.ok);
        return { pt, prog: prep.prog, onMatch: r.ok ? r.program.onMatch : 0 };
      });
      for (const f of frames) {
        const want = evaluate(ir, { packet: f }) === 'accept';
        const listing: string = `\n${on.program.listing}`;
        assert.equal(vmOn(f) !== 0, want, `cBPF with passes disagrees with the IR${listing}`);
        if (vmOff !== undefined)
          assert.equal(vmOff(f) !== 0, want, `cBPF without passes disagrees with the IR${listing}`);
        for (const e of ebpfs) {
          const got = ebpf.run(e.prog, vmInput(e.pt, f));
          assert.ok(got.ok);
          if (got.ok)
            assert.equal(Number(got.r0 & 0xffffffffn) === e.onMatch, want, `eBPF ${e.pt} disagrees`);
        }
        compared++;
      }
    }),
    { numRuns: RUNS, ...(process.env.TFC_SEED ? { seed: Number(process.env.TFC_SEED) } : {}) },
  );
  console.log(`code passes: ${compared} (filter, frame) pairs; cBPF ${before} → ${after} instructions`);
  assert.ok(compared >= RUNS * 6);
});
