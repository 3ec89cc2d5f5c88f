// Property tests: every pass and the whole pipeline preserve the evaluator's verdict; verify() accepts
// every pass output; the decision DAG evaluates like the IR (for every order); the text form round-trips;
// output is deterministic. Case counts are stated per test (total well above 10,000 filter×input cases).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { filterArb, inputArb, shapedFilterArb, shapedInputArb } from '@tfc/testkit/ir';
import fc from 'fast-check';
import {
  buildDag,
  type EvalInput,
  evaluate,
  evaluateDag,
  evaluateDagOutcome,
  evaluateOutcome,
  type Filter,
  filterFromJson,
  filterToJson,
  PASSES,
  parseFilter,
  printDag,
  printFilter,
  runPasses,
  verify,
} from '../src/index.ts';

const INPUTS_PER_FILTER = 8;
const caseArb = fc.tuple(
  filterArb,
  fc.array(inputArb, { minLength: INPUTS_PER_FILTER, maxLength: INPUTS_PER_FILTER }),
);

function explain(f: Filter, g: Filter, input: EvalInput): string {
  return `before:\n${printFilter(f)}after:\n${printFilter(g)}input: ${JSON.stringify(input, (_k, v) =>
    typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Array.from(v) : v,
  )}`;
}

test('generated filters satisfy verify()', () => {
  fc.assert(
    fc.property(filterArb, (f) => {
      assert.deepEqual(verify(f), []);
    }),
    { numRuns: 500 },
  );
});

test('each pass alone preserves the verdict and passes verify() (600 filters × 8 inputs × every pass)', () => {
  fc.assert(
    fc.property(caseArb, ([f, inputs]) => {
      for (const pass of PASSES) {
        const g = pass.run(f);
        assert.deepEqual(verify(g), [], `verify after ${pass.name}\n${printFilter(g)}`);
        for (const input of inputs) {
          // the outcome, abort included (under `not` an abort is not a reject)
          assert.equal(
            evaluateOutcome(g, input),
            evaluateOutcome(f, input),
            `${pass.name}\n${explain(f, g, input)}`,
          );
        }
      }
    }),
    { numRuns: 600 },
  );
});

test('the whole pipeline preserves the verdict, verifying after every pass (1500 filters × 8 inputs)', () => {
  let cases = 0;
  fc.assert(
    fc.property(caseArb, ([f, inputs]) => {
      for (const pass of PASSES) {
        const r = runPasses(f, { dumpAfter: pass.name, verifyEach: true });
        assert.ok(r.ok, `pipeline failed after ${pass.name}`);
        for (const input of inputs) {
          assert.equal(
            evaluateOutcome(r.ir, input),
            evaluateOutcome(f, input),
            `after ${pass.name}\n${explain(f, r.ir, input)}`,
          );
          cases++;
        }
      }
    }),
    { numRuns: 1500 },
  );
  assert.ok(cases >= 10_000, `only ${cases} cases`);
});

test('the decision DAG evaluates like the IR, for source, cost and random orders (800 filters × 8 inputs × 3)', () => {
  fc.assert(
    fc.property(caseArb, fc.integer({ min: 0, max: 1 << 30 }), ([f0, inputs], seed) => {
      const r = runPasses(f0);
      assert.ok(r.ok);
      for (const f of [f0, r.ir]) {
        const n = buildDag(f, 'source');
        assert.ok(n.ok);
        const leaves = n.dag.leaves.length;
        // A random permutation (Fisher–Yates driven by the seed).
        const perm = Array.from({ length: leaves }, (_, i) => i);
        let s = seed;
        for (let i = leaves - 1; i > 0; i--) {
          s = (s * 1103515245 + 12345) & 0x7fffffff;
          const j = s % (i + 1);
          [perm[i], perm[j]] = [perm[j]!, perm[i]!];
        }
        for (const order of ['source', 'cost', perm] as const) {
          const d = buildDag(f, order);
          assert.ok(d.ok);
          if (order !== perm) assert.ok(d.dag.abortSafe, `abortSafe with order ${String(order)}`);
          for (const input of inputs) {
            assert.equal(
              evaluateDagOutcome(d.dag, input),
              evaluateOutcome(f, input),
              `${printFilter(f)}\n${printDag(d.dag)}`,
            );
            assert.equal(evaluateDag(d.dag, input), evaluate(f, input));
          }
        }
      }
    }),
    { numRuns: 800 },
  );
});

test('the text form round-trips (2000 filters, before and after the pipeline)', () => {
  fc.assert(
    fc.property(filterArb, (f) => {
      const r = runPasses(f);
      assert.ok(r.ok);
      for (const g of [f, r.ir]) {
        const text = printFilter(g);
        const back = parseFilter(text);
        assert.ok(back.ok, text);
        assert.deepEqual(back.filter, g);
        assert.equal(printFilter(back.filter), text);
      }
    }),
    { numRuns: 2000 },
  );
});

test('the pipeline is idempotent: running it on its own output changes nothing (800 filters)', () => {
  fc.assert(
    fc.property(filterArb, (f) => {
      const a = runPasses(f);
      assert.ok(a.ok);
      const b = runPasses(a.ir);
      assert.ok(b.ok);
      assert.equal(printFilter(b.ir), printFilter(a.ir));
    }),
    { numRuns: 800 },
  );
});

test('the JSON form round-trips (1000 filters)', () => {
  fc.assert(
    fc.property(filterArb, (f) => {
      const back = filterFromJson(filterToJson(f));
      assert.ok(back.ok);
      assert.deepEqual(back.filter, f);
    }),
    { numRuns: 1000 },
  );
  assert.equal(filterFromJson('{').ok, false);
  assert.equal(filterFromJson('{"kind":"filter","values":[],"body":{"kind":"cmp"}}').ok, false);
});

test('determinism: the pipeline and the DAG give byte-identical text when run twice (500 filters)', () => {
  fc.assert(
    fc.property(filterArb, (f) => {
      const a = runPasses(f);
      const b = runPasses(structuredClone(f));
      assert.ok(a.ok && b.ok);
      assert.equal(printFilter(a.ir), printFilter(b.ir));
      const da = buildDag(a.ir);
      const db = buildDag(b.ir);
      assert.ok(da.ok && db.ok);
      assert.equal(printDag(da.dag), printDag(db.dag));
    }),
    { numRuns: 500 },
  );
});

const shapedCase = fc.tuple(
  shapedFilterArb,
  fc.array(shapedInputArb, { minLength: INPUTS_PER_FILTER, maxLength: INPUTS_PER_FILTER }),
);

test('or-of-ands shapes (shared heads, shared tails, host-or): every pass and the pipeline keep the outcome, abort included (1500 filters × 8 inputs)', () => {
  const outcomes = new Set<string>();
  let factored = 0;
  let runs = 0;
  fc.assert(
    fc.property(shapedCase, ([f, inputs]) => {
      runs++;
      for (const pass of PASSES) {
        const g = pass.run(f);
        assert.deepEqual(verify(g), [], `verify after ${pass.name}\n${printFilter(g)}`);
        if (pass.name === 'factor' && printFilter(g) !== printFilter(f)) factored++;
        for (const input of inputs)
          assert.equal(
            evaluateOutcome(g, input),
            evaluateOutcome(f, input),
            `${pass.name}\n${explain(f, g, input)}`,
          );
      }
      const r = runPasses(f, { verifyEach: true });
      assert.ok(r.ok);
      const d = buildDag(r.ir);
      assert.ok(d.ok);
      assert.ok(d.dag.abortSafe);
      for (const input of inputs) {
        const want = evaluateOutcome(f, input);
        outcomes.add(want);
        assert.equal(evaluateOutcome(r.ir, input), want, `pipeline\n${explain(f, r.ir, input)}`);
        assert.equal(evaluateDagOutcome(d.dag, input), want, `dag\n${printDag(d.dag)}`);
      }
    }),
    { numRuns: 1500 },
  );
  // the generator must feed the rules: factor rewrites a good share, and all three outcomes occur
  assert.ok(factored > runs / 5, `factor changed only ${factored} of ${runs} shaped filters`);
  assert.deepEqual([...outcomes].sort(), ['abort', 'accept', 'reject']);
});
