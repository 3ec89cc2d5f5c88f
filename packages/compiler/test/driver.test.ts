// The driver and its passes stage: the passes run once and the dump point is read from that run; the optimised IR
// is what ir.runPasses gives; an unknown dump point is a `passes` diagnostic before anything runs; the first failing
// stage ends the run, a target failure keeping the dump.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ir from '@tfc/ir';
import { drive } from '../src/driver/drive.ts';
import { runPassStage } from '../src/driver/passes.ts';
import { optimizationPlan } from '../src/options.ts';

function parse(text: string): ir.Filter {
  const r = ir.parseFilter(text);
  if (!r.ok) assert.fail(JSON.stringify(r.diagnostics));
  return r.filter;
}

const LOWERED = parse(
  '(filter (or (and (eq u2 (load packet 12 u2be) 2048) (eq u1 (load packet 23 u1be) 6)) (and (eq u2 (load packet 12 u2be) 2048) (eq u1 (load packet 23 u1be) 17))))',
);

test('every dump point: the dump is the IR after that pass, the optimised IR is the whole pipeline', () => {
  const whole = ir.runPasses(LOWERED);
  assert.ok(whole.ok);
  for (const point of ['lower', ...ir.PASS_NAMES]) {
    const r = runPassStage(LOWERED, optimizationPlan(2), point);
    assert.ok(r.ok, point);
    const at =
      point === 'lower' ? LOWERED : (ir.runPasses(LOWERED, { dumpAfter: point }) as { ir: ir.Filter }).ir;
    assert.equal(r.value.dump, ir.printFilter(at), point);
    assert.equal(ir.printFilter(r.value.optimized), ir.printFilter(whole.ir), point);
    assert.deepEqual(r.value.passes, ir.PASS_NAMES);
  }
});

test('-O0 keeps the lowered IR and still dumps a later point', () => {
  const r = runPassStage(LOWERED, optimizationPlan(0), 'sets');
  assert.ok(r.ok);
  assert.equal(r.value.optimized, LOWERED);
  assert.deepEqual(r.value.passes, []);
  assert.ok(r.value.dump !== undefined);
});

test('an unknown dump point is a passes diagnostic', () => {
  const r = runPassStage(LOWERED, optimizationPlan(2), 'nope');
  assert.ok(!r.ok);
  assert.equal(r.diagnostics[0]?.stage, 'passes');
  assert.match(r.diagnostics[0]?.message ?? '', /^unknown pass 'nope' \(passes: lower, inline/);
});

test('optimizationPlan is the one meaning of -O', () => {
  assert.deepEqual(optimizationPlan(0), { passes: false, order: 'source', codePasses: false });
  assert.deepEqual(optimizationPlan(1), { passes: true, order: 'source', codePasses: true });
  assert.deepEqual(optimizationPlan(), { passes: true, order: 'cost', codePasses: true });
});

test('drive: stages in order, each once; a front-end failure stops the run; a target failure keeps the dump', () => {
  const calls: string[] = [];
  const ok = drive({
    front: () => {
      calls.push('front');
      return { ok: true, ir: LOWERED };
    },
    plan: optimizationPlan(2),
    dumpAfter: 'lower',
    target: (optimized) => {
      calls.push('target');
      return { ok: true, value: ir.printFilter(optimized) };
    },
  });
  assert.deepEqual(calls, ['front', 'target']);
  assert.ok(ok.ok);
  assert.equal(ok.run.lowered, LOWERED);
  assert.equal(ok.run.dump, ir.printFilter(LOWERED));
  assert.equal(ok.run.product, ir.printFilter(ok.run.optimized));

  const bad = drive({
    front: () => ({ ok: false, diagnostics: [{ stage: 'parse', message: 'no' }] }),
    plan: optimizationPlan(2),
    target: () => assert.fail('the target must not run'),
  });
  assert.deepEqual(bad, { ok: false, diagnostics: [{ stage: 'parse', message: 'no' }] });

  const late = drive({
    front: () => ({ ok: true, ir: LOWERED }),
    plan: optimizationPlan(2),
    dumpAfter: 'cse',
    target: () => ({ ok: false, diagnostics: [{ stage: 'codegen', message: 'cannot' }] }),
  });
  assert.ok(!late.ok);
  assert.ok(late.dump !== undefined);
});
