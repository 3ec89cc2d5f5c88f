// intervals.ts: union, intersect and complement of interval sets against brute force over a small domain, and
// normal form (sorted, disjoint, non-adjacent intervals) of every result. Invariant: fixed seeds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { complement, type ISet, intersect, union, unionAll } from '../src/intervals.ts';

const MAX = 40n;
const points = (s: ISet): Set<bigint> => {
  const out = new Set<bigint>();
  for (const [lo, hi] of s) for (let v = lo; v <= hi; v++) out.add(v);
  return out;
};
const normalForm = (s: ISet): boolean =>
  s.every(([lo, hi], i) => lo <= hi && (i === 0 || (s[i - 1]?.[1] ?? -2n) + 1n < lo));
const setArb = fc
  .array(fc.tuple(fc.bigInt(0n, MAX), fc.bigInt(0n, MAX)), { maxLength: 5 })
  .map((xs) => unionAll(xs.map(([a, c]) => [(a < c ? [a, c] : [c, a]) as [bigint, bigint]] as ISet)));

test('union, intersect and complement agree with sets of points and stay in normal form', () => {
  fc.assert(
    fc.property(setArb, setArb, (a, b) => {
      const pa = points(a);
      const pb = points(b);
      const u = union(a, b);
      const i = intersect(a, b);
      const c = complement(a, MAX);
      assert.ok(normalForm(a) && normalForm(u) && normalForm(i) && normalForm(c));
      for (let v = 0n; v <= MAX; v++) {
        assert.equal(points(u).has(v), pa.has(v) || pb.has(v));
        assert.equal(points(i).has(v), pa.has(v) && pb.has(v));
        assert.equal(points(c).has(v), !pa.has(v));
      }
    }),
    { seed: 7, numRuns: 300 },
  );
});

test('adjacent intervals merge', () => {
  assert.deepEqual(
    union(
      [
        [1n, 3n],
        [7n, 9n],
      ],
      [[4n, 6n]],
    ),
    [[1n, 9n]],
  );
});
