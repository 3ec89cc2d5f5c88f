// The runnable examples in examples/ run as a user would run them, from the repository root, and print what their
// comments promise.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const run = (cmd: string, args: string[]) =>
  spawnSync(cmd, args, { cwd: root, encoding: 'utf8', timeout: 120_000 });

test('examples/library.ts: parse and evaluate through the library facade', () => {
  const r = run(process.execPath, ['--import', 'tsx', 'examples/library.ts']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '{"family":2,"protocol":6} accepted\n{"family":10,"protocol":6} rejected\n');
});

test('examples/compile-and-run.ts: compile, load as sched_cls, test-run in the kernel', () => {
  const r = run(process.execPath, ['--import', 'tsx', 'examples/compile-and-run.ts']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^\d+ instructions:\n0: \(bf\) r6 = r1\n/);
  if (process.getuid?.() === 0) {
    assert.match(r.stdout, /\{"family":2,"protocol":6\} kept \(TC_ACT_OK\)\n/);
    assert.match(r.stdout, /\{"family":10,"protocol":6\} dropped \(TC_ACT_SHOT\)\n$/);
  } else assert.match(r.stdout, /not loading into the kernel/);
});

test('examples/check-and-eval.sh: the CLI walkthrough', () => {
  const r = run('bash', ['examples/check-and-eval.sh']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(
    r.stdout,
    [
      'family == 2 && protocol == 6',
      'family = 2',
      '        ^',
      'parse_error: Invalid operator',
      '',
      '(exit 1)',
      '1',
      '0',
      '1',
      '1',
      '',
    ].join('\n'),
  );
});
