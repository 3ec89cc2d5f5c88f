// fast-check generators of TCAM-expressible IR: constant-offset frame/packet loads of every width, byte
// order and signedness, optionally masked with `&`, compared (every op, width, signedness) with constants
// biased toward the frame byte pool, membership sets, constant leaves, and nested and/or/not; and frames of
// random length (often shorter than the loads, so that loads abort); string matches (full/front/end) on
// fixed char[N] arrays with patterns over the same byte pool; compares of the packet length. Invariant: every filter passes verify().
import {
  and,
  arith,
  type CmpOp,
  cmp,
  type Expr,
  type Filter,
  filter,
  inSet,
  konst,
  load,
  not,
  or,
  type Pred,
  type StrMatch,
  str,
  type Width,
} from '@tfc/ir';
import fc from 'fast-check';

const BYTE_POOL = [0, 1, 2, 6, 0x7f, 0x80, 0xfe, 0xff];
const widthArb = fc.constantFrom<Width>(1, 2, 4, 8);

const constArb: fc.Arbitrary<bigint> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      0n,
      1n,
      2n,
      6n,
      0x7fn,
      0x80n,
      0xffn,
      0x100n,
      0x7fffn,
      0x8000n,
      0xfffen,
      0xffffn,
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(0x7fffffffn, 0x80000000n, 0xffffffffn, 0x8000000000000000n, (1n << 64n) - 1n),
  },
  {
    weight: 2,
    arbitrary: fc
      .array(fc.constantFrom(...BYTE_POOL), { minLength: 1, maxLength: 8 })
      .map((bs) => bs.reduce((v, b) => (v << 8n) | BigInt(b), 0n)),
  },
);

const loadArb: fc.Arbitrary<Expr> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record({
        offset: fc.integer({ min: 0, max: 8 }),
        width: widthArb,
        order: fc.constantFrom('le' as const, 'be' as const),
        signed: fc.boolean(),
      })
      .map((r) => load('frame', r.offset, r.width, r.order, r.signed)),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ offset: fc.integer({ min: 50, max: 62 }), width: fc.constantFrom<Width>(1, 2, 4) })
      .map((r) => load('packet', r.offset, r.width, 'be', false)),
  },
);

const unsignedLoadArb: fc.Arbitrary<Expr> = loadArb.map((e) =>
  e.kind === 'load' ? { ...e, signed: false } : e,
);

const cmpArb: fc.Arbitrary<Pred> = fc
  .record({
    op: fc.constantFrom<CmpOp>('eq', 'ne', 'lt', 'le', 'gt', 'ge', 'set', 'clear'),
    width: widthArb,
    signed: fc.boolean(),
    value: loadArb,
    c: constArb,
    swap: fc.boolean(),
  })
  .map((r) => {
    const k = konst(r.c);
    return r.swap ? cmp(r.op, r.width, r.signed, k, r.value) : cmp(r.op, r.width, r.signed, r.value, k);
  });

const maskedArb: fc.Arbitrary<Pred> = fc
  .record({
    op: fc.constantFrom<CmpOp>('eq', 'ne', 'set', 'clear'),
    width: widthArb,
    value: unsignedLoadArb,
    mask: constArb,
    c: constArb,
  })
  .map((r) => cmp(r.op, r.width, false, arith('&', r.value, konst(r.mask)), r.c));

const inArb: fc.Arbitrary<Pred> = fc
  .record({
    width: widthArb,
    value: loadArb,
    set: fc.uniqueArray(constArb, { minLength: 1, maxLength: 5, comparator: (a, b) => a === b }),
  })
  .map((r) => {
    const m = (1n << BigInt(r.width * 8)) - 1n;
    return inSet(r.width, r.value, new Set(r.set.map((v) => v & m)));
  });

const constLeafArb: fc.Arbitrary<Pred> = fc
  .record({ a: constArb, b: constArb, op: fc.constantFrom<CmpOp>('eq', 'lt', 'set') })
  .map((r) => cmp(r.op, 4, false, konst(r.a), r.b));

/** Patterns over the frame byte pool (no NUL), often short enough to match. */
const patternArb: fc.Arbitrary<string> = fc
  .array(fc.constantFrom(...BYTE_POOL.filter((b) => b !== 0)), { minLength: 0, maxLength: 10 })
  .map((bs) => String.fromCharCode(...bs));

/** String matches a TCAM key expresses (full, front, end) on fixed char[N] arrays of the frame or packet. */
const strArb: fc.Arbitrary<Pred> = fc
  .record({
    match: fc.constantFrom<StrMatch>('full', 'full', 'front', 'end'),
    pattern: patternArb,
    base: fc.constantFrom('frame' as const, 'packet' as const),
    offset: fc.integer({ min: 0, max: 8 }),
    size: fc.integer({ min: 1, max: 12 }),
    negate: fc.boolean(),
  })
  .map((r) =>
    str(
      r.match,
      r.pattern,
      { kind: 'fixed', base: r.base, offset: r.offset + (r.base === 'packet' ? 54 : 0), size: r.size },
      r.negate,
    ),
  );

/** Compares of the packet length with a constant near the frame lengths (48..76). */
const lenArb: fc.Arbitrary<Pred> = fc
  .record({
    op: fc.constantFrom<CmpOp>('eq', 'ne', 'lt', 'le', 'gt', 'ge'),
    width: fc.constantFrom<Width>(2, 4, 8),
    signed: fc.boolean(),
    c: fc.oneof(fc.integer({ min: 40, max: 80 }).map(BigInt), constArb),
    swap: fc.boolean(),
  })
  .map((r) =>
    r.swap
      ? cmp(r.op, r.width, r.signed, konst(r.c), { kind: 'len' })
      : cmp(r.op, r.width, r.signed, { kind: 'len' }, konst(r.c)),
  );

const leafArb: fc.Arbitrary<Pred> = fc.oneof(
  { weight: 6, arbitrary: cmpArb },
  { weight: 1, arbitrary: lenArb },
  { weight: 2, arbitrary: strArb },
  { weight: 2, arbitrary: maskedArb },
  { weight: 2, arbitrary: inArb },
  { weight: 1, arbitrary: constLeafArb },
);

export const predArb: fc.Arbitrary<Pred> = fc.letrec<{ pred: Pred }>((tie) => ({
  pred: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.array(tie('pred'), { minLength: 2, maxLength: 3 }).map((a) => and(...a)),
    fc.array(tie('pred'), { minLength: 2, maxLength: 3 }).map((a) => or(...a)),
    tie('pred').map((p) => not(p)),
  ),
})).pred;

export const tcamFilterArb: fc.Arbitrary<Filter> = predArb.map((p) => filter(p));

/** Frames from 48 to 76 bytes (record bytes at 54..), bytes from a pool of boundary values. */
export const frameArb: fc.Arbitrary<Uint8Array> = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...BYTE_POOL) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
    ),
    { minLength: 48, maxLength: 76 },
  )
  .map((a) => Uint8Array.from(a));
