// Proof of the decision list: the TCAM evaluator (first match by priority) over the entries agrees with the
// IR reference evaluator (accept = hit; reject and abort = miss) on random expressible filters × random
// frames, with and without range matches, from the raw and the optimized IR; and the list respects the
// entry-count bounds. Invariant: each property checks ≥ 20,000 filter × frame cases per run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluate, type Filter, printFilter, runPasses } from '@tfc/ir';
import fc from 'fast-check';
import { buildDecisionList, type DecisionList, evaluateTcam } from '../src/index.ts';
import { frameArb, tcamFilterArb } from './arbitraries.ts';

const FRAMES_PER_FILTER = 8;
const RUNS = 2600;

function agree(ir: Filter, list: DecisionList, frames: readonly Uint8Array[]): number {
  for (const frame of frames) {
    const want = evaluate(ir, { packet: frame }) === 'accept' ? 'hit' : 'miss';
    const got = evaluateTcam(list, frame);
    if (got !== want)
      assert.fail(
        `${printFilter(ir)}\nframe ${Buffer.from(frame).toString('hex')} (len ${frame.length}): tcam ${got}, ir ${want}\n` +
          JSON.stringify(list, (_, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v)),
      );
  }
  return frames.length;
}

for (const ranges of [true, false]) {
  test(`TCAM first match ≡ IR evaluateOutcome (ranges ${ranges})`, () => {
    let cases = 0;
    let entries = 0;
    fc.assert(
      fc.property(
        tcamFilterArb,
        fc.array(frameArb, { minLength: FRAMES_PER_FILTER, maxLength: FRAMES_PER_FILTER }),
        (ir, frames) => {
          const r = buildDecisionList(ir, { ranges });
          if (!r.ok) assert.fail(`${printFilter(ir)}: ${r.diagnostics.map((d) => d.message).join('; ')}`);
          entries += r.list.entries.length;
          cases += agree(ir, r.list, frames);
        },
      ),
      { numRuns: RUNS },
    );
    assert.ok(cases >= 20_000, `${cases} cases`);
    assert.ok(entries > 0);
  });
}

test('TCAM ≡ IR after the optimizer pipeline, and with a known minimum frame length', () => {
  let cases = 0;
  fc.assert(
    fc.property(
      tcamFilterArb,
      fc.array(frameArb, { minLength: FRAMES_PER_FILTER, maxLength: FRAMES_PER_FILTER }),
      (ir, frames) => {
        const opt = runPasses(ir);
        assert.ok(opt.ok);
        const r = buildDecisionList(opt.ir, { ranges: false });
        if (!r.ok) assert.fail(`${printFilter(opt.ir)}: ${r.diagnostics.map((d) => d.message).join('; ')}`);
        cases += agree(ir, r.list, frames);
        // Frames padded to at least 70 bytes: every key fits, so no length checks are needed.
        const long = frames.map((f) => {
          const g = new Uint8Array(Math.max(70, f.length));
          g.set(f);
          return g;
        });
        const m = buildDecisionList(ir, { ranges: true, minFrameLength: 70 });
        assert.ok(m.ok);
        assert.ok(m.list.keys.every((k) => k.kind === 'field'));
        cases += agree(ir, m.list, long);
      },
    ),
    { numRuns: RUNS / 2 },
  );
  assert.ok(cases >= 20_000, `${cases} cases`);
});
