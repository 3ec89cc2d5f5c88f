/*
 * bench-pipeline: compile latency of this tree's pipeline against another checkout's (the old code) and libpcap's
 * pcap_compile, in one process, so the figures are ratios between rows of the same run — the 16-predicate trace
 * filter of the `compile` suite and every corpus filter of the `pcap` suite (cBPF, Ethernet).
 * Run: `node --import tsx scripts/dump/bench-pipeline.ts OLD_CHECKOUT [--quick]`.
 * Invariants: the engines are measured alternately in short batches and every ratio is paired (the median over
 * rounds of the two engines' times in the same round), so load from other processes on the shared machine hits
 * both sides alike; the corpus figures are medians over filters of per-filter medians; libpcap is optional
 * (skipped when not loadable).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureNsPerOp } from '../../bench/src/measure.ts';
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

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 === 1 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
};
const geomean = (xs: readonly number[]): number =>
  Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);

/**
 * Each op measured alternately in `rounds` short batches (≥ batchMs each, after a warm-up): the median ns per call
 * of each op, and the median over rounds of each op's time divided by the first op's in the same round (paired, so
 * a burst of load on the shared machine hits both sides of a ratio alike).
 */
function alternate(ops: readonly (() => unknown)[], rounds: number, batchMs: number) {
  for (const op of ops) measureNsPerOp(op, { runs: 1, minBatchMs: batchMs, warmupMs: 200 });
  const samples: number[][] = ops.map(() => []);
  // ABBA: the order is reversed every other round (the op measured second in a round tends to run faster).
  for (let r = 0; r < rounds; r++) {
    const order = [...ops.keys()];
    if (r % 2 === 1) order.reverse();
    for (const i of order)
      samples[i]!.push(measureNsPerOp(ops[i]!, { runs: 1, minBatchMs: batchMs, warmupMs: 0 }).median);
  }
  return {
    ns: samples.map(median),
    ratioToFirst: samples.map((xs) => median(xs.map((x, r) => x / samples[0]![r]!))),
  };
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
const t16 = alternate([() => stale.compile(req), () => fresh.compile(req)], quick ? 12 : 40, 20);
console.log(
  `compile-16-predicates: old ${(t16.ns[0]! / 1e3).toFixed(1)} µs, new ${(t16.ns[1]! / 1e3).toFixed(1)} µs; paired old/new ${(1 / t16.ratioToFirst[1]!).toFixed(2)}`,
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
const oldOverNew: number[] = [];
const newOverLib: number[] = [];
for (const r of quick ? rows.slice(0, 12) : rows) {
  const p = { filter: r.filter, linktype: 'ethernet', target: 'cbpf' } as const;
  const ops: (() => unknown)[] = [() => fresh.compilePcapFilter(p), () => stale.compilePcapFilter(p)];
  if (pcap) ops.push(() => pcap.compile(r.filter, { optimize: true }));
  const t = alternate(ops, quick ? 6 : 10, 10);
  news.push(t.ns[0]!);
  olds.push(t.ns[1]!);
  oldOverNew.push(t.ratioToFirst[1]!);
  if (pcap) {
    libs.push(t.ns[2]!);
    newOverLib.push(1 / t.ratioToFirst[2]!);
  }
}
console.log(
  `pcap corpus (${olds.length} filters, cBPF): median old ${(median(olds) / 1e3).toFixed(1)} µs, new ${(median(news) / 1e3).toFixed(1)} µs; paired old/new per filter: median ${median(oldOverNew).toFixed(2)}, geomean ${geomean(oldOverNew).toFixed(2)}`,
);
if (pcap)
  console.log(
    `libpcap pcap_compile: median ${(median(libs) / 1e3).toFixed(1)} µs; paired new/libpcap per filter: median ${median(newOverLib).toFixed(1)}, min ${Math.min(...newOverLib).toFixed(1)}, max ${Math.max(...newOverLib).toFixed(1)}`,
  );
pcap?.dispose();
