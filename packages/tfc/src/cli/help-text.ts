/*
 * Help text layout shared by `tfc --help`, the man page and completion: a command's summary as one sentence, and
 * words wrapped to a width with a hanging indent. Invariants: wrapping only breaks at spaces, never inside a word
 * (a word longer than the line stays whole on its own line); no line ends in a space; pure.
 */

/** A spec's summary as one line of prose (its source may break lines anywhere). */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** `text` wrapped at `width` columns; the first line starts after `first` columns, the others after `indent`. */
export function wrapWords(text: string, width: number, indent: number, first = indent): string[] {
  const lines: string[] = [];
  let line = '';
  let col = first;
  for (const word of oneLine(text).split(' ')) {
    if (line !== '' && col + 1 + word.length > width) {
      lines.push(line);
      line = word;
      col = indent + word.length;
    } else {
      col += (line === '' ? 0 : 1) + word.length;
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** Rows `  NAME  TEXT` with TEXT wrapped under itself at `width` columns. */
export function table(rows: readonly (readonly [string, string])[], width: number): string {
  const w = Math.max(...rows.map(([n]) => n.length));
  const at = 2 + w + 2;
  return rows
    .map(([name, text]) => {
      const [head = '', ...tail] = wrapWords(text, width, at);
      return [`  ${name.padEnd(w)}  ${head}`, ...tail.map((l) => `${' '.repeat(at)}${l}`)].join('\n');
    })
    .join('\n');
}

/** The first line of an option's description in a spec's help text (`  -e, --event SYS/NAME   the trace event`). */
export function optionSummary(help: string, name: string): string {
  const re = new RegExp(
    `^\\s*(?:-\\w, )?--${name.replace(/[-]/g, '\\-')}\\b(?:[ =][A-Z][^ ]*(?: [A-Z][^ ]*)*)?\\s{2,}(\\S.*)$`,
    'm',
  );
  const m = re.exec(help);
  return m ? (m[1] as string).trim() : '';
}
