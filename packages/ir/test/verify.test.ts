// verify(): accepts well-formed IR and rejects hand-broken IR, one case per invariant code listed in
// verify.ts's header; also checks that deep input is a diagnostic, not a stack overflow.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CHAIN_MAX_BOUND,
  chain,
  cmp,
  type Expr,
  type Filter,
  filter,
  inSet,
  load,
  MAX_DEPTH,
  not,
  type Pred,
  parseFilter,
  runPasses,
  str,
  verify,
} from '../src/index.ts';

const x = load('record', 8, 4);
const good = filter(cmp('eq', 4, false, x, 7));

function codes(f: Filter): string[] {
  return [...new Set(verify(f).map((d) => d.code))];
}
// Hand-made broken nodes are typed loosely on purpose: they are what a buggy producer or JSON gives.
function body(p: unknown): Filter {
  return filter(p as Pred);
}
function withLeft(e: unknown): Filter {
  return body({
    kind: 'cmp',
    op: 'eq',
    width: 4,
    signed: false,
    left: e as Expr,
    right: { kind: 'const', value: 1n },
  });
}

test('verify accepts well-formed IR', () => {
  assert.deepEqual(verify(good), []);
  assert.deepEqual(
    verify(filter(str('end', 'sh', { kind: 'fixed', base: 'record', offset: 8, size: 16 }))),
    [],
  );
});

const broken: readonly (readonly [string, Filter])[] = [
  ['kind', body({ kind: 'xor', args: [] })],
  ['kind', withLeft({ kind: 'register', n: 1 })],
  ['value-ids', { kind: 'filter', values: [{ id: 1, expr: x }], body: good.body }],
  ['ref', withLeft({ kind: 'ref', id: 0 })],
  ['ref', { kind: 'filter', values: [{ id: 0, expr: { kind: 'ref', id: 0 } }], body: good.body }],
  ['const', withLeft({ kind: 'const', value: 1n << 64n })],
  ['base', withLeft({ ...x, base: 'stack' })],
  ['load-width', withLeft({ ...x, width: 3 })],
  ['load-offset', withLeft({ ...x, offset: -1 })],
  ['order', withLeft({ ...x, order: 'middle' })],
  ['arith-op', withLeft({ kind: 'arith', op: '**', left: x, right: x })],
  ['pseudo', withLeft({ kind: 'pseudo', name: 'tid' })],
  [
    'cmp-op',
    body({
      kind: 'cmp',
      op: 'approx',
      width: 4,
      signed: false,
      left: x,
      right: { kind: 'const', value: 1n },
    }),
  ],
  [
    'cmp-width',
    body({ kind: 'cmp', op: 'eq', width: 16, signed: false, left: x, right: { kind: 'const', value: 1n } }),
  ],
  [
    'cmp-signed',
    body({ kind: 'cmp', op: 'eq', width: 4, signed: true, left: x, right: { kind: 'const', value: 1n } }),
  ],
  [
    'cmp-const',
    body({ kind: 'cmp', op: 'lt', width: 1, signed: false, left: x, right: { kind: 'const', value: 256n } }),
  ],
  ['set', body({ ...(inSet(2, x, [1, 2]) as object), set: [2n, 1n] })],
  ['set', body({ ...(inSet(2, x, [1, 2]) as object), set: [] })],
  ['set', body({ ...(inSet(1, x, [1]) as object), set: [1n, 300n] })],
  ['str-match', body({ ...(str('full', 'a', { kind: 'comm' }) as object), match: 'regex' })],
  ['str-pattern', body({ ...(str('full', 'a', { kind: 'comm' }) as object), pattern: 'a\u0000b' })],
  ['str-pattern', body({ ...(str('full', 'a', { kind: 'comm' }) as object), pattern: 'x'.repeat(256) })],
  ['str-source', body(str('full', 'a', { kind: 'fixed', base: 'record', offset: 8, size: 0 }))],
  [
    'str-source',
    body(str('full', 'a', { kind: 'ptr', base: 'record', offset: 8, order: 'le', space: 'hyp' as 'user' })),
  ],
  [
    'str-flags',
    body({
      ...(str('end', 'a', { kind: 'fixed', base: 'record', offset: 8, size: 16 }) as object),
      flags: { endWindow: false, pastNul: false, faultFalse: false },
    }),
  ],
  ['nary', body({ kind: 'and', args: [good.body] })],
  ['chain', body({ ...chain('ip6', 14, 6), family: 'ipx' })],
  ['chain', body({ ...chain('ip6', 14, 6), net: -1 })],
  ['chain', body({ ...chain('ip', 14, 6), proto: 2 ** 32 })],
  ['chain', body({ ...chain('ip', 14, 6), ah: 'skip' })],
  ['chain', body({ ...chain('ip', 14, 6), bound: CHAIN_MAX_BOUND + 1 })],
];

for (const [code, f] of broken) {
  test(`verify rejects a broken '${code}' invariant`, () => {
    assert.ok(codes(f).includes(code), `expected ${code}, got ${JSON.stringify(codes(f))}`);
  });
}

test('every invariant code named in verify.ts has a broken case here', async () => {
  const { readFile } = await import('node:fs/promises');
  const src = await readFile(new URL('../src/verify.ts', import.meta.url), 'utf8');
  const named = [...src.matchAll(/^\/\/ {3}([a-z-]+) {2,}/gm)].map((m) => m[1]!);
  assert.ok(named.length >= 20, `found ${named.length} codes`);
  const tested = new Set(broken.map(([c]) => c));
  tested.add('depth');
  for (const c of named) assert.ok(tested.has(c), `no broken case for '${c}'`);
});

test('deep nesting is a diagnostic from verify, the parser and the pipeline, not a stack overflow', () => {
  let p: Pred = good.body;
  for (let i = 0; i < 50_000; i++) p = not(p);
  const f = filter(p);
  assert.deepEqual(codes(f), ['depth']);
  const r = runPasses(f);
  assert.equal(r.ok, false);
  const text = '(filter ' + '(not '.repeat(50_000) + 'true' + ')'.repeat(50_001);
  const parsed = parseFilter(text);
  assert.equal(parsed.ok, false);
  if (!parsed.ok) assert.match(parsed.diagnostics[0]!.message, /nesting deeper than/);
  let ok: Pred = good.body;
  for (let i = 0; i < MAX_DEPTH - 2; i++) ok = not(ok);
  assert.deepEqual(verify(filter(ok)), []);
});

test('the parser reports errors as values with an offset', () => {
  for (const bad of [
    '',
    '(filter',
    '(filter (eq u4 (load record 8 u3le) 1))',
    '(filter (str full "x',
    '(filter true) x',
    '(filter (zz))',
  ]) {
    const r = parseFilter(bad);
    assert.equal(r.ok, false, bad);
    if (!r.ok) assert.match(r.diagnostics[0]!.at, /^@\d+$/);
  }
});
