// The task:task_rename oracle against the live kernel. Invariants: root + tracefs required (skip
// with reason otherwise); released in t.after; stale-byte-independent corpus verdicts must equal the
// recorded ones, and stale-byte-dependent ones (END_ONLY `*x` on char[16]) must follow the bytes the
// kernel actually recorded, which the oracle returns.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readRawFormat, stripLogTimestamps, TaskRenameOracle } from '@tfc/kernel/tracefs';

const NAMES = ['abc', 'xabc', 'abcdefghijklmno', 'abcdefghijklxyz', 'ab', 'abcd'];

// results_misc.json "task_rename" (Linux 6.18.44), verdicts that do not depend on stale bytes.
const RECORDED: readonly [string, readonly boolean[]][] = [
  ['newcomm == "abc"', [true, false, false, false, false, false]],
  ['newcomm ~ "abc"', [true, false, false, false, false, false]],
  ['newcomm ~ "*b[c]"', [true, true, false, false, false, false]],
  ['newcomm ~ "ab*"', [true, false, true, true, true, true]],
  ['newcomm ~ "*b*"', [true, true, true, true, true, true]],
  ['newcomm ~ "a?c"', [true, false, false, false, false, false]],
  ['newcomm == "abcdefghijklmnoXYZ"', [false, false, false, false, false, false]],
  ['newcomm ~ "abcdefghijklmnopq*"', [false, false, false, false, false, false]],
];

test('task_rename oracle', async (t) => {
  const o = await TaskRenameOracle.start();
  if ('ok' in o) {
    t.skip(o.reason);
    return;
  }
  t.after(() => o.dispose());
  const f = readRawFormat(o.format);
  assert.ok(f);
  const newcomm = f.fields.find((x) => x.name === 'newcomm');
  assert.ok(newcomm);
  assert.equal(newcomm.size, 16);

  await t.test('recorded stale-independent verdicts, on both CPUs', async () => {
    for (const [filter, want] of RECORDED) {
      const renames = NAMES.map((name, i) => ({ name, cpu: i % o.nrCpus }));
      const r = await o.judge(filter, renames);
      assert.equal(r.errno, null, filter);
      assert.equal(r.triggerErrno, null, filter);
      assert.equal(r.filterFile, `${filter}\n`);
      assert.deepEqual(r.accepted, want, filter);
      for (const [i, d] of r.records.entries()) {
        const bytes: Buffer = Buffer.from(d.subarray(newcomm.offset, newcomm.offset + 16));
        const name = NAMES[i] ?? '';
        assert.equal(bytes.subarray(0, name.length + 1).toString('latin1'), `${name}\0`);
      }
    }
  });

  await t.test('END_ONLY on char[16] follows the recorded bytes before the last byte', async () => {
    const renames = NAMES.map((name) => ({ name }));
    const r = await o.judge('newcomm ~ "*xyz"', renames);
    assert.equal(r.errno, null);
    for (const [i, d] of r.records.entries()) {
      const window = Buffer.from(d.subarray(newcomm.offset + 12, newcomm.offset + 15)).toString('latin1');
      assert.equal(r.accepted[i], window === 'xyz', `record ${i}: window ${JSON.stringify(window)}`);
    }
    assert.equal(r.accepted[3], true);
  });

  await t.test('errors are reported from the real filter file', async () => {
    const r = await o.judge('newcomm == abc', [{ name: 'abc' }]);
    assert.equal(r.errno, 'EINVAL');
    assert.equal(
      r.filterFile,
      'newcomm == abc\n            ^\nparse_error: Invalid value (did you forget quotes)?\n\n',
    );
    assert.equal(
      stripLogTimestamps(r.errorLog),
      'event filter parse error: error: Invalid value (did you forget quotes)?\n  Command: newcomm == abc\n                       ^\n',
    );
    assert.deepEqual(r.accepted, []);
  });
});
