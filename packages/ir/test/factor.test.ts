// Pass `factor`, the dual head rule by example: an `and` of `or`s whose heads test one value against sets
// with pairwise disjoint complements (`k != a or …`, the shape of pcap's `not (port a or port b …)`)
// gathers one child per class; heads whose complements overlap are not gathered (that would move an
// abort in front of a false rest). Outcomes are compared on every value of k, aborting rests included.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { and, cmp, evaluateOutcome, factor, filter, load, or, printPred } from '../src/index.ts';

const k = load('packet', 0, 1, 'be');
const ok = (v: number) => cmp('eq', 1, false, load('packet', 1, 1, 'be'), v);
/** Reads past the end of a 2-byte packet: aborts. */
const far = cmp('eq', 1, false, load('packet', 100, 1, 'be'), 0);
const inputs = [0, 1, 2, 3].flatMap((v) => [0, 5, 6].map((w) => ({ packet: new Uint8Array([v, w]) })));

test('and of ors with k != a heads: one child per class, same outcomes (abort included)', () => {
  const f = filter(
    and(
      or(cmp('ne', 1, false, k, 1), ok(5)),
      or(cmp('ne', 1, false, k, 2), ok(6)),
      or(cmp('ne', 1, false, k, 1), far),
      or(cmp('ne', 1, false, k, 2), ok(5)),
    ),
  );
  const g = factor(f);
  assert.equal(
    printPred(g.body),
    printPred(
      and(or(cmp('ne', 1, false, k, 1), and(ok(5), far)), or(cmp('ne', 1, false, k, 2), and(ok(6), ok(5)))),
    ),
  );
  for (const input of inputs) assert.equal(evaluateOutcome(g, input), evaluateOutcome(f, input));
});

test('heads whose complements overlap are not gathered across a false rest', () => {
  // k = 1: the original stops at the false second rest; gathering the k != 1 children would abort first
  const f = filter(
    and(
      or(cmp('ne', 1, false, k, 1), ok(5)),
      or(cmp('eq', 1, false, k, 2), ok(6)),
      or(cmp('ne', 1, false, k, 1), far),
    ),
  );
  const g = factor(f);
  assert.equal(printPred(g.body), printPred(f.body));
  assert.equal(evaluateOutcome(f, { packet: new Uint8Array([1, 5]) }), 'reject');
});
