/*
 * Renders benchmark rows: a plain-text table, JSON lines, and one SVG bar chart per suite.
 * Invariants: output is deterministic for given rows (no timestamps inside); numbers are shown with 3 significant
 * digits; the SVG is self-contained (no scripts, no external fonts) and escapes every text it embeds.
 */
import type { Row } from './row.ts';

export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e9) return `${(v / 1e9).toPrecision(3)}G`;
  if (a >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${(v / 1e3).toPrecision(3)}k`;
  return v.toPrecision(3);
}

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
  const out = ['| case | engine | metric | median | min | max | unit | runs |', '|---|---|---|---:|---:|---:|---|---:|'];
  for (const r of rows)
    out.push(
      `| ${r.case} | ${r.engine} | ${r.metric} | ${fmt(r.median)} | ${fmt(r.min)} | ${fmt(r.max)} | ${r.unit} | ${r.runs} |`,
    );
  return `${out.join('\n')}\n`;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

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
    parts.push(
      `<text x="10" y="${y + 12}" font-weight="bold">${esc(m)} (${esc(rs[0]?.unit ?? '')})</text>`,
    );
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
