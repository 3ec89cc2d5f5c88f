// The decision list's refusals in u32's and flower's words: a leaf names the backend, the construct and the IR leaf;
// a computed offset gets each backend's own explanation; limits keep their neutral words; no reason carries the
// tc-bpf hint (callers append it).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { refusalReason, TC_BPF_HINT } from '../src/index.ts';

test('a leaf refusal in each backend’s words', () => {
  const r = { kind: 'leaf', code: 'arith', construct: "arithmetic '|'", leaf: '(eq u2 (| x 1) 3)' } as const;
  assert.equal(refusalReason(r, 'u32'), "u32 cannot express arithmetic '|': (eq u2 (| x 1) 3)");
  assert.equal(refusalReason(r, 'flower'), "flower cannot express arithmetic '|': (eq u2 (| x 1) 3)");
});

test('a computed offset, placed or not, gets the backend’s explanation; limits keep their words', () => {
  const leaf = {
    kind: 'leaf',
    code: 'computed-offset',
    construct: 'a load at a computed offset',
    leaf: 'x',
  } as const;
  const unplaced = { kind: 'unplaced-offset', code: 'computed-offset', leaf: 'x' } as const;
  for (const r of [leaf, unplaced]) {
    assert.match(
      refusalReason(r, 'u32'),
      /^u32 cannot express a load at a computed offset \(tfc links one table/,
    );
    assert.match(refusalReason(r, 'flower'), /^flower keys come from fixed header offsets here/);
  }
  assert.equal(
    refusalReason({ kind: 'limit', code: 'too-many-entries', message: 'too many' }, 'u32'),
    'too many',
  );
  for (const r of [leaf, unplaced]) assert.ok(!refusalReason(r, 'u32').includes(TC_BPF_HINT));
});
