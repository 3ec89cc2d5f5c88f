/*
 * Timing of in-process work. A "run" executes the operation in a batch long enough (≥ minBatchMs) for the clock to
 * be meaningful and yields ns per operation; a figure is the summary of several runs taken after warm-up.
 * Invariants: the batch size is chosen once, during warm-up, and is the same for every run of a case; results
 * of the operation are folded into a sink so the work cannot be optimised away.
 */
import { type Summary, summarize } from './stats.ts';

export interface MeasureOptions {
  readonly runs: number;
  readonly minBatchMs: number;
  readonly warmupMs: number;
}

export const QUICK: MeasureOptions = { runs: 5, minBatchMs: 20, warmupMs: 50 };
export const FULL: MeasureOptions = { runs: 15, minBatchMs: 50, warmupMs: 300 };

let sink = 0;
export function consume(v: unknown): void {
  sink = (sink + (v ? 1 : 0)) | 0;
}
export function sinkValue(): number {
  return sink;
}

/** ns per call of `op`, summarised over runs. */
export function measureNsPerOp(op: () => unknown, o: MeasureOptions): Summary {
  let batch = 1;
  const t0 = performance.now();
  // Warm up and size the batch: double until one batch takes at least minBatchMs.
  for (;;) {
    const s = performance.now();
    for (let i = 0; i < batch; i++) consume(op());
    const el = performance.now() - s;
    if (el >= o.minBatchMs && performance.now() - t0 >= o.warmupMs) break;
    if (el < o.minBatchMs) batch *= 2;
  }
  const samples: number[] = [];
  for (let r = 0; r < o.runs; r++) {
    const s = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) consume(op());
    samples.push(Number(process.hrtime.bigint() - s) / batch);
  }
  return summarize(samples);
}
