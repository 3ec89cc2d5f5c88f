// Differential suite: the running kernel (through the uprobe oracle of @tfc/kernel/tracefs) against
// tfc's front end, reference interpreter and lowered IR (judge.ts compare), on random filters × 20
// records. Invariants: the kernel is right; the seeds are a fixed list plus one random seed printed at
// start (re-run one with TFC_DIFF_SEED=N); any single disagreement fails the test with fast-check's
// shrunk counterexample (filter, record, both verdicts) and is appended to
// /tmp/tracefs-disagreements.txt; every kernel object is released in t.after; at least MIN_ACCEPTED
// kernel-accepted filters are judged per run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nrCpuIds } from '@tfc/kernel/sys';
import { type OracleRecord, UprobeOracle } from '@tfc/kernel/tracefs';
import {
  caseArb,
  dataLocBytes,
  type GenEnv,
  invalidFilterArb,
  RECORDS_PER_FILTER,
  validFilterArb,
} from '@tfc/testkit/oracle';
import fc from 'fast-check';
import { compare, liveDialect, logDisagreement, newStats, show, started } from './judge.ts';

const FIXED_SEEDS = [0x7fc0001, 0x7fc0002, 0x7fc0003, 0x7fc0004];
const VALID_RUNS_PER_SEED = 640;
const INVALID_RUNS_PER_SEED = 160;
const MIN_ACCEPTED = 2000;

function seeds(): number[] {
  const forced = process.env.TFC_DIFF_SEED;
  if (forced !== undefined && forced !== '') return [Number(forced)];
  return [...FIXED_SEEDS, Math.floor(Math.random() * 0x7fffffff)];
}

test('kernel differential: trace-event filters on a uprobe event', async (t) => {
  // tfc is judged in the dialect the kernel shows (probed first), not in one hard-coded build's; a kernel that
  // refuses trailing operators before building its program takes the shapes that endanger the others.
  const live = await liveDialect();
  const trailingOperator = live.ok ? live.dialect.trailingOperator : 'tolerated';
  const s = started(t, await UprobeOracle.start({ tag: 'diff', trailingOperator }));
  if (s === null) return;
  assert.ok(live.ok, live.ok ? '' : `dialect probe failed: ${live.reason}`);
  const { oracle, event } = s;
  const cm = event.fields.find((f) => f.name === 'cm');
  assert.ok(cm, 'oracle event has the cm ($comm) field');
  const nr = nrCpuIds();
  const env: GenEnv = { pid: oracle.pid, nrCpuIds: nr, trailingOperator };
  t.diagnostic(
    `kernel dialect: ${live.dialect.name}${live.notes.length ? ` (${live.notes.join('; ')})` : ''}`,
  );
  const fenv = { nrCpuIds: nr, dialect: live.dialect };
  const commOf = (rec: Uint8Array): Uint8Array => dataLocBytes(rec, cm.offset, 16);
  const stats = newStats();
  const runSeeds = seeds();
  t.diagnostic(`seeds: ${runSeeds.join(', ')} (re-run one with TFC_DIFF_SEED=<seed>)`);

  const run = async (
    label: string,
    arb: ReturnType<typeof validFilterArb>,
    seed: number,
    numRuns: number,
  ) => {
    const prop = fc.asyncProperty(
      caseArb(arb, env),
      async (c: { filter: string; records: OracleRecord[] }) => {
        const k = await oracle.judge(c.filter, c.records);
        compare(label, event, fenv, c.filter, c.records, k, commOf, stats);
      },
    );
    const details = await fc.check(prop, { seed, numRuns, endOnFailure: false });
    if (details.failed) {
      const ce = details.counterexample?.[0];
      const msg =
        `${details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)}` +
        `  seed ${seed}, shrunk ${details.numShrinks} times; counterexample: ${show(ce?.filter)} with ${ce?.records.length ?? 0} records`;
      logDisagreement(msg);
      assert.fail(msg);
    }
  };

  for (const seed of runSeeds) {
    await t.test(`valid filters × ${RECORDS_PER_FILTER} records, seed ${seed}`, () =>
      run('valid', validFilterArb(env), seed, VALID_RUNS_PER_SEED),
    );
    await t.test(`invalid filters, seed ${seed}`, () =>
      run('invalid', invalidFilterArb(env), seed, INVALID_RUNS_PER_SEED),
    );
  }

  await t.test('volume', () => {
    t.diagnostic(
      `kernel accepted ${stats.accepted} filters, rejected ${stats.rejected}; ${stats.records} records judged, ${stats.kept} kept; IR on ${stats.ir} records (${stats.frameAborts} frame aborts)`,
    );
    if (runSeeds.length > 1)
      assert.ok(stats.accepted >= MIN_ACCEPTED, `only ${stats.accepted} accepted filters judged`);
    assert.ok(stats.kept > stats.records / 20 && stats.kept < stats.records, 'records both kept and dropped');
    assert.ok(
      stats.ir > stats.records / 2,
      `the IR was compared on only ${stats.ir} of ${stats.records} records`,
    );
  });
});
