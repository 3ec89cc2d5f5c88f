// @tfc/bench: the benchmark harness behind `tfc bench` (private). Figures are medians of several runs with min/max,
// and every comparison is between rows measured in the same run.
export { makeDirs, missingDirs } from './make-dirs.ts';
export { fmt, type Machine, markdownReport, markdownTable, svgChart, table } from './report.ts';
export type { Row } from './row.ts';
export { type BenchOptions, runBench, suites } from './run.ts';
export { summarize } from './stats.ts';
