// The worked examples of docs/*.md are executable: every ```sh block line `$ tfc ARGS` is run in-process, and the
// lines after it (up to the next `$` line or the block's end) must equal its stdout plus a final `[exit N]` line.
// Arguments are split as a POSIX shell would for single- and double-quoted words (no expansions). With TFC_BLESS=1
// the pages are rewritten with the current outputs (review the diff: that is the point of the golden text).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

export function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unterminated quote in: ${line}`);
      cur += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === ' ' || c === '\t') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

interface Example {
  readonly file: string;
  readonly line: number;
  readonly args: string[];
  readonly expected: string;
  /** Index of the first output line and the number of output lines in the page. */
  readonly bodyStart: number;
  readonly bodyLength: number;
}

function examples(file: string): Example[] {
  const lines = readFileSync(join(root, 'docs', file), 'utf8').split('\n');
  const out: Example[] = [];
  let inSh = false;
  let cur: { line: number; args: string[]; body: string[] } | undefined;
  const flush = () => {
    if (cur)
      out.push({
        file,
        line: cur.line,
        args: cur.args,
        expected: cur.body.map((l) => `${l}\n`).join(''),
        bodyStart: cur.line,
        bodyLength: cur.body.length,
      });
    cur = undefined;
  };
  lines.forEach((l, i) => {
    if (!inSh) {
      if (l.startsWith('```sh')) inSh = true;
      return;
    }
    if (l.startsWith('```')) {
      flush();
      inSh = false;
    } else if (l.startsWith('$ tfc ')) {
      flush();
      cur = { line: i + 1, args: shellWords(l.slice('$ tfc '.length)), body: [] };
    } else if (cur) cur.body.push(l);
  });
  return out;
}

test('shellWords splits like a shell for quoted words', () => {
  assert.deepEqual(shellWords(`check 'a == 1 && b' --x "y z" a'b'c`), [
    'check',
    'a == 1 && b',
    '--x',
    'y z',
    'abc',
  ]);
});

const files = readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md'));
for (const file of files) {
  const exs = examples(file);
  if (exs.length === 0) continue;
  test(`docs/${file}: ${exs.length} worked examples print what the page says`, async () => {
    const cwd = process.cwd();
    process.chdir(root);
    try {
      const bless = process.env.TFC_BLESS === '1';
      const lines = readFileSync(join(root, 'docs', file), 'utf8').split('\n');
      // Rewrite from the last example backwards so earlier line indexes stay valid.
      for (const ex of [...exs].reverse()) {
        const io = memoryIo();
        const code = await main(ex.args, io);
        const actual = `${io.stdout()}[exit ${code}]\n`;
        if (bless) lines.splice(ex.bodyStart, ex.bodyLength, ...actual.slice(0, -1).split('\n'));
        else assert.equal(actual, ex.expected, `docs/${ex.file}:${ex.line}: tfc ${ex.args.join(' ')}`);
      }
      if (bless) writeFileSync(join(root, 'docs', file), lines.join('\n'));
    } finally {
      process.chdir(cwd);
    }
  });
}
