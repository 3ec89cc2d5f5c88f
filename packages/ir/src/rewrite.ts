// Generic bottom-up rewriting helpers. Invariants: children are rewritten before their parent; the
// traversal order is fixed (left to right), so rewrites are deterministic; nodes are rebuilt, never
// mutated; a node (predicate or expression) whose children all come back as the same objects is passed to `f`
// as itself (not a copy), so a rewrite that changes nothing returns the input object (passes test that cheaply).
import type { Expr, Pred } from './types.ts';

/** Rewrite every expression bottom-up with `f` (f sees a node whose children are already rewritten).
 *  `f` must be pure: results are memoised per object, so a subtree shared by several parents is
 *  rewritten once and its rewrite is shared again (linear in distinct objects, not in the unfolded tree). */
export function mapExpr(e: Expr, f: (e: Expr) => Expr, memo: Map<Expr, Expr> = new Map()): Expr {
  switch (e.kind) {
    case 'load':
      if (typeof e.offset === 'number') return f(e);
      break;
    case 'neg':
    case 'arith':
      break;
    default:
      return f(e);
  }
  const hit = memo.get(e);
  if (hit !== undefined) return hit;
  let r: Expr;
  // Children that come back as the same objects: `f` sees the node itself (no copy), so an unchanged subtree
  // stays the same object and later passes find it in their per-object memos.
  if (e.kind === 'load') {
    const offset = mapExpr(e.offset as Expr, f, memo);
    r = f(offset === e.offset ? e : { ...e, offset });
  } else if (e.kind === 'neg') {
    const arg = mapExpr(e.arg, f, memo);
    r = f(arg === e.arg ? e : { ...e, arg });
  } else if (e.kind === 'arith') {
    const left = mapExpr(e.left, f, memo);
    const right = mapExpr(e.right, f, memo);
    r = f(left === e.left && right === e.right ? e : { ...e, left, right });
  } else r = f(e);
  memo.set(e, r);
  return r;
}

/** Rewrite every predicate bottom-up with `f`. */
export function mapPred(p: Pred, f: (p: Pred) => Pred): Pred {
  switch (p.kind) {
    case 'and':
    case 'or': {
      const args = p.args.map((a) => mapPred(a, f));
      return f(args.every((a, i) => a === p.args[i]) ? p : { kind: p.kind, args });
    }
    case 'not': {
      const arg = mapPred(p.arg, f);
      return f(arg === p.arg ? p : { kind: 'not', arg });
    }
    default:
      return f(p);
  }
}

/** Rewrite the expressions inside every leaf with `f` (bottom-up). */
export function mapPredExprs(p: Pred, f: (e: Expr) => Expr): Pred {
  const memo = new Map<Expr, Expr>();
  return mapPred(p, (q) => {
    switch (q.kind) {
      case 'cmp': {
        const left = mapExpr(q.left, f, memo);
        const right = mapExpr(q.right, f, memo);
        return left === q.left && right === q.right ? q : { ...q, left, right };
      }
      case 'in': {
        const value = mapExpr(q.value, f, memo);
        return value === q.value ? q : { ...q, value };
      }
      default:
        return q;
    }
  });
}

/** Visit every expression (pre-order: node, then children left to right). */
export function forEachExpr(p: Pred, f: (e: Expr) => void): void {
  const visit = (e: Expr): void => {
    f(e);
    if (e.kind === 'load' && typeof e.offset !== 'number') visit(e.offset);
    else if (e.kind === 'neg') visit(e.arg);
    else if (e.kind === 'arith') {
      visit(e.left);
      visit(e.right);
    }
  };
  const walk = (q: Pred): void => {
    if (q.kind === 'cmp') {
      visit(q.left);
      visit(q.right);
    } else if (q.kind === 'in') visit(q.value);
    else if (q.kind === 'not') walk(q.arg);
    else if (q.kind === 'and' || q.kind === 'or') for (const a of q.args) walk(a);
  };
  walk(p);
}
