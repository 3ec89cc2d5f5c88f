// TaskComms: `<idle>` for pid 0, /proc/PID/comm of a live task, "" for a pid that never existed (no tracefs
// given), and each pid looked up once (a later rename of the task does not change the remembered name).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { TaskComms } from '../../src/tracepoint/task-comm.ts';

test('TaskComms: idle, a live task, an unknown pid, remembered once', () => {
  const c = new TaskComms();
  assert.equal(c.of(0), '<idle>');
  const own = readFileSync('/proc/self/comm', 'utf8').trim();
  assert.equal(c.of(process.pid), own);
  assert.equal(c.of(0x3fffffff), '', 'beyond pid_max: no such task');
  const before = process.title;
  try {
    process.title = 'tfc-renamed';
    assert.equal(c.of(process.pid), own, 'the first lookup is kept');
    assert.equal(new TaskComms().of(process.pid), readFileSync('/proc/self/comm', 'utf8').trim());
  } finally {
    process.title = before;
  }
});
