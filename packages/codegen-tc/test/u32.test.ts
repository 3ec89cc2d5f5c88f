// The u32 target against the IR: random u32-expressible filters (constant-offset packet/frame loads of every width
// and byte order, masked or not, every compare op, sets, and/or/not) → decision list → u32 knodes, run by the
// cls_u32 model (evaluateU32) over random frames, must give the IR's verdict (accept = hit; reject and abort =
// miss) — except on frames that end inside a key's 32-bit word, where cls_u32 (whole-word reads) must miss; and
// fixed encodings: aligned words, little-endian byte swaps, straddling fields, merged keys, folded contradictions,
// exclusion (abort) rules, the protocol, batch syntax.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildDecisionList, type DecisionList } from '@tfc/decision-list';
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
import { ABORT_AT, evaluateU32, type U32Rules, u32Batch, u32FromList } from '../src/index.ts';

const widthArb = fc.constantFrom<Width>(1, 2, 4);
const loadArb: fc.Arbitrary<Expr> = fc.oneof(
  fc
    .record({
      offset: fc.integer({ min: 0, max: 30 }),
      width: widthArb,
      order: fc.constantFrom('le' as const, 'be' as const),
    })
    .map((r) => load('packet', r.offset, r.width, r.order, false)),
  fc
    .record({
      offset: fc.integer({ min: 0, max: 10 }),
      width: widthArb,
      order: fc.constantFrom('le' as const, 'be' as const),
    })
    .map((r) => load('frame', r.offset, r.width, r.order, false)),
);
const constArb = fc.oneof(
  fc.constantFrom(0n, 1n, 2n, 6n, 0x7fn, 0x80n, 0xffn, 0x100n, 0xffffn, 0x0800n),
  fc.bigInt({ min: 0n, max: 0xffffffffn }),
);
const opArb = fc.constantFrom<CmpOp>('eq', 'ne', 'lt', 'le', 'gt', 'ge', 'set', 'clear');
const leafArb: fc.Arbitrary<Pred> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(opArb, loadArb, constArb)
      .map(([op, l, c]) => cmp(op, (l as { width: Width }).width, false, l, c)),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(loadArb, constArb, constArb)
      .map(([l, m, c]) => cmp('eq', (l as { width: Width }).width, false, arith('&', l, konst(m)), c & m)),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(loadArb, fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 4 }))
      .map(([l, s]) => inSet((l as { width: Width }).width, l, s)),
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
const BYTES = [0, 1, 2, 6, 8, 0x7f, 0x80, 0xff];
const frameArb = fc
  .integer({ min: 14, max: 72 })
  .chain((n) =>
    fc.uint8Array({ minLength: n, maxLength: n }).map((a) => a.map((b) => (b < 160 ? BYTES[b % 8]! : b))),
  )
  .map((a) => {
    if (a.length >= 14 && a[0]! % 3 === 0) {
      a[12] = 0x08;
      a[13] = 0x00;
    }
    return a;
  });

/** Frame lengths where whole-word reads may differ from byte-exact ones: [end, end rounded up to a word). */
function slackWindows(list: DecisionList): [number, number][] {
  const w: [number, number][] = [];
  const add = (endFrame: number) => {
    const nh = endFrame - 14;
    const up = Math.ceil(nh / 4) * 4;
    if (up > nh) w.push([endFrame, up + 14]);
  };
  for (const k of list.keys) if (k.kind === 'field') add(k.offset + k.bits / 8);
  for (const e of list.entries)
    for (const [n, m] of e.match)
      if (n === list.keys.find((k) => k.kind === 'length')?.name && m.kind === 'ternary') {
        add(Number(m.value));
        add(Number(m.value | (~m.mask & 0xffffn)) + 1);
      }
  return w;
}

function check(f: Filter, frames: readonly Uint8Array[]): { exact: number; slack: number } {
  const l = buildDecisionList(f, { ranges: false });
  if (!l.ok) return { exact: 0, slack: 0 };
  const u = u32FromList(l.list);
  if (!u.ok) {
    if (u.diagnostics.every((d) => d.code === 'u32-too-many')) return { exact: 0, slack: 0 };
    assert.fail(`${printFilter(f)}: ${u.diagnostics.map((d) => d.message).join('; ')}`);
  }
  const windows = slackWindows(l.list);
  let exact = 0;
  let slack = 0;
  for (const frame of frames) {
    const want = evaluate(f, { packet: frame }) === 'accept' ? 'hit' : 'miss';
    const got = evaluateU32(u.rules, frame);
    if (windows.some(([a, b]) => frame.length >= a && frame.length < b)) {
      slack++;
      if (got === 'hit' && want === 'miss')
        assert.fail(
          `${printFilter(f)}: frame ${Buffer.from(frame).toString('hex')}: u32 hit inside a word window`,
        );
      continue;
    }
    exact++;
    if (got !== want)
      assert.fail(
        `${printFilter(f)}\nframe ${Buffer.from(frame).toString('hex')} (len ${frame.length}): u32 ${got}, ir ${want}\n` +
          JSON.stringify(u.rules.knodes),
      );
  }
  return { exact, slack };
}

test('u32 rules (cls_u32 model) ≡ IR on random filters × frames, raw and optimized', () => {
  let exact = 0;
  let slack = 0;
  fc.assert(
    fc.property(predArb, fc.array(frameArb, { minLength: 10, maxLength: 10 }), (p, frames) => {
      const f = filter(p);
      const a = check(f, frames);
      const o = runPasses(f);
      assert.ok(o.ok);
      const b = check(o.ir, frames);
      exact += a.exact + b.exact;
      slack += a.slack + b.slack;
    }),
    { numRuns: 1200 },
  );
  assert.ok(exact >= 10_000, `${exact} exact cases`);
  assert.ok(slack > 0, 'some frames end inside a word');
});

function rulesOf(p: Pred): U32Rules {
  const l = buildDecisionList(filter(p), { ranges: false });
  assert.ok(l.ok);
  const u = u32FromList(l.list);
  assert.ok(u.ok, u.ok ? '' : u.diagnostics[0]?.message);
  return u.rules;
}

test('keys: aligned words from bytes, LE swapped, straddling split, merged, contradictions folded', () => {
  // A little-endian u16 at frame 68 (NH 54): bytes 54, 55 of the word at 52 → low half, value byte-swapped.
  const le = rulesOf(cmp('eq', 2, false, load('packet', 68, 2, 'le', false), 0x1234n));
  assert.deepEqual(le.knodes, [{ kind: 'hit', keys: [{ value: 0x3412, mask: 0xffff, at: 52 }] }]);
  // A big-endian u32 at NH 2 straddles two words.
  const st = rulesOf(cmp('eq', 4, false, load('packet', 16, 4, 'be', false), 0xa1b2c3d4n));
  assert.deepEqual(st.knodes[0]?.keys, [
    { value: 0xa1b2, mask: 0xffff, at: 0 },
    { value: 0xc3d40000, mask: 0xffff0000, at: 4 },
  ]);
  // Two bytes of one word merge into one key.
  const m = rulesOf(
    and(
      cmp('eq', 1, false, load('packet', 23, 1, 'be', false), 6n),
      cmp('eq', 1, false, load('packet', 22, 1, 'be', false), 64n),
    ),
  );
  assert.deepEqual(m.knodes[0]?.keys, [{ value: 0x4006_0000 >>> 0, mask: 0xffff0000 >>> 0, at: 8 }]);
  // A contradiction matches nothing: no rules.
  const c = rulesOf(
    and(
      cmp('eq', 1, false, load('packet', 23, 1, 'be', false), 6n),
      cmp('eq', 2, false, load('packet', 22, 2, 'be', false), 0x4011n),
    ),
  );
  assert.equal(c.knodes.length, 0);
  // NOT: an exclusion rule (aborting key) first, then the hit.
  const n = rulesOf(
    and(
      cmp('eq', 2, false, load('packet', 12, 2, 'be', false), 0x800n),
      not(cmp('eq', 1, false, load('packet', 23, 1, 'be', false), 17n)),
    ),
  );
  assert.equal(n.protocol, '0x0800');
  const miss = n.knodes.findIndex((k) => k.kind === 'miss');
  assert.ok(miss >= 0 && miss < n.knodes.length - 1);
  assert.deepEqual(n.knodes[miss]?.keys.at(-1), { value: 0, mask: 0, at: ABORT_AT });
  assert.equal(n.knodes.at(-1)?.kind, 'hit');
  const b = u32Batch(n, {
    dev: 'v0',
    direction: 'ingress',
    prio: 7,
    action: 'action mirred egress mirror dev s0',
  });
  assert.ok(b.ok);
  assert.deepEqual(
    b.lines.slice(-2).map((l) => l.replace(/handle ::[0-9a-f]+ /, '')),
    [
      'filter add dev v0 ingress protocol 0x0800 prio 7 u32 match u32 0x00110000 0x00ff0000 at 8 match u32 0x00000000 0x00000000 at 1073741824',
      'filter add dev v0 ingress protocol 0x0800 prio 7 u32 match u32 0x00000000 0x00000000 at -4 action mirred egress mirror dev s0',
    ],
  );
  assert.equal(u32Batch(n, { dev: 'v 0', direction: 'ingress', prio: 0 }).ok, false);
});
