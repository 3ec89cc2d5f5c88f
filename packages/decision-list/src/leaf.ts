// Leaf → match keys and cubes: turns one IR leaf predicate into the set of key constraints on which it is
// true. Invariants:
//  - a key is one constant-offset `frame`/`packet` load (frame offset, width, byte order); its value is the
//    unsigned number the load reads in that byte order, whatever the load's signedness;
//  - leafCubes(shape, true) is a list of cubes whose union is exactly the set of key values on which the
//    leaf is true, and leafCubes(shape, false) exactly its complement (computed with the op table's exact
//    negation, or the complement interval set); an `any` cube means "every value";
//  - interval cubes are produced only for `interval` shapes, whose compared bits are the whole key; other
//    shapes give ternary cubes (ranges prefix-expanded over the compared bits);
//  - a string match on a fixed char[N] array in the frame (record char[N] fields, the trace header's comm) is a
//    ternary key on the N bytes: `full` (strncmp over N: the pattern's bytes, then a NUL when it is shorter than
//    N, a pattern of N or more bytes compared on its first N), `front` (the pattern's bytes; false when N is
//    shorter than the pattern) and `end` (the pattern's bytes just before byte N−1) are one cube each, exactly
//    as @tfc/ir's matchString decides them, and their negation is the cube's exact complement;
//  - `len OP c` (a compare of the packet length with a constant, width ≥ 2) and `len ∈ {c…}` are sets of
//    intervals on the frame length key (lengths up to 65535);
//  - what a TCAM key cannot express (other string matches and sources, computed offsets, pseudo-fields, record loads, arithmetic other
//    than `&` with a constant, compares of two fields, ordered compares of masked fields) is a diagnostic
//    naming the construct (a Refusal, worded by each target), never an exception.
import {
  complement,
  type Expr,
  FRAME_RECORD_OFFSET,
  type ISet,
  type LeafPred,
  OPS,
  printPred,
  U32_MAX,
  unionAll,
  type ValueDef,
  type Width,
  widthMask,
} from '@tfc/ir';
import type { Refusal } from './refusal.ts';

/** A match key: `bytes` bytes of the frame at `offset`, read in `order` (1/2/4/8 for loads, the array size
 *  for a char[N] string key, read big-endian: the first character is the most significant byte). */
export interface FieldKey {
  readonly offset: number;
  readonly bytes: number;
  readonly order: 'le' | 'be';
  /** IPv4-relative load (libpcap's transport-header addressing): the frame offset is
   *  `offset + 4·(frame[ihl] & 15)`; only a header model can turn it into a key. */
  readonly ihl?: number;
}

export type Cube =
  | { readonly kind: 'any' }
  | { readonly kind: 'ternary'; readonly value: bigint; readonly mask: bigint }
  | { readonly kind: 'interval'; readonly low: bigint; readonly high: bigint };

/** A leaf reduced to a key and a pure function of the key value. */
export type LeafShape =
  | { readonly kind: 'const'; readonly truth: boolean }
  /** A compare of the frame length (0..65535) with a constant: the lengths where it is true, and the rest. */
  | { readonly kind: 'length'; readonly set: ISet; readonly notSet: ISet }
  | {
      readonly kind: 'interval';
      readonly key: FieldKey;
      /** Compared bits (low `bits` bits of the key value); intervals live in [0, 2^bits). */
      readonly bits: number;
      /** True set over the compared bits and its complement. */
      readonly set: ISet;
      readonly notSet: ISet;
    }
  | {
      readonly kind: 'ternary';
      readonly key: FieldKey;
      readonly pos: readonly Cube[];
      readonly neg: readonly Cube[];
    };

export type ShapeResult =
  | { readonly ok: true; readonly shape: LeafShape }
  | { readonly ok: false; readonly refusal: Refusal };

export function keyId(k: FieldKey): string {
  return `${k.ihl === undefined ? '' : `ihl${k.ihl}+`}${k.offset}:${k.bytes}:${k.order}`;
}

/** An offset expression `c + 4·(load packet H u1 & 15)` (any association of `+`, `<< 2` or `* 4`), as (c, H). */
function ihlOffset(e: Expr, values: readonly ValueDef[], depth = 0): { c: bigint; ihl?: number } | undefined {
  if (depth > 64) return undefined;
  switch (e.kind) {
    case 'const':
      return { c: e.value };
    case 'ref': {
      const d = values[e.id];
      return d === undefined ? undefined : ihlOffset(d.expr, values, depth + 1);
    }
    case 'arith': {
      if (e.op === '+') {
        const l = ihlOffset(e.left, values, depth + 1);
        const r = ihlOffset(e.right, values, depth + 1);
        if (l === undefined || r === undefined || (l.ihl !== undefined && r.ihl !== undefined))
          return undefined;
        const ihl = l.ihl ?? r.ihl;
        return ihl === undefined ? { c: l.c + r.c } : { c: l.c + r.c, ihl };
      }
      const four =
        (e.op === '<<' && isConst(e.right, values, 2n)) || (e.op === '*' && isConst(e.right, values, 4n));
      if (!four) return undefined;
      const m = e.left.kind === 'ref' ? values[e.left.id]?.expr : e.left;
      if (m === undefined || m.kind !== 'arith' || m.op !== '&' || !isConst(m.right, values, 15n))
        return undefined;
      const ld = m.left.kind === 'ref' ? values[m.left.id]?.expr : m.left;
      if (ld === undefined || ld.kind !== 'load' || ld.base !== 'packet' || ld.width !== 1) return undefined;
      if (typeof ld.offset !== 'number') return undefined;
      return { c: 0n, ihl: ld.offset };
    }
    default:
      return undefined;
  }
}

function isConst(e: Expr, values: readonly ValueDef[], v: bigint): boolean {
  const x = e.kind === 'ref' ? values[e.id]?.expr : e;
  return x !== undefined && x.kind === 'const' && x.value === v;
}

function fail(code: string, construct: string, leaf: LeafPred): ShapeResult {
  return { ok: false, refusal: { kind: 'leaf', code, construct, leaf: printPred(leaf) } };
}

type Operand =
  | { readonly kind: 'const'; readonly value: bigint }
  | {
      readonly kind: 'field';
      readonly key: FieldKey;
      readonly signed: boolean;
      /** `&` mask applied to the (32-bit) value, or undefined. */
      readonly mask: bigint | undefined;
    }
  | { readonly kind: 'bad'; readonly code: string; readonly what: string };

function operand(e: Expr, values: readonly ValueDef[], depth = 0): Operand {
  if (depth > 64) return { kind: 'bad', code: 'expr', what: 'a deeply shared value' };
  switch (e.kind) {
    case 'const':
      return { kind: 'const', value: e.value };
    case 'ref': {
      const d = values[e.id];
      return d === undefined
        ? { kind: 'bad', code: 'expr', what: `undefined value %${e.id}` }
        : operand(d.expr, values, depth + 1);
    }
    case 'pseudo':
      return {
        kind: 'bad',
        code: 'pseudo',
        what:
          e.name === 'pkttype' || e.name === 'ifindex'
            ? `the packet's Linux metadata (${e.name === 'pkttype' ? 'pkt_type: inbound/outbound' : 'ifindex'})`
            : `the pseudo-field ${e.name}`,
      };
    case 'len':
      return { kind: 'bad', code: 'len', what: 'the packet length' };
    case 'neg':
      return { kind: 'bad', code: 'arith', what: 'negation' };
    case 'load': {
      if (e.base === 'record')
        return { kind: 'bad', code: 'record', what: 'a record load (lower it to frame loads first)' };
      if (typeof e.offset !== 'number') {
        const lin = ihlOffset(e.offset, values);
        if (
          lin === undefined ||
          lin.c < 0n ||
          lin.c > 0xffffn ||
          (lin.ihl !== undefined && e.base !== 'packet')
        )
          return { kind: 'bad', code: 'computed-offset', what: 'a load at a computed offset' };
        const c = Number(lin.c) + (e.base === 'frame' ? FRAME_RECORD_OFFSET : 0);
        const key: FieldKey =
          lin.ihl === undefined
            ? { offset: c, bytes: e.width, order: e.order }
            : { offset: c, bytes: e.width, order: e.order, ihl: lin.ihl };
        return { kind: 'field', key, signed: e.signed, mask: undefined };
      }
      const offset = e.offset + (e.base === 'frame' ? FRAME_RECORD_OFFSET : 0);
      return {
        kind: 'field',
        key: { offset, bytes: e.width, order: e.order },
        signed: e.signed,
        mask: undefined,
      };
    }
    case 'arith': {
      if (e.op !== '&') return { kind: 'bad', code: 'arith', what: `arithmetic '${e.op}'` };
      const l = operand(e.left, values, depth + 1);
      const r = operand(e.right, values, depth + 1);
      const pair = l.kind === 'field' && r.kind === 'const' ? ([l, r] as const) : undefined;
      const pair2 = r.kind === 'field' && l.kind === 'const' ? ([r, l] as const) : undefined;
      const p = pair ?? pair2;
      if (p === undefined) {
        if (l.kind === 'bad') return l;
        if (r.kind === 'bad') return r;
        if (l.kind === 'const' && r.kind === 'const')
          return { kind: 'const', value: l.value & r.value & U32_MAX };
        return { kind: 'bad', code: 'arith', what: "'&' of two fields" };
      }
      const [f, c] = p;
      const m = c.value & U32_MAX & (f.mask ?? U32_MAX);
      // The value is a u32 after '&': bits above the load come from sign extension.
      if (f.signed && m >> BigInt(f.key.bytes * 8) !== 0n)
        return { kind: 'bad', code: 'arith', what: "'&' over sign-extended bits" };
      return { kind: 'field', key: f.key, signed: false, mask: m & widthMask(f.key.bytes as Width) };
    }
  }
}

/** Prefix cover of [lo, hi] within [0, 2^bits): at most 2·bits − 2 cubes. */
export function prefixCover(lo: bigint, hi: bigint, bits: number): { value: bigint; mask: bigint }[] {
  const out: { value: bigint; mask: bigint }[] = [];
  const full = (1n << BigInt(bits)) - 1n;
  let a = lo;
  while (a <= hi) {
    // Largest aligned block starting at a that fits in [a, hi].
    let size = 1n;
    while ((a & (size * 2n - 1n)) === 0n && a + size * 2n - 1n <= hi && size * 2n <= full + 1n) size *= 2n;
    out.push({ value: a, mask: full & ~(size - 1n) });
    a += size;
  }
  return out;
}

function signedOf(v: bigint, bits: number): bigint {
  const b = BigInt(bits);
  return v >= 1n << (b - 1n) ? v - (1n << b) : v;
}

/** The value a compare sees for compared bits u, as a function on each half of [0, 2^d). */
function compareValue(u: bigint, d: number, w: number, loadSigned: boolean, cmpSigned: boolean): bigint {
  // Low W bytes of the 64-bit extended load value, whose low d bits are u.
  let ext = u;
  if (loadSigned && w * 8 > d) ext = BigInt.asUintN(w * 8, signedOf(u, d));
  return cmpSigned ? signedOf(ext, w * 8) : ext;
}

function trueSet(
  op: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge',
  c: bigint,
  d: number,
  w: number,
  loadSigned: boolean,
  cmpSigned: boolean,
): ISet {
  const half = 1n << BigInt(d - 1);
  const pieces: [bigint, bigint][] = [
    [0n, half - 1n],
    [half, 2n * half - 1n],
  ];
  const out: [bigint, bigint][] = [];
  for (const [lo, hi] of pieces) {
    const delta = compareValue(lo, d, w, loadSigned, cmpSigned) - lo;
    const t = c - delta; // u OP t  ⇔  u + delta OP c
    const clip = (a: bigint, b: bigint): void => {
      const x = a > lo ? a : lo;
      const y = b < hi ? b : hi;
      if (x <= y) out.push([x, y]);
    };
    if (op === 'eq') clip(t, t);
    else if (op === 'ne') {
      clip(lo, t - 1n);
      clip(t + 1n, hi);
    } else if (op === 'lt') clip(lo, t - 1n);
    else if (op === 'le') clip(lo, t);
    else if (op === 'gt') clip(t + 1n, hi);
    else clip(t, hi);
  }
  return unionAll([out]);
}

function ternaryOfSet(set: ISet, bits: number): Cube[] {
  if (set.length === 1 && set[0]![0] === 0n && set[0]![1] === (1n << BigInt(bits)) - 1n)
    return [{ kind: 'any' }];
  return set.flatMap(([lo, hi]) =>
    prefixCover(lo, hi, bits).map((c) => ({ kind: 'ternary' as const, ...c })),
  );
}

function bitCubes(m: bigint): Cube[] {
  const out: Cube[] = [];
  for (let i = 0n; m >> i !== 0n; i++)
    if (((m >> i) & 1n) === 1n) out.push({ kind: 'ternary', value: 1n << i, mask: 1n << i });
  return out;
}

/** set: (x & m) != 0 ; clear: (x & m) == 0, over key bits `m`. */
function bitTest(m: bigint, setOp: boolean): Cube[] {
  if (m === 0n) return setOp ? [] : [{ kind: 'any' }];
  return setOp ? bitCubes(m) : [{ kind: 'ternary', value: 0n, mask: m }];
}

/** (x & m) == v over key bits (v already within the compared width); negated: != . */
function maskedEq(m: bigint, v: bigint, eq: boolean): Cube[] {
  if ((v & ~m) !== 0n) return eq ? [] : [{ kind: 'any' }];
  if (m === 0n) return eq ? [{ kind: 'any' }] : [];
  if (eq) return [{ kind: 'ternary', value: v, mask: m }];
  // One cube per bit that differs, each fixing the bits before it to v (disjoint, like a prefix cover).
  const out: Cube[] = [];
  let fixed = 0n;
  for (let i = 0n; m >> i !== 0n; i++) {
    const b = 1n << i;
    if ((m & b) === 0n) continue;
    out.push({ kind: 'ternary', value: (v & fixed) | (~v & b), mask: fixed | b });
    fixed |= b;
  }
  return out;
}

/** Longest char[N] array a string key may cover (a 512-bit key). */
export const MAX_STRING_KEY_BYTES = 64;

function stringShape(leaf: Extract<LeafPred, { kind: 'str' }>): ShapeResult {
  const src = leaf.source;
  if (src.kind !== 'fixed') {
    const what =
      src.kind === 'comm'
        ? "the task's comm (lower for trace frames: comm is a header field)"
        : `a ${src.kind} string`;
    return fail('string', `a string match on ${what}`, leaf);
  }
  if (src.base === 'record')
    return fail('record', 'a string in the record (lower it to frame loads first)', leaf);
  const n = src.size;
  if (n === 0) return fail('string-width', 'a char[0] array', leaf);
  if (n > MAX_STRING_KEY_BYTES)
    return fail('string-width', `a char[${n}] key (wider than ${MAX_STRING_KEY_BYTES} bytes)`, leaf);
  // IR patterns are byte strings held as char codes 1..255.
  const pat = Uint8Array.from(leaf.pattern, (c) => c.charCodeAt(0) & 0xff);
  // Byte constraints (index → value) whose conjunction is the match; undefined = never true.
  let bytes: (readonly [number, number])[] | undefined;
  switch (leaf.match) {
    case 'full': {
      const k = Math.min(pat.length, n);
      bytes = Array.from({ length: k }, (_, i) => [i, pat[i]!] as const);
      if (pat.length < n) bytes.push([pat.length, 0]);
      break;
    }
    case 'front':
      bytes = n < pat.length ? undefined : Array.from(pat, (b, i) => [i, b] as const);
      break;
    case 'end': {
      const last = n - 1;
      bytes = last < pat.length ? undefined : Array.from(pat, (b, j) => [last - pat.length + j, b] as const);
      break;
    }
    default:
      return fail(
        'string-match',
        `a ${leaf.match === 'glob' ? 'glob' : "substring ('*…*')"} match (only ==, !=, 'p*' and '*p' on char[N] arrays are one ternary cube)`,
        leaf,
      );
  }
  const offset = src.offset + (src.base === 'frame' ? FRAME_RECORD_OFFSET : 0);
  const key: FieldKey = { offset, bytes: n, order: 'be' };
  let value = 0n;
  let mask = 0n;
  for (const [i, b] of bytes ?? []) {
    const shift = BigInt((n - 1 - i) * 8);
    value |= BigInt(b) << shift;
    mask |= 0xffn << shift;
  }
  const truth: Cube[] = bytes === undefined ? [] : maskedEq(mask, value, true);
  const falsity: Cube[] = bytes === undefined ? [{ kind: 'any' }] : maskedEq(mask, value, false);
  const [pos, neg] = leaf.negate ? [falsity, truth] : [truth, falsity];
  return { ok: true, shape: { kind: 'ternary', key, pos, neg } };
}

/** Largest frame length a length key holds (16 bits, like LEN_MAX of entries). */
const LEN_KEY_MAX = 0xffffn;

function isLen(e: Expr, values: readonly ValueDef[]): boolean {
  const x = e.kind === 'ref' ? values[e.id]?.expr : e;
  return x !== undefined && x.kind === 'len';
}

/** `len OP c` (either side) as frame-length intervals; undefined when the leaf is not such a compare. */
function lengthShape(leaf: LeafPred, values: readonly ValueDef[]): ShapeResult | undefined {
  if (leaf.kind === 'in') {
    // `len ∈ {c…}` (the sets pass gathers `len != a && len != b` into one): the union of the equalities.
    if (!isLen(leaf.value, values)) return undefined;
    if (leaf.width < 2)
      return fail('len', 'this use of the packet length (only len compared with a constant)', leaf);
    const set = unionAll(
      leaf.set.map((c) => trueSet('eq', c & widthMask(leaf.width), 16, leaf.width, false, false)),
    );
    return { ok: true, shape: { kind: 'length', set, notSet: complement(set, LEN_KEY_MAX) } };
  }
  if (leaf.kind !== 'cmp') return undefined;
  const lenLeft = isLen(leaf.left, values);
  if (!lenLeft && !isLen(leaf.right, values)) return undefined;
  const other = operand(lenLeft ? leaf.right : leaf.left, values);
  const op = lenLeft ? leaf.op : OPS[leaf.op].swapped;
  if (other.kind !== 'const' || op === 'set' || op === 'clear' || leaf.width < 2)
    return fail('len', 'this use of the packet length (only len compared with a constant)', leaf);
  const w = leaf.width;
  const c = other.value & widthMask(w);
  const signedCmp = leaf.signed && OPS[op].ordered;
  const set = trueSet(op, signedCmp ? signedOf(c, w * 8) : c, 16, w, false, signedCmp);
  return { ok: true, shape: { kind: 'length', set, notSet: complement(set, LEN_KEY_MAX) } };
}

export function leafShape(leaf: LeafPred, values: readonly ValueDef[]): ShapeResult {
  if (leaf.kind === 'str') return stringShape(leaf);
  if (leaf.kind === 'chain')
    return fail(
      'protochain',
      `a protochain header walk (a loop over ${leaf.family} extension headers)`,
      leaf,
    );
  const len = lengthShape(leaf, values);
  if (len !== undefined) return len;
  if (leaf.kind === 'in') {
    const v = operand(leaf.value, values);
    if (v.kind === 'bad') return fail(v.code, v.what, leaf);
    if (v.kind === 'const') {
      const x = v.value & widthMask(leaf.width);
      return { ok: true, shape: { kind: 'const', truth: leaf.set.includes(x) } };
    }
    if (v.mask !== undefined) return fail('masked-set', 'a set membership of a masked field', leaf);
    const d = Math.min(leaf.width, v.key.bytes) * 8;
    const sets: ISet[] = [];
    for (const s of leaf.set) sets.push(trueSet('eq', s, d, leaf.width, v.signed, false));
    const set = unionAll(sets);
    return intervalShape(v.key, d, set);
  }
  let op = leaf.op;
  let l = operand(leaf.left, values);
  let r = operand(leaf.right, values);
  if (l.kind === 'bad') return fail(l.code, l.what, leaf);
  if (r.kind === 'bad') return fail(r.code, r.what, leaf);
  const w = leaf.width;
  if (l.kind === 'const' && r.kind === 'const') {
    const evalConst = (x: bigint): bigint =>
      leaf.signed ? signedOf(x & widthMask(w), w * 8) : x & widthMask(w);
    const a = evalConst(l.value);
    const b = evalConst(r.value);
    const truth =
      op === 'eq'
        ? a === b
        : op === 'ne'
          ? a !== b
          : op === 'lt'
            ? a < b
            : op === 'le'
              ? a <= b
              : op === 'gt'
                ? a > b
                : op === 'ge'
                  ? a >= b
                  : op === 'set'
                    ? (l.value & r.value & widthMask(w)) !== 0n
                    : (l.value & r.value & widthMask(w)) === 0n;
    return { ok: true, shape: { kind: 'const', truth } };
  }
  if (l.kind === 'const') {
    [l, r] = [r, l];
    op = OPS[op].swapped;
  }
  if (l.kind !== 'field') return fail('expr', 'this compare', leaf);
  if (r.kind !== 'const') return fail('two-fields', 'a compare of two fields', leaf);
  const key = l.key;
  const d = Math.min(w, key.bytes) * 8;
  const dMask = (1n << BigInt(d)) - 1n;
  const c = r.value & widthMask(w);
  const highSign = l.signed && w > key.bytes; // bits above d replicate bit d-1
  if (op === 'set' || op === 'clear') {
    let m = c & dMask & (l.mask ?? dMask);
    if (highSign && c >> BigInt(d) !== 0n) m |= 1n << BigInt(d - 1);
    return {
      ok: true,
      shape: { kind: 'ternary', key, pos: bitTest(m, op === 'set'), neg: bitTest(m, op !== 'set') },
    };
  }
  if (l.mask !== undefined) {
    if (op !== 'eq' && op !== 'ne') return fail('masked-order', 'an ordered compare of a masked field', leaf);
    // The masked value has no bits above the key (checked in operand), so the compare sees it whole.
    const m = l.mask & widthMask(w);
    return {
      ok: true,
      shape: { kind: 'ternary', key, pos: maskedEq(m, c, op === 'eq'), neg: maskedEq(m, c, op !== 'eq') },
    };
  }
  const cc = leaf.signed && OPS[op].ordered ? signedOf(c, w * 8) : c;
  const signedCmp = leaf.signed && OPS[op].ordered;
  const set = trueSet(op, cc, d, w, l.signed, signedCmp);
  return intervalShape(key, d, set);
}

function intervalShape(key: FieldKey, d: number, set: ISet): ShapeResult {
  const notSet = complement(set, (1n << BigInt(d)) - 1n);
  if (d === key.bytes * 8) return { ok: true, shape: { kind: 'interval', key, bits: d, set, notSet } };
  return {
    ok: true,
    shape: { kind: 'ternary', key, pos: ternaryOfSet(set, d), neg: ternaryOfSet(notSet, d) },
  };
}

/** The cubes on which the leaf has truth `polarity`; intervals kept whole or prefix-expanded. */
export function leafCubes(shape: LeafShape, polarity: boolean, intervals: boolean): readonly Cube[] {
  switch (shape.kind) {
    case 'length':
      return (polarity ? shape.set : shape.notSet).map(([low, high]) => ({
        kind: 'interval' as const,
        low,
        high,
      }));
    case 'const':
      return shape.truth === polarity ? [{ kind: 'any' }] : [];
    case 'ternary':
      return polarity ? shape.pos : shape.neg;
    case 'interval': {
      const set = polarity ? shape.set : shape.notSet;
      const max = (1n << BigInt(shape.bits)) - 1n;
      if (set.length === 1 && set[0]![0] === 0n && set[0]![1] === max) return [{ kind: 'any' }];
      if (!intervals) return ternaryOfSet(set, shape.bits);
      return set.map(([low, high]) => ({ kind: 'interval' as const, low, high }));
    }
  }
}
