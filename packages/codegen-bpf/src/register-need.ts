/*
 * How many temporaries (cBPF M[] words, eBPF stack slots) evaluating an expression needs: its Sethi–Ullman number,
 * shared by both code generators. Invariants: a constant right operand needs none; shared values (`ref`) count what
 * their definition needs; results are memoised per node object, so a DAG of shared subexpressions costs linear time.
 */
import type { Dag, Expr } from '@tfc/ir';

export function registerNeed(dag: Pick<Dag, 'values'>): (x: Expr) => number {
  const memo = new Map<Expr, number>();
  const need = (x: Expr): number => {
    const hit = memo.get(x);
    if (hit !== undefined) return hit;
    let r = 0;
    if (x.kind === 'arith') {
      const l = need(x.left);
      const rr = x.right.kind === 'const' ? 0 : need(x.right);
      r = x.right.kind === 'const' ? l : l === rr ? l + 1 : Math.max(l, rr);
    } else if (x.kind === 'neg') r = need(x.arg);
    else if (x.kind === 'load' && typeof x.offset !== 'number') r = need(x.offset);
    else if (x.kind === 'ref') {
      const d = dag.values[x.id];
      r = d === undefined ? 0 : need(d.expr);
    }
    memo.set(x, r);
    return r;
  };
  return need;
}
