/*
 * The kernel suite's summary for docs/benchmarks.md, computed from the rows of one run: per event the series side
 * by side (marginal ns per hit and the ratios to the interpreter), the floors, the pass-over cost, and issue 19's
 * goals (raw path ≤ 1/2 of the interpreter at 1 predicate, ≤ 1/8 at 64) stated as met or not, per event.
 * Invariants: pure and deterministic; only figures present in the rows are printed (a missing engine is a dash);
 * ratios are the rows' medians of per-run ratios, never quotients of medians.
 */
import { fmt } from '../format.ts';
import type { Row } from '../row.ts';
import { KFREE_SKB, LSEEK, SERIES_SIZES } from './kernel-cases.ts';

const GOALS = [
  { predicates: 1, limit: 1 / 2, text: '1/2' },
  { predicates: 64, limit: 1 / 8, text: '1/8' },
] as const;

type Find = (kase: string, engine: string) => Row | undefined;

const cell = (r: Row | undefined) => (r === undefined ? '–' : fmt(r.median));
const spread = (r: Row) => `${fmt(r.median)} (runs ${fmt(r.min)}–${fmt(r.max)})`;

function seriesTable(find: Find, events: readonly string[]): string[] {
  const out = [
    '| event | predicates | hits accepted | interpreter ns | tfc-ebpf ns | tfc-ebpf-raw ns | tfc/kernel | tfc-raw/kernel |',
    '|---|---:|---|---:|---:|---:|---:|---:|',
  ];
  for (const ev of events)
    for (const n of SERIES_SIZES)
      for (const [suffix, acc] of [
        ['', 'none'],
        ['-accept-half', 'half'],
      ] as const) {
        const k = `${ev}-or-${n}${suffix}`;
        if (find(k, 'baseline') === undefined) continue;
        const cells = ['kernel-interpreter', 'tfc-ebpf', 'tfc-ebpf-raw', 'tfc/kernel', 'tfc-raw/kernel'].map(
          (e) => cell(find(k, e)),
        );
        out.push(`| ${ev} | ${n} | ${acc} | ${cells.join(' | ')} |`);
      }
  return out;
}

const FLOORS = [
  'kernel-record-all',
  'ebpf-return-0',
  'raw-return-0',
  'raw-return-0-x2',
  'raw-tp-return-0',
  'other-syscall-event',
  'raw-other-syscall',
] as const;

function floorTable(find: Find, events: readonly string[]): string[] {
  const out = [
    `| event | baseline ns/hit | ${FLOORS.join(' | ')} |`,
    `|---|---:|${FLOORS.map(() => '---:').join('|')}|`,
  ];
  for (const ev of events) {
    const k = `${ev}-floor`;
    const base = find(k, 'baseline');
    if (base !== undefined)
      out.push(`| ${ev} | ${fmt(base.median)} | ${FLOORS.map((e) => cell(find(k, e))).join(' | ')} |`);
  }
  return out;
}

function goalLines(find: Find, events: readonly string[]): string[] {
  const out: string[] = [];
  for (const g of GOALS) {
    const parts = events.flatMap((ev) => {
      const r = find(`${ev}-or-${g.predicates}`, 'tfc-raw/kernel');
      const h = find(`${ev}-or-${g.predicates}-accept-half`, 'tfc-raw/kernel');
      if (r === undefined) return [];
      const half =
        h === undefined
          ? ''
          : `; accepting half ${fmt(h.median)} (${h.median <= g.limit ? 'met' : 'not met'})`;
      return [`${ev} ${spread(r)}: **${r.median <= g.limit ? 'met' : 'not met'}**${half}`];
    });
    if (parts.length > 0)
      out.push(
        `- Goal at ${g.predicates} predicate${g.predicates === 1 ? '' : 's'}, raw ≤ ${g.text} of the interpreter: ${parts.join('; ')}.`,
      );
  }
  const raw = find('getppid-pass-over', 'tfc-ebpf-raw');
  const perf = find('getppid-pass-over', 'tfc-ebpf');
  const kern = find('getppid-pass-over', 'kernel-interpreter');
  if (raw !== undefined)
    out.push(
      `- Hits passed over (an lseek filter attached, a getppid loop): tfc-ebpf-raw ${fmt(raw.median)} ns, ` +
        `tfc-ebpf ${cell(perf)} ns, kernel-interpreter ${cell(kern)} ns per getppid.`,
    );
  return out;
}

/** The summary of a run's kernel rows (undefined when the run has none of the series). */
export function kernelSummary(rows: readonly Row[]): string | undefined {
  const find: Find = (kase, engine) => rows.find((r) => r.case === kase && r.engine === engine);
  const events = [LSEEK.name, KFREE_SKB.name].filter((ev) => rows.some((r) => r.case.startsWith(`${ev}-`)));
  if (events.length === 0) return undefined;
  return [
    'Summary of this run (marginal ns per hit over the same loop with nothing attached; ratios are medians of',
    'per-run ratios to the interpreter):',
    '',
    ...seriesTable(find, events),
    '',
    'Floors (marginal ns per hit; `raw-return-0` is the 2-instruction tp_btf program, `raw-return-0-x2` two of',
    'them on the same tracepoint, `raw-tp-return-0` the same program as a classic `BPF_PROG_TYPE_RAW_TRACEPOINT`',
    'attached by name):',
    '',
    ...floorTable(find, events),
    '',
    ...goalLines(find, events),
  ].join('\n');
}
