// `tfc encap`: JSON-lines records → trace frames. Every frame decodes back to its record, event id, cpu and comm;
// timestamps come from the record index (or "@ts"); sequences count per CPU; output is byte-identical across runs;
// bad lines are diagnostics with their line numbers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bundledEvent, decodeTraceFrame, recordFromJson } from '@tfc/tracefs';
import fc from 'fast-check';
import { type EventFormat, encapJsonLines, LINKTYPE_ETHERNET } from '../src/index.ts';

/** Records filling every 1/2/4/8-byte integer field of the event with random values, plus cpu and COMM. */
function recordArb(e: EventFormat): fc.Arbitrary<Record<string, unknown>> {
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of e.fields)
    if (f.kind === 'other' && [1, 2, 4, 8].includes(f.size) && f.offset >= 4)
      fields[f.name] = fc
        .bigInt({ min: 0n, max: 2n ** BigInt(f.size * 8) - 1n })
        .map((v) => (f.signed ? BigInt.asIntN(f.size * 8, v) : v).toString());
  fields.cpu = fc.constantFrom(0, 1);
  fields.COMM = fc.constantFrom('a', 'bash');
  return fc.record(fields);
}

const EV = bundledEvent('sched', 'sched_switch');
assert.ok(EV);
const event = EV;

const line = (r: Record<string, unknown>): string =>
  JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

test('frames decode back to the records, with index timestamps and per-CPU sequences (property)', () => {
  fc.assert(
    fc.property(fc.array(recordArb(event), { minLength: 1, maxLength: 8 }), (recs) => {
      const text = `${recs.map(line).join('\n')}\n`;
      const r = encapJsonLines(event, text, { startNs: 5_000n, stepNs: 10n });
      assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.diagnostics));
      assert.equal(r.linkType, LINKTYPE_ETHERNET);
      assert.equal(r.frames.length, recs.length);
      const seq = new Map<number, number>();
      r.frames.forEach((f, i) => {
        const want = recordFromJson(event, recs[i]);
        assert.ok(want.ok);
        const d = decodeTraceFrame(f.data);
        assert.ok(d.ok, d.ok ? '' : d.error);
        assert.deepEqual(d.record, want.record);
        assert.equal(d.eventId, event.id);
        assert.equal(d.cpu, want.ctx.cpu);
        assert.deepEqual(d.comm.subarray(0, want.ctx.comm.length), want.ctx.comm.subarray(0, 16));
        assert.equal(f.ts, 5_000n + BigInt(i) * 10n);
        assert.equal(d.timestampNs, f.ts);
        const n = seq.get(d.cpu) ?? 0;
        assert.equal(d.sequence, n);
        seq.set(d.cpu, n + 1);
        assert.equal(f.len, f.data.length);
      });
      const again = encapJsonLines(event, text, { startNs: 5_000n, stepNs: 10n });
      assert.deepEqual(again, r, 'deterministic');
    }),
    { numRuns: 100 },
  );
});

test('"@ts" sets a timestamp; defaults start at 0 with 1 µs steps; blank lines are skipped', () => {
  const r = encapJsonLines(
    event,
    '{"prev_pid": 1}\n\n{"@ts": "123456789", "next_pid": 2}\n{"prev_prio": 3}\n',
  );
  assert.ok(r.ok);
  assert.deepEqual(
    r.frames.map((f) => f.ts),
    [0n, 123456789n, 2000n],
  );
});

test('bad lines are diagnostics naming the line', () => {
  const r = encapJsonLines(event, '{"prev_pid": 1}\n{"no_such_field": 1}\n{"@ts": -1}\nnot json\n');
  assert.ok(!r.ok);
  assert.deepEqual(
    r.diagnostics.map((d) => d.line),
    [4],
    'JSON syntax is checked first',
  );
  const r2 = encapJsonLines(event, '{"prev_pid": 1}\n{"no_such_field": 1}\n{"@ts": -1}\n');
  assert.ok(!r2.ok);
  assert.deepEqual(
    r2.diagnostics.map((d) => d.line),
    [2, 3],
  );
  assert.match(r2.diagnostics[0]?.message ?? '', /no_such_field/);
});
