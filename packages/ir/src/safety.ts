// Evaluation context for abort-aware rewriting: what is already known to have been evaluated without
// aborting at a point of a filter. Inside and/or, a child is evaluated only after every earlier sibling
// was evaluated, and each earlier sibling's *first* child (recursively down to a leaf) certainly was;
// a leaf that returned (did not abort) evaluated all its expressions. Invariants: a `Safe` is immutable
// (extending returns a new one); `mayAbortIn(p, s)` is conservative (false ⇒ evaluating p cannot abort
// on any input that reaches p with the context s); a fixed-offset packet/frame load of bytes [k, k+w)
// cannot abort once a load of the same base ending at or after k+w was evaluated (the bound is the
// packet length); any other aborting expression is safe only when the same expression (structural key)
// was evaluated before; refs are always treated as possibly aborting (callers run after `inline`).
import { exprMayAbort } from './analysis.ts';
import type { Interner } from './intern.ts';
import type { Base, Expr, Pred } from './types.ts';

export interface Safe {
  /** Bytes [0, reach) of the base are known to exist. */
  readonly reach: ReadonlyMap<Base, number>;
  /** Structural keys of aborting expressions (computed-offset loads, divisions) evaluated without abort. */
  readonly keys: ReadonlySet<string>;
}

export const NOTHING_SAFE: Safe = { reach: new Map(), keys: new Set() };

/** Can evaluating `e` abort, given that everything in `s` was evaluated without aborting? */
export function exprMayAbortIn(e: Expr, s: Safe, key: Interner['expr']): boolean {
  // Fast paths without allocation: constants and fixed-offset loads (most leaves of pcap filters).
  if (e.kind === 'const' || e.kind === 'len' || e.kind === 'pseudo') return false;
  if (e.kind === 'load' && typeof e.offset === 'number')
    return e.base !== 'record' && e.offset + e.width > (s.reach.get(e.base) ?? 0);
  if (!exprMayAbort(e)) return false;
  if (s.reach.size === 0 && s.keys.size === 0) return true;
  // Memoised per object: chained values share subtrees (an unfolded walk would be exponential).
  return mayAbortMemo(e, s, key, new Map());
}

function mayAbortMemo(x: Expr, s: Safe, key: Interner['expr'], memo: Map<Expr, boolean>): boolean {
  const hit = memo.get(x);
  if (hit !== undefined) return hit;
  const r = mayAbortStep(x, s, key, memo);
  memo.set(x, r);
  return r;
}

function mayAbortStep(x: Expr, s: Safe, key: Interner['expr'], memo: Map<Expr, boolean>): boolean {
  switch (x.kind) {
    case 'const':
    case 'len':
    case 'pseudo':
      return false;
    case 'ref':
      return true;
    case 'load':
      if (typeof x.offset === 'number')
        return x.base !== 'record' && x.offset + x.width > (s.reach.get(x.base) ?? 0);
      if (s.keys.has(key(x))) return false;
      return x.base !== 'record' || mayAbortMemo(x.offset, s, key, memo);
    case 'neg':
      return mayAbortMemo(x.arg, s, key, memo);
    case 'arith':
      if (!exprMayAbort(x)) return false;
      if (s.keys.has(key(x))) return false;
      if (
        (x.op === '/' || x.op === '%') &&
        !(x.right.kind === 'const' && (x.right.value & 0xffffffffn) !== 0n)
      )
        return true;
      return mayAbortMemo(x.left, s, key, memo) || mayAbortMemo(x.right, s, key, memo);
  }
}

export function predMayAbortIn(p: Pred, s: Safe, key: Interner['expr']): boolean {
  switch (p.kind) {
    case 'true':
    case 'false':
      return false;
    case 'cmp':
      return exprMayAbortIn(p.left, s, key) || exprMayAbortIn(p.right, s, key);
    case 'in':
      return exprMayAbortIn(p.value, s, key);
    case 'str':
      if (p.source.kind === 'comm' || p.source.base === 'record') return false;
      return p.source.kind !== 'fixed' || p.source.offset + p.source.size > (s.reach.get(p.source.base) ?? 0);
    case 'chain':
      return true;
    case 'not':
      return predMayAbortIn(p.arg, s, key);
    case 'and':
    case 'or': {
      // Later children are evaluated in the context the earlier ones establish.
      let c = s;
      for (const a of p.args) {
        if (predMayAbortIn(a, c, key)) return true;
        c = extendSafe(c, a, key);
      }
      return false;
    }
  }
}

/** `s` plus what evaluating `e` without aborting establishes (each distinct object walked once). */
function addExpr(
  reach: Map<Base, number>,
  keys: Set<string>,
  x: Expr,
  key: Interner['expr'],
  seen: Set<Expr> = new Set(),
): void {
  if (seen.has(x)) return;
  seen.add(x);
  switch (x.kind) {
    case 'load':
      if (typeof x.offset === 'number') {
        if (x.base !== 'record') reach.set(x.base, Math.max(reach.get(x.base) ?? 0, x.offset + x.width));
        return;
      }
      if (exprMayAbort(x)) keys.add(key(x));
      addExpr(reach, keys, x.offset, key, seen);
      return;
    case 'neg':
      addExpr(reach, keys, x.arg, key, seen);
      return;
    case 'arith':
      if (exprMayAbort(x)) keys.add(key(x));
      addExpr(reach, keys, x.left, key, seen);
      addExpr(reach, keys, x.right, key, seen);
      return;
    default:
      return;
  }
}

/** The context after `p` was evaluated without aborting (only what certainly ran: its first child). */
export function extendSafe(s: Safe, p: Pred, key: Interner['expr']): Safe {
  let q = p;
  for (;;) {
    if (q.kind === 'not') q = q.arg;
    else if ((q.kind === 'and' || q.kind === 'or') && q.args.length > 0) q = q.args[0]!;
    else break;
  }
  if (q.kind !== 'cmp' && q.kind !== 'in' && !(q.kind === 'str' && q.source.kind === 'fixed')) return s;
  // Nothing new (the common case along a run of siblings on the same loads): the same object.
  if (q.kind === 'cmp' && !exprMayAbortIn(q.left, s, key) && !exprMayAbortIn(q.right, s, key)) return s;
  if (q.kind === 'in' && !exprMayAbortIn(q.value, s, key)) return s;
  // One fixed-offset load against a constant: only the reach changes (the key set is shared).
  const only = q.kind === 'cmp' && q.right.kind === 'const' ? q.left : q.kind === 'in' ? q.value : undefined;
  if (
    only !== undefined &&
    only.kind === 'load' &&
    typeof only.offset === 'number' &&
    only.base !== 'record'
  ) {
    const reach = new Map(s.reach).set(only.base, only.offset + only.width);
    return { reach, keys: s.keys };
  }
  const reach = new Map(s.reach);
  const keys = new Set(s.keys);
  if (q.kind === 'cmp') {
    addExpr(reach, keys, q.left, key);
    addExpr(reach, keys, q.right, key);
  } else if (q.kind === 'in') addExpr(reach, keys, q.value, key);
  else if (q.kind === 'str' && q.source.kind === 'fixed' && q.source.base !== 'record')
    reach.set(q.source.base, Math.max(reach.get(q.source.base) ?? 0, q.source.offset + q.source.size));
  return { reach, keys };
}
