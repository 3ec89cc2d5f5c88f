// atoms.ts: the closure of a path fact keeps every later decision (and every later refinement) exact,
// the property the decision DAG's path facts rely on (pcap's `not (port 1 or … or port n)` regression
// is tested end to end in packages/pcap/test/scale.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { atomTable } from '../src/atoms.ts';
import { type ISet, intersect, unionAll } from '../src/index.ts';

const MAX = 63n;
const set = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 0, max: 8 })), { maxLength: 4 })
  .map((ivs): ISet => unionAll(ivs.map(([lo, w]): ISet => [[BigInt(lo), BigInt(Math.min(63, lo + w))]])));
const full: ISet = [[0n, MAX]];
const minus = (a: ISet, b: ISet): ISet => {
  const out: bigint[] = [];
  for (let v = 0n; v <= MAX; v++)
    if (intersect(a, [[v, v]]).length > 0 && intersect(b, [[v, v]]).length === 0) out.push(v);
  return unionAll(out.map((v): ISet => [[v, v]]));
};
const same = (a: ISet, b: ISet): boolean =>
  JSON.stringify(a, (_, v) => (typeof v === 'bigint' ? String(v) : v)) ===
  JSON.stringify(b, (_, v) => (typeof v === 'bigint' ? String(v) : v));

test('closure ⊇ known and decides every later set exactly as known does, also after refinements', () => {
  fc.assert(
    fc.property(fc.array(set, { minLength: 1, maxLength: 8 }), set, fc.nat(), (sets, known, jr) => {
      const t = atomTable(sets, MAX);
      const j = jr % (sets.length + 1);
      const c = t.closure(known, j);
      assert.equal(minus(known, c).length, 0, 'closure contains known');
      for (let k = j; k < sets.length; k++) {
        const s = sets[k]!;
        const comp = minus(full, s);
        assert.equal(intersect(c, s).length === 0, intersect(known, s).length === 0);
        assert.equal(intersect(c, comp).length === 0, intersect(known, comp).length === 0);
        // refining the closure by a later set and closing again equals refining known
        for (const side of [s, comp])
          assert.ok(same(t.closure(intersect(c, side), k + 1), t.closure(intersect(known, side), k + 1)));
      }
      if (j === sets.length) assert.ok(known.length === 0 ? c.length === 0 : same(c, full));
    }),
    { numRuns: 400 },
  );
});
