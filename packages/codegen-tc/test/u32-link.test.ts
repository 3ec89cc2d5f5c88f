// Linked u32 rules (u32-link.ts) against the IR: random filters over fixed packet loads and libpcap-shaped
// transport loads (14 + 4·(byte 14 & 15) + j), every compare op, masks, sets, and/or/not, → two-region decision
// list → a root link knode (`offset at 0 mask 0x0f00 shift 6`) and a table of `nexthdr+` keys, run by the cls_u32
// model over random frames of every IHL value (0…15) and lengths 14…100: inside the contract (at least
// contractMin bytes, and the word rounding does not decide: three more bytes would not change the model's
// verdict) the model equals the IR's verdict (accept = hit; reject and abort = miss); where the word rounding
// decides, the model never hits where the IR rejects. Also: the model's link/offset/eat semantics on hand-built
// rules (eat, a table not entered past the end, a terminal linking knode after its table, off2 kept after a pop,
// the 16-bit offset read out of bounds), and the batch lines of a linked rule set.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  and,
  arith,
  type CmpOp,
  cmp,
  type Expr,
  evaluate,
  type Filter,
  filter,
  inSet,
  konst,
  load,
  not,
  or,
  type Pred,
  printFilter,
  runPasses,
  type Width,
} from '@tfc/ir';
import fc from 'fast-check';
import { evaluateU32, type Optimize, type U32Rules, u32Batch, u32LinkFromIr } from '../src/index.ts';

/** The IR passes, as the compiler's passes stage runs them. */
const optimize: Optimize = (f) => {
  const r = runPasses(f);
  return r.ok ? r : { ok: false, reason: r.diagnostics.map((d) => d.message).join('; ') };
};

const widthArb = fc.constantFrom<Width>(1, 2, 4);
const ihl = (): Expr => arith('<<', arith('&', load('packet', 14, 1, 'be', false), konst(15)), konst(2));
const transportLoad = (j: number, w: Width): Expr =>
  load('packet', arith('+', ihl(), konst(14 + j)), w, 'be', false);
const loadArb: fc.Arbitrary<Expr> = fc.oneof(
  fc
    .record({ offset: fc.integer({ min: 12, max: 40 }), width: widthArb })
    .map((r) => load('packet', r.offset, r.width, 'be', false)),
  {
    weight: 2,
    arbitrary: fc
      .record({ j: fc.integer({ min: 0, max: 20 }), width: widthArb })
      .map((r) => transportLoad(r.j, r.width)),
  },
);
const constArb = fc.oneof(
  fc.constantFrom(0n, 1n, 2n, 6n, 0x11n, 0x50n, 0x7fn, 0x80n, 0xffn, 0x0800n),
  fc.bigInt({ min: 0n, max: 0xffffffffn }),
);
const opArb = fc.constantFrom<CmpOp>('eq', 'ne', 'lt', 'le', 'gt', 'ge', 'set', 'clear');
const widthOf = (l: Expr): Width => (l as { width: Width }).width;
const leafArb: fc.Arbitrary<Pred> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.tuple(opArb, loadArb, constArb).map(([op, l, c]) => cmp(op, widthOf(l), false, l, c)),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(loadArb, constArb, constArb)
      .map(([l, m, c]) => cmp('eq', widthOf(l), false, arith('&', l, konst(m)), c & m)),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(loadArb, fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 3 }))
      .map(([l, s]) => inSet(widthOf(l), l, s)),
  },
);
const predArb: fc.Arbitrary<Pred> = fc.letrec<{ p: Pred }>((tie) => ({
  p: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'p', withCrossShrink: true },
    leafArb,
    fc.array(tie('p'), { minLength: 2, maxLength: 3, depthIdentifier: 'p' }).map((a) => and(...a)),
    fc.array(tie('p'), { minLength: 2, maxLength: 3, depthIdentifier: 'p' }).map((a) => or(...a)),
    tie('p').map((p) => not(p)),
  ),
})).p;
// A transport load somewhere, so that the filter needs the link.
const linkedArb = fc
  .tuple(predArb, fc.integer({ min: 0, max: 20 }), widthArb, constArb, fc.boolean())
  .map(([p, j, w, c, first]) => {
    const t = cmp('ne', w, false, transportLoad(j, w), c);
    return first ? or(t, p) : and(p, t);
  });
const BYTES = [0, 1, 2, 6, 0x11, 0x45, 0x50, 0x80, 0xff];
const frameArb = fc
  .record({
    len: fc.integer({ min: 14, max: 100 }),
    vihl: fc.integer({ min: 0, max: 255 }),
    raw: fc.uint8Array({ minLength: 100, maxLength: 100 }),
  })
  .map(({ len, vihl, raw }) => {
    const a = raw.subarray(0, len).map((b) => (b < 180 ? BYTES[b % BYTES.length]! : b));
    if (a.length > 14) a[14] = vihl;
    if (a.length > 13 && raw[99]! % 2 === 0) {
      a[12] = 0x08;
      a[13] = 0x00;
    }
    return a;
  });

const padded = (frame: Uint8Array): Uint8Array => {
  const p = new Uint8Array(frame.length + 3);
  p.set(frame);
  return p;
};

interface Tally {
  exact: number;
  slack: number;
  short: number;
  shortDiffer: number;
  linked: number;
  refused: number;
}

function check(f: Filter, frames: readonly Uint8Array[], t: Tally): void {
  const u = u32LinkFromIr(f, optimize);
  if (!u.ok) {
    t.refused++;
    assert.ok(!/exception|undefined/i.test(u.reason), u.reason);
    return;
  }
  t.linked++;
  const r = u.rules;
  assert.ok(r.contractMin !== undefined && r.contractMin >= 16);
  assert.equal(r.knodes.filter((k) => (k.table ?? 0) === 0).length, 1, 'one root knode');
  for (const frame of frames) {
    const want = evaluate(f, { packet: frame }) === 'accept' ? 'hit' : 'miss';
    const got = evaluateU32(r, frame);
    const why = () =>
      `${printFilter(f)}\nframe ${Buffer.from(frame).toString('hex')} (len ${frame.length}): u32 ${got}, ir ${want}\n${JSON.stringify(r.knodes)}`;
    if (frame.length < r.contractMin!) {
      t.short++;
      if (got !== want) t.shortDiffer++;
      continue;
    }
    if (evaluateU32(r, padded(frame)) !== got) {
      t.slack++;
      if (got === 'hit' && want === 'miss') assert.fail(`u32 hit inside a word window: ${why()}`);
      continue;
    }
    t.exact++;
    if (got !== want) assert.fail(why());
  }
}

test('linked u32 rules (cls_u32 model) ≡ IR on random transport filters × frames of every IHL', () => {
  const t: Tally = { exact: 0, slack: 0, short: 0, shortDiffer: 0, linked: 0, refused: 0 };
  fc.assert(
    fc.property(linkedArb, fc.array(frameArb, { minLength: 12, maxLength: 12 }), (p, frames) => {
      const f = filter(p);
      check(f, frames, t);
      const o = runPasses(f);
      assert.ok(o.ok);
      check(o.ir, frames, t);
    }),
    { numRuns: 1000 },
  );
  assert.ok(t.linked >= 1500, `${t.linked} linked rule sets (${t.refused} refused)`);
  assert.ok(t.exact >= 10_000, `${t.exact} exact cases`);
  assert.ok(t.slack > 0, 'some frames end inside a word');
  console.log(
    `linked: ${t.linked} rule sets (${t.refused} refused); ${t.exact} exact pairs, ${t.slack} in word windows, ${t.short} shorter than the contract (${t.shortDiffer} differ)`,
  );
});

const frameOf = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.replace(/ /g, ''), 'hex'));
const ETH = '020000000002 020000000001 0800';

test('model: link, offset, eat, a table past the end, terminal linking knode, off2 after a pop', () => {
  // IHL 6: transport at network 24. Keys: root reads nothing; table 1 matches the byte at transport 0.
  const ip = (ihlNibble: number, len: number): Uint8Array => {
    const f = new Uint8Array(14 + len);
    f.set(frameOf(ETH));
    f[14] = 0x40 | ihlNibble;
    for (let i = 15; i < f.length; i++) f[i] = i & 0xff;
    return f;
  };
  const base = (knodes: U32Rules['knodes']): U32Rules => ({
    protocol: 'all',
    knodes,
    linkOffset: 14,
    wordSlack: 0,
    wordEnd: 0,
    tables: [1],
  });
  const f = ip(6, 40); // transport word at network 24: frame bytes 38..41 = 0x26272829
  // eat: table keys relative to the transport header.
  const eat = base([
    { kind: 'check', keys: [], link: { table: 1, at: 0, mask: 0x0f00, shift: 6, eat: true } },
    { kind: 'hit', table: 1, keys: [{ value: 0x26272829, mask: 0xffffffff, at: 0 }] },
  ]);
  assert.equal(evaluateU32(eat, f), 'hit');
  assert.equal(evaluateU32(eat, ip(5, 40)), 'miss');
  // No eat: a plain key in the table still reads the network header; nexthdr+ reads the transport header.
  const noEat = base([
    { kind: 'check', keys: [], link: { table: 1, at: 0, mask: 0x0f00, shift: 6, eat: false } },
    { kind: 'hit', table: 1, keys: [{ value: 0x26272829, mask: 0xffffffff, at: 0, nexthdr: true }] },
  ]);
  assert.equal(evaluateU32(noEat, f), 'hit');
  // eat past the end: the table is not entered (no abort), the root goes on after the linking knode.
  const past = base([
    { kind: 'check', keys: [], link: { table: 1, plus: 200, eat: true } },
    { kind: 'hit', table: 1, keys: [] },
    { kind: 'hit', keys: [{ value: 0, mask: 0, at: 0 }] },
  ]);
  assert.equal(evaluateU32(past, f), 'hit');
  assert.equal(evaluateU32({ ...past, knodes: past.knodes.slice(0, 2) }, f), 'miss');
  // A terminal linking knode is the verdict when its table ends without one.
  const terminal = base([
    { kind: 'hit', keys: [], link: { table: 1, plus: 4, eat: true } },
    { kind: 'check', table: 1, keys: [] },
  ]);
  assert.equal(evaluateU32(terminal, f), 'hit');
  // off2 survives the pop: a root nexthdr+ key after the link reads with it (4·IHL = 24).
  const kept = base([
    { kind: 'check', keys: [], link: { table: 1, at: 0, mask: 0x0f00, shift: 6, eat: false } },
    { kind: 'hit', keys: [{ value: 0x26272829, mask: 0xffffffff, at: 0, nexthdr: true }] },
  ]);
  assert.equal(evaluateU32(kept, f), 'hit');
  // A key of the table past the end aborts the whole prio, the root's later knodes included.
  const abort = base([
    { kind: 'check', keys: [], link: { table: 1, at: 0, mask: 0x0f00, shift: 6, eat: false } },
    { kind: 'hit', table: 1, keys: [{ value: 0, mask: 0, at: 36, nexthdr: true }] },
    { kind: 'hit', keys: [] },
  ]);
  assert.equal(evaluateU32(abort, f), 'miss');
  assert.equal(evaluateU32(abort, ip(6, 64)), 'hit');
  // The 16-bit offset read out of bounds aborts: a frame with 1 byte past the Ethernet header.
  assert.equal(evaluateU32(noEat, ip(6, 1)), 'miss');
});

test('batch: the table, its knodes (ht, nexthdr+), then the root link', () => {
  const f = filter(
    and(
      cmp('eq', 2, false, load('packet', 12, 2, 'be', false), 0x800n),
      cmp('eq', 1, false, load('packet', 23, 1, 'be', false), 17n),
      cmp('eq', 2, false, transportLoad(2, 2), 53n),
    ),
  );
  const u = u32LinkFromIr(f, optimize);
  assert.ok(u.ok, u.ok ? '' : u.reason);
  const b = u32Batch(u.rules, { dev: 'v0', direction: 'ingress', prio: 3 });
  assert.ok(b.ok);
  assert.deepEqual(b.lines, [
    'filter add dev v0 ingress protocol 0x0800 prio 3 handle 3: u32 divisor 1',
    'filter add dev v0 ingress protocol 0x0800 prio 3 handle 3::1 u32 ht 3: match u32 0x00110000 0x00ff0000 at 8 match u32 0x00000035 0x0000ffff at nexthdr+0 classid 1:1',
    'filter add dev v0 ingress protocol 0x0800 prio 3 handle ::1 u32 match u32 0x00000000 0x00000000 at -4 link 3: offset at 0 mask 0x0f00 shift 6',
  ]);
  const t = u32Batch(u.rules, { dev: 'v0', direction: 'ingress', prio: 3, table: 0x800 });
  assert.equal(t.ok, false);
});
