// The tolerant JSON reader: on valid JSON it agrees with JSON.parse (property), it keeps iproute2 6.1's duplicate
// "match" keys and survives its keyless " offset "/" eat " strings (captured outputs), it never throws and never
// recurses (deep input), and the filter/qdisc readers pull the counters out of captured `tc -s -j` output.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  field,
  fields,
  parseActionsShow,
  parseFilterShow,
  parseQdiscShow,
  parseTolerantJson,
  stringField,
  toPlain,
} from '../src/index.ts';

const fixture = (name: string): string =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

test('"__proto__" is an own key, as JSON.parse reads it (regression: it used to set the prototype)', () => {
  for (const text of ['{"__proto__":null}', '{"__proto__":{"polluted":1}}', '{"a":{"__proto__":[1]}}']) {
    const r = parseTolerantJson(text);
    assert.ok(r.ok);
    assert.deepEqual(toPlain(r.value), JSON.parse(text));
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('valid JSON: the tolerant reader agrees with JSON.parse (safe numbers, unique keys)', () => {
  const json = fc.letrec<{ v: unknown }>((tie) => ({
    v: fc.oneof(
      { depthSize: 'small' },
      fc.constant(null),
      fc.boolean(),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)),
      fc.string(),
      fc.array(tie('v'), { maxLength: 4 }),
      fc.dictionary(fc.string(), tie('v'), { maxKeys: 4 }),
    ),
  })).v;
  fc.assert(
    fc.property(json, fc.constantFrom(0, 2), (v, indent) => {
      const text = JSON.stringify(v, null, indent);
      const r = parseTolerantJson(text);
      assert.ok(r.ok, r.ok ? '' : `${r.error} @${r.offset}: ${text}`);
      assert.deepEqual(toPlain(r.value), JSON.parse(text));
    }),
    { numRuns: 500 },
  );
});

test('bad input is an error value with an offset, never an exception', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), (s) => {
      const r = parseTolerantJson(s);
      if (!r.ok) assert.ok(r.offset >= 0 && r.offset <= s.length);
      return true;
    }),
    { numRuns: 2000 },
  );
  for (const bad of ['', '{', '[1,]', '{"a":1,}', '{"a" 1}', '[1 2]', '"abc', '{"a":1}}', 'nul', '-']) {
    const r = parseTolerantJson(bad);
    assert.ok(!r.ok, `accepted ${JSON.stringify(bad)}`);
  }
});

test('deep nesting neither overflows the stack nor passes the depth limit silently', () => {
  const deep = `${'['.repeat(9000)}${']'.repeat(9000)}`;
  assert.ok(parseTolerantJson(deep).ok);
  const tooDeep = `${'[{"a":'.repeat(6000)}1${'}]'.repeat(6000)}`;
  const r = parseTolerantJson(tooDeep);
  assert.ok(!r.ok && /nesting/.test(r.error));
});

test('64-bit counters stay exact (bigint beyond 2^53)', () => {
  const r = parseTolerantJson('{"packets":18446744073709551615,"bytes":12}');
  assert.ok(r.ok);
  assert.equal(field(r.value, 'packets'), 18446744073709551615n);
  assert.equal(field(r.value, 'bytes'), 12);
});

test('iproute2 6.1 u32 output with offset/eat: JSON.parse fails, the tolerant reader keeps every match', () => {
  const text = fixture('u32-offset-eat.iproute2-6.1.txt');
  assert.throws(() => JSON.parse(text), SyntaxError);
  const r = parseTolerantJson(text);
  assert.ok(r.ok, r.ok ? '' : r.error);
  const f = parseFilterShow(text);
  assert.ok(f.ok);
  // Knodes only (hash tables and bare prio headers are skipped).
  assert.deepEqual(
    f.value.map((x) => [x.pref, x.handle, x.actions.length]),
    [
      [10, '1::800', 1],
      [10, '800::800', 0],
      [20, '801::800', 1],
    ],
  );
  const linked = f.value[1]?.raw;
  const opts = field(linked, 'options');
  assert.equal(stringField(opts, 'link'), '1:');
  assert.equal(field(opts, 'offset_shift'), 6);
  assert.ok(opts && typeof opts === 'object' && 'entries' in opts);
  const keyless =
    opts && typeof opts === 'object' && 'entries' in opts ? opts.entries.filter((e) => e.key === null) : [];
  assert.deepEqual(
    keyless.map((e) => e.value),
    ['    offset ', ' eat '],
  );
  const two = fields(field(f.value[2]?.raw, 'options'), 'match').map((m) => [
    stringField(m, 'value'),
    stringField(m, 'mask'),
    field(m, 'off'),
  ]);
  assert.deepEqual(two, [
    ['3e80000', 'ffff0000', 20],
    ['a000000', 'ff000000', 12],
  ]);
  // The plain (JSON.parse-like) view keeps only the last of the duplicate keys.
  const plain = toPlain(r.value) as { options?: { match?: { off: number } } }[];
  assert.equal(plain[7]?.options?.match?.off, 12);
});

test('cls_bpf and clsact output: action counters and qdisc drops', () => {
  const f = parseFilterShow(fixture('bpf-bytecode.iproute2-6.1.txt'));
  assert.ok(f.ok);
  assert.deepEqual(
    f.value.map((x) => ({
      pref: x.pref,
      kind: x.kind,
      handle: x.handle,
      acts: x.actions.map((a) => a.kind),
    })),
    [
      { pref: 1, kind: 'bpf', handle: '0x1', acts: ['mirred'] },
      { pref: 2, kind: 'bpf', handle: '0x1', acts: ['mirred'] },
    ],
  );
  assert.equal(f.value[0]?.actions[0]?.packets, 0n);
  const q = parseQdiscShow(fixture('qdisc-clsact.iproute2-6.1.txt'));
  assert.ok(q.ok);
  assert.deepEqual(
    q.value.map((x) => [x.kind, x.handle, x.drops]),
    [['clsact', 'ffff:', 0n]],
  );
  const acts = parseActionsShow(fixture('actions-mirred.iproute2-6.1.txt'));
  assert.ok(acts.ok);
  assert.deepEqual(acts.value, [{ order: 0, kind: 'mirred', index: 1, packets: 5n, bytes: 380n }]);
  assert.deepEqual(parseFilterShow(''), { ok: true, value: [] });
  assert.ok(!parseFilterShow('[{"a":').ok);
});
