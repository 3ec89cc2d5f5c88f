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

/**
 * A line that must stay whole: a command to copy (`$ tfc ...`, a usage line and its continuations), or a table
 * row (text aligned in columns: three or more spaces between words) that is not an option row.
 */
const COMMAND = /^\s*\$ |^usage: |^ {7}tfc /;
const KEEP = { test: (l: string) => COMMAND.test(l) || (!OPTION_ROW.test(l) && /\S {3,}\S/.test(l)) };
/** An option row: its description starts after the name column (two or more spaces). */
const OPTION_ROW = /^( {2,}(?:-\w, )?-{0,2}[\w-]+(?:[ =,][^\s]+)*\s{2,})\S/;

/**
 * Help text fitted to `width` columns. Lines are grouped into blocks: an option row with the lines indented under
 * its description, or lines of prose with the same indentation up to an empty line. A block whose lines all fit
 * is kept as written; otherwise its words are wrapped again at spaces, continuation lines under the description
 * column (option rows) or at the block's indentation. Commands to copy (`$ tfc ...`, usage lines), their
 * output (up to an empty line) and table rows are never broken. The words and their order are unchanged, so nothing is cut mid-sentence, only moved to the next line.
 */
export function fitLines(text: string, width: number): string {
  const lines = text.split('\n');
  const out: string[] = [];
  let i = 0;
  let example = false;
  while (i < lines.length) {
    const line = lines[i] as string;
    // A worked example's output (the lines after `$ tfc ...` up to an empty line) is shown as the program prints it.
    if (/^\s*\$ /.test(line)) example = true;
    else if (line.trim() === '') example = false;
    if (line.trim() === '' || example || KEEP.test(line)) {
      out.push(line);
      i++;
      continue;
    }
    const lead = (/^ */.exec(line) as RegExpExecArray)[0].length;
    const row = OPTION_ROW.exec(line);
    const headLen = row ? (row[1] as string).length : lead;
    const hangOf = (l: string) => (/^ */.exec(l) as RegExpExecArray)[0].length;
    let j = i + 1;
    while (
      j < lines.length &&
      (lines[j] as string).trim() !== '' &&
      !KEEP.test(lines[j] as string) &&
      hangOf(lines[j] as string) === headLen &&
      !(row === null && OPTION_ROW.test(lines[j] as string))
    )
      j++;
    const block = lines.slice(i, j);
    if (block.every((l) => l.length <= width)) out.push(...block);
    else {
      const hang = headLen > width - 24 ? lead + 4 : headLen;
      const words = block.map((l, k) => (k === 0 ? l.slice(headLen) : l.trim())).join(' ');
      const [first = '', ...rest] = wrapWords(words, width, hang, headLen);
      out.push(`${line.slice(0, headLen)}${first}`, ...rest.map((l) => `${' '.repeat(hang)}${l}`));
    }
    i = j;
  }
  return out.join('\n');
}
