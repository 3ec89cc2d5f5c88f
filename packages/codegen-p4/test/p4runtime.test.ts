// P4Runtime / BMv2 encoding rules against the spec's examples (targets-spec §4.3, §4.4): canonical
// bytestrings, base64 proto3 JSON, text-format escapes, priorities (P4Runtime higher wins, BMv2 inverted),
// don't-care omission; and, over random filters, that every generated entry is valid for a P4Runtime
// server and that the P4 table (metadata keys + validity bits) decides like the decision list.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildDecisionList } from '@tfc/decision-list';
import fc from 'fast-check';
import {
  base64,
  canonicalBytes,
  type DecisionList,
  emitBmv2Commands,
  emitWriteRequestJson,
  evaluateTcam,
  type P4Table,
  p4Table,
  tableEntryToJson,
  tableEntryToText,
  textEscape,
} from '../src/index.ts';
import { frameArb, tcamFilterArb } from './arbitraries.ts';

const SPEC_TABLE: P4Table = {
  fields: [
    {
      id: 1,
      member: 'k_proto',
      name: 'meta.k_proto',
      expr: 'meta.k_proto',
      bits: 8,
      matchKind: 'ternary',
      keyName: 'proto',
      validity: false,
    },
    {
      id: 2,
      member: 'k_dport',
      name: 'meta.k_dport',
      expr: 'meta.k_dport',
      bits: 16,
      matchKind: 'range',
      keyName: 'dport',
      validity: false,
    },
  ],
  entries: [
    {
      priority: 100,
      action: 'hit',
      matches: [
        { kind: 'ternary', value: 17n, mask: 0xffn },
        { kind: 'range', low: 5000n, high: 5002n },
      ],
    },
  ],
  defaultAction: 'miss',
  size: 1024,
};

test('canonical bytestrings are the shortest big-endian form; 0 is one zero byte', () => {
  assert.deepEqual([...canonicalBytes(0n)], [0]);
  assert.deepEqual([...canonicalBytes(0x11n)], [0x11]);
  assert.deepEqual([...canonicalBytes(0x100n)], [1, 0]);
  assert.deepEqual([...canonicalBytes(0x1388n)], [0x13, 0x88]);
  assert.deepEqual([...canonicalBytes(0xffffffffffffffffn)], new Array(8).fill(0xff));
  assert.equal(base64(canonicalBytes(0n)), 'AA==');
});

test('proto3 JSON of the spec example (§4.3) is byte-identical with proto field names', () => {
  const e = SPEC_TABLE.entries[0]!;
  assert.equal(
    tableEntryToJson(SPEC_TABLE, e, 'proto'),
    '{"table_id":33554433,' +
      '"match":[{"field_id":1,"ternary":{"value":"EQ==","mask":"/w=="}},' +
      '{"field_id":2,"range":{"low":"E4g=","high":"E4o="}}],' +
      '"action":{"action":{"action_id":16777217}},"priority":100}',
  );
  const camel = JSON.parse(tableEntryToJson(SPEC_TABLE, e));
  assert.equal(camel.tableId, 33554433);
  assert.equal(camel.match[1].fieldId, 2);
  assert.equal(camel.action.action.actionId, 16777217);
});

test('text format of the spec example (§4.3): octal escapes', () => {
  assert.equal(
    tableEntryToText(SPEC_TABLE, SPEC_TABLE.entries[0]!),
    'table_entry {\n' +
      '  table_id: 33554433\n' +
      '  match { field_id: 1 ternary { value: "\\021" mask: "\\377" } }\n' +
      '  match { field_id: 2 range { low: "\\023\\210" high: "\\023\\212" } }\n' +
      '  action { action { action_id: 16777217 } }\n' +
      '  priority: 100\n' +
      '}\n',
  );
  assert.equal(textEscape(Uint8Array.from([0x41, 0x22, 0x5c, 0x0a, 0x00, 0x7f])), 'A\\"\\\\\\n\\000\\177');
});

test('don-t-care fields are omitted; BMv2 commands give every key and invert the priority', () => {
  const t: P4Table = {
    ...SPEC_TABLE,
    entries: [
      { priority: 2, action: 'miss', matches: [{ kind: 'ternary', value: 6n, mask: 0xffn }, undefined] },
      { priority: 1, action: 'hit', matches: [undefined, { kind: 'range', low: 1n, high: 1023n }] },
    ],
  };
  const json = emitWriteRequestJson(t);
  const req = JSON.parse(json);
  assert.equal(req.deviceId, '1');
  assert.deepEqual(req.electionId, { low: '1' });
  assert.equal(req.updates.length, 2);
  assert.equal(req.updates[0].type, 'INSERT');
  assert.deepEqual(
    req.updates.map(
      (u: { entity: { tableEntry: { match: unknown[] } } }) => u.entity.tableEntry.match.length,
    ),
    [1, 1],
  );
  assert.equal(
    emitBmv2Commands(t),
    'table_add TfcIngress.tfc_filter TfcIngress.tfc_miss 0x6&&&0xff 0x0->0xffff => 1\n' +
      'table_add TfcIngress.tfc_filter TfcIngress.tfc_hit 0x0&&&0x0 0x1->0x3ff => 2\n',
  );
});

/** The P4 table as the generated program evaluates it: metadata keys, validity bits, frame_len. */
function evaluateP4(list: DecisionList, t: P4Table, frame: Uint8Array): 'hit' | 'miss' {
  const vals = t.fields.map((f): bigint => {
    const k = list.keys.find((x) => x.name === f.keyName)!;
    if (k.kind === 'length') return BigInt(frame.length);
    if (k.kind === 'valid') throw new Error('byte-model table');
    const n = k.bits / 8;
    const valid = k.offset + n <= frame.length;
    if (f.validity) return valid ? 1n : 0n;
    if (!valid) return 0n;
    let v = 0n;
    for (let i = 0; i < n; i++)
      v = (v << 8n) | BigInt(frame[k.byteOrder === 'big' ? k.offset + i : k.offset + n - 1 - i]!);
    return v;
  });
  const sorted = [...t.entries].sort((a, b) => b.priority - a.priority);
  for (const e of sorted) {
    const ok = e.matches.every((m, i) => {
      if (m === undefined) return true;
      const v = vals[i]!;
      return m.kind === 'ternary' ? (v & m.mask) === m.value : m.low <= v && v <= m.high;
    });
    if (ok) return e.action;
  }
  return t.defaultAction;
}

test('random filters: entries are valid P4Runtime entries and the P4 table decides like the list', () => {
  let frames = 0;
  let withValidity = 0;
  fc.assert(
    fc.property(
      tcamFilterArb,
      fc.boolean(),
      fc.array(frameArb, { minLength: 8, maxLength: 8 }),
      (ir, ranges, fs) => {
        const r = buildDecisionList(ir, { ranges });
        assert.ok(r.ok);
        const t = p4Table(r.list);
        if (t.fields.some((f) => f.validity)) withValidity++;
        const prios = new Set<number>();
        for (const e of t.entries) {
          assert.ok(e.priority > 0 && !prios.has(e.priority), 'priorities are distinct and non-zero');
          prios.add(e.priority);
          e.matches.forEach((m, i) => {
            const f = t.fields[i]!;
            const max = (1n << BigInt(f.bits)) - 1n;
            if (m === undefined) return;
            assert.equal(m.kind, f.matchKind);
            if (m.kind === 'ternary') {
              assert.ok(m.mask !== 0n && (m.value & m.mask) === m.value && m.mask <= max, 'ternary rule');
              assert.ok(canonicalBytes(m.mask).length <= Math.ceil(f.bits / 8));
            } else
              assert.ok(m.low <= m.high && !(m.low === 0n && m.high === max) && m.high <= max, 'range rule');
          });
        }
        for (const fr of fs) {
          assert.equal(evaluateP4(r.list, t, fr), evaluateTcam(r.list, fr));
          frames++;
        }
      },
    ),
    { numRuns: 1500 },
  );
  assert.ok(frames >= 12_000);
  assert.ok(withValidity > 0);
});
