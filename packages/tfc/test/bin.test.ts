// The process entry (bin.ts) runs from any folder with paths relative to it: as the installed binary (node on
// bin.ts, the caller's cwd) and as the repository's `pnpm tfc` script, which pnpm runs at the repository root —
// bin.ts then changes to pnpm's INIT_CWD. -o, -F, --filter-file and --format given relative resolve against the
// folder the user called from; a folder that is not the repository's gets no such treatment.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(root, 'packages/tfc/src/cli/bin.ts');
const FORMAT = join(root, 'packages/tfc/test/fixtures/uprobe-pv.format');
const hasPnpm = spawnSync('pnpm', ['--version']).status === 0;

function caller(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'tfc-cwd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'f.pcap'), 'tcp # web\n and dst port 80\n');
  writeFileSync(join(dir, 'f.trace'), 'a8 == 1');
  writeFileSync(join(dir, 'pv.format'), readFileSync(FORMAT));
  return dir;
}

const ARGS = [
  ['compile', '--lang', 'pcap', '-F', 'f.pcap', '-o', 'sub/pcap.txt'],
  ['compile', '--filter-file', 'f.trace', '--format', 'pv.format', '--emit', 'elf', '-o', 'sub/trace.o'],
];

function check(dir: string, r: ReturnType<typeof spawnSync>) {
  assert.equal(r.status, 0, String(r.stderr));
  assert.match(readFileSync(join(dir, 'sub/pcap.txt'), 'utf8'), /^\(000\) ldh/);
  assert.ok(existsSync(join(dir, 'sub/trace.o')));
  assert.ok(!existsSync(join(root, 'sub')), 'nothing written at the repository root');
}

test('the binary (node bin.ts) resolves relative paths against its working folder', (t) => {
  const dir = caller(t);
  for (const a of ARGS) {
    // tsx by its resolved path (the caller's folder has no node_modules); INIT_CWD alone changes nothing.
    const r = spawnSync('node', ['--import', import.meta.resolve('tsx'), BIN, ...a], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, INIT_CWD: '/nonexistent', npm_lifecycle_event: 'test' },
    });
    assert.equal(r.status, 0, r.stderr);
  }
  check(dir, { status: 0 } as ReturnType<typeof spawnSync>);
});

test("pnpm --silent tfc from another folder: paths are the caller's (INIT_CWD)", {
  skip: hasPnpm ? false : 'pnpm is not installed',
}, (t) => {
  const dir = caller(t);
  for (const a of ARGS) {
    const r = spawnSync('pnpm', ['--silent', '-C', root, 'tfc', ...a], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
  check(dir, { status: 0 } as ReturnType<typeof spawnSync>);
  const missing = spawnSync(
    'pnpm',
    ['--silent', '-C', root, 'tfc', 'compile', '--lang', 'pcap', '-F', 'nope.pcap'],
    {
      cwd: dir,
      encoding: 'utf8',
    },
  );
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^tfc: cannot read nope\.pcap: no such file or directory\n$/);
});
