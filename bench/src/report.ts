/*
 * Renders benchmark rows: a plain-text table, JSON lines, one SVG bar chart per suite, and docs/benchmarks.md
 * (merged into the document as it stood: see markdownReport).
 * Invariants: output is deterministic for given rows and previous document (no timestamps inside); numbers are
 * shown with 3 significant digits (format.ts); the SVG is self-contained (no scripts, no external fonts) and
 * escapes every text it embeds.
 */
import { ABOUT } from './about.ts';
import { docSections, NOTES_CLOSE, NOTES_OPEN, notesOf } from './doc-sections.ts';
import { fmt } from './format.ts';
import type { Row } from './row.ts';
import { SUMMARY } from './summary.ts';

export { fmt };

export function table(rows: readonly Row[]): string {
  const head = ['suite', 'case', 'engine', 'metric', 'median', 'min', 'max', 'unit', 'runs'];
  const body = rows.map((r) => [
    r.suite,
    r.case,
    r.engine,
    r.metric,
    fmt(r.median),
    fmt(r.min),
    fmt(r.max),
    r.unit,
    String(r.runs),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const line = (c: readonly string[]) =>
    c
      .map((x, i) => (i >= 4 && i <= 6 ? x.padStart(w[i] as number) : x.padEnd(w[i] as number)))
      .join('  ')
      .trimEnd();
  return `${[line(head), line(w.map((n) => '-'.repeat(n))), ...body.map(line)].join('\n')}\n`;
}

export function markdownTable(rows: readonly Row[]): string {
  const out = [
    '| case | engine | metric | median | min | max | unit | runs |',
    '|---|---|---|---:|---:|---:|---|---:|',
  ];
  for (const r of rows)
    out.push(
      `| ${r.case} | ${r.engine} | ${r.metric} | ${fmt(r.median)} | ${fmt(r.min)} | ${fmt(r.max)} | ${r.unit} | ${r.runs} |`,
    );
  return `${out.join('\n')}\n`;
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Horizontal bars (median) with min–max whiskers, one bar per row, grouped by metric. */
export function svgChart(title: string, rows: readonly Row[]): string {
  const barH = 18;
  const gap = 6;
  const labelW = 300;
  const plotW = 420;
  const top = 40;
  const metrics = [...new Set(rows.map((r) => r.metric))];
  let y = top;
  const parts: string[] = [];
  for (const m of metrics) {
    const rs = rows.filter((r) => r.metric === m);
    const max = Math.max(...rs.map((r) => r.max), 1e-12);
    parts.push(`<text x="10" y="${y + 12}" font-weight="bold">${esc(m)} (${esc(rs[0]?.unit ?? '')})</text>`);
    y += barH + gap;
    for (const r of rs) {
      const x = (v: number) => labelW + (v / max) * plotW;
      parts.push(
        `<text x="10" y="${y + 13}">${esc(`${r.case} · ${r.engine}`)}</text>`,
        `<rect x="${labelW}" y="${y}" width="${(x(r.median) - labelW).toFixed(1)}" height="${barH}" fill="#4a7ab5"/>`,
        `<line x1="${x(r.min).toFixed(1)}" x2="${x(r.max).toFixed(1)}" y1="${y + barH / 2}" y2="${y + barH / 2}" stroke="#222"/>`,
        `<text x="${(x(r.max) + 6).toFixed(1)}" y="${y + 13}">${esc(fmt(r.median))}</text>`,
      );
      y += barH + gap;
    }
    y += gap * 2;
  }
  const h = y + 10;
  const w = labelW + plotW + 90;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="22" font-size="15" font-weight="bold">${esc(title)}</text>
${parts.join('\n')}
</svg>
`;
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
}

/** A suite's generated section: heading, method, kept notes, summary, table, chart. */
function suiteSection(
  suite: string,
  rows: readonly Row[],
  run: { readonly machine: Machine; readonly command: string; readonly title: string },
  notes: readonly string[],
  imageDir: string | undefined,
): string[] {
  const m = run.machine;
  const out = [`## ${suite}: ${run.title}`.trimEnd(), ''];
  const about = ABOUT[suite];
  if (about !== undefined) out.push(about, '');
  out.push(`Rows of \`${run.command}\` (Linux ${m.kernel}, ${m.cpu}, ${m.cores} cores).`, '');
  for (const n of notes) out.push(n, '');
  const summary = SUMMARY[suite]?.(rows);
  if (summary !== undefined) out.push(summary, '');
  out.push(markdownTable(rows));
  if (imageDir !== undefined) out.push(`![${suite}](${imageDir}/${suite}.svg)`, '');
  return out;
}

/**
 * The whole benchmark document: machine, per suite its ABOUT text, notes, summary and table. Deterministic for
 * given inputs. With `previous` (the document as it stood), the sections of suites this run did not measure are
 * kept as they were, and the notes blocks (docSections.ts) of the ones it did are carried into their new sections.
 */
export function markdownReport(
  rows: readonly Row[],
  machine: Machine,
  command: string,
  titles: Readonly<Record<string, string>>,
  /** Where the suites' SVG charts are, relative to the document; omitted: no images. */
  imageDir?: string,
  previous?: string,
): string {
  const out = [
    '# Benchmarks',
    '',
    'Generated by `tfc bench --doc docs/benchmarks.md --out docs/bench` (add `--suite NAME` to refresh one',
    "section): each section's rows come from the run it names, and the sections of suites not run are kept as they",
    `were. Text between \`${NOTES_OPEN}\` and \`${NOTES_CLOSE}\` lines is hand-written and kept when its section is`,
    'regenerated; anything else is rewritten. Every figure is the median of several runs (min and max beside it).',
    '',
    '## Machine',
    '',
    `- CPU: ${machine.cpu} (${machine.cores} cores)`,
    `- memory: ${machine.memoryGiB} GiB`,
    `- kernel: Linux ${machine.kernel}`,
    `- Node.js: ${machine.node}`,
    '',
  ];
  const old = docSections(previous ?? '').filter((s) => s.name !== 'Machine');
  const measured = new Set(rows.map((r) => r.suite));
  const order = [...Object.keys(titles), ...measured, ...old.map((s) => s.name)];
  for (const suite of [...new Set(order)]) {
    const before = old.find((s) => s.name === suite);
    if (measured.has(suite)) {
      const run = { machine, command, title: titles[suite] ?? '' };
      const notes = before === undefined ? [] : notesOf(before.text);
      out.push(
        ...suiteSection(
          suite,
          rows.filter((r) => r.suite === suite),
          run,
          notes,
          imageDir,
        ),
      );
    } else if (before !== undefined) out.push(before.text, '');
  }
  return `${out.join('\n')}\n`;
}
