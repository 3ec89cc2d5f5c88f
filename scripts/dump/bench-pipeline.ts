/*
 * bench-pipeline: compile latency of this tree's pipeline against another checkout's (the old code) and libpcap's
 * pcap_compile, in one process, so the figures are ratios between rows of the same run — the 16-predicate trace
 * filter of the `compile` suite and every corpus filter of the `pcap` suite (cBPF, Ethernet).
 * Run: `node --import tsx scripts/dump/bench-pipeline.ts OLD_CHECKOUT [--quick]`.
 * Invariants: old and new are measured alternately run by run (drift hits both alike); each figure is the median
 * of the runs (bench/src/measure.ts batches); the corpus figure is the median over filters of the per-filter
 * medians, with the per-filter ratios' median and geometric mean; libpcap is optional (skipped when not loadable).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FULL, measureNsPerOp, QUICK } from '../../bench/src/measure.ts';
import { predicateFilter } from '../../bench/src/suites/tracefs-filters.ts';
import * as fresh from '../../packages/compiler/src/index.ts';
import { loadLibpcap } from '../../packages/kernel/src/sys/index.ts';
import { bundledEvent } from '../../packages/tracefs/src/index.ts';

type Compiler = typeof fresh;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const oldRoot = process.argv[2];
if (oldRoot === undefined) throw new Error('usage: bench-pipeline.ts OLD_CHECKOUT [--quick]');
const quick = process.argv.includes('--quick');
const stale = (await import(join(oldRoot, 'packages/compiler/src/index.ts'))) as Compiler;
const m = quick ? QUICK : FULL;
const one = { ...m, runs: 1 };

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 === 1 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
};
const geomean = (xs: readonly number[]): number =>
  Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);

/** Median ns per call of each op, measured alternately run by run. */
function alternate(ops: readonly (() => unknown)[]): number[] {
  const samples: number[][] = ops.map(() => []);
  for (const op of ops) measureNsPerOp(op, { ...one, warmupMs: m.warmupMs });
  for (let r = 0; r < m.runs; r++)
    for (const [i, op] of ops.entries()) samples[i]!.push(measureNsPerOp(op, { ...one, warmupMs: 0 }).median);
  return samples.map(median);
}

const event = bundledEvent('sock', 'inet_sock_set_state');
if (!event) throw new Error('no bundled sock/inet_sock_set_state');
const req = {
  filter: predicateFilter(16),
  event,
  target: 'ebpf',
  ctx: 'tracepoint',
  nrCpuIds: 2,
  maxFilterBytes: 1 << 20,
  setLookup: 'search',
} as const;
const [o16, n16] = alternate([() => stale.compile(req), () => fresh.compile(req)]);
console.log(
  `compile-16-predicates: old ${(o16! / 1e3).toFixed(1)} µs, new ${(n16! / 1e3).toFixed(1)} µs, old/new ${(o16! / n16!).toFixed(2)}`,
);

const lib = loadLibpcap();
const pcap = lib.ok ? lib.value.compiler(1) : undefined;
if (!lib.ok) console.log(`libpcap: ${lib.reason}`);
const rows = (
  JSON.parse(readFileSync(join(ROOT, '../shared/corpus/pcap-libpcap-1.10.3/index.json'), 'utf8')) as {
    rows: { id: string; filter: string; opt?: number }[];
  }
).rows.filter((r) => typeof r.opt === 'number');
const olds: number[] = [];
const news: number[] = [];
const libs: number[] = [];
for (const r of quick ? rows.slice(0, 12) : rows) {
  const p = { filter: r.filter, linktype: 'ethernet', target: 'cbpf' } as const;
  const ops: (() => unknown)[] = [() => stale.compilePcapFilter(p), () => fresh.compilePcapFilter(p)];
  if (pcap) ops.push(() => pcap.compile(r.filter, { optimize: true }));
  const [o, n, l] = alternate(ops);
  olds.push(o!);
  news.push(n!);
  if (l !== undefined) libs.push(l);
}
const ratio = (a: readonly number[], b: readonly number[]) => a.map((x, i) => x / b[i]!);
console.log(
  `pcap corpus (${olds.length} filters, cBPF): median old ${(median(olds) / 1e3).toFixed(1)} µs, new ${(median(news) / 1e3).toFixed(1)} µs; old/new per filter: median ${median(ratio(olds, news)).toFixed(2)}, geomean ${geomean(ratio(olds, news)).toFixed(2)}`,
);
if (libs.length === news.length)
  console.log(
    `libpcap pcap_compile: median ${(median(libs) / 1e3).toFixed(1)} µs; new/libpcap per filter: median ${median(ratio(news, libs)).toFixed(1)}, min ${Math.min(...ratio(news, libs)).toFixed(1)}, max ${Math.max(...ratio(news, libs)).toFixed(1)}; old/libpcap median ${median(ratio(olds, libs)).toFixed(1)}`,
  );
pcap?.dispose();
