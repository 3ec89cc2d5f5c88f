// Benchmark workloads for the IR and the optimizer, for the lead's bench/ harness (not a test: nothing
// here asserts on time). Invariants: workloads are generated deterministically from a fixed seed (a
// 32-bit LCG), so every run measures the same filters; each result reports the work done (nodes in/out,
// DAG size) next to the time so regressions in output quality are visible, not only in speed.
import { and, cmp, filter, load, not, or, str } from './build.ts';
import { buildDag } from './dag.ts';
import { type EvalInput, evaluate } from './eval.ts';
import { runPasses } from './pipeline.ts';
import { printFilter } from './print.ts';
import type { Filter, Pred, Width } from './types.ts';

export interface IrBenchResult {
  readonly name: string;
  readonly iterations: number;
  /** Mean wall time per iteration of passes + DAG build, in microseconds. */
  readonly compileUs: number;
  /** Mean wall time per evaluation of the optimised IR, in microseconds. */
  readonly evalUs: number;
  readonly textBytesIn: number;
  readonly textBytesOut: number;
  readonly dagNodes: number;
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s >>> 8; // the low bits of an LCG have short periods
  };
}

function randomPred(rnd: () => number, depth: number): Pred {
  const k = rnd() % (depth <= 0 ? 3 : 6);
  const widths: Width[] = [1, 2, 4, 8];
  if (k < 3) {
    const w = widths[rnd() % 4]!;
    const ops = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'set'] as const;
    return cmp(
      ops[rnd() % ops.length]!,
      w,
      rnd() % 2 === 0,
      load('record', (rnd() % 4) * 8, w),
      BigInt(rnd() % 16),
    );
  }
  const n = 2 + (rnd() % 3);
  const args = Array.from({ length: n }, () => randomPred(rnd, depth - 1));
  return k === 3 ? and(...args) : k === 4 ? or(...args) : not(args[0]!);
}

/** The workloads: name → filter. */
export function benchWorkloads(): readonly { readonly name: string; readonly filter: Filter }[] {
  const rnd = lcg(0x7fc);
  const port = load('record', 12, 2);
  return [
    {
      name: 'or-100-equalities',
      filter: filter(or(...Array.from({ length: 100 }, (_, i) => cmp('eq', 2, false, port, i * 7)))),
    },
    {
      name: 'and-50-ranges',
      filter: filter(
        and(
          ...Array.from({ length: 50 }, (_, i) =>
            cmp(i % 2 ? 'gt' : 'lt', 4, false, load('record', 8, 4), 1000 - i),
          ),
        ),
      ),
    },
    {
      name: 'strings-mixed',
      filter: filter(
        or(
          ...Array.from({ length: 20 }, (_, i) =>
            str(i % 2 ? 'glob' : 'front', `p${i}*x`, { kind: 'fixed', base: 'record', offset: 16, size: 16 }),
          ),
        ),
      ),
    },
    { name: 'random-depth-5', filter: filter(and(...Array.from({ length: 4 }, () => randomPred(rnd, 5)))) },
  ];
}

/** Runs every workload `iterations` times (compile) and evaluates each optimised filter on 64 records. */
export function benchmarkIr(iterations = 50): IrBenchResult[] {
  const rnd = lcg(42);
  const inputs: EvalInput[] = Array.from({ length: 64 }, () => ({
    record: Uint8Array.from({ length: 40 }, () => rnd() % 32),
  }));
  return benchWorkloads().map(({ name, filter: f }) => {
    let out: Filter = f;
    let dagNodes = 0;
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) {
      const r = runPasses(f);
      if (!r.ok) throw new Error(`bench workload ${name} failed verification`);
      out = r.ir;
      const d = buildDag(out);
      dagNodes = d.ok ? d.dag.nodes.length : -1;
    }
    const t1 = performance.now();
    let accepted = 0;
    for (const input of inputs) if (evaluate(out, input) === 'accept') accepted++;
    const t2 = performance.now();
    void accepted;
    return {
      name,
      iterations,
      compileUs: ((t1 - t0) * 1000) / iterations,
      evalUs: ((t2 - t1) * 1000) / inputs.length,
      textBytesIn: printFilter(f).length,
      textBytesOut: printFilter(out).length,
      dagNodes,
    };
  });
}
