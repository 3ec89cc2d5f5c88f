/*
 * One benchmark figure, as printed in tables and written as JSON. Invariant: `value` is the median of `runs`
 * measurements whose min and max are given; every row names the engine measured and its unit.
 */
import type { Summary } from './stats.ts';

export interface Row {
  readonly suite: string;
  readonly case: string;
  readonly engine: string;
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  readonly runs: number;
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

export function row(
  suite: string,
  kase: string,
  engine: string,
  metric: string,
  unit: string,
  s: Summary,
): Row {
  return {
    suite,
    case: kase,
    engine,
    metric,
    value: s.median,
    unit,
    runs: s.runs,
    min: s.min,
    median: s.median,
    max: s.max,
  };
}

/** Converts a ns/op summary into ops/s (min and max swap: the slowest run gives the lowest rate). */
export function rate(s: Summary, perOp = 1): Summary {
  const r = (ns: number) => (1e9 / ns) * perOp;
  return { runs: s.runs, min: r(s.max), median: r(s.median), max: r(s.min) };
}
