/*
 * Runs benchmark suites and writes their results. Invariants: suites run one after another in one process (never
 * concurrently: figures taken side by side share the machine state); results are written only after a suite has
 * finished (no partial files); `--out` receives `<suite>.json` (rows) and `<suite>.svg` per suite.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirs } from './make-dirs.ts';
import { FULL, QUICK } from './measure.ts';
import { svgChart } from './report.ts';
import type { Row } from './row.ts';
import type { Suite } from './suite.ts';
import { bpfSuite } from './suites/bpf.ts';
import { captureSuite } from './suites/capture.ts';
import { cliSuite } from './suites/cli.ts';
import { compileSuite } from './suites/compile.ts';
import { kernelSuite } from './suites/kernel.ts';
import { p4Suite } from './suites/p4.ts';
import { pcapSuite } from './suites/pcap.ts';
import { tcSuite } from './suites/tc.ts';
import { traceSuite } from './suites/trace.ts';
import { vmSuite } from './suites/vm.ts';

export const suites: readonly Suite[] = [
  compileSuite,
  vmSuite,
  bpfSuite,
  kernelSuite,
  pcapSuite,
  p4Suite,
  tcSuite,
  traceSuite,
  captureSuite,
  cliSuite,
];

export interface BenchOptions {
  readonly suites: readonly string[];
  readonly quick: boolean;
  readonly out: string | undefined;
  readonly progress: (suite: string, done: number, total: number, label: string) => void;
  readonly note: (suite: string, message: string) => void;
}

export async function runBench(o: BenchOptions): Promise<Row[]> {
  const chosen = suites.filter((s) => o.suites.includes(s.name));
  const all: Row[] = [];
  for (const s of chosen) {
    const rows = await s.run({
      quick: o.quick,
      measure: o.quick ? QUICK : FULL,
      progress: (d, t, l) => o.progress(s.name, d, t, l),
      note: (m) => o.note(s.name, m),
    });
    all.push(...rows);
    if (o.out !== undefined) {
      makeDirs(o.out);
      writeFileSync(join(o.out, `${s.name}.json`), `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
      writeFileSync(join(o.out, `${s.name}.svg`), svgChart(`tfc bench: ${s.title}`, rows));
    }
  }
  return all;
}
