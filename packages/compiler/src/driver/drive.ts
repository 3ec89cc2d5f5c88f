/*
 * The driver: runs one compile as front end → passes → target, each stage once, and returns what the run recorded
 * (the lowered IR, the optimised IR, the passes that ran, the IR at the dump point, the target's product).
 * Invariants: stages run in that order and the first failure ends the run (a target failure keeps the dump, since
 * the passes ran); nothing is parsed, lowered or optimised twice; pure and deterministic.
 */
import type * as ir from '@tfc/ir';
import type { FilterError } from '@tfc/tracefs';
import type { Diagnostic, StageResult } from '../diagnostic.ts';
import type { OptimizationPlan } from '../options.ts';
import { runPassStage } from './passes.ts';
import type { FrontResult } from './stages.ts';

export interface Run<Product> {
  readonly lowered: ir.Filter;
  readonly optimized: ir.Filter;
  readonly passes: readonly string[];
  readonly dump?: string;
  readonly product: Product;
}

export type DriveResult<Product> =
  | { readonly ok: true; readonly run: Run<Product> }
  | {
      readonly ok: false;
      readonly diagnostics: readonly Diagnostic[];
      readonly filterError?: FilterError;
      readonly dump?: string;
    };

export interface Pipeline<Product> {
  readonly front: () => FrontResult;
  readonly plan: Pick<OptimizationPlan, 'passes'>;
  readonly dumpAfter?: string | undefined;
  readonly target: (optimized: ir.Filter) => StageResult<Product>;
}

export function drive<Product>(p: Pipeline<Product>): DriveResult<Product> {
  const front = p.front();
  if (!front.ok) return front;
  const passes = runPassStage(front.ir, p.plan, p.dumpAfter);
  if (!passes.ok) return passes;
  const { optimized, dump } = passes.value;
  const withDump = dump !== undefined ? { dump } : {};
  const target = p.target(optimized);
  if (!target.ok) return { ok: false, diagnostics: target.diagnostics, ...withDump };
  return {
    ok: true,
    run: { lowered: front.ir, optimized, passes: passes.value.passes, ...withDump, product: target.value },
  };
}
