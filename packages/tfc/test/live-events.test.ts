/*
 * readLiveEvents (live-events.ts, exported by tfc-filter/live): the live events of a subsystem, given to the pure
 * compile() as its candidates, give the rules `tfc compile --source live --subsystem` prints; an unknown subsystem
 * is an error value. Guarded: skips with the reason when tracefs is absent or does not answer (reads only).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { probeTracefs } from '@tfc/kernel/tracefs';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';
import { compile } from '../src/index.ts';
import { readLiveEvents } from '../src/live.ts';

test('live events as compile() candidates give the rules of tfc compile --source live', async (t) => {
  if (!existsSync('/sys/kernel/tracing/events/sock')) {
    t.skip('tracefs (with the sock events) not available');
    return;
  }
  const unavailable = await probeTracefs('/sys/kernel/tracing', 5000);
  if (unavailable !== null) {
    t.skip(unavailable.reason);
    return;
  }
  const live = await readLiveEvents('sock');
  assert.ok(live.ok, live.ok ? '' : live.reason);
  assert.ok(live.events.some((e) => e.name === 'inet_sock_set_state'));
  assert.ok(live.events.every((e) => e.system === 'sock'));
  const filter = 'family == 2 && protocol == 6';
  const r = compile(filter, {
    events: live.events,
    target: 'tc',
    dev: 'trace0',
    kernel: '6.18',
    nrCpuIds: 4,
  });
  assert.ok(r.ok && r.kind === 'tc');
  const io = memoryIo();
  const argv = [
    'compile',
    filter,
    '--target',
    'tc',
    '--dev',
    'trace0',
    '--source',
    'live',
    '--subsystem',
    'sock',
  ];
  const code = await main([...argv, '--kernel', '6.18', '--nr-cpus', '4'], io);
  assert.equal(code, 0, io.stderr());
  assert.equal(r.output, io.stdout());
  assert.ok(r.covered.includes('sock/inet_sock_set_state'), r.covered.join(' '));
  const none = await readLiveEvents('no_such_subsystem');
  assert.deepEqual(none, { ok: false, reason: "no subsystem 'no_such_subsystem'" });
});
