// @tfc/testkit ir-arbitraries: fast-check generators of random IR over a small schema, and of inputs that exercise it.
// Invariants: every generated filter passes verify(); the schema mixes record loads of every width,
// order and signedness, packet/frame loads that go out of bounds on short packets, computed offsets,
// u32 arithmetic (including division by zero and constants on both sides of a sum, also in load offsets that end
// past 0xffff), pseudo-fields, every string source and matcher, sets,
// and nested and/or/not; inputs bias bytes toward boundary values so that compares are often true.

import {
  and,
  arith,
  cmp,
  type EvalInput,
  type Expr,
  type Filter,
  filter,
  inSet,
  LEN,
  load,
  neg,
  not,
  or,
  type Pred,
  pseudo,
  type StrSource,
  str,
  type Width,
} from '@tfc/ir';
import fc from 'fast-check';

const widthArb = fc.constantFrom<Width>(1, 2, 4, 8);
const interesting = [
  0n,
  1n,
  2n,
  3n,
  4n,
  5n,
  6n,
  0x61n,
  0x7fn,
  0x80n,
  0xffn,
  0x100n,
  0x7fffn,
  0x8000n,
  0xffffn,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  0x8000000000000000n,
  0xffffffffffffffffn,
];
export const constArb: fc.Arbitrary<bigint> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...interesting) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) },
);

const recordLoad: fc.Arbitrary<Expr> = fc
  .record({
    offset: fc.integer({ min: 0, max: 15 }),
    width: widthArb,
    order: fc.constantFrom('le' as const, 'be' as const),
    signed: fc.boolean(),
  })
  .map((r) => load('record', r.offset, r.width, r.order, r.signed));

const packetLoad: fc.Arbitrary<Expr> = fc
  .record({
    base: fc.constantFrom('packet' as const, 'frame' as const),
    offset: fc.integer({ min: 0, max: 12 }),
    width: fc.constantFrom<Width>(1, 2, 4),
  })
  .map((r) => load(r.base, r.offset, r.width, 'be', false));

/** ip[x]-style load behind a variable header length: packet[4*(packet[0]&0xf) + k]. */
const dynLoad: fc.Arbitrary<Expr> = fc
  .record({ k: fc.integer({ min: 0, max: 6 }), width: fc.constantFrom<Width>(1, 2) })
  .map((r) =>
    load(
      'packet',
      arith(
        '+',
        arith('<<', arith('&', load('packet', 0, 1, 'be'), { kind: 'const', value: 0xfn }), konst(2n)),
        konst(BigInt(r.k)),
      ),
      r.width,
      'be',
    ),
  );

function konst(v: bigint): Expr {
  return { kind: 'const', value: v };
}

/** Constants on both sides of a u32 sum: (c1 + e) + c2, (e + c1) + c2 or c1 + e. `fold` reassociates them
 *  (e + c), so a code generator meets these shapes only without the passes (-O0). */
export function constantsAround(e: Expr, c1: bigint, c2: bigint, k: number): Expr {
  if (k === 0) return arith('+', arith('+', konst(c1), e), konst(c2));
  if (k === 1) return arith('+', arith('+', e, konst(c1)), konst(c2));
  return arith('+', konst(c1), e);
}
const aroundShape = fc.integer({ min: 0, max: 2 });

/** A packet load at such a sum: small indexes plus constants that wrap back in (0xffffffff + e + 1) or end the
 *  read past offset 0xffff on every packet (0xfff0 + (b & 3) + 0xc, 4 bytes) or just before it. */
const sumOffsetLoad: fc.Arbitrary<Expr> = fc
  .tuple(
    fc.constantFrom(arith('&', load('packet', 3, 1, 'be'), konst(3n)), load('packet', 2, 1, 'be')),
    fc.constantFrom<[bigint, bigint]>(
      [0n, 1n],
      [1n, 2n],
      [0xffffffffn, 1n],
      [0xffffffffn, 2n],
      [0xfff0n, 0xbn],
      [0xfff0n, 0xcn],
      [0xfffcn, 0n],
    ),
    aroundShape,
    fc.constantFrom<Width>(1, 2, 4),
  )
  .map(([e, [c1, c2], k, w]) => load('packet', constantsAround(e, c1, c2, k), w, 'be'));

const leafExpr: fc.Arbitrary<Expr> = fc.oneof(
  { weight: 6, arbitrary: recordLoad },
  { weight: 3, arbitrary: packetLoad },
  { weight: 1, arbitrary: dynLoad },
  { weight: 1, arbitrary: sumOffsetLoad },
  { weight: 1, arbitrary: fc.constantFrom(pseudo('cpu'), pseudo('pid'), LEN) },
);

const arithOp = fc.constantFrom('+', '-', '*', '/', '%', '&', '|', '^', '<<', '>>') as fc.Arbitrary<
  '+' | '-' | '*' | '/' | '%' | '&' | '|' | '^' | '<<' | '>>'
>;
const smallConst = fc.constantFrom(0n, 1n, 2n, 3n, 4n, 8n, 31n, 32n, 0xffn, 0xffffffffn).map(konst);

export const exprArb: fc.Arbitrary<Expr> = fc.oneof(
  { weight: 8, arbitrary: leafExpr },
  {
    weight: 2,
    arbitrary: fc.tuple(arithOp, leafExpr, fc.oneof(smallConst, leafExpr)).map(([o, l, r]) => arith(o, l, r)),
  },
  { weight: 1, arbitrary: fc.tuple(arithOp, smallConst, smallConst).map(([o, l, r]) => arith(o, l, r)) },
  // a constant on the left of a non-constant (`1 - x`, `8 << x`, `0xff / x`)
  { weight: 1, arbitrary: fc.tuple(arithOp, smallConst, leafExpr).map(([o, l, r]) => arith(o, l, r)) },
  { weight: 1, arbitrary: leafExpr.map(neg) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(leafExpr, fc.constantFrom(0n, 1n, 0xffffffffn), fc.constantFrom(0n, 1n, 2n), aroundShape)
      .map(([e, c1, c2, k]) => constantsAround(e, c1, c2, k)),
  },
);

const cmpOp = fc.constantFrom('eq', 'ne', 'lt', 'le', 'gt', 'ge', 'set', 'clear') as fc.Arbitrary<
  'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'set' | 'clear'
>;

/** Several compares share a handful of loads so that ranges/sets/cse have work to do. */
const sharedLoads: Expr[] = [
  load('record', 0, 1),
  load('record', 2, 2, 'le', true),
  load('record', 4, 4),
  load('record', 8, 8, 'le', true),
  load('packet', 9, 1, 'be'),
  load('packet', 12, 2, 'be'),
];
const sharedLoad = fc.constantFrom(...sharedLoads);
const sharedWidth = (e: Expr): Width => (e.kind === 'load' ? e.width : 4);

const cmpArb: fc.Arbitrary<Pred> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .tuple(
        cmpOp,
        sharedLoad,
        fc.boolean(),
        fc.constantFrom(0n, 1n, 2n, 3n, 4n, 5n, 0x7fn, 0x80n, 0xffn, 0xffffn),
      )
      .map(([o, l, s, v]) => cmp(o, sharedWidth(l), s, l, v)),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(cmpOp, widthArb, fc.boolean(), exprArb, constArb)
      .map(([o, w, s, l, v]) => cmp(o, w, s, l, v)),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(cmpOp, widthArb, fc.boolean(), exprArb, exprArb)
      .map(([o, w, s, l, r]) => cmp(o, w, s, l, r)),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(cmpOp, widthArb, fc.boolean(), constArb, exprArb)
      .map(([o, w, s, v, r]) => cmp(o, w, s, konst(v), r)),
  },
);

/** Several facts about one shared value in one connective: the food of `ranges` and `sets`. */
const sharedCmp: fc.Arbitrary<Pred> = fc
  .tuple(
    cmpOp,
    sharedLoad,
    fc.boolean(),
    fc.constantFrom(0n, 1n, 2n, 3n, 4n, 5n, 0x7fn, 0x80n, 0xffn, 0xffffn),
  )
  .map(([o, l, s, v]) => cmp(o, sharedWidth(l), s, l, v));
const groupArb: fc.Arbitrary<Pred> = fc
  .tuple(fc.boolean(), fc.array(sharedCmp, { minLength: 2, maxLength: 5 }))
  .map(([isAnd, a]) => (isAnd ? and(...a) : or(...a)));

const inArb: fc.Arbitrary<Pred> = fc
  .tuple(
    fc.oneof(sharedLoad, exprArb),
    fc.array(fc.constantFrom(0n, 1n, 2n, 3n, 5n, 0x80n, 0xffn), { minLength: 1, maxLength: 5 }),
  )
  .map(([e, s]) => inSet(sharedWidth(e), e, s));

const sourceArb: fc.Arbitrary<StrSource> = fc.constantFrom<StrSource>(
  { kind: 'fixed', base: 'record', offset: 16, size: 8 },
  { kind: 'dataloc', base: 'record', offset: 24, rel: false, order: 'le' },
  { kind: 'dataloc', base: 'record', offset: 28, rel: true, order: 'le' },
  { kind: 'ptr', base: 'record', offset: 32, order: 'le', space: 'kernel' },
  { kind: 'ptr', base: 'record', offset: 32, order: 'le', space: 'user' },
  { kind: 'comm' },
  { kind: 'fixed', base: 'frame', offset: 2, size: 6 },
);
const patternArb = fc
  .array(fc.constantFrom('a', 'b', 'c', '*', '?', '[', ']', '!', '-', '\\'), { maxLength: 5 })
  .map((cs) => cs.join(''));
const strArb: fc.Arbitrary<Pred> = fc
  .tuple(
    fc.constantFrom('full', 'front', 'middle', 'end', 'glob') as fc.Arbitrary<
      'full' | 'front' | 'middle' | 'end' | 'glob'
    >,
    patternArb,
    sourceArb,
    fc.boolean(),
  )
  .map(([m, p, s, n]) => str(m, p, s, n));

const leafArb: fc.Arbitrary<Pred> = fc.oneof(
  { weight: 8, arbitrary: cmpArb },
  { weight: 2, arbitrary: inArb },
  { weight: 3, arbitrary: strArb },
  { weight: 1, arbitrary: fc.constantFrom<Pred>({ kind: 'true' }, { kind: 'false' }) },
);

export const predArb: fc.Arbitrary<Pred> = fc.letrec<{ pred: Pred }>((tie) => ({
  pred: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: leafArb },
    { weight: 1, arbitrary: groupArb },
    { weight: 2, arbitrary: fc.array(tie('pred'), { minLength: 2, maxLength: 4 }).map((a) => and(...a)) },
    { weight: 2, arbitrary: fc.array(tie('pred'), { minLength: 2, maxLength: 4 }).map((a) => or(...a)) },
    { weight: 1, arbitrary: tie('pred').map(not) },
  ),
})).pred;

export const filterArb: fc.Arbitrary<Filter> = predArb.map((p) => filter(p));

const byteArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(0, 1, 2, 3, 4, 5, 0x45, 0x61, 0x62, 0x63, 0x7f, 0x80, 0xff) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
);
const bytesArb = (min: number, max: number) =>
  fc.array(byteArb, { minLength: min, maxLength: max }).map((a) => Uint8Array.from(a));
const strBytes = fc
  .array(fc.constantFrom(0x61, 0x62, 0x63, 0x2a, 0x5b, 0x5c, 0), { maxLength: 10 })
  .map((a) => Uint8Array.from(a));

export const inputArb: fc.Arbitrary<EvalInput> = fc
  .record({
    record: bytesArb(48, 48),
    packet: bytesArb(0, 72),
    sensibleLoc: fc.boolean(),
    locLen: fc.integer({ min: 0, max: 10 }),
    relLen: fc.integer({ min: 0, max: 8 }),
    tail: strBytes,
    ptr: fc.constantFrom(0n, 0x1000n, 0x1001n, 0x2000n, 0x1ffen, 0x3000n),
    kernelMem: strBytes,
    userMem: strBytes,
    cpu: fc.integer({ min: 0, max: 3 }),
    pid: fc.integer({ min: -2, max: 5 }),
    comm: bytesArb(0, 16),
  })
  .map((r) => {
    const rec = new Uint8Array(64);
    rec.set(r.record);
    rec.set(r.tail.subarray(0, 16), 40);
    if (r.sensibleLoc) {
      const dv = new DataView(rec.buffer);
      dv.setUint32(24, (r.locLen << 16) | 40, true);
      dv.setUint32(28, (r.relLen << 16) | 8, true); // data at 28 + 4 + 8 = 40
    }
    new DataView(rec.buffer).setBigUint64(32, r.ptr, true);
    return {
      record: rec,
      packet: r.packet,
      cpu: r.cpu,
      pid: r.pid,
      comm: r.comm,
      memory: [
        { space: 'kernel' as const, address: 0x1000n, bytes: Uint8Array.from([...r.kernelMem, 0x61, 0]) },
        { space: 'kernel' as const, address: 0x1ffen, bytes: Uint8Array.from([0x61, 0x62]) },
        { space: 'user' as const, address: 0x2000n, bytes: Uint8Array.from([...r.userMem, 0]) },
      ],
    };
  });

// ---- Shapes for `factor` and abort-aware `ranges`/`sets`: or-of-ands whose children start with a test
// on one shared value (the pcap `host a or host b` shape: ethertype, then an address at one of several
// offsets), runs with one shared tail (`tcp port 80 or udp port 80`), nested alternately, over packet
// loads at fixed offsets so that which child may abort depends on what earlier siblings read. Bytes
// and constants come from {0, 1} so that equalities are often true and every outcome (accept, reject,
// abort) is common.

const bitConst = (w: 1 | 2): fc.Arbitrary<bigint> =>
  w === 1 ? fc.constantFrom(0n, 1n) : fc.constantFrom(0n, 1n, 0x100n, 0x101n);
const shapeLoad: fc.Arbitrary<{ e: Expr; w: 1 | 2 }> = fc
  .tuple(fc.constantFrom(2, 3, 4, 12, 13, 14, 15, 18, 20, 21, 22, 24), fc.constantFrom<1 | 2>(1, 2))
  .chain(([o, w]) =>
    // a constant offset sometimes written as an expression (`ether[0]` lowers so): fold makes it numeric
    fc.boolean().map((c) => ({ e: load('packet', c ? konst(BigInt(o)) : o, w, 'be'), w })),
  );
const shapeLeaf: fc.Arbitrary<Pred> = fc.oneof(
  { weight: 4, arbitrary: shapeLoad.chain(({ e, w }) => bitConst(w).map((v) => cmp('eq', w, false, e, v))) },
  {
    weight: 1,
    arbitrary: shapeLoad.chain(({ e, w }) =>
      fc.array(bitConst(w), { minLength: 1, maxLength: 3 }).map((s) => inSet(w, e, s)),
    ),
  },
  { weight: 1, arbitrary: shapeLoad.chain(({ e, w }) => bitConst(w).map((v) => cmp('ne', w, false, e, v))) },
  // constants around a sum (fold reassociates them): (c1 + e) + c2, (e + c1) + c2, c + e, against 0..3
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        shapeLoad,
        fc.constantFrom(0n, 1n, 0xffffffffn),
        fc.constantFrom(0n, 1n, 2n),
        fc.integer({ min: 0, max: 2 }),
      )
      .map(([{ e }, a, b, k]) => cmp('le', 4, false, constantsAround(e, a, b, k), 2n)),
  },
);
/** A few heads on one key: (in)equalities on the same value and sets that are equal, disjoint or overlapping. */
const keyLoads = [load('packet', 12, 2, 'be'), load('packet', 3, 1, 'be'), load('packet', 20, 1, 'be')];
const headOn = (k: number): fc.Arbitrary<Pred> => {
  const e = keyLoads[k]!;
  const w = e.kind === 'load' ? (e.width as 1 | 2) : 1;
  return fc.oneof(
    { weight: 3, arbitrary: bitConst(w).map((v) => cmp('eq', w, false, e, v)) },
    {
      weight: 1,
      arbitrary: fc.array(bitConst(w), { minLength: 1, maxLength: 2 }).map((s) => inSet(w, e, s)),
    },
    // inequalities: complements pairwise disjoint, the heads of `and` runs (`not (host a or host b)`)
    { weight: 2, arbitrary: bitConst(w).map((v) => cmp('ne', w, false, e, v)) },
    // bit tests are no interval facts: they group with identical neighbours only
    { weight: 1, arbitrary: bitConst(w).map((v) => cmp('set', w, false, e, v | 1n)) },
    // the same test written as a masked compare, which fold turns into a bit test
    {
      weight: 1,
      arbitrary: bitConst(w).map((v) => cmp('ne', w, false, arith('&', e, konst(v | 1n)), konst(0n))),
    },
  );
};

export const shapedPredArb: fc.Arbitrary<Pred> = fc.letrec<{ pred: Pred }>((tie) => ({
  pred: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 3, arbitrary: shapeLeaf },
    // head runs: or/and of children that start with a test on one shared key
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.boolean(), fc.integer({ min: 0, max: keyLoads.length - 1 }), fc.integer({ min: 2, max: 6 }))
        .chain(([isOr, k, n]) =>
          fc
            .array(fc.tuple(headOn(k), fc.array(fc.oneof(shapeLeaf, tie('pred')), { maxLength: 2 })), {
              minLength: n,
              maxLength: n,
            })
            .map((cs) =>
              isOr ? or(...cs.map(([h, r]) => and(h, ...r))) : and(...cs.map(([h, r]) => or(h, ...r))),
            ),
        ),
    },
    // tail runs: children sharing one rest (structurally equal copies)
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.boolean(),
          fc.array(fc.oneof({ weight: 3, arbitrary: shapeLeaf }, { weight: 1, arbitrary: tie('pred') }), {
            minLength: 2,
            maxLength: 4,
          }),
          fc.array(shapeLeaf, { minLength: 1, maxLength: 2 }),
        )
        .map(([isOr, hs, rest]) =>
          isOr ? or(...hs.map((h) => and(h, ...rest))) : and(...hs.map((h) => or(h, ...rest))),
        ),
    },
    // the host-or shape: per address, key == c1 and (src == a or dst == a), key == c2 and (…)
    {
      weight: 2,
      arbitrary: fc
        .array(fc.tuple(bitConst(2), bitConst(1), fc.boolean()), { minLength: 1, maxLength: 4 })
        .map((hosts) =>
          or(
            ...hosts.flatMap(([et, a, arp]) => [
              and(
                cmp('eq', 2, false, keyLoads[0]!, arp ? 0x101n : 0x100n),
                cmp('eq', 1, false, load('packet', arp ? 16 : 14, 1, 'be'), a),
              ),
              and(cmp('eq', 2, false, keyLoads[0]!, et), cmp('eq', 1, false, load('packet', 18, 1, 'be'), a)),
              and(
                cmp('eq', 2, false, keyLoads[0]!, arp ? 0x101n : 0x100n),
                cmp('eq', 1, false, load('packet', 22, 1, 'be'), a),
              ),
            ]),
          ),
        ),
    },
    { weight: 1, arbitrary: fc.array(tie('pred'), { minLength: 2, maxLength: 3 }).map((a) => or(...a)) },
    { weight: 1, arbitrary: fc.array(tie('pred'), { minLength: 2, maxLength: 3 }).map((a) => and(...a)) },
    { weight: 1, arbitrary: tie('pred').map(not) },
  ),
})).pred;

export const shapedFilterArb: fc.Arbitrary<Filter> = shapedPredArb.map((p) => filter(p));

/** Packets of bytes 0/1, 0..26 bytes long: every fixed-offset load of the shapes is in bounds on some
 *  inputs and out of bounds on others. */
export const shapedInputArb: fc.Arbitrary<EvalInput> = fc
  .tuple(
    fc.array(fc.constantFrom(0, 1), { minLength: 26, maxLength: 26 }),
    fc.oneof(
      fc.constantFrom(3, 4, 5, 13, 14, 15, 16, 19, 21, 22, 23, 25, 26),
      fc.integer({ min: 0, max: 26 }),
    ),
  )
  .map(([b, n]) => ({ packet: Uint8Array.from(b.slice(0, n)) }));

/** Binary and/or and not over `leaf`, small depth: the tree a test draws around leaves of its own subject. */
export function connectivesOver(leaf: fc.Arbitrary<Pred>): fc.Arbitrary<Pred> {
  return fc.letrec<{ p: Pred }>((tie) => ({
    p: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.tuple(tie('p'), tie('p')).map(([a, b]) => and(a, b)),
      fc.tuple(tie('p'), tie('p')).map(([a, b]) => or(a, b)),
      tie('p').map((a) => not(a)),
    ),
  })).p;
}
