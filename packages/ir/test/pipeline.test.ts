// pipeline.ts: PASSES is the one ordered list (names unique, documented); runPasses verifies its input first (bad
// IR is diagnostics, never an exception), names an unknown --dump-after pass in a diagnostic, stops right after the
// named pass (its output equals running the passes up to it), and is deterministic. The passes one by one are the
// filetests (test/filetests/<pass>.txt); that they keep the evaluator's outcome is properties.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  cmp,
  type Filter,
  filter,
  konst,
  load,
  or,
  PASS_NAMES,
  PASSES,
  printFilter,
  ref,
  runPasses,
} from '../src/index.ts';

const f: Filter = filter(
  or(
    cmp('eq', 4, false, load('record', 8, 4), 1),
    cmp('eq', 4, false, load('record', 8, 4), 2),
    cmp('lt', 4, false, konst(10), load('record', 12, 4)),
  ),
);

test('PASSES: unique names, each with a doc line, in the documented order', () => {
  assert.deepEqual(PASS_NAMES, [
    'inline',
    'fold',
    'canon',
    'simplify',
    'factor',
    'ranges',
    'sets',
    'facts',
    'cleanup',
    'settle',
    'cse',
  ]);
  for (const p of PASSES) assert.ok(p.doc.length > 0, p.name);
});

test('runPasses stops after the named pass, with the output of the passes up to it', () => {
  for (const [i, p] of PASSES.entries()) {
    const r = runPasses(f, { dumpAfter: p.name, verifyEach: true });
    assert.ok(r.ok);
    assert.equal(r.after, p.name);
    let cur = f;
    for (const q of PASSES.slice(0, i + 1)) cur = q.run(cur);
    assert.equal(printFilter(r.ir), printFilter(cur), p.name);
  }
  const all = runPasses(f);
  assert.ok(all.ok);
  assert.equal(all.after, 'cse');
  assert.equal(printFilter(all.ir), printFilter((runPasses(f) as { ir: Filter }).ir), 'deterministic');
});

test('runPasses equals the passes run one by one, also where the IR is settled before settle (which is skipped)', () => {
  const settled = filter(cmp('eq', 4, false, load('record', 8, 4), 1));
  for (const input of [f, settled]) {
    let cur = input;
    for (const q of PASSES) cur = q.run(cur);
    const r = runPasses(input);
    assert.ok(r.ok);
    assert.equal(printFilter(r.ir), printFilter(cur));
  }
});

test('an unknown pass and unverified input are diagnostics', () => {
  const unknown = runPasses(f, { dumpAfter: 'nope' });
  assert.ok(!unknown.ok);
  assert.equal(unknown.diagnostics[0]?.code, 'unknown-pass');
  assert.match(unknown.diagnostics[0]?.message ?? '', /^unknown pass 'nope' \(passes: inline, fold, /);
  const bad = runPasses(filter(cmp('eq', 4, false, load('record', 8, 4), ref(9))));
  assert.ok(!bad.ok);
  assert.ok(bad.diagnostics.length > 0);
});
