// safety.ts: evaluation contexts are sound — when `a` was evaluated without aborting and predMayAbortIn(b, context
// after a) says b cannot abort, b does not abort on that input (random IR and inputs from @tfc/testkit/ir); with no
// context, "cannot abort" means never aborts; and the reach rule on hand-made loads (a fixed-offset load is safe
// once a load of the same base reaching as far was evaluated; record loads never abort). Invariant: fixed seeds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { filterArb, inputArb, predArb, shapedInputArb, shapedPredArb } from '@tfc/testkit/ir';
import fc from 'fast-check';
import { cmp, type EvalInput, evaluateOutcome, filter, load, type Pred } from '../src/index.ts';
import { makeInterner } from '../src/intern.ts';
import { exprMayAbortIn, extendSafe, NOTHING_SAFE, predMayAbortIn } from '../src/safety.ts';

test('predMayAbortIn is conservative in the context an earlier predicate establishes', () => {
  // The packet-shaped generators share loads between a and b, so the context decides often (in about 2% of runs);
  // the general ones mix every kind of expression.
  const sound = (a: Pred, b: Pred, input: EvalInput) => {
    const key = makeInterner().expr;
    if (evaluateOutcome(filter(a), input) === 'abort') return;
    const s = extendSafe(NOTHING_SAFE, a, key);
    if (!predMayAbortIn(b, s, key)) assert.notEqual(evaluateOutcome(filter(b), input), 'abort');
  };
  fc.assert(fc.property(shapedPredArb, shapedPredArb, shapedInputArb, sound), { seed: 30, numRuns: 3000 });
  fc.assert(fc.property(predArb, predArb, inputArb, sound), { seed: 31, numRuns: 3000 });
});

test('with nothing known, "cannot abort" means never aborts', () => {
  fc.assert(
    fc.property(filterArb, inputArb, (f, input) => {
      if (!predMayAbortIn(f.body, NOTHING_SAFE, makeInterner().expr)) {
        assert.notEqual(evaluateOutcome(f, input), 'abort');
      }
    }),
    { seed: 32, numRuns: 3000 },
  );
});

test('reach: a packet load is safe after a load of the same base that reaches as far', () => {
  const key = makeInterner().expr;
  const far = cmp('eq', 4, false, load('packet', 30, 4, 'be'), 1);
  const s = extendSafe(NOTHING_SAFE, far, key);
  assert.equal(exprMayAbortIn(load('packet', 26, 4, 'be'), s, key), false);
  assert.equal(exprMayAbortIn(load('packet', 32, 4, 'be'), s, key), true, 'reads past byte 34');
  assert.equal(exprMayAbortIn(load('frame', 0, 1, 'be'), s, key), true, 'another base');
  assert.equal(exprMayAbortIn(load('record', 100, 8), NOTHING_SAFE, key), false, 'record loads never abort');
});
