#!/usr/bin/env node
// Runs every test file of the workspace with node's own test runner (node:test) through tsx.
// Invariants: the file list is sorted (deterministic order); the exit code is the runner's;
// node's closing summary lines (pass/fail counts) are the last lines printed; without --tier every test file runs.
// Usage: node scripts/run-tests.mjs [--tier unit|property|kernel] [--list] [substring-filter ...]
// (--list prints the selected files with their tiers instead of running them)
// Tiers are decided by scripts/test-tiers.mjs (docs/testing.md).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { TIERS, tierOf } from './test-tiers.mjs';

const root = new URL('..', import.meta.url).pathname;
const roots = ['packages', 'bench'];

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

const args = process.argv.slice(2);
const listOnly = args.includes('--list');
if (listOnly) args.splice(args.indexOf('--list'), 1);
let tier = null;
const t = args.findIndex((a) => a === '--tier' || a.startsWith('--tier='));
if (t >= 0) {
  const [value] = args[t].includes('=') ? [args[t].slice(7)] : args.splice(t + 1, 1);
  args.splice(t, 1);
  if (!TIERS.includes(value)) {
    console.error(`run-tests: --tier takes ${TIERS.join('|')}, got '${value ?? ''}'`);
    process.exit(2);
  }
  tier = value;
}
const filters = args;
const files = roots
  .flatMap((r) => walk(join(root, r), []))
  .filter((f) => f.includes('/test/'))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .filter((f) => tier === null || tierOf(f, readFileSync(join(root, f), 'utf8')) === tier)
  .sort();
if (listOnly) {
  for (const f of files) console.log(`${tierOf(f, readFileSync(join(root, f), 'utf8')).padEnd(8)} ${f}`);
  process.exit(files.length === 0 ? 2 : 0);
}
if (files.length === 0) {
  console.error('run-tests: no test files matched');
  process.exit(2);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...files], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
