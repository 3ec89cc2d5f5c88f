/*
 * The passes stage: the IR passes (PASSES of @tfc/ir) run once per compile, and the IR after the requested dump
 * point is recorded on the way (so `--dump-after` reads what this run produced; nothing runs twice).
 * Invariants: an unknown dump point is a `passes` diagnostic before anything runs; the optimized IR equals
 * ir.runPasses(lowered) (the run stops at the dump point and continues from there with the remaining passes; a pass
 * is pure, so splitting the run there changes nothing); without passes in the plan the optimized IR is the lowered
 * one, and a dump point after `lower` still runs the passes up to it (only to dump).
 */
import * as ir from '@tfc/ir';
import { type Diagnostic, diagnosticsOf, type StageResult } from '../diagnostic.ts';
import { DUMP_POINTS, type OptimizationPlan } from '../options.ts';

export interface PassRecord {
  readonly optimized: ir.Filter;
  /** The passes that ran on the optimized IR (all of them, or none). */
  readonly passes: readonly string[];
  /** The IR text at the dump point, when one was asked for (and its passes succeeded). */
  readonly dump?: string;
}

export function unknownDumpPoint(point: string | undefined): Diagnostic | undefined {
  if (point === undefined || DUMP_POINTS.includes(point)) return undefined;
  return { stage: 'passes', message: `unknown pass '${point}' (passes: ${DUMP_POINTS.join(', ')})` };
}

export function runPassStage(
  lowered: ir.Filter,
  plan: Pick<OptimizationPlan, 'passes'>,
  dumpAfter?: string,
): StageResult<PassRecord> {
  const unknown = unknownDumpPoint(dumpAfter);
  if (unknown) return { ok: false, diagnostics: [unknown] };
  let dump: string | undefined;
  let from = lowered;
  let rest: readonly ir.Pass[] = ir.PASSES;
  if (dumpAfter === 'lower') dump = ir.printFilter(lowered);
  else if (dumpAfter !== undefined) {
    const r = ir.runPasses(lowered, { dumpAfter });
    if (!r.ok) {
      if (plan.passes) return { ok: false, diagnostics: diagnosticsOf('passes', r.diagnostics) };
    } else {
      dump = ir.printFilter(r.ir);
      from = r.ir;
      rest = ir.PASSES.slice(ir.PASS_NAMES.indexOf(dumpAfter) + 1);
    }
  }
  const withDump = dump !== undefined ? { dump } : {};
  if (!plan.passes) return { ok: true, value: { optimized: lowered, passes: [], ...withDump } };
  let optimized: ir.Filter;
  if (from === lowered) {
    const r = ir.runPasses(lowered);
    if (!r.ok) return { ok: false, diagnostics: diagnosticsOf('passes', r.diagnostics) };
    optimized = r.ir;
  } else optimized = rest.reduce((f, pass) => pass.run(f), from);
  return { ok: true, value: { optimized, passes: ir.PASS_NAMES, ...withDump } };
}
