// The lowering of set membership (src/lower/set-search.ts): the chain below `binarySearchMin`, the binary search
// above it, and a property that the ops, run by a tiny interpreter over a sorted set, find exactly its members.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { lowerSetSearch, type SetOp } from '../src/lower/set-search.ts';

function member(ops: readonly SetOp[], set: readonly number[], v: number): boolean {
  const labels = new Map<string, number>();
  ops.forEach((op, i) => {
    if (op.op === 'label') labels.set(op.name, i);
  });
  let pc = 0;
  for (let steps = 0; steps < 1000; steps++) {
    const op = ops[pc]!;
    let to: string | undefined;
    if (op.op === 'eq' && v === set[op.index]) to = op.to;
    else if (op.op === 'gt' && v > set[op.index]!) to = op.to;
    else if (op.op === 'goto') to = op.to;
    if (to === 't' || to === 'f') return to === 't';
    if (to === undefined) pc++;
    else {
      const at = labels.get(to)!;
      assert.ok(at > pc, 'forward jumps only');
      pc = at;
    }
  }
  assert.fail('no end');
}

test('lowerSetSearch: a chain of equalities below binarySearchMin', () => {
  assert.deepEqual(
    lowerSetSearch(3, 't', 'f', 8, () => 'x'),
    [
      { op: 'eq', index: 0, to: 't' },
      { op: 'eq', index: 1, to: 't' },
      { op: 'eq', index: 2, to: 't' },
      { op: 'goto', to: 'f' },
    ],
  );
});

test('lowerSetSearch: from binarySearchMin, the middle value first, then the right half behind a label', () => {
  let n = 0;
  const ops = lowerSetSearch(9, 't', 'f', 8, () => `r${n++}`);
  assert.deepEqual(ops.slice(0, 2), [
    { op: 'eq', index: 4, to: 't' },
    { op: 'gt', index: 4, to: 'r0' },
  ]);
  assert.deepEqual(
    ops.filter((o) => o.op === 'label'),
    [{ op: 'label', name: 'r0' }],
  );
});

test('property: the search finds exactly the members of a sorted set', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 0, max: 201 }),
      (raw, min, v) => {
        const set = [...raw].sort((a, b) => a - b);
        let n = 0;
        const ops = lowerSetSearch(set.length, 't', 'f', min, () => `L${n++}`);
        assert.equal(member(ops, set, v), set.includes(v));
      },
    ),
    { numRuns: 2000 },
  );
});
