// Pass `inline`: replace every ref by its value's expression and empty the value table.
// Rules policy: directional (refs → expressions only); it may grow the tree but not the evaluated work
// (loads are pure, so evaluating a load twice gives the same value and the same abort); it is the
// inverse of `cse` and runs first so that every later pass sees one canonical tree.
import { mapExpr, mapPredExprs } from '../rewrite.ts';
import type { Expr, Filter, ValueDef } from '../types.ts';

/** `e` with every ref replaced by its value's (inlined) expression. Each value is expanded once and the
 *  expansion is shared by all its uses, so chained values (protochain's loop registers) stay linear in
 *  memory: the result is a tree whose repeated subtrees are the same objects. */
export function inlineExpr(e: Expr, values: readonly ValueDef[]): Expr {
  return mapExpr(e, inliner(values));
}

/** The ref replacer, with its per-value cache; pure from the outside (same input → equal output). */
function inliner(values: readonly ValueDef[]): (e: Expr) => Expr {
  const cache = new Map<number, Expr>();
  const memo = new Map<Expr, Expr>();
  const f = (x: Expr): Expr => {
    if (x.kind !== 'ref') return x;
    const hit = cache.get(x.id);
    if (hit !== undefined) return hit;
    const d = values[x.id];
    if (d === undefined) return x;
    const r = mapExpr(d.expr, f, memo);
    cache.set(x.id, r);
    return r;
  };
  return f;
}

export function inline(ir: Filter): Filter {
  if (ir.values.length === 0) return ir;
  return { kind: 'filter', values: [], body: mapPredExprs(ir.body, inliner(ir.values)) };
}
