/*
 * The interface every benchmark suite implements. Invariants: a suite measures its engines side by side in the
 * same process run (ratios are only ever taken between rows of one run); it reports what it cannot measure through
 * `note` (missing privilege, kernel feature) instead of failing; it reports progress as (done, total).
 */
import type { MeasureOptions } from './measure.ts';
import type { Row } from './row.ts';

export interface SuiteContext {
  readonly quick: boolean;
  readonly measure: MeasureOptions;
  readonly progress: (done: number, total: number, label: string) => void;
  readonly note: (message: string) => void;
}

export interface Suite {
  readonly name: string;
  readonly title: string;
  readonly run: (ctx: SuiteContext) => Promise<readonly Row[]>;
}
