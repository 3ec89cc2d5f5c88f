// Guard facts of the BPF lowering: the largest end of a constant-offset packet access a leaf performs on every run
// that does not abort, so that an emitter with explicit bounds checks (eBPF direct packet access) checks each
// range once on every path instead of before every load (what the verifier then knows too).
// Invariants: pure; an end counts only when the access cannot abort for another reason first (within
// MAX_PKT_OFF) and its start is within the 16-bit signed offset of a direct load (0x7fff); record loads and
// computed offsets add nothing.
import type { Dag, Expr, LeafPred } from '@tfc/ir';
import { baseOffset, MAX_PKT_OFF } from './access.ts';

/** Largest end of a constant-offset packet access the expression performs on every non-aborting run. */
export function exprGuardEnd(dag: Pick<Dag, 'values'>, x: Expr): number {
  switch (x.kind) {
    case 'load': {
      const inner = typeof x.offset === 'number' ? 0 : exprGuardEnd(dag, x.offset);
      if (x.base === 'record' || typeof x.offset !== 'number') return inner;
      const end = x.offset + baseOffset(x.base) + x.width;
      return end <= MAX_PKT_OFF && end - x.width <= 0x7fff ? end : 0;
    }
    case 'arith':
      return Math.max(exprGuardEnd(dag, x.left), exprGuardEnd(dag, x.right));
    case 'neg':
      return exprGuardEnd(dag, x.arg);
    case 'ref': {
      const d = dag.values[x.id];
      return d === undefined ? 0 : exprGuardEnd(dag, d.expr);
    }
    default:
      return 0;
  }
}

/** Largest end of a constant-offset packet access the leaf performs on every non-aborting run. */
export function leafGuardEnd(dag: Pick<Dag, 'values'>, l: LeafPred): number {
  if (l.kind === 'cmp') return Math.max(exprGuardEnd(dag, l.left), exprGuardEnd(dag, l.right));
  if (l.kind === 'in') return exprGuardEnd(dag, l.value);
  if (l.kind === 'chain') return 0;
  const src = l.source;
  if (src.kind === 'fixed' && src.base !== 'record') {
    const end = src.offset + baseOffset(src.base) + src.size;
    return end <= 0x7fff ? end : 0;
  }
  if (src.kind === 'dataloc' && src.base !== 'record') {
    const end = src.offset + baseOffset(src.base) + 4;
    return end <= 0x7fff ? end : 0;
  }
  return 0;
}

/** Bounds proven on entry to each node, in emission order: the minimum over its incoming t/f edges of what the
 *  predecessor had proven plus what its leaf always checks (abort edges end the program). */
export function provenBounds(dag: Dag, order: readonly number[]): Map<number, number> {
  const provenAt = new Map<number, number>([[dag.root, 0]]);
  for (const id of order) {
    const n = dag.nodes[id - 3]!;
    const out = Math.max(provenAt.get(id) ?? 0, leafGuardEnd(dag, dag.leaves[n.leaf]!));
    for (const v of [n.t, n.f])
      if (v >= 3) provenAt.set(v, Math.min(provenAt.get(v) ?? Number.POSITIVE_INFINITY, out));
  }
  return provenAt;
}
