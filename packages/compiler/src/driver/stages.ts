/*
 * The stage interfaces of the pipeline: a front end turns filter text into the IR, the passes stage optimises it
 * (driver/passes.ts), a target turns the optimised IR into its product. Each is one narrow function type around
 * the one Diagnostic (diagnostic.ts).
 * Invariants: stages are pure functions of their inputs; a front end that rejects a trace filter the way the kernel
 * does also returns the kernel's FilterError (the CLI renders the kernel's own filter file from it); targets never
 * parse or lower, and read the optimised IR they are given through the decision DAG or the decision list (a target
 * that rewrites it into a new filter — u32's linked table and IHL cases — runs the rewrite through the passes
 * stage, never the passes itself).
 */
import type * as ir from '@tfc/ir';
import type { FilterError } from '@tfc/tracefs';
import type { Diagnostic, StageResult } from '../diagnostic.ts';

export type FrontResult<Extra = object> =
  | ({ readonly ok: true; readonly ir: ir.Filter } & Extra)
  | {
      readonly ok: false;
      readonly diagnostics: readonly Diagnostic[];
      /** The kernel rejects the trace filter: render it with renderFilterFile. */
      readonly filterError?: FilterError;
    };

/** A front end: a request's source → the lowered IR. */
export type FrontEnd<Source, Extra = object> = (source: Source) => FrontResult<Extra>;

/** A target: the optimised IR → its product. `reads` says which form of the IR the target walks. */
export interface TargetStage<Options, Product> {
  readonly name: string;
  readonly reads: 'decision-dag' | 'decision-list';
  readonly run: (optimized: ir.Filter, options: Options) => StageResult<Product>;
}
