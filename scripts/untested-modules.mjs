#!/usr/bin/env node
// Lists the modules of packages/*/src and bench/src that no test file names (docs/testing.md, "Finding the tests of
// a module"): a module M.ts is named by a test file T.test.ts of its package when T is M, ends in -M or starts with
// M-, when a file under the package's test/ imports it by path (`…/src/…/M.ts`), or when test/filetests/M.txt
// exists (the IR passes' filetests). index.ts files (re-exports) are skipped. Invariants: reads files only; output sorted, one path per line; exit code 0 (a report, not a gate).
// Usage: node scripts/untested-modules.mjs [package-dir-substring ...]
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);

function walk(dir, pred, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, pred, out);
    else if (pred(name)) out.push(p);
  }
  return out;
}

const pkgs = [
  ...readdirSync(join(root, 'packages')).map((d) => join(root, 'packages', d)),
  join(root, 'bench'),
].filter((d) => existsSync(join(d, 'src')));
const filters = process.argv.slice(2);
const untested = [];
for (const pkg of pkgs) {
  if (filters.length > 0 && !filters.some((f) => relative(root, pkg).includes(f))) continue;
  const modules = walk(
    join(pkg, 'src'),
    (n) => n.endsWith('.ts') && !n.endsWith('.d.ts') && n !== 'index.ts',
  );
  const testFiles = walk(join(pkg, 'test'), (n) => n.endsWith('.ts'));
  const testNames = testFiles.filter((f) => f.endsWith('.test.ts')).map((f) => basename(f, '.test.ts'));
  const imported = new Set();
  for (const t of testFiles) {
    for (const m of readFileSync(t, 'utf8').matchAll(/from '(\.[^']*\.ts)'/g))
      imported.add(resolve(dirname(t), m[1]));
  }
  for (const m of modules) {
    const name = basename(m, '.ts');
    const named =
      testNames.some((t) => t === name || t.endsWith(`-${name}`) || t.startsWith(`${name}-`)) ||
      existsSync(join(pkg, 'test', 'filetests', `${name}.txt`));
    if (!named && !imported.has(m)) untested.push(relative(root, m));
  }
}
for (const m of untested.sort()) console.log(m);
