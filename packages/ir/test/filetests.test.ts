// Filetests (after cranelift's): test/filetests/<pass>.txt holds small cases for one pass of PASSES each, in the IR
// text form — `case NAME`, the input filter, `=>`, the filter after that one pass (run alone, not after the passes
// before it). Lines starting with ';' are comments (a case's own explain what the pass should do). The runner
// parses, verifies, runs the pass, verifies, prints and compares; TFC_BLESS=1 rewrites the expectations from the
// actual outputs (review the diff before committing). Invariants: every pass of PASSES has a file and every file
// names a pass; every file has at least one case the pass leaves unchanged; case names are unique in a file.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { PASSES, parseFilter, printFilter, verify } from '../src/index.ts';

const dir = new URL('./filetests/', import.meta.url);
const bless = process.env.TFC_BLESS === '1';

type Case = {
  readonly name: string;
  readonly comments: string[];
  readonly input: string;
  readonly expected: string;
};
type FileTest = { readonly preamble: string[]; readonly cases: Case[] };

function strip(lines: string[]): string {
  const body = lines.filter((l) => !l.startsWith(';')).join('\n');
  return body.trim() === '' ? '' : `${body.trim()}\n`;
}

function parseFileTest(text: string, file: string): FileTest {
  const preamble: string[] = [];
  const cases: Case[] = [];
  let cur: { name: string; comments: string[]; input: string[]; expected: string[] | null } | null = null;
  const close = () => {
    if (cur === null) return;
    assert.ok(cur.expected !== null, `${file}: case ${cur.name} has no '=>'`);
    cases.push({
      name: cur.name,
      comments: cur.comments,
      input: strip(cur.input),
      expected: strip(cur.expected),
    });
  };
  for (const line of text.split('\n')) {
    const m = /^case (\S+)\s*$/.exec(line);
    if (m) {
      close();
      cur = { name: m[1]!, comments: [], input: [], expected: null };
    } else if (cur === null) preamble.push(line);
    else if (line.trim() === '=>') cur.expected = [];
    else if (cur.expected !== null) cur.expected.push(line);
    else if (line.startsWith(';') && cur.input.every((l) => l.startsWith(';') || l.trim() === ''))
      cur.comments.push(line);
    else cur.input.push(line);
  }
  close();
  return { preamble, cases };
}

function render(f: FileTest, outputs: readonly string[]): string {
  const pre = f.preamble.join('\n').trimEnd();
  const cases = f.cases.map((c, i) =>
    [`case ${c.name}`, ...c.comments, c.input.trimEnd(), '=>', (outputs[i] ?? '').trimEnd()].join('\n'),
  );
  return `${[pre, ...cases].join('\n\n')}\n`;
}

const files = readdirSync(dir)
  .filter((n) => n.endsWith('.txt'))
  .sort();

test('every pass of PASSES has a filetest file, and every file names a pass', () => {
  assert.deepEqual(files.map((n) => n.slice(0, -4)).sort(), PASSES.map((p) => p.name).sort());
});

for (const name of files) {
  const passName = name.slice(0, -4);
  const pass = PASSES.find((p) => p.name === passName);
  test(`filetests/${name}`, () => {
    assert.ok(pass, `no pass named ${passName}`);
    const url = new URL(name, dir);
    const ft = parseFileTest(readFileSync(url, 'utf8'), name);
    assert.ok(ft.cases.length > 0, `${name} has no cases`);
    assert.equal(new Set(ft.cases.map((c) => c.name)).size, ft.cases.length, `${name}: case names repeat`);
    const outputs: string[] = [];
    for (const c of ft.cases) {
      const parsed = parseFilter(c.input);
      assert.ok(
        parsed.ok,
        `${name} ${c.name}: ${parsed.ok ? '' : parsed.diagnostics.map((d) => d.message).join('; ')}`,
      );
      const input = parsed.filter;
      assert.deepEqual(verify(input), [], `${name} ${c.name}: the input does not verify`);
      const out = pass.run(input);
      assert.deepEqual(verify(out), [], `${name} ${c.name}: the output does not verify`);
      outputs.push(printFilter(out));
    }
    if (bless) {
      writeFileSync(url, render(ft, outputs));
      return;
    }
    ft.cases.forEach((c, i) => {
      assert.equal(outputs[i], c.expected, `${name} case ${c.name}`);
    });
    assert.ok(
      ft.cases.some((c) => printFilter(parseOk(c.input)) === c.expected),
      `${name} has no case that the pass leaves unchanged`,
    );
  });
}

function parseOk(text: string) {
  const r = parseFilter(text);
  assert.ok(r.ok);
  return r.filter;
}
