/*
 * Per suite, an optional summary computed from the rows of the run, printed in docs/benchmarks.md above the
 * suite's table (the place for side-by-side figures and goals that the long table alone does not show).
 * Invariants: pure functions of the rows; undefined means no summary.
 */
import type { Row } from './row.ts';
import { kernelSummary } from './suites/kernel-summary.ts';

export const SUMMARY: Readonly<Record<string, (rows: readonly Row[]) => string | undefined>> = {
  kernel: kernelSummary,
};
