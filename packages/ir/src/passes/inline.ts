// Pass `inline`: replace every ref by its value's expression and empty the value table.
// Rules policy: directional (refs → expressions only); it may grow the tree but not the evaluated work
// (loads are pure, so evaluating a load twice gives the same value and the same abort); it is the
// inverse of `cse` and runs first so that every later pass sees one canonical tree.
import { mapExpr, mapPredExprs } from '../rewrite.ts';
import type { Expr, Filter, ValueDef } from '../types.ts';

export function inlineExpr(e: Expr, values: readonly ValueDef[]): Expr {
  return mapExpr(e, (x) => {
    if (x.kind !== 'ref') return x;
    const d = values[x.id];
    return d === undefined ? x : inlineExpr(d.expr, values);
  });
}

export function inline(ir: Filter): Filter {
  if (ir.values.length === 0) return ir;
  return { kind: 'filter', values: [], body: mapPredExprs(ir.body, (e) => inlineExpr(e, ir.values)) };
}
