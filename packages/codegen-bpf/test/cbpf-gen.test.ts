// genCbpf (src/cbpf-gen.ts and src/cbpf/): the classic generator called directly on decision DAGs — little-endian
// fields assembled highest byte first, char[N] arrays touched at their last byte first, the refusals that are the
// classic target's own, and a property that its programs agree with the IR evaluator in the classic VM.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as cbpf from '@tfc/bpf/cbpf';
import { and, buildDag, cmp, evaluate, type Filter, filter, konst, load, str } from '@tfc/ir';
import fc from 'fast-check';
import { type CbpfGenOptions, genCbpf } from '../src/cbpf-gen.ts';
import { packetFrameArb, packetPredArb } from './packet-filters.ts';

const O: CbpfGenOptions = { onMatch: 0xffffffff, onMiss: 0, binarySearchMin: 8 };

function gen(f: Filter, o: CbpfGenOptions = O): string {
  const d = buildDag(f, 'source');
  assert.ok(d.ok);
  if (!d.ok) throw new Error('dag');
  return cbpf.printD(genCbpf(d.dag, o));
}

test('genCbpf: EtherType, a little-endian u16 (highest byte first), a byte; one `ret #0` for every miss', () => {
  const d = gen(
    filter(
      and(
        cmp('eq', 2, false, load('packet', 12, 2, 'be'), konst(0x800n)),
        cmp('eq', 2, false, load('packet', 14, 2, 'le'), konst(6n)),
        cmp('eq', 1, false, load('packet', 23, 1, 'be'), konst(6n)),
      ),
    ),
  );
  const ops = d
    .trim()
    .split('\n')
    .map((l) => l.slice(6).trim().split(/\s+/).slice(0, 2).join(' '));
  assert.deepEqual(ops, [
    'ldh [12]',
    'jeq #0x800',
    'ldb [15]',
    'lsh #8',
    'tax',
    'ldb [14]',
    'or x',
    'jeq #0x6',
    'ldb [23]',
    'jeq #0x6',
    'ret #-1',
    'ret #0',
  ]);
});

test('genCbpf: a char[N] array in the packet is touched at its last byte before the matcher reads it', () => {
  const d = gen(filter(str('front', 'ab', { kind: 'fixed', base: 'packet', offset: 20, size: 8 })));
  const loads = [...d.matchAll(/ldb\s+\[(\d+)\]/g)].map((m) => Number(m[1]));
  assert.deepEqual(loads, [27, 20, 21]);
});

test('genCbpf: middle on __data_loc strings and comm are the classic target diagnostics', () => {
  const dl = { kind: 'dataloc', base: 'packet', offset: 8, order: 'le', rel: false } as const;
  assert.throws(
    () => gen(filter(str('middle', 'a', dl))),
    (e: unknown) =>
      /middle on __data_loc strings is not supported by the cBPF target: it needs a loop/.test(
        (e as Error).message,
      ),
  );
  assert.throws(
    () => gen(filter(str('full', 'a', { kind: 'comm' }))),
    (e: unknown) => (e as { code?: string }).code === 'string-source',
  );
});

test('property: genCbpf programs agree with the IR evaluator in the classic VM (code passes on and off)', () => {
  fc.assert(
    fc.property(
      packetPredArb,
      fc.array(packetFrameArb, { minLength: 3, maxLength: 3 }),
      fc.boolean(),
      (p, frames, passes) => {
        const ir = filter(p);
        const d = buildDag(ir, 'cost');
        if (!d.ok || (d.dag.mayAbort.some((m) => m) && !d.dag.abortSafe)) return;
        const prog = genCbpf(d.dag, { ...O, codePasses: passes });
        assert.deepEqual(cbpf.validate(prog), []);
        const vm = cbpf.compileVm(prog);
        for (const f of frames) assert.equal(vm(f) !== 0, evaluate(ir, { packet: f }) === 'accept');
      },
    ),
    { numRuns: 300 },
  );
});
