// Generic bottom-up rewriting helpers. Invariants: children are rewritten before their parent; the
// traversal order is fixed (left to right), so rewrites are deterministic; nodes are rebuilt, never mutated.
import type { Expr, Pred } from './types.ts';

/** Rewrite every expression bottom-up with `f` (f sees a node whose children are already rewritten). */
export function mapExpr(e: Expr, f: (e: Expr) => Expr): Expr {
  switch (e.kind) {
    case 'load':
      return f(typeof e.offset === 'number' ? e : { ...e, offset: mapExpr(e.offset, f) });
    case 'neg':
      return f({ ...e, arg: mapExpr(e.arg, f) });
    case 'arith':
      return f({ ...e, left: mapExpr(e.left, f), right: mapExpr(e.right, f) });
    default:
      return f(e);
  }
}

/** Rewrite every predicate bottom-up with `f`. */
export function mapPred(p: Pred, f: (p: Pred) => Pred): Pred {
  switch (p.kind) {
    case 'and':
    case 'or':
      return f({ kind: p.kind, args: p.args.map((a) => mapPred(a, f)) });
    case 'not':
      return f({ kind: 'not', arg: mapPred(p.arg, f) });
    default:
      return f(p);
  }
}

/** Rewrite the expressions inside every leaf with `f` (bottom-up). */
export function mapPredExprs(p: Pred, f: (e: Expr) => Expr): Pred {
  return mapPred(p, (q) => {
    switch (q.kind) {
      case 'cmp':
        return { ...q, left: mapExpr(q.left, f), right: mapExpr(q.right, f) };
      case 'in':
        return { ...q, value: mapExpr(q.value, f) };
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
