// The dissector generator and tfc's decode without Wireshark: a golden script for two events (TFC_BLESS=1 rewrites
// it; review the diff), determinism, refusals (clashing ids, names Wireshark cannot hold), per-event names for an
// unusual common layout, the whole bundled snapshot (size, every event), and decodeRecord against the values
// recordFromJson was given (fast-check), never throwing on hostile records.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { bundledEvent, bundledEventNames, type EventFormat, recordFromJson } from '@tfc/tracefs';
import fc from 'fast-check';
import { decodeRecord, fieldLayout, generateDissector } from '../src/index.ts';
import { proofEvents, recordArb } from './records.ts';

const GOLDEN = new URL('./fixtures/inet_sock_set_state.lua', import.meta.url);
const ev = (n: string) => {
  const [s, e] = n.split('/') as [string, string];
  return bundledEvent(s, e) as EventFormat;
};

test('golden: the dissector for sock/inet_sock_set_state and sched/sched_process_exec', () => {
  const g = generateDissector([ev('sock/inet_sock_set_state'), ev('sched/sched_process_exec')], {
    source: 'bundled snapshot',
  });
  assert.ok(g.ok);
  if (process.env.TFC_BLESS === '1') writeFileSync(GOLDEN, g.text);
  assert.equal(g.text, readFileSync(GOLDEN, 'utf8'));
  assert.equal(
    g.names.get(ev('sock/inet_sock_set_state').id)?.get('family'),
    'tfc.sock.inet_sock_set_state.family',
  );
  assert.equal(g.names.get(ev('sock/inet_sock_set_state').id)?.get('common_pid'), 'tfc.common_pid');
});

test('deterministic: order and repetition of the events do not change the script', () => {
  const a = [ev('sock/inet_sock_set_state'), ev('sched/sched_process_exec'), ev('raw_syscalls/sys_enter')];
  const g1 = generateDissector(a);
  const g2 = generateDissector([...a].reverse().concat(a));
  assert.ok(g1.ok && g2.ok);
  assert.equal(g1.text, g2.text);
});

test('refusals: clashing ids, a name Wireshark cannot hold', () => {
  const a = ev('sock/inet_sock_set_state');
  const clash = generateDissector([a, { ...ev('sched/sched_process_exec'), id: a.id }]);
  assert.ok(!clash.ok && /share id/.test(clash.error));
  const twice = generateDissector([a, { ...a, id: a.id + 1 }]);
  assert.ok(!twice.ok && /given twice/.test(twice.error));
  const bad = generateDissector([{ ...a, fields: [...a.fields, { ...a.fields[5]!, name: 'a b' }] }]);
  assert.ok(!bad.ok && /cannot be a Wireshark field name/.test(bad.error));
  const badName = generateDissector([{ ...a, system: 'so"ck' }]);
  assert.ok(!badName.ok);
  const hdr = generateDissector([{ ...a, system: 'hdr', name: 'flags' }]);
  assert.ok(!hdr.ok && /two fields would be named tfc.hdr.flags/.test(hdr.error), hdr.ok ? '' : hdr.error);
});

test('an event with an unusual common layout gets its own common field names', () => {
  const a = ev('sock/inet_sock_set_state');
  const b = ev('sched/sched_process_exec');
  const odd: EventFormat = {
    ...b,
    fields: b.fields.map((f) => (f.name === 'common_pid' ? { ...f, signed: false } : f)),
  };
  const g = generateDissector([a, ev('raw_syscalls/sys_enter'), odd]);
  assert.ok(g.ok);
  assert.equal(g.names.get(odd.id)?.get('common_pid'), 'tfc.sched.sched_process_exec.common_pid');
  assert.equal(g.names.get(a.id)?.get('common_pid'), 'tfc.common_pid');
  assert.match(g.text, /ev\(\d+,"sched:sched_process_exec",\{\{"common_type"/);
});

test('--all: every bundled event, in a script of reasonable size', () => {
  const events = bundledEventNames().map(ev);
  const g = generateDissector(events);
  assert.ok(g.ok, g.ok ? '' : g.error);
  assert.equal(g.names.size, 2323);
  assert.ok(g.text.length < 400_000, `${g.text.length} bytes`);
  assert.equal((g.text.match(/^ev\(/gm) ?? []).length, 2323);
});

test('decodeRecord gives back the values recordFromJson was given', () => {
  for (const event of proofEvents()) {
    fc.assert(
      fc.property(recordArb(event), (json) => {
        const r = recordFromJson(event, json);
        assert.ok(r.ok);
        const d = decodeRecord(event, r.record);
        assert.deepEqual(d.errors, []);
        for (const f of d.fields) {
          const j = json[f.field.name];
          if (f.layout.kind === 'int' && f.field.kind !== 'ptr_string')
            assert.equal(f.values[0], BigInt(j as string));
          if (f.layout.kind === 'string' && typeof j === 'string') assert.equal(f.values[0], j);
          if (f.layout.kind === 'string' && j === null) assert.equal(f.values[0], '');
          if (f.layout.kind === 'array') assert.deepEqual(f.values, (j as string[]).map(BigInt));
        }
      }),
      { numRuns: 100 },
    );
  }
});

test('decodeRecord never throws and never reads outside the record', () => {
  const events = proofEvents();
  fc.assert(
    fc.property(fc.nat(events.length - 1), fc.uint8Array({ maxLength: 120 }), fc.boolean(), (k, rec, le) => {
      const event = events[k]!;
      const d = decodeRecord(event, rec, le);
      assert.equal(d.fields.length + d.errors.length, event.fields.length);
      for (const f of d.fields)
        if (f.layout.kind === 'bytes')
          for (const v of f.values) assert.ok((v as Uint8Array).length <= rec.length);
    }),
    { numRuns: 500 },
  );
  // Layouts of the whole snapshot are total (no field throws).
  for (const n of bundledEventNames()) for (const f of ev(n).fields) fieldLayout(f);
});
