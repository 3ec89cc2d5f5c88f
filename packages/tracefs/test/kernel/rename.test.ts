// Differential suite on a real tracepoint, task:task_rename (char oldcomm[16]/newcomm[16] with
// stale bytes after the NUL): the kernel's verdicts (TaskRenameOracle: the filter as the condition
// of a stacktrace trigger on the unfiltered event, so the judged bytes are the recorded bytes)
// against tfc's interpreter on those exact bytes. Invariants: the kernel is right; the recorded
// corpus filters (results_misc*.json) and generated ones (fixed seeds + one random, printed) are
// judged; a disagreement fails with the shrunk counterexample and is appended to
// /tmp/tracefs-disagreements.txt; the oracle is released in t.after.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nrCpuIds } from '@tfc/kernel/sys';
import { TaskRenameOracle } from '@tfc/kernel/tracefs';
import { type RenameCase, renameCaseArb } from '@tfc/testkit/oracle';
import fc from 'fast-check';
import { compare, liveDialect, logDisagreement, newStats, show, started } from './judge.ts';

// The task_rename filters of corpus/tracefs-kernel-6.18/results_misc.json and results_misc2.json.
const CORPUS_FILTERS = [
  'newcomm == "abc"',
  'newcomm ~ "abc"',
  'newcomm ~ "*bc"',
  'newcomm ~ "*b[c]"',
  'newcomm ~ "ab*"',
  'newcomm ~ "*b*"',
  'newcomm ~ "*xyz"',
  'newcomm ~ "*mno"',
  'newcomm ~ "a?c"',
  'newcomm != "abc"',
  'newcomm == "abcdefghijklmnoXYZ"',
  'newcomm ~ "abcdefghijklmnopq*"',
  'newcomm ~ "*c"',
];
const CORPUS_NAMES = ['abcdefghijklxyz', 'ab', 'abc', 'xabc', 'abcdefghijklmno', 'abcd'];
const FIXED_SEEDS = [0x7fc1001, 0x7fc1002];
const RUNS_PER_SEED = 20;

test('kernel differential: task:task_rename', async (t) => {
  const s = started(t, await TaskRenameOracle.start());
  if (s === null) return;
  const { oracle, event } = s;
  const oldcomm = event.fields.find((f) => f.name === 'oldcomm');
  assert.ok(oldcomm);
  // current->comm while the tracepoint runs is the old name, copied whole into oldcomm.
  const commOf = (rec: Uint8Array): Uint8Array => rec.slice(oldcomm.offset, oldcomm.offset + 16);
  const nr = nrCpuIds();
  const stats = newStats();
  const live = await liveDialect();
  assert.ok(live.ok, live.ok ? '' : `dialect probe failed: ${live.reason}`);
  const fenv = { nrCpuIds: nr, dialect: live.dialect };

  const judge = async (label: string, c: RenameCase): Promise<void> => {
    const k = await oracle.judge(c.filter, c.names);
    assert.equal(k.triggerErrno, null, `trigger refused a filter the event accepted: ${c.filter}`);
    compare(label, event, fenv, c.filter, c.names, k, commOf, stats);
  };

  await t.test(
    `${CORPUS_FILTERS.length} recorded filters × ${CORPUS_NAMES.length} renames on every CPU`,
    async () => {
      for (const filter of CORPUS_FILTERS) {
        const names = CORPUS_NAMES.flatMap((n) =>
          Array.from({ length: nr }, (_, cpu) => ({ name: Buffer.from(n, 'latin1'), cpu })),
        );
        await judge('rename-corpus', { filter, names });
      }
    },
  );

  const seeds = [...FIXED_SEEDS, Math.floor(Math.random() * 0x7fffffff)];
  t.diagnostic(`seeds: ${seeds.join(', ')}`);
  for (const seed of seeds) {
    await t.test(`generated filters, seed ${seed}`, async () => {
      const details = await fc.check(
        fc.asyncProperty(renameCaseArb(oracle.pid, nr, 8), (c) => judge('rename', c)),
        { seed, numRuns: RUNS_PER_SEED },
      );
      if (details.failed) {
        const msg = `${details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)}  seed ${seed}; counterexample ${show(details.counterexample?.[0])}`;
        logDisagreement(msg);
        assert.fail(msg);
      }
    });
  }
  t.diagnostic(
    `kernel accepted ${stats.accepted}, rejected ${stats.rejected}; ${stats.records} renames judged, ${stats.kept} kept; IR on ${stats.ir} (${stats.frameAborts} frame aborts)`,
  );
});
