// The decision list's refusals in P4's words: a leaf no TCAM key can match is named with its construct, the IR
// leaf and a p4- code; limits keep their words.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFilter } from '@tfc/ir';
import { compileP4, p4Diagnostic } from '../src/index.ts';

test('a leaf refusal is worded as a TCAM key that cannot match it, with a p4- code', () => {
  const f = parseFilter('(filter (eq u2 (+ (load packet 12 u2be) 1) 7))');
  assert.ok(f.ok);
  const r = compileP4(f.filter);
  assert.ok(!r.ok);
  assert.deepEqual(r.diagnostics, [
    {
      code: 'p4-arith',
      message: "arithmetic '+' cannot be matched by a TCAM key: (eq u2 (+ (load packet 12 u2be) 1) 7)",
    },
  ]);
});

test('limits and IR diagnostics keep their words', () => {
  assert.deepEqual(p4Diagnostic({ kind: 'limit', code: 'too-many-entries', message: 'too many' }), {
    code: 'p4-too-many-entries',
    message: 'too many',
  });
  assert.deepEqual(
    p4Diagnostic({ kind: 'ir', diagnostic: { severity: 'error', code: 'dag-x', message: 'm', at: 'dag' } }),
    { code: 'dag-x', message: 'm' },
  );
});
