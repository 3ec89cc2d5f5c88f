// The pass pipeline, as one readable list (after QBE's func() and Cranelift's Context::optimize).
// Invariants: every pass is a pure, named (Filter) => Filter; the input is verified first (bad input is a
// diagnostic, never an exception); output is deterministic; `dumpAfter` returns the IR right after the
// named pass. Each pass module states its rules policy in its header: rules are directional, never
// increase cost, keep constants on the right, and any fixpoint iteration has a cap that throws.

import { type Interner, makeInterner } from './intern.ts';
import { canon } from './passes/canon.ts';
import { cse } from './passes/cse.ts';
import { factor } from './passes/factor.ts';
import { facts } from './passes/facts.ts';
import { fold } from './passes/fold.ts';
import { inline } from './passes/inline.ts';
import { ranges, sets } from './passes/ranges.ts';
import { simplify } from './passes/simplify.ts';
import type { Filter, IrDiagnostic } from './types.ts';
import { verify } from './verify.ts';

export interface Pass {
  readonly name: string;
  /** `keys`: an interner shared by the passes of one runPasses call (each pass makes its own if absent). */
  readonly run: (ir: Filter, keys?: Interner) => Filter;
  readonly doc: string;
}

export const PASSES: readonly Pass[] = [
  { name: 'inline', run: inline, doc: 'expand shared values (refs) so later passes see one tree' },
  { name: 'fold', run: fold, doc: 'constant folding of arithmetic and compares' },
  { name: 'canon', run: canon, doc: 'constants to the right of compares (op table `swapped`)' },
  { name: 'simplify', run: simplify, doc: 'boolean simplification, not pushed to the leaves' },
  { name: 'factor', run: factor, doc: 'common heads/tails out of or-of-ands (and dually), abort-aware' },
  { name: 'ranges', run: ranges, doc: 'interval facts per compared value inside each and' },
  { name: 'sets', run: sets, doc: 'equalities/intervals per compared value inside each or → sets' },
  { name: 'facts', run: facts, doc: 'facts of earlier siblings decide later leaves on the same value' },
  { name: 'cleanup', run: simplify, doc: 'boolean simplification of what ranges/sets produced' },
  {
    name: 'settle',
    run: settle,
    doc: 'factor, ranges, sets, facts and simplify repeated to their joint fixpoint',
  },
  { name: 'cse', run: cse, doc: 'common load elimination: repeated loads become shared values' },
];

/** Cap on `settle` rounds; reaching it means some rule increases cost (a bug), so it throws. */
export const SETTLE_ITERATION_CAP = 16;

/** One round of `settle`: the passes listed right before it in PASSES (SETTLE_ROUND names them), in that order. */
function settleRound(ir: Filter, interner: Interner): Filter {
  return simplify(facts(sets(ranges(factor(ir, interner), interner), interner), interner), interner);
}

/** The PASSES entries that make one settle round, in order (cleanup is simplify). */
const SETTLE_ROUND: readonly string[] = ['factor', 'ranges', 'sets', 'facts', 'cleanup'];

/** Repeat the interval passes and simplification until the IR stops changing (compared by structural
 *  key, which is equal exactly when the printed text is). Each round never increases cost, and a round
 *  that changes nothing ends the loop. */
function settle(ir: Filter, interner: Interner = makeInterner()): Filter {
  const key = (f: Filter): string =>
    f.values.map((v) => interner.expr(v.expr)).join(',') + '|' + interner.pred(f.body);
  let cur = ir;
  let k = key(cur);
  for (let i = 0; i < SETTLE_ITERATION_CAP; i++) {
    const next = settleRound(cur, interner);
    if (next.body === cur.body && next.values === cur.values) return next;
    const nk = key(next);
    if (nk === k) return next;
    cur = next;
    k = nk;
  }
  throw new Error(`settle: no fixpoint after ${SETTLE_ITERATION_CAP} rounds (a rule increases cost)`);
}

export const PASS_NAMES: readonly string[] = PASSES.map((p) => p.name);

export interface RunOptions {
  /** Stop after this pass and return its output. */
  readonly dumpAfter?: string;
  /** Run verify() after every pass (tests; cheap enough for the CLI's --verify). */
  readonly verifyEach?: boolean;
}

export type RunResult =
  | { readonly ok: true; readonly ir: Filter; readonly after: string }
  | { readonly ok: false; readonly diagnostics: readonly IrDiagnostic[] };

export function runPasses(ir: Filter, opts: RunOptions = {}): RunResult {
  if (opts.dumpAfter !== undefined && !PASS_NAMES.includes(opts.dumpAfter)) {
    return {
      ok: false,
      diagnostics: [
        {
          severity: 'error',
          code: 'unknown-pass',
          message: `unknown pass '${opts.dumpAfter}' (passes: ${PASS_NAMES.join(', ')})`,
          at: 'dump-after',
        },
      ],
    };
  }
  const input = verify(ir);
  if (input.length > 0) return { ok: false, diagnostics: input };
  let cur = ir;
  const keys = makeInterner();
  // How many of the passes just run, in SETTLE_ROUND order, handed back their input unchanged: all of them means
  // the IR is already settled (settle's first round would be those passes again on the same input; passes are
  // pure and deterministic), so settle would return it as it is.
  let idle = 0;
  for (const pass of PASSES) {
    if (pass.name === 'settle' && idle === SETTLE_ROUND.length) {
      if (pass.name === opts.dumpAfter) return { ok: true, ir: cur, after: pass.name };
      continue;
    }
    const prev = cur;
    cur = pass.run(cur, keys);
    const at = SETTLE_ROUND.indexOf(pass.name);
    idle = at >= 0 && at === idle && cur === prev ? idle + 1 : 0;
    if (opts.verifyEach === true) {
      const d = verify(cur);
      if (d.length > 0)
        return {
          ok: false,
          diagnostics: d.map((x) => ({ ...x, message: `after pass '${pass.name}': ${x.message}` })),
        };
    }
    if (pass.name === opts.dumpAfter) return { ok: true, ir: cur, after: pass.name };
  }
  return { ok: true, ir: cur, after: PASSES[PASSES.length - 1]!.name };
}
