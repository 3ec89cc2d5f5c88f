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
import {
  and,
  arith,
  cmp,
  type Expr,
  evaluate,
  type Filter,
  filter,
  inSet,
  konst,
  load,
  not,
  or,
  type Pred,
} from '@tfc/ir';
import fc from 'fast-check';
import { CBPF_PASS_NAMES, compileBpf } from '../src/index.ts';

const RUNS = Number(process.env.TFC_CODEGEN_RUNS ?? 1800);

const ipHdr = arith('<<', arith('&', load('packet', 14, 1, 'be'), konst(15)), konst(2));
const leafExpr: fc.Arbitrary<Expr> = fc.oneof(
  fc.constantFrom(
    load('packet', 12, 2, 'be'),
    load('packet', 23, 1, 'be'),
    load('packet', 20, 2, 'be'),
    load('packet', 14, 1, 'be'),
  ),
  fc.integer({ min: 0, max: 70 }).map((k) => load('packet', k, 1, 'be')),
  fc.integer({ min: 0, max: 68 }).map((k) => load('packet', k, 2, 'be')),
  fc.integer({ min: 0, max: 66 }).map((k) => load('packet', k, 4, 'be')),
  fc
    .tuple(fc.integer({ min: 14, max: 24 }), fc.constantFrom(1 as const, 2 as const, 4 as const))
    .map(([k, w]) => load('packet', arith('+', ipHdr, konst(k)), w, 'be')),
  fc.constant<Expr>({ kind: 'len' }),
);
const value = fc.constantFrom(0n, 1n, 6n, 17n, 0x45n, 0x50n, 0x800n, 0x86ddn, 0x8100n, 0xffn, 0x1fffn);
const cmpOp = fc.constantFrom('eq', 'ne', 'lt', 'le', 'gt', 'ge', 'set', 'clear') as fc.Arbitrary<
  'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'set' | 'clear'
>;
const leaf: fc.Arbitrary<Pred> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(cmpOp, leafExpr, value).map(([op, e, v]) => cmp(op, 4, false, e, v)) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(leafExpr, fc.uniqueArray(value, { minLength: 2, maxLength: 10 }))
      .map(([e, s]) => inSet(4, e, s)),
  },
);
const predArb: fc.Arbitrary<Pred> = fc.letrec<{ p: Pred }>((tie) => ({
  p: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: leaf },
    { weight: 2, arbitrary: fc.array(tie('p'), { minLength: 2, maxLength: 4 }).map((a) => and(...a)) },
    { weight: 2, arbitrary: fc.array(tie('p'), { minLength: 2, maxLength: 4 }).map((a) => or(...a)) },
    { weight: 1, arbitrary: tie('p').map(not) },
  ),
})).p;

const byte = fc.oneof(
  fc.constantFrom(0, 1, 6, 17, 0x45, 0x46, 0x4f, 0x50, 0x08, 0x86, 0xdd, 0x81, 0xff, 0x1f),
  fc.integer({ min: 0, max: 255 }),
);
const frameArb = fc
  .tuple(fc.array(byte, { minLength: 80, maxLength: 80 }), fc.integer({ min: 0, max: 80 }))
  .map(([b, n]) => {
    const f = Uint8Array.from(b);
    // Mostly a real EtherType, so the IPv4/IPv6 branches run.
    if (b[79]! % 4 !== 0) [f[12], f[13]] = b[78]! % 2 === 0 ? [0x08, 0x00] : [0x86, 0xdd];
    return f.subarray(0, n);
  });

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
    fc.property(predArb, fc.array(frameArb, { minLength: 6, maxLength: 6 }), (p, frames) => {
      const ir: Filter = filter(p);
      const on = compileBpf(ir, { target: 'cbpf', ctx: 'packet' });
      const off = compileBpf(ir, { target: 'cbpf', ctx: 'packet', codePasses: false });
      assert.ok(on.ok && off.ok, JSON.stringify(on.ok ? '' : on.diagnostics));
      if (!on.ok || !off.ok || on.program.target !== 'cbpf' || off.program.target !== 'cbpf') return;
      assert.ok(on.program.insns.length <= off.program.insns.length, 'the passes made the program longer');
      before += off.program.insns.length;
      after += on.program.insns.length;
      const vmOn = cbpf.compileVm(on.program.insns);
      const vmOff = cbpf.compileVm(off.program.insns);
      const ebpfs = (['socket', 'tc', 'xdp'] as const).map((pt) => {
        const r = compileBpf(ir, { target: 'ebpf', ctx: 'packet', progType: pt });
        assert.ok(r.ok && r.program.target === 'ebpf');
        const prep = r.ok && r.program.target === 'ebpf' ? ebpf.prepare(r.program.insns) : undefined;
        assert.ok(prep?.ok);
        return { pt, prog: prep.prog, onMatch: r.ok ? r.program.onMatch : 0 };
      });
      for (const f of frames) {
        const want = evaluate(ir, { packet: f }) === 'accept';
        const listing: string = `\n${on.program.listing}`;
        assert.equal(vmOn(f) !== 0, want, `cBPF with passes disagrees with the IR${listing}`);
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
    { numRuns: RUNS },
  );
  console.log(`code passes: ${compared} (filter, frame) pairs; cBPF ${before} → ${after} instructions`);
  assert.ok(compared >= RUNS * 6);
});
