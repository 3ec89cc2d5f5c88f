// Defect R5 (fixed): when `tc -b` dies on a line without printing "Command failed -:N" (iproute2 calls exit() from an
// action's parser, e.g. `--action 'action bogus'`), applyBatch() cannot tell which line failed, so it "undoes" every
// line, including the ones never applied; those deletes fail and tfc apply reports
//   tfc: apply: rolled back: filter del dev v1 ingress protocol 0x88b5 prio 1 (FAILED)
//   tfc: apply: some rules could not be removed; check tc filter show
// although the device is exactly as it was (nothing stays installed). The "tc failed" line also names no line.
// Expected: "nothing stays installed" (or: a failing undo of a line that was never applied is not a failure).
// Owners: packages/iproute2/src/tc.ts (applyBatch) and packages/tfc/src/cli/commands/apply-tc.ts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { tfcProcess } from './helpers.ts';

function sh(args: string[]): string {
  return execFileSync(args[0]!, args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

test('R5: a batch that tc aborts without a line number is reported as fully rolled back', (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root');
  const ns = `tfcrvw${process.pid}`;
  try {
    sh(['ip', 'netns', 'add', ns]);
  } catch (e) {
    return t.skip(`ip netns add: ${(e as Error).message}`);
  }
  try {
    sh(['ip', '-n', ns, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
    sh(['ip', '-n', ns, 'link', 'set', 'v1', 'up']);
    const before = sh(['tc', '-n', ns, 'qdisc', 'show', 'dev', 'v1']);
    const r = tfcProcess([
      'apply',
      'family == 2',
      '--event',
      'sock/inet_sock_set_state',
      '--source',
      'bundled',
      '--target',
      'u32',
      '--dev',
      'v1',
      '--netns',
      ns,
      '--action',
      'action bogus',
    ]);
    assert.equal(r.code, 1);
    // The device is as it was: that part works.
    assert.equal(sh(['tc', '-n', ns, 'qdisc', 'show', 'dev', 'v1']), before);
    assert.equal(sh(['tc', '-n', ns, 'filter', 'show', 'dev', 'v1', 'ingress']), '');
    // ... and the report says so: undos of lines tc never reached are not failures.
    assert.doesNotMatch(r.err, /\(FAILED\)|could not be removed/, r.err);
    assert.match(r.err, /nothing stays installed/);
  } finally {
    sh(['ip', 'netns', 'del', ns]);
  }
});
