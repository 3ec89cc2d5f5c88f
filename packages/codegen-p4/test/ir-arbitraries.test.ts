// A second, independent generator: the IR package's own random filters (test/arbitraries.ts of @tfc/ir),
// with record loads moved into the trace frame (base `frame`), compiled where a TCAM can express them, agree
// with the reference evaluator on the IR package's random inputs (packets of 0–72 bytes, so loads often
// abort). Inexpressible filters must fail with a p4-* diagnostic, never an exception.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildDecisionList, evaluateTcam } from '@tfc/decision-list';
import { type Expr, evaluate, type Filter, type Pred, printFilter } from '@tfc/ir';
import { filterArb, inputArb } from '@tfc/testkit/ir';
import fc from 'fast-check';

function expr(e: Expr): Expr {
  switch (e.kind) {
    case 'load':
      return {
        ...e,
        base: e.base === 'record' ? 'frame' : e.base,
        offset: typeof e.offset === 'number' ? e.offset : expr(e.offset),
      };
    case 'arith':
      return { ...e, left: expr(e.left), right: expr(e.right) };
    case 'neg':
      return { ...e, arg: expr(e.arg) };
    default:
      return e;
  }
}

function pred(p: Pred): Pred {
  switch (p.kind) {
    case 'cmp':
      return { ...p, left: expr(p.left), right: expr(p.right) };
    case 'in':
      return { ...p, value: expr(p.value) };
    case 'and':
    case 'or':
      return { ...p, args: p.args.map(pred) };
    case 'not':
      return { ...p, arg: pred(p.arg) };
    default:
      return p;
  }
}

function toFrame(f: Filter): Filter {
  return { ...f, values: f.values.map((v) => ({ ...v, expr: expr(v.expr) })), body: pred(f.body) };
}

test('IR package generator, record loads moved into the frame: TCAM ≡ IR where expressible', () => {
  let expressible = 0;
  let rejected = 0;
  let cases = 0;
  fc.assert(
    fc.property(
      filterArb,
      fc.array(inputArb, { minLength: 6, maxLength: 6 }),
      fc.boolean(),
      (raw, inputs, ranges) => {
        const ir = toFrame(raw);
        const r = buildDecisionList(ir, { ranges });
        if (!r.ok) {
          rejected++;
          assert.ok(r.refusals.length > 0);
          return;
        }
        expressible++;
        for (const input of inputs) {
          const frame = input.packet ?? new Uint8Array(0);
          const want = evaluate(ir, { packet: frame }) === 'accept' ? 'hit' : 'miss';
          assert.equal(
            evaluateTcam(r.list, frame),
            want,
            `${printFilter(ir)} on ${Buffer.from(frame).toString('hex')}`,
          );
          cases++;
        }
      },
    ),
    { numRuns: 5000 },
  );
  assert.ok(expressible >= 500, `${expressible} expressible filters`);
  assert.ok(rejected > 0);
  assert.ok(cases >= 3000, `${cases} cases`);
});
