// Packet-shaped IR filters and frames for the code-pass and kernel tests: EtherType dispatch, one shared byte
// loaded under many tests, IPv4 header-length computed offsets (`4*([14]&0xf)`), constants on both sides of sums
// (also in offsets that end past 0xffff), bit tests, sets, and/or/not
// with aborting loads; frames of 0..80 bytes whose bytes come from small value pools so equalities hit.
import { and, arith, cmp, type Expr, inSet, konst, load, not, or, type Pred } from '@tfc/ir';
import { constantsAround } from '@tfc/testkit/ir';
import fc from 'fast-check';

const ipHdr = arith('<<', arith('&', load('packet', 14, 1, 'be'), konst(15)), konst(2));
const around = fc.integer({ min: 0, max: 2 });
/** Constants on both sides of a sum ((c1 + e) + c2, (e + c1) + c2, c1 + e: what -O0 leaves for fold), as load
 *  offsets that wrap back in or end past 0xffff on every packet (0xfff0 + (b & 3) + 0xc, 4 bytes). */
const sumOffsetLoad: fc.Arbitrary<Expr> = fc
  .tuple(
    fc.constantFrom(arith('&', load('packet', 14, 1, 'be'), konst(3)), load('packet', 23, 1, 'be')),
    fc.constantFrom<[bigint, bigint]>(
      [0n, 12n],
      [0xffffffffn, 15n],
      [0xfff0n, 0xcn],
      [0xfff0n, 0xbn],
      [0xfffcn, 0n],
    ),
    around,
    fc.constantFrom(1 as const, 2 as const, 4 as const),
  )
  .map(([e, [c1, c2], k, w]) => load('packet', constantsAround(e, c1, c2, k), w, 'be'));
const baseExpr: fc.Arbitrary<Expr> = fc.oneof(
  fc.constantFrom(
    load('packet', 12, 2, 'be'),
    load('packet', 23, 1, 'be'),
    load('packet', 20, 2, 'be'),
    load('packet', 14, 1, 'be'),
  ),
  fc.integer({ min: 0, max: 70 }).map((k) => load('packet', k, 1, 'be')),
  fc.integer({ min: 0, max: 68 }).map((k) => load('packet', k, 2, 'be')),
  fc.integer({ min: 0, max: 66 }).map((k) => load('packet', k, 4, 'be')),
  fc
    .tuple(fc.integer({ min: 14, max: 24 }), fc.constantFrom(1 as const, 2 as const, 4 as const))
    .map(([k, w]) => load('packet', arith('+', ipHdr, konst(k)), w, 'be')),
  fc.constant<Expr>({ kind: 'len' }),
);
const leafExpr: fc.Arbitrary<Expr> = fc.oneof(
  { weight: 8, arbitrary: baseExpr },
  { weight: 1, arbitrary: sumOffsetLoad },
  {
    weight: 1,
    arbitrary: fc
      .tuple(baseExpr, fc.constantFrom(0n, 1n, 0xffffffffn), fc.constantFrom(0n, 1n, 2n), around)
      .map(([e, c1, c2, k]) => constantsAround(e, c1, c2, k)),
  },
);
const value = fc.constantFrom(0n, 1n, 6n, 17n, 0x45n, 0x50n, 0x800n, 0x86ddn, 0x8100n, 0xffn, 0x1fffn);
const cmpOp = fc.constantFrom('eq', 'ne', 'lt', 'le', 'gt', 'ge', 'set', 'clear') as fc.Arbitrary<
  'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'set' | 'clear'
>;
const leaf: fc.Arbitrary<Pred> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(cmpOp, leafExpr, value).map(([op, e, v]) => cmp(op, 4, false, e, v)) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(leafExpr, fc.uniqueArray(value, { minLength: 2, maxLength: 10 }))
      .map(([e, s]) => inSet(4, e, s)),
  },
);
export const packetPredArb: fc.Arbitrary<Pred> = fc.letrec<{ p: Pred }>((tie) => ({
  p: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: leaf },
    { weight: 2, arbitrary: fc.array(tie('p'), { minLength: 2, maxLength: 4 }).map((a) => and(...a)) },
    { weight: 2, arbitrary: fc.array(tie('p'), { minLength: 2, maxLength: 4 }).map((a) => or(...a)) },
    { weight: 1, arbitrary: tie('p').map(not) },
  ),
})).p;

const byte = fc.oneof(
  fc.constantFrom(0, 1, 6, 17, 0x45, 0x46, 0x4f, 0x50, 0x08, 0x86, 0xdd, 0x81, 0xff, 0x1f),
  fc.integer({ min: 0, max: 255 }),
);
export const packetFrameArb = fc
  .tuple(fc.array(byte, { minLength: 80, maxLength: 80 }), fc.integer({ min: 0, max: 80 }))
  .map(([b, n]) => {
    const f = Uint8Array.from(b);
    // Mostly a real EtherType, so the IPv4/IPv6 branches run.
    if (b[79]! % 4 !== 0) [f[12], f[13]] = b[78]! % 2 === 0 ? [0x08, 0x00] : [0x86, 0xdd];
    return f.subarray(0, n);
  });
