// fast-check properties of the front end and the interpreter:
// - parseFilter never throws (arbitrary strings, filter-like token soup, 10,000-deep parentheses,
//   1 MB inputs with the size limit lifted) and is deterministic;
// - evaluate never throws on arbitrary record bytes, including records shorter than the format
//   (missing bytes read as zero);
// - the kernel-style branch program and the and/or/not tree agree on every record;
// - formatFilter output re-parses to a filter with the same verdicts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { compileLeaf } from '../src/evaluate.ts';
import {
  type EvalContext,
  evaluate,
  type Filter,
  type FilterEnv,
  type FilterNode,
  formatFilter,
  parseFilter,
  recordFromJson,
} from '../src/index.ts';
import { fixtureEvent } from './corpus-helpers.ts';

const pv = fixtureEvent('fspecr_pv.format', 'fspecr', 'pv');
const env: FilterEnv = {
  nrCpuIds: 2,
  lookupSymbol: (q) => (q === 'vfs_read' || q === 0x1000n ? { start: 0x1000n, size: 0x100n } : undefined),
};

const NUM_FIELDS = [
  'a8',
  's8',
  'a16',
  's16',
  'a32',
  's32',
  'a64',
  's64',
  'x32',
  'b',
  'c',
  'arr',
  'common_pid',
  'cpu',
  'CPU',
];
const STR_FIELDS = ['str', 'comm', 'COMM'];
const OPS = ['==', '!=', '<', '<=', '>', '>=', '&'];
const numLit = fc.oneof(
  fc.bigInt({ min: -(1n << 63n), max: (1n << 64n) - 1n }).map((v) => v.toString()),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((v) => `0x${v.toString(16)}`),
  fc.integer({ min: 0, max: 300 }).map(String),
  fc.constantFrom('0', '-1', '010', '0xff', '255', '256', '-128'),
);
const strLit = fc
  .array(fc.constantFrom('a', 'b', 'h', 'e', 'l', 'o', '*', '?', '[', ']', '!', '\\', '-', '1'), {
    maxLength: 6,
  })
  .map((cs) => `"${cs.join('')}"`);
const pred = fc.oneof(
  fc
    .tuple(fc.constantFrom(...NUM_FIELDS), fc.constantFrom(...OPS), numLit)
    .map(([f, o, v]) => `${f} ${o} ${v}`),
  fc
    .tuple(fc.constantFrom(...STR_FIELDS), fc.constantFrom('==', '!=', '~'), strLit)
    .map(([f, o, v]) => `${f} ${o} ${v}`),
  fc
    .tuple(
      fc.constantFrom('a32', 'a64', 'a8', 'cpu', 's32'),
      fc.constantFrom('==', '!=', '&'),
      fc.constantFrom('0', '1', '0-1', ',', 'N', 'all'),
    )
    .map(([f, o, l]) => `${f} ${o} CPUS{${l}}`),
  fc.constantFrom('a64.function == vfs_read ', 'a64.function != 0x1010', 'stacktrace == 0'),
);
const ws = fc.constantFrom(' ', '  ', '\t', '\n', '');
type Tree = { p: string } | { op: '&&' | '||'; l: Tree; r: Tree } | { not: Tree } | { paren: Tree };
const treeArb: fc.Arbitrary<Tree> = fc.letrec<{ t: Tree }>((tie) => ({
  t: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    pred.map((p) => ({ p })),
    fc.record({ op: fc.constantFrom('&&' as const, '||' as const), l: tie('t'), r: tie('t') }),
    fc.record({ not: tie('t') }),
    fc.record({ paren: tie('t') }),
  ),
})).t;
function render(t: Tree, sp: string): string {
  if ('p' in t) return t.p;
  if ('not' in t) return `!${sp}${render(t.not, sp)}`;
  if ('paren' in t) return `(${sp}${render(t.paren, sp)}${sp})`;
  return `${render(t.l, sp)} ${t.op}${sp}${render(t.r, sp)}`;
}
const filterText = fc
  .tuple(treeArb, ws, fc.constantFrom('', ' &&', ' ||', ' && !', '  '))
  .map(([t, sp, tail]) => `${render(t, sp === '' ? ' ' : sp)}${tail}`);

const recordArb = fc
  .record({
    a: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    b: fc.constantFrom(0n, 1n, 2n, 3n, 0xffffffffn),
    c: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    str: fc.constantFrom('hello', '', 'a*', 'h*llo', 'ab', 'abc', '1*', 'a]c', 'help'),
    cpu: fc.constantFrom(0, 1),
    comm: fc.constantFrom('fspec_t', 'hello', 'ab'),
  })
  .map((r) => {
    const hex = (v: bigint): string => `0x${v.toString(16)}`;
    const m = (bits: bigint): string => hex(r.a & ((1n << bits) - 1n));
    const json = {
      a8: m(8n),
      s8: m(8n),
      a16: m(16n),
      s16: m(16n),
      a32: m(32n),
      s32: m(32n),
      a64: m(64n),
      s64: m(64n),
      x32: m(32n),
      b: hex(r.b),
      c: hex(r.c),
      str: r.str,
      cpu: r.cpu,
      comm: r.comm,
    };
    const rec = recordFromJson(pv, json);
    if (!rec.ok) throw new Error(rec.error);
    return rec;
  });

function evalTree(filter: Filter, record: Uint8Array, ctx: EvalContext): boolean {
  const leaves = filter.preds.map(compileLeaf);
  const go = (n: FilterNode): boolean => {
    switch (n.type) {
      case 'pred':
        return (leaves[n.index] as (r: Uint8Array, c: EvalContext) => boolean)(record, ctx);
      case 'not':
        return !go(n.operand);
      case 'and':
        return n.operands.every(go);
      case 'or':
        return n.operands.some(go);
    }
  };
  return go(filter.tree);
}

test('parseFilter never throws on arbitrary strings and is deterministic', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 40 })), (s) => {
      const a = parseFilter(s, pv, env);
      const b = parseFilter(s, pv, env);
      assert.deepEqual(a, b);
    }),
    { numRuns: 2000 },
  );
});

test('parseFilter never throws on filter-like token soup', () => {
  const tok = fc.constantFrom(
    '(',
    ')',
    '!',
    '&&',
    '||',
    '&',
    '|',
    ' ',
    'b',
    'str',
    '==',
    '~',
    '"',
    "'",
    '1',
    '-',
    'CPUS{',
    '}',
    'a8',
    '.function',
    '.ustring',
    'x',
  );
  fc.assert(
    fc.property(fc.array(tok, { maxLength: 30 }), (ts) => {
      const r = parseFilter(ts.join(''), pv, env);
      if (!r.ok) assert.ok(r.error.message.length > 0 && r.error.position >= 0);
    }),
    { numRuns: 3000 },
  );
});

test('10,000-deep parentheses and 1 MB inputs give a result or a diagnostic, never a stack overflow', () => {
  const deep = `${'('.repeat(10000)}b == 1${')'.repeat(10000)}`;
  const limited = parseFilter(deep, pv, env);
  assert.ok(!limited.ok && limited.error.tooLong === true);
  const unl = parseFilter(deep, pv, env, { maxBytes: Number.POSITIVE_INFINITY });
  assert.ok(unl.ok && unl.filter !== null);
  assert.equal(formatFilter(unl.filter), 'b == 1');
  const negDeep = `${'!('.repeat(10000)}b == 1${')'.repeat(10000)}`;
  const nd = parseFilter(negDeep, pv, env, { maxBytes: Number.POSITIVE_INFINITY });
  assert.ok(nd.ok && nd.filter !== null);
  const big = Array.from({ length: 75000 }, (_, i) => `b == ${i}`).join(' || ');
  assert.ok(big.length > 1_000_000);
  const r = parseFilter(big, pv, env, { maxBytes: Number.POSITIVE_INFINITY });
  assert.ok(r.ok && r.filter !== null && r.filter.preds.length === 75000);
  const rec = recordFromJson(pv, { b: 74999 });
  assert.ok(rec.ok);
  assert.equal(evaluate(r.filter, rec.record, rec.ctx), true);
  assert.ok(formatFilter(r.filter).length > 1_000_000);
  const grouped = parseFilter(`(${big}) || c == 1`, pv, env, { maxBytes: Number.POSITIVE_INFINITY });
  assert.ok(grouped.ok && grouped.filter !== null && grouped.filter.tree.type === 'or');
  assert.equal(grouped.filter.tree.type === 'or' && grouped.filter.tree.operands.length, 75001);
  // 10,000 nested groups alternating && and ||: a 10,000-deep tree, printed and evaluated iteratively.
  let nested = 'b == 0';
  for (let i = 1; i <= 10000; i++) nested = `b == ${i} ${i % 2 ? '&&' : '||'} (${nested})`;
  const nr = parseFilter(nested, pv, env, { maxBytes: Number.POSITIVE_INFINITY });
  assert.ok(nr.ok && nr.filter !== null);
  const canon = formatFilter(nr.filter);
  const nr2 = parseFilter(canon, pv, env, { maxBytes: Number.POSITIVE_INFINITY });
  assert.ok(nr2.ok && nr2.filter !== null);
  for (const b of [0, 1, 2, 10000, 9999]) {
    const rr = recordFromJson(pv, { b });
    assert.ok(rr.ok);
    assert.equal(evaluate(nr2.filter, rr.record, rr.ctx), evaluate(nr.filter, rr.record, rr.ctx));
  }
  const unclosed = parseFilter('('.repeat(1_000_000), pv, env, { maxBytes: Number.POSITIVE_INFINITY });
  assert.ok(!unclosed.ok && unclosed.error.errno === 'ENOENT');
  const junk = parseFilter('x'.repeat(1 << 20), pv, env);
  assert.ok(!junk.ok && junk.error.tooLong === true);
  const junkU = parseFilter('x'.repeat(1 << 20), pv, env, { maxBytes: Number.POSITIVE_INFINITY });
  assert.ok(!junkU.ok && junkU.error.message === 'Field not found');
});

test('evaluate never throws on arbitrary record bytes (short records read as zero-filled)', () => {
  const filters = [
    'a8 == 0',
    's64 < -5',
    'str ~ "h*"',
    'str == ""',
    'arr != 0',
    'a32 & CPUS{0-1}',
    'c > 5 || a64 & 1',
    'str ~ "*l*"',
    'str ~ "[a-z]?"',
    'a64.function == vfs_read ',
    '!(b == 1 && str != "x")',
  ].map((f) => {
    const r = parseFilter(f, pv, env);
    if (!r.ok || r.filter === null) throw new Error(f);
    return r.filter;
  });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 140 }), fc.nat(1), (bytes, cpu) => {
      const ctx: EvalContext = { cpu, comm: new Uint8Array(16) };
      for (const f of filters) assert.equal(typeof evaluate(f, bytes, ctx), 'boolean');
    }),
    { numRuns: 3000 },
  );
  const zero = new Uint8Array(0);
  const ctx: EvalContext = { cpu: 0, comm: new Uint8Array(16) };
  assert.equal(evaluate(filters[0] as Filter, zero, ctx), true, 'a8 reads 0 from an empty record');
  assert.equal(evaluate(filters[3] as Filter, zero, ctx), true, 'str: locator 0 → empty string at offset 0');
});

test('branch program and boolean tree agree; formatFilter re-parses to the same verdicts', () => {
  let accepted = 0;
  fc.assert(
    fc.property(filterText, fc.array(recordArb, { minLength: 1, maxLength: 6 }), (text, recs) => {
      const r = parseFilter(text, pv, env);
      if (!r.ok || r.filter === null) return;
      accepted++;
      const canon = formatFilter(r.filter);
      const again = parseFilter(canon, pv, env, { maxBytes: Number.POSITIVE_INFINITY });
      assert.ok(
        again.ok && again.filter !== null,
        `canonical ${JSON.stringify(canon)} of ${JSON.stringify(text)}`,
      );
      assert.equal(formatFilter(again.filter), canon);
      for (const rec of recs) {
        const v = evaluate(r.filter, rec.record, rec.ctx);
        assert.equal(evalTree(r.filter, rec.record, rec.ctx), v, `tree vs program: ${text}`);
        assert.equal(evaluate(again.filter, rec.record, rec.ctx), v, `${text} vs ${canon}`);
      }
    }),
    { numRuns: 1500 },
  );
  assert.ok(accepted > 300, `only ${accepted} generated filters were accepted`);
});
