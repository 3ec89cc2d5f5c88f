// Pass `cse`: common load elimination. Every load expression that occurs at least twice (structurally
// equal, anywhere in the filter) becomes an entry of the value table and its occurrences become refs.
// Rules policy: directional (repeated load → ref), never increases work (a ref is evaluated once per
// input; loads are pure, so sharing cannot change a value or where an abort happens: the value is still
// evaluated at its first use). Ids are assigned in post-order of first occurrence, so a value refers only
// to smaller ids and the output is deterministic. The pass first inlines existing refs (idempotent).
import { exprKey } from '../analysis.ts';
import { forEachExpr, mapPred } from '../rewrite.ts';
import type { Expr, Filter, ValueDef } from '../types.ts';
import { inline } from './inline.ts';

export function cse(ir0: Filter): Filter {
  const ir = inline(ir0);
  const counts = new Map<string, number>();
  forEachExpr(ir.body, (e) => {
    if (e.kind === 'load') {
      const k = exprKey(e);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  });
  const ids = new Map<string, number>();
  const values: ValueDef[] = [];
  const rw = (e: Expr): Expr => {
    switch (e.kind) {
      case 'load': {
        const k = exprKey(e);
        const x: Expr = typeof e.offset === 'number' ? e : { ...e, offset: rw(e.offset) };
        if ((counts.get(k) ?? 0) < 2) return x;
        let id = ids.get(k);
        if (id === undefined) {
          id = values.length;
          ids.set(k, id);
          values.push({ id, expr: x });
        }
        return { kind: 'ref', id };
      }
      case 'neg':
        return { ...e, arg: rw(e.arg) };
      case 'arith': {
        const left = rw(e.left);
        return { ...e, left, right: rw(e.right) };
      }
      default:
        return e;
    }
  };
  const body = mapPred(ir.body, (p) => {
    if (p.kind === 'cmp') {
      const left = rw(p.left);
      return { ...p, left, right: rw(p.right) };
    }
    if (p.kind === 'in') return { ...p, value: rw(p.value) };
    return p;
  });
  return { kind: 'filter', values, body };
}
