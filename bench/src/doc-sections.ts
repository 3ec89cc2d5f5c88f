/*
 * Reads an earlier docs/benchmarks.md back, so that regenerating it (`tfc bench --doc`) keeps what a run did not
 * produce: the sections of suites that were not run this time, and the hand-written notes of the ones that were.
 * A suite's section starts at its `## NAME: title` heading and runs to the next `## ` heading; its notes are the
 * blocks between a line `<!-- notes -->` and a line `<!-- /notes -->` (markers included), in order.
 * Invariants: pure text in, text out; a section is returned byte for byte as it stood (without its trailing blank
 * lines); an unterminated notes block runs to the end of its section; headings inside ``` fences are not headings.
 */

export const NOTES_OPEN = '<!-- notes -->';
export const NOTES_CLOSE = '<!-- /notes -->';

export interface DocSection {
  /** The suite name of the heading (`## kernel: …` → `kernel`; `## Machine` → `Machine`). */
  readonly name: string;
  /** The whole section, heading included, trailing blank lines removed. */
  readonly text: string;
}

/** The `## ` sections of a Markdown document, in order (the text before the first one is left out). */
export function docSections(doc: string): DocSection[] {
  const out: DocSection[] = [];
  let cur: { name: string; lines: string[] } | undefined;
  let fenced = false;
  const flush = () => {
    if (cur === undefined) return;
    while (cur.lines.length > 0 && (cur.lines[cur.lines.length - 1] as string).trim() === '') cur.lines.pop();
    out.push({ name: cur.name, text: cur.lines.join('\n') });
  };
  for (const line of doc.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    if (!fenced && line.startsWith('## ')) {
      flush();
      const m = /^## ([^:\s]+)/.exec(line);
      cur = { name: m?.[1] ?? '', lines: [] };
    }
    cur?.lines.push(line);
  }
  flush();
  return out;
}

/** The notes blocks of a section (each from its opening marker to its closing one), in order. */
export function notesOf(section: string): string[] {
  const out: string[] = [];
  let cur: string[] | undefined;
  for (const line of section.split('\n')) {
    if (cur === undefined) {
      if (line.trim() === NOTES_OPEN) cur = [line];
    } else {
      cur.push(line);
      if (line.trim() === NOTES_CLOSE) {
        out.push(cur.join('\n'));
        cur = undefined;
      }
    }
  }
  if (cur !== undefined) out.push([...cur, NOTES_CLOSE].join('\n'));
  return out;
}
