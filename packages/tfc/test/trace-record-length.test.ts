// ringRecordLength: perf's padded raw samples trimmed to the length the tracefs ring buffer gives the same record —
// fixed-size events (sys_enter_lseek 40, task_rename 48: the struct rounded to its largest field alignment), an
// event with a __data_loc payload past the struct (sched_process_exec), location words pointing outside the data,
// and, over every bundled event and dynamic size, perf's ALIGN(n + 4, 8) - 4 always trims back to n rounded up to 4.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bundledEvent, bundledEventNames, type EventFormat } from '@tfc/tracefs';
import fc from 'fast-check';
import { ringRecordLength, structSize } from '../src/cli/trace/record-length.ts';

const perfLength = (n: number): number => Math.ceil((n + 4) / 8) * 8 - 4;

test('fixed-size events: the struct size, whatever perf padded', () => {
  const lseek = bundledEvent('syscalls', 'sys_enter_lseek');
  const rename = bundledEvent('task', 'task_rename');
  assert.ok(lseek && rename);
  assert.equal(structSize(lseek), 40);
  assert.equal(ringRecordLength(lseek, new Uint8Array(44)), 40);
  assert.equal(structSize(rename), 48);
  assert.equal(ringRecordLength(rename, new Uint8Array(52)), 48);
  assert.equal(ringRecordLength(rename, new Uint8Array(30)), 30, 'a short sample is kept whole');
});

test('__data_loc payloads extend the record; words pointing outside the data are ignored', () => {
  const exec = bundledEvent('sched', 'sched_process_exec');
  assert.ok(exec);
  assert.equal(structSize(exec), 20);
  const rec = new Uint8Array(perfLength(20 + 10));
  const v = new DataView(rec.buffer);
  v.setUint32(8, (10 << 16) | 20, true);
  assert.equal(ringRecordLength(exec, rec), 32, '20 + 10 rounded up to 4');
  v.setUint32(8, (400 << 16) | 20, true);
  assert.equal(ringRecordLength(exec, rec), 20, 'a payload past the data is not trusted');
});

test('every bundled event: perf padding of n trims back to n rounded up to 4', () => {
  const events = bundledEventNames().map((n) => {
    const [sys, name] = n.split('/') as [string, string];
    return bundledEvent(sys, name) as EventFormat;
  });
  assert.ok(events.length > 1000);
  fc.assert(
    fc.property(fc.constantFrom(...events), fc.nat(300), (ev, extra) => {
      const base = structSize(ev);
      assert.equal(base % 4, 0);
      const loc = ev.fields.find((f) => /^__data_loc\b/.test(f.type));
      const n = loc === undefined ? base : base + extra;
      const rec = new Uint8Array(perfLength(n));
      if (loc !== undefined) new DataView(rec.buffer).setUint32(loc.offset, (extra << 16) | base, true);
      assert.equal(ringRecordLength(ev, rec), Math.ceil(n / 4) * 4);
    }),
    { numRuns: 500, seed: 15 },
  );
});
