// Emission order for a decision DAG: a topological order of the reachable internal nodes (reverse
// post-order of an iterative DFS taking t, then f, then a), so every edge points forward and code
// generators emit straight-line code with forward jumps only.
// Invariants: deterministic; each reachable internal node appears once; for every edge u→v with v an
// internal node, index(u) < index(v); the root comes first; no recursion (huge DAGs cannot overflow).
import type { Dag } from '@tfc/ir';

export function topoOrder(dag: Dag): number[] {
  if (dag.root < 3) return [];
  const post: number[] = [];
  const seen = new Set<number>([dag.root]);
  const succ = (u: number): number[] => {
    const n = dag.nodes[u - 3]!;
    const s = [n.t, n.f];
    if (n.a !== null) s.push(n.a);
    return s.filter((v) => v >= 3);
  };
  const stack: { u: number; next: number[] }[] = [{ u: dag.root, next: succ(dag.root) }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const v = top.next.shift();
    if (v === undefined) {
      post.push(top.u);
      stack.pop();
    } else if (!seen.has(v)) {
      seen.add(v);
      stack.push({ u: v, next: succ(v) });
    }
  }
  return post.reverse();
}
