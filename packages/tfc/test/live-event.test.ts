// readLiveEvent (live-event.ts): the live format, read by @tfc/kernel/tracefs and parsed by @tfc/tracefs, equals the
// bundled snapshot for a few events of this kernel (skipped when tracefs is absent or does not answer), and every
// failure is an explanation (bad names, a missing event, a root without events/).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { probeTracefs } from '@tfc/kernel/tracefs';
import { bundledEvent } from '@tfc/tracefs';
import { readLiveEvent } from '../src/live-event.ts';

test('bundled snapshot matches the live kernel format for a few events', async (t) => {
  const probe = '/sys/kernel/tracing/events/sched/sched_switch/format';
  if (!existsSync(probe)) {
    t.skip('tracefs events not available');
    return;
  }
  // A wedged tracing subsystem (reads block forever, unkillable) must skip, not hang the suite.
  const unavailable = await probeTracefs('/sys/kernel/tracing', 5000);
  if (unavailable !== null) {
    t.skip(unavailable.reason);
    return;
  }
  for (const key of [
    'sched/sched_switch',
    'task/task_rename',
    'syscalls/sys_enter_openat',
    'ipi/ipi_send_cpumask',
  ]) {
    const [sys, name] = key.split('/') as [string, string];
    const live = readLiveEvent(sys, name);
    assert.ok(live.ok, live.ok ? '' : live.error);
    const b = bundledEvent(sys, name);
    assert.deepEqual(b?.fields, live.event.fields, key);
    assert.equal(b?.id, live.event.id);
  }
});

test('readLiveEvent errors are explanations', () => {
  const missing = readLiveEvent('no_such_system_tfc', 'x');
  assert.ok(!missing.ok && /no such event|tracefs/.test(missing.error));
  const bad = readLiveEvent('../etc', 'passwd');
  assert.ok(!bad.ok && bad.error.includes('invalid event name'));
  const root = readLiveEvent('sched', 'sched_switch', { root: '/nonexistent-tfc' });
  assert.ok(!root.ok && root.error.includes('no such event'));
});
