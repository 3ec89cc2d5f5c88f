// The 64 worked examples of the spec (§13) as a table: accept/reject with errno and message, and
// the verdict for every listed record (records built like the corpus ones: fspec_t's registers).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type EventFormat,
  evaluate,
  type FilterEnv,
  parseFilter,
  recordFromJson,
  renderFilterFile,
} from '../src/index.ts';
import { CORPUS_DIALECT, fixtureEvent, pvRecordJson } from './corpus-helpers.ts';

const pv = fixtureEvent('fspecr_pv.format', 'fspecr', 'pv');
const tr = fixtureEvent('task_task_rename.format', 'task', 'task_rename');
const oa = fixtureEvent('syscalls_sys_enter_openat.format', 'syscalls', 'sys_enter_openat');
const sg = fixtureEvent('signal_signal_generate.format', 'signal', 'signal_generate');
const VR = 0xffffffff816bab70n;
const VW = 0xffffffff816bb3c0n;
// The spec's worked examples were verified on the earlier 6.18.44 build (its dialect: CORPUS_DIALECT).
const env: FilterEnv = {
  nrCpuIds: 2,
  dialect: CORPUS_DIALECT,
  lookupSymbol: (q) =>
    q === 'vfs_read' || (typeof q === 'bigint' && q >= VR && q < VR + 0x360n)
      ? { start: VR, size: 0x360n }
      : undefined,
};

type Rec = Record<string, unknown>;
const P = (
  a: bigint | number,
  b: number = 0,
  s = 'hello',
  c: number = 0,
  opts: { cpu?: number; comm?: string } = {},
): Rec => pvRecordJson(`p ${BigInt(a)} ${b} ${s} ${c}`, opts);
const S = (s: string): Rec => P(0, 0, s);
const CPU = (cpu: number): Rec => P(0, 0, 'hello', 0, { cpu });

interface Row {
  readonly n: number;
  readonly f: string;
  readonly ev?: EventFormat;
  readonly err?: readonly [string, string | null];
  readonly cases?: readonly (readonly [Rec, boolean])[];
  readonly cleared?: true;
}

const T = true;
const F = false;
const ROWS: readonly Row[] = [
  {
    n: 1,
    f: 'a8 == 256',
    cases: [
      [P(0), T],
      [P(256), T],
      [P(1), F],
    ],
  },
  {
    n: 2,
    f: 'a8 < 256',
    cases: [
      [P(0), F],
      [P(5), F],
      [P(255), F],
    ],
  },
  {
    n: 3,
    f: 'a8 <= 0x1ff',
    cases: [
      [P(0), T],
      [P(255), T],
    ],
  },
  {
    n: 4,
    f: 's8 > 200',
    cases: [
      [P(0), T],
      [P(0xc0), F],
      [P(0xd0), T],
    ],
  },
  { n: 5, f: 'a8 == -1', err: ['EINVAL', 'Illegal integer value'] },
  {
    n: 6,
    f: 's8 == 0xff',
    cases: [
      [P(0xff), T],
      [P(127), F],
    ],
  },
  {
    n: 7,
    f: 's8 >= 0xff',
    cases: [
      [P(0), T],
      [P(0x80), F],
    ],
  },
  {
    n: 8,
    f: 's32 == 0xffffffff',
    cases: [
      [P(0xffffffff), T],
      [P(0), F],
    ],
  },
  {
    n: 9,
    f: 's32 < 0xffffffff',
    cases: [
      [P(0xfffffffe), T],
      [P(0), F],
      [P(0xffffffff), F],
    ],
  },
  { n: 10, f: 's64 == 0x8000000000000000', err: ['EINVAL', 'Illegal integer value'] },
  {
    n: 11,
    f: 's64 == -9223372036854775808',
    cases: [
      [P(0x8000000000000000n), T],
      [P(0), F],
    ],
  },
  {
    n: 12,
    f: 'a64 == 18446744073709551615',
    cases: [
      [P(-1), T],
      [P(0), F],
    ],
  },
  {
    n: 13,
    f: 'a32 & 0x100000000',
    cases: [
      [P(0xffffffff), F],
      [P(0x100000000), F],
    ],
  },
  {
    n: 14,
    f: 'a32 & 3',
    cases: [
      [P(4), F],
      [P(5), T],
      [P(2), T],
    ],
  },
  {
    n: 15,
    f: 'a16 == 010',
    cases: [
      [P(8), T],
      [P(10), F],
    ],
  },
  { n: 16, f: 'a16 == 08', err: ['EINVAL', 'Illegal integer value'] },
  { n: 16, f: 'a16 == 0x', err: ['EINVAL', 'Illegal integer value'] },
  { n: 16, f: 'a16 == 5abc', err: ['EINVAL', 'Illegal integer value'] },
  { n: 17, f: 'a16 == +5', err: ['EINVAL', 'Invalid value (did you forget quotes)?'] },
  { n: 18, f: 'a64 == 000000000000000000000001', err: ['EINVAL', 'Operand too long'] },
  { n: 18, f: 'a64 == 00000000000000000000001', cases: [[P(1), T]] },
  {
    n: 19,
    f: 'b == 1 || a32 == 2 && c == 3',
    cases: [
      [P(0, 1, 'hello', 0), T],
      [P(2, 0, 'hello', 0), F],
      [P(2, 0, 'hello', 3), T],
      [P(0, 0, 'hello', 3), F],
    ],
  },
  {
    n: 20,
    f: '(b == 1 || a32 == 2) && c == 3',
    cases: [
      [P(0, 1, 'hello', 0), F],
      [P(2, 0, 'hello', 3), T],
      [P(0, 1, 'hello', 3), T],
    ],
  },
  {
    n: 21,
    f: '!(b == 1 || a32 == 2)',
    cases: [
      [P(0, 1), F],
      [P(0, 0), T],
      [P(2, 0), F],
    ],
  },
  {
    n: 22,
    f: '!b == 1',
    cases: [
      [P(0, 1), F],
      [P(0, 0), T],
    ],
  },
  {
    n: 22,
    f: '!!b == 1',
    cases: [
      [P(0, 1), T],
      [P(0, 0), F],
    ],
  },
  {
    n: 23,
    f: 'b == 1 &&',
    cases: [
      [P(0, 1), T],
      [P(0, 0), F],
    ],
  },
  {
    n: 24,
    f: '!a32 & 4',
    cases: [
      [P(4), F],
      [P(3), T],
    ],
  },
  { n: 25, f: 'a32 & 4 == 4', err: ['EPERM', 'Too many terms in predicate expression'] },
  {
    n: 26,
    f: 'arr == 0',
    cases: [
      [P(0, 0, ''), F],
      [P(0, 0, 'x'), F],
    ],
  },
  {
    n: 26,
    f: 'arr != 0',
    cases: [
      [P(0, 0, ''), F],
      [P(0, 0, 'x'), F],
    ],
  },
  {
    n: 27,
    f: 'str == "hello"',
    cases: [
      [S('hello'), T],
      [S('hell'), F],
      [S('hello2'), F],
      [S('HELLO'), F],
    ],
  },
  {
    n: 28,
    f: 'str != "hello"',
    cases: [
      [S('hello'), F],
      [S(''), T],
    ],
  },
  {
    n: 29,
    f: 'str ~ "hel*"',
    cases: [
      [S('hello'), T],
      [S('hell'), T],
      [S('hello2'), T],
      [S('xhello'), F],
    ],
  },
  {
    n: 30,
    f: 'str ~ "*llo"',
    cases: [
      [S('hello'), T],
      [S('xhello'), T],
      [S('h*llo'), T],
      [S('hell'), F],
    ],
  },
  {
    n: 31,
    f: 'str ~ "h?llo"',
    cases: [
      [S('hello'), T],
      [S('h*llo'), T],
      [S('hell'), F],
    ],
  },
  {
    n: 32,
    f: 'str ~ "h[!e]llo"',
    cases: [
      [S('hello'), F],
      [S('h*llo'), T],
    ],
  },
  {
    n: 33,
    f: 'str ~ "!hel*"',
    cases: [
      [S('hello'), F],
      [S('xhello'), T],
      [S(''), T],
    ],
  },
  {
    n: 34,
    f: 'str ~ "1*"',
    cases: [
      [S('1*'), T],
      [S('1x'), F],
      [S('12'), F],
    ],
  },
  {
    n: 34,
    f: 'str ~ "!1*"',
    cases: [
      [S('1*'), F],
      [S('1x'), T],
    ],
  },
  {
    n: 35,
    f: 'str ~ "h\\*llo"',
    cases: [
      [S('h*llo'), T],
      [S('hello'), F],
    ],
  },
  {
    n: 36,
    f: 'str ~ "*"',
    cases: [
      [S('hello'), T],
      [S(''), T],
    ],
  },
  {
    n: 36,
    f: 'str ~ "**"',
    cases: [
      [S('hello'), T],
      [S(''), T],
    ],
  },
  {
    n: 36,
    f: 'str ~ "***"',
    cases: [
      [S('hello'), T],
      [S(''), T],
    ],
  },
  {
    n: 37,
    f: 'str ~ "!"',
    cases: [
      [S(''), F],
      [S('hello'), T],
    ],
  },
  { n: 38, f: 'str ~ "[abc"', cases: [[S('hello'), F]] },
  { n: 39, f: 'str == hello', err: ['EINVAL', 'Invalid value (did you forget quotes)?'] },
  { n: 40, f: 'str == 5', err: ['EINVAL', 'Expecting string field'] },
  { n: 40, f: 'ptr == "x"', err: ['EINVAL', 'Expecting numeric field'] },
  { n: 40, f: 'ptr ~ 5', err: ['EINVAL', 'Illegal operation for field type'] },
  { n: 40, f: 'str < "a"', err: ['EINVAL', 'Illegal operation for field type'] },
  { n: 41, f: 'comm ~ "*abc"', cases: [[P(0, 0, 'hello', 0, { comm: 'fspecabc' }), F]] },
  { n: 42, f: 'comm ~ "*ab[c]"', cases: [[P(0, 0, 'hello', 0, { comm: 'fspecabc' }), T]] },
  { n: 43, f: 'newcomm ~ "*bc"', ev: tr, cases: [[{ newcomm: 'abc' }, F]] },
  { n: 43, f: 'newcomm ~ "*b[c]"', ev: tr, cases: [[{ newcomm: 'abc' }, T]] },
  {
    n: 44,
    f: 'cpu & 1',
    cases: [
      [CPU(0), F],
      [CPU(1), F],
    ],
  },
  {
    n: 45,
    f: 'cpu & CPUS{1}',
    cases: [
      [CPU(0), F],
      [CPU(1), T],
    ],
  },
  {
    n: 45,
    f: 'cpu == CPUS{0-1}',
    cases: [
      [CPU(0), F],
      [CPU(1), F],
    ],
  },
  {
    n: 45,
    f: 'cpu != CPUS{0-1}',
    cases: [
      [CPU(0), T],
      [CPU(1), T],
    ],
  },
  ...(['a32 & CPUS{0-1}', 'a32 != CPUS{0-1}'] as const).map(
    (f, i): Row => ({
      n: 46 + i,
      f,
      cases: [
        [P(0), T],
        [P(1), T],
        [P(2), F],
        [P(0x100000001), T],
        [P(0xffffffff), F],
      ],
    }),
  ),
  { n: 48, f: 'a32 & CPUS{1,3}', err: ['EINVAL', 'Invalid cpulist'] },
  {
    n: 49,
    f: 'a64 == CPUS{1}',
    cases: [
      [P(1), T],
      [P(0x100000001), F],
    ],
  },
  {
    n: 50,
    f: 'filename.ustring ~ "*fspecmark*"',
    ev: oa,
    cases: [
      [{ filename: { user: '/tmp/fspecmark_zz' } }, T],
      [{ filename: { user: '/tmp/other_zz' } }, F],
    ],
  },
  { n: 51, f: 'filename != "nomatch"', ev: oa, cases: [[{ filename: { user: '/tmp/fspecmark_zz' } }, F]] },
  { n: 52, f: 'dfd == 0xffffff9c', ev: oa, cases: [[{ dfd: '0xffffff9c' }, T]] },
  { n: 52, f: 'dfd == 0xffffffffffffff9c', ev: oa, cases: [[{ dfd: '0xffffff9c' }, F]] },
  {
    n: 53,
    f: 'a64.function == vfs_read',
    cases: [
      [P(VR), T],
      [P(VR + 4n), T],
      [P(VR - 1n), F],
      [P(VW), F],
    ],
  },
  { n: 54, f: '(a64.function == vfs_read)', err: ['EINVAL', 'Function not found'] },
  { n: 55, f: 'comm == "sleep"', ev: sg, cases: [[{ comm: 'sleep', COMM: 'python3', sig: 15 }, T]] },
  { n: 55, f: 'COMM == "sleep"', ev: sg, cases: [[{ comm: 'sleep', COMM: 'python3', sig: 15 }, F]] },
  { n: 56, f: '0', cleared: true },
  { n: 56, f: ' 0 \n', cleared: true },
  { n: 57, f: '1', err: ['EINVAL', 'Field not found'] },
  { n: 58, f: '', err: ['EINVAL', null] },
  { n: 58, f: '()', err: ['EINVAL', null] },
  { n: 59, f: '(b == 1', err: ['ENOENT', "Too many '('"] },
  { n: 59, f: 'b == 1)', err: ['EPERM', "Too few '('"] },
  { n: 59, f: 'str == "x', err: ['ESRCH', 'Missing matching quote'] },
  { n: 60, f: '&& b == 1', err: ['EPERM', null] },
  {
    n: 61,
    f: 'str ~ "[abc"',
    cases: [
      [S('[abc'), T],
      [S('abc'), F],
    ],
  },
  {
    n: 62,
    f: 'str ~ "hell?"',
    cases: [
      [S('hell'), F],
      [S('hello'), T],
    ],
  },
  {
    n: 63,
    f: 'str ~ "a[]b]c"',
    cases: [
      [S('a]c'), T],
      [S('abc'), T],
      [S('a[c'), F],
    ],
  },
  {
    n: 63,
    f: 'str ~ "a[b-]c"',
    cases: [
      [S('a-c'), T],
      [S('abc'), T],
      [S('aac'), F],
    ],
  },
  {
    n: 64,
    f: 'str ~ "*\\\\"',
    cases: [
      [S('a\\'), T],
      [S('ab'), F],
    ],
  },
];

test('spec §13: all 64 worked examples are covered', () => {
  const ns = new Set(ROWS.map((r) => r.n));
  for (let i = 1; i <= 64; i++) assert.ok(ns.has(i), `example ${i} missing`);
});

for (const row of ROWS) {
  test(`spec §13 #${row.n}: ${JSON.stringify(row.f)}`, () => {
    const ev = row.ev ?? pv;
    const r = parseFilter(row.f, ev, env);
    if (row.err) {
      assert.ok(!r.ok, 'expected an error');
      assert.equal(r.error.errno, row.err[0]);
      if (row.err[1] === null) {
        assert.equal(r.error.bare, true);
        assert.match(renderFilterFile(r.error), /\nError: \(0\)\n\n$/);
      } else {
        assert.equal(r.error.message, row.err[1]);
        assert.match(
          renderFilterFile(r.error),
          new RegExp(`\\nparse_error: ${row.err[1].replace(/[()?]/g, '\\$&')}\\n\\n$`),
        );
      }
      return;
    }
    assert.ok(r.ok, r.ok ? '' : renderFilterFile(r.error));
    if (row.cleared) {
      assert.equal(r.filter, null);
      return;
    }
    assert.notEqual(r.filter, null);
    for (const [json, verdict] of row.cases ?? []) {
      const rec = recordFromJson(ev, json);
      assert.ok(rec.ok, rec.ok ? '' : rec.error);
      assert.equal(evaluate(r.filter, rec.record, rec.ctx), verdict, JSON.stringify(json));
    }
  });
}
