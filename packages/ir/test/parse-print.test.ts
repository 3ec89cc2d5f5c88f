// parse.ts and print.ts: the text form reads back what printFilter writes (random IR from @tfc/testkit/ir), never
// throws on arbitrary text (random strings and mutations of printed filters), and reports errors as diagnostics with
// the text offset (`@N`); nesting past MAX_DEPTH is a diagnostic, not a stack overflow. Invariant: fixed seeds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { filterArb } from '@tfc/testkit/ir';
import fc from 'fast-check';
import { MAX_DEPTH, parseFilter, printFilter } from '../src/index.ts';

test('parseFilter(printFilter(f)) prints back to the same text', () => {
  fc.assert(
    fc.property(filterArb, (f) => {
      const text = printFilter(f);
      const back = parseFilter(text);
      assert.ok(back.ok, text);
      assert.equal(printFilter(back.filter), text);
    }),
    { seed: 21, numRuns: 300 },
  );
});

test('parseFilter never throws: random text and mutated filters give a result or diagnostics with an offset', () => {
  const mutated = fc
    .tuple(filterArb, fc.nat(), fc.nat(), fc.string({ maxLength: 3 }))
    .map(([f, at, cut, ins]) => {
      const t = printFilter(f);
      const i = at % (t.length + 1);
      return t.slice(0, i) + ins + t.slice(i + (cut % 4));
    });
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 60 }), mutated), (text) => {
      const r = parseFilter(text);
      if (!r.ok) {
        assert.ok(r.diagnostics.length > 0);
        for (const d of r.diagnostics) assert.equal(d.severity, 'error');
      }
    }),
    { seed: 22, numRuns: 500 },
  );
});

test('errors carry the offset of the offending token', () => {
  const r = parseFilter('(filter (eq u4 (load record 8 u4le) 1)');
  assert.ok(!r.ok);
  const bad = parseFilter('(filter (frob u4 1 2))');
  assert.ok(!bad.ok);
  assert.match(bad.diagnostics[0]?.at ?? '', /^@\d+$/);
  const type = parseFilter('(filter (eq u4 (load record 8 u1) 1))');
  assert.ok(!type.ok);
  assert.match(type.diagnostics[0]?.message ?? '', /bad load type 'u1'/);
});

test('nesting past MAX_DEPTH is a diagnostic', () => {
  const depth = MAX_DEPTH + 10;
  const text = `(filter ${'(not '.repeat(depth)}true${')'.repeat(depth)})`;
  const r = parseFilter(text);
  assert.ok(!r.ok);
});
