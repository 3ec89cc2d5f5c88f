// Pass `cse`: common load elimination. Every load expression that occurs at least twice (structurally
// equal, anywhere in the filter) becomes an entry of the value table and its occurrences become refs.
// Rules policy: directional (repeated load → ref), never increases work (a ref is evaluated once per
// input; loads are pure, so sharing cannot change a value or where an abort happens: the value is still
// evaluated at its first use). Ids are assigned in post-order of first occurrence, so a value refers only
// to smaller ids and the output is deterministic. The pass first inlines existing refs (idempotent).
// Cost: linear in distinct expression objects. Occurrences are counted on the unfolded tree (a subtree
// shared by k parents occurs k times) but saturate at 2, so each distinct subtree is walked at most twice;
// the rewrite is memoised by structural key (the first occurrence assigns the ids, later ones reuse it).
import { type Interner, makeInterner } from '../intern.ts';
import { mapPred } from '../rewrite.ts';
import type { Expr, Filter, Pred, ValueDef } from '../types.ts';
import { inline } from './inline.ts';

export function cse(ir0: Filter, keys: Interner = makeInterner()): Filter {
  const ir = inline(ir0);
  const key = keys.expr;
  // Occurrence counts of loads, saturating at 2; `walks` counts how often a subtree was walked.
  const counts = new Map<string, number>();
  const walks = new Map<string, number>();
  const count = (e: Expr): void => {
    if (e.kind !== 'load' && e.kind !== 'neg' && e.kind !== 'arith') return;
    const k = key(e);
    const w = walks.get(k) ?? 0;
    if (w >= 2) return; // every load inside already counts 2
    walks.set(k, w + 1);
    if (e.kind === 'load') {
      counts.set(k, Math.min(2, (counts.get(k) ?? 0) + 1));
      if (typeof e.offset !== 'number') count(e.offset);
    } else if (e.kind === 'neg') count(e.arg);
    else {
      count(e.left);
      count(e.right);
    }
  };
  const countPred = (p: Pred): void => {
    if (p.kind === 'cmp') {
      count(p.left);
      count(p.right);
    } else if (p.kind === 'in') count(p.value);
    else if (p.kind === 'not') countPred(p.arg);
    else if (p.kind === 'and' || p.kind === 'or') for (const a of p.args) countPred(a);
  };
  countPred(ir.body);
  const ids = new Map<string, number>();
  const values: ValueDef[] = [];
  const done = new Map<string, Expr>();
  const rw = (e: Expr): Expr => {
    if (e.kind !== 'load' && e.kind !== 'neg' && e.kind !== 'arith') return e;
    const k = key(e);
    const hit = done.get(k);
    if (hit !== undefined) return hit;
    let r: Expr;
    switch (e.kind) {
      case 'load': {
        const x: Expr = typeof e.offset === 'number' ? e : { ...e, offset: rw(e.offset) };
        if ((counts.get(k) ?? 0) < 2) r = x;
        else {
          let id = ids.get(k);
          if (id === undefined) {
            id = values.length;
            ids.set(k, id);
            values.push({ id, expr: x });
          }
          r = { kind: 'ref', id };
        }
        break;
      }
      case 'neg':
        r = { ...e, arg: rw(e.arg) };
        break;
      case 'arith': {
        const left = rw(e.left);
        r = { ...e, left, right: rw(e.right) };
        break;
      }
    }
    done.set(k, r);
    return r;
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
