// event-source.ts (--event / --format / --source): a format file is parsed and named as the origin, the bundled
// snapshot answers --source bundled, and every misuse is a UsageError with its message — without touching tracefs
// (no case here reads the live tree: bundled only, or names refused before any path is built).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { bundledKernelRelease } from '@tfc/tracefs';
import type { Parsed } from '../src/cli/args.ts';
import { resolveEvent } from '../src/cli/event-source.ts';
import { memoryIo, UsageError } from '../src/cli/io.ts';

const parsed = (values: Record<string, string>): Parsed => ({ values, positionals: [], help: false });
const FORMAT = readFileSync(new URL('./fixtures/uprobe-pv.format', import.meta.url), 'utf8');

async function usage(values: Record<string, string>): Promise<string> {
  try {
    await resolveEvent(parsed(values), memoryIo());
  } catch (e) {
    assert.ok(e instanceof UsageError, String(e));
    return e.message;
  }
  assert.fail('expected a UsageError');
}

test('--format FILE: parsed, the file is the origin', async () => {
  const r = await resolveEvent(parsed({ format: 'pv.format' }), memoryIo({ 'pv.format': FORMAT }));
  assert.equal(r.origin, 'pv.format');
  assert.equal(r.event.name, 'pv');
});

test('--event with --source bundled reads the snapshot', async () => {
  const r = await resolveEvent(parsed({ event: 'sched/sched_switch', source: 'bundled' }), memoryIo());
  assert.equal(r.origin, `bundled snapshot, Linux ${bundledKernelRelease()}`);
  assert.equal(r.event.name, 'sched_switch');
  assert.equal(r.liveError, undefined);
});

test('misuse is a UsageError that says what is wrong', async () => {
  assert.equal(await usage({ event: 'a/b', source: 'x' }), "--source must be auto, live or bundled, got 'x'");
  assert.equal(await usage({ event: 'a/b', format: 'f' }), 'give either --event or --format, not both');
  assert.equal(await usage({}), 'an event is needed: --event SYS/NAME or --format FILE');
  assert.equal(
    await usage({ event: 'nosep' }),
    "--event takes SYS/NAME (e.g. sched/sched_switch), got 'nosep'",
  );
  assert.equal(
    await usage({ event: 'no_such_tfc/x', source: 'bundled' }),
    "event no_such_tfc/x not found in the bundled snapshot; 'tfc events no_such_tfc/' lists known events",
  );
  assert.equal(await usage({ event: 'bad!/x', source: 'live' }), "event bad!/x: invalid event name 'bad!/x'");
});
