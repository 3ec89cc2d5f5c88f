// Interval sets over the unsigned domain [0, 2^(8·width) − 1] of one compared value, and the re-encoding
// of such a set into the cheapest equivalent predicate. Invariants: a set is a sorted array of disjoint,
// non-adjacent closed intervals [lo, hi] (bigint); all operations return normalised sets; leafSet(p)
// describes exactly the inputs on which leaf p is true (signed compares are mapped to unsigned intervals);
// encode() returns a predicate true on exactly the set, or undefined when no candidate applies.
import { cmp, inSet } from './build.ts';
import type { Expr, Pred, Width } from './types.ts';
import { widthMask } from './types.ts';

export type Interval = readonly [bigint, bigint];
export type ISet = readonly Interval[];

/** Largest set we turn into an explicit membership set. */
export const MAX_SET_POINTS = 65536;

function normalise(iv: Interval[]): ISet {
  const s = iv.filter(([a, b]) => a <= b).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const out: [bigint, bigint][] = [];
  for (const [a, b] of s) {
    const last = out[out.length - 1];
    if (last !== undefined && a <= last[1] + 1n) {
      if (b > last[1]) last[1] = b;
    } else out.push([a, b]);
  }
  return out;
}

export function union(a: ISet, b: ISet): ISet {
  return normalise([...a, ...b]);
}

export function unionAll(sets: readonly ISet[]): ISet {
  return normalise(sets.flat());
}

// Math.max/min do not accept bigint.
function bigMax(a: bigint, b: bigint): bigint {
  if (a > b) return a;
  return b;
}
function bigMin(a: bigint, b: bigint): bigint {
  if (a < b) return a;
  return b;
}

export function intersect(a: ISet, b: ISet): ISet {
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    const lo = bigMax(x[0], y[0]);
    const hi = bigMin(x[1], y[1]);
    if (lo <= hi) out.push([lo, hi]);
    if (x[1] < y[1]) i++;
    else j++;
  }
  return out;
}

/** Whether a and b share no value (intersect(a, b) is empty), without building the intersection. */
export function disjoint(a: ISet, b: ISet): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (bigMax(x[0], y[0]) <= bigMin(x[1], y[1])) return false;
    if (x[1] < y[1]) i++;
    else j++;
  }
  return true;
}

export function complement(a: ISet, max: bigint): ISet {
  const out: Interval[] = [];
  let next = 0n;
  for (const [lo, hi] of a) {
    if (lo > next) out.push([next, lo - 1n]);
    next = hi + 1n;
  }
  if (next <= max) out.push([next, max]);
  return out;
}

function pointCount(a: ISet): bigint {
  let n = 0n;
  for (const [lo, hi] of a) n += hi - lo + 1n;
  return n;
}

function points(a: ISet): bigint[] {
  const out: bigint[] = [];
  for (const [lo, hi] of a) for (let v = lo; v <= hi; v++) out.push(v);
  return out;
}

/** Unsigned intervals of the signed interval [a, b] (signed values) at `width`. */
function fromSigned(a: bigint, b: bigint, width: Width): ISet {
  const span = 1n << BigInt(width * 8);
  if (a > b) return [];
  if (a >= 0n) return [[a, b]];
  if (b < 0n) return [[a + span, b + span]];
  return normalise([
    [0n, b],
    [a + span, span - 1n],
  ]);
}

/** The set of (unsigned, width-truncated) left values on which the leaf is true, if it is an interval fact
 *  about one value compared with a constant. */
export function leafSet(p: Pred): { key: Expr; width: Width; set: ISet } | undefined {
  if (p.kind === 'not') {
    const inner = p.arg.kind === 'in' ? leafSet(p.arg) : undefined;
    return inner && { ...inner, set: complement(inner.set, widthMask(inner.width)) };
  }
  if (p.kind === 'in') return { key: p.value, width: p.width, set: normalise(p.set.map((v) => [v, v])) };
  if (p.kind !== 'cmp' || p.right.kind !== 'const' || p.op === 'set' || p.op === 'clear') return undefined;
  const w = p.width;
  const max = widthMask(w);
  const v = p.right.value & max;
  let set: ISet;
  if (p.op === 'eq') set = [[v, v]];
  else if (p.op === 'ne') set = complement([[v, v]], max);
  else if (!p.signed) {
    if (p.op === 'lt') set = v === 0n ? [] : [[0n, v - 1n]];
    else if (p.op === 'le') set = [[0n, v]];
    else if (p.op === 'gt') set = v === max ? [] : [[v + 1n, max]];
    else set = [[v, max]];
  } else {
    const half = 1n << BigInt(w * 8 - 1);
    const sv = v >= half ? v - (1n << BigInt(w * 8)) : v;
    const smin = -half;
    const smax = half - 1n;
    if (p.op === 'lt') set = fromSigned(smin, sv - 1n, w);
    else if (p.op === 'le') set = fromSigned(smin, sv, w);
    else if (p.op === 'gt') set = fromSigned(sv + 1n, smax, w);
    else set = fromSigned(sv, smax, w);
  }
  return { key: p.left, width: w, set };
}

/** The cost measure of range/set rewriting: one per compare; a membership set of n values costs
 *  1 + floor(log2 n) (the depth of a compare tree over it), so a set wins over its equalities but a
 *  wide interval stays a pair of bounds. */
export function leafCount(p: Pred): number {
  switch (p.kind) {
    case 'true':
    case 'false':
      return 0;
    case 'not':
      return leafCount(p.arg);
    case 'and':
    case 'or':
      return p.args.reduce((n, a) => n + leafCount(a), 0);
    case 'in':
      return 1 + Math.floor(Math.log2(p.set.length));
    default:
      return 1;
  }
}

/** A candidate encoding of a set, costed before it is built (plain data: no closure per candidate). */
type Candidate =
  | { readonly form: 'eq' | 'ne' | 'le' | 'ge'; readonly v: bigint; readonly signed: boolean }
  | { readonly form: 'in' | 'not-in'; readonly of: ISet }
  | {
      readonly form: 'between' | 'outside';
      readonly lo: bigint;
      readonly hi: bigint;
      readonly signed: boolean;
    };

function build(c: Candidate, key: Expr, width: Width): Pred {
  switch (c.form) {
    case 'eq':
    case 'ne':
    case 'le':
    case 'ge':
      return cmp(c.form, width, c.signed, key, c.v);
    case 'in':
      return inSet(width, key, points(c.of));
    case 'not-in':
      return { kind: 'not', arg: inSet(width, key, points(c.of)) };
    case 'between':
      return {
        kind: 'and',
        args: [cmp('ge', width, c.signed, key, c.lo), cmp('le', width, c.signed, key, c.hi)],
      };
    case 'outside':
      return { kind: 'or', args: [cmp('lt', width, false, key, c.lo), cmp('gt', width, false, key, c.hi)] };
  }
}

const setCost = (n: bigint): number => 1 + Math.floor(Math.log2(Number(n)));

interface Pick {
  best: Candidate | undefined;
  cost: number;
}

/** Keeps the cheaper candidate; on a tie the earlier one. */
function offer(pick: Pick, cost: number, c: Candidate): void {
  if (pick.best === undefined || cost < pick.cost) {
    pick.best = c;
    pick.cost = cost;
  }
}

/** Cheapest predicate (by leafCount) true exactly on `set` for `key` at `width`; ties go to the earlier
 *  candidate. Candidates are costed before they are built, so huge sets are never enumerated. */
export function encode(key: Expr, width: Width, set: ISet): Pred | undefined {
  const max = widthMask(width);
  if (set.length === 0) return { kind: 'false' };
  if (set.length === 1 && set[0]![0] === 0n && set[0]![1] === max) return { kind: 'true' };
  const pick: Pick = { best: undefined, cost: 0 };
  const comp = complement(set, max);
  const n = pointCount(set);
  if (n === 1n) offer(pick, 1, { form: 'eq', v: set[0]![0], signed: false });
  else if (n <= BigInt(MAX_SET_POINTS)) offer(pick, setCost(n), { form: 'in', of: set });
  const nc = pointCount(comp);
  if (nc === 1n) offer(pick, 1, { form: 'ne', v: comp[0]![0], signed: false });
  else if (nc <= BigInt(MAX_SET_POINTS)) offer(pick, setCost(nc), { form: 'not-in', of: comp });
  if (set.length === 1) {
    const [lo, hi] = set[0]!;
    if (lo === 0n) offer(pick, 1, { form: 'le', v: hi, signed: false });
    else if (hi === max) offer(pick, 1, { form: 'ge', v: lo, signed: false });
    else offer(pick, 2, { form: 'between', lo, hi, signed: false });
  }
  const half = 1n << BigInt(width * 8 - 1);
  if (
    set.length === 2 &&
    set[0]![0] === 0n &&
    set[1]![1] === max &&
    set[1]![0] >= half &&
    set[0]![1] < half
  ) {
    // [a, max] is all negative and [0, b] all non-negative: contiguous in the signed view, [a − 2^n, b].
    const a = set[1]![0];
    const b = set[0]![1];
    if (a === half) offer(pick, 1, { form: 'le', v: b, signed: true });
    else if (b === half - 1n) offer(pick, 1, { form: 'ge', v: a, signed: true });
    else offer(pick, 2, { form: 'between', lo: a, hi: b, signed: true });
  }
  if (comp.length === 1) {
    const [lo, hi] = comp[0]!;
    if (lo !== 0n && hi !== max) offer(pick, 2, { form: 'outside', lo, hi, signed: false });
  }
  return pick.best === undefined ? undefined : build(pick.best, key, width);
}

/** Is the set empty (false) or the whole domain (true)? */
export function constantOf(set: ISet, width: Width): boolean | undefined {
  if (set.length === 0) return false;
  if (set.length === 1 && set[0]![0] === 0n && set[0]![1] === widthMask(width)) return true;
  return undefined;
}
