// Shared values of the classic generator: which subexpressions are worth one M[] word (computed once, reloaded
// where their store ran on every path), how long each is needed, and how large the program would be without them.
// Invariants: pure over the decision DAG; shareSubtrees keeps semantics (a shared value is its definition, compared
// structurally, larger keys than MAX_SHARE_KEY are left alone); every analysis is memoised and linear in the DAG.
import type { Dag, Expr, LeafPred } from '@tfc/ir';

export function intersect(a: ReadonlySet<number>, b: ReadonlySet<number>): Set<number> {
  const out = new Set<number>();
  for (const v of a) if (b.has(v)) out.add(v);
  return out;
}

/** Longest structural key `shareSubtrees` builds; larger subtrees are left as they are. */
const MAX_SHARE_KEY = 1 << 16;

/** The DAG with every non-trivial subexpression that occurs more than once (in leaves and value definitions,
 *  compared structurally, shared values by id) turned into a shared value of its own, so the cache below computes
 *  it once: pcap's unrolled `protochain` repeats each header offset in several loads. Same semantics: a shared
 *  value is its definition. */
export function shareSubtrees(dag: Dag): Dag {
  const keyOf = new Map<Expr, string | null>();
  const key = (x: Expr): string | null => {
    const hit = keyOf.get(x);
    if (hit !== undefined) return hit;
    let k: string | null;
    switch (x.kind) {
      case 'const':
        k = `#${x.value}`;
        break;
      case 'len':
        k = 'len';
        break;
      case 'ref':
        k = `%${x.id}`;
        break;
      case 'pseudo':
        k = `@${x.name}`;
        break;
      case 'neg': {
        const a = key(x.arg);
        k = a === null ? null : `(neg ${a})`;
        break;
      }
      case 'arith': {
        const l = key(x.left);
        const r = key(x.right);
        k = l === null || r === null ? null : `(${x.op} ${l} ${r})`;
        break;
      }
      case 'load': {
        const off = typeof x.offset === 'number' ? `${x.offset}` : key(x.offset);
        k = off === null ? null : `[${x.base} ${off} ${x.width}${x.order}${x.signed ? 's' : 'u'}]`;
        break;
      }
    }
    if (k !== null && k.length > MAX_SHARE_KEY) k = null;
    keyOf.set(x, k);
    return k;
  };
  const trivial = (x: Expr) =>
    x.kind === 'const' ||
    x.kind === 'len' ||
    x.kind === 'ref' ||
    x.kind === 'pseudo' ||
    (x.kind === 'load' && typeof x.offset === 'number');
  const counts = new Map<string, number>();
  const visit = (x: Expr): void => {
    if (trivial(x)) return;
    const k = key(x);
    if (k === null) return;
    const c = (counts.get(k) ?? 0) + 1;
    counts.set(k, c);
    if (c > 1) return; // its parts were counted at the first occurrence
    if (x.kind === 'arith') {
      visit(x.left);
      visit(x.right);
    } else if (x.kind === 'neg') visit(x.arg);
    else if (x.kind === 'load' && typeof x.offset !== 'number') visit(x.offset);
  };
  for (const v of dag.values) visit(v.expr);
  for (const l of dag.leaves) {
    if (l.kind === 'cmp') {
      visit(l.left);
      visit(l.right);
    } else if (l.kind === 'in') visit(l.value);
  }
  const values = [...dag.values];
  const idOf = new Map<string, number>();
  const rewritten = new Map<Expr, Expr>();
  const rewrite = (x: Expr): Expr => {
    if (trivial(x)) return x;
    const done = rewritten.get(x);
    if (done !== undefined) return done;
    const k = key(x);
    const shared = k !== null && (counts.get(k) ?? 0) > 1;
    if (shared) {
      const id = idOf.get(k);
      if (id !== undefined) return { kind: 'ref', id };
    }
    let y: Expr = x;
    if (x.kind === 'arith') y = { ...x, left: rewrite(x.left), right: rewrite(x.right) };
    else if (x.kind === 'neg') y = { ...x, arg: rewrite(x.arg) };
    else if (x.kind === 'load' && typeof x.offset !== 'number') y = { ...x, offset: rewrite(x.offset) };
    if (shared) {
      const id = values.length;
      values.push({ id, expr: y });
      idOf.set(k, id);
      y = { kind: 'ref', id };
    }
    rewritten.set(x, y);
    return y;
  };
  if (![...counts.values()].some((c) => c > 1)) return dag;
  const own = dag.values.map((v) => ({ ...v, expr: rewrite(v.expr) }));
  const leaves = dag.leaves.map((l): LeafPred => {
    if (l.kind === 'cmp') return { ...l, left: rewrite(l.left), right: rewrite(l.right) };
    if (l.kind === 'in') return { ...l, value: rewrite(l.value) };
    return l;
  });
  return { ...dag, values: [...own, ...values.slice(dag.values.length)], leaves };
}

/** For each cacheable value, the index in `order` of the last node whose leaf needs it (directly or through the
 *  definitions of other values). */
export function lastUses(
  dag: Dag,
  order: readonly number[],
  cacheable: ReadonlySet<number>,
): Map<number, number> {
  const closure = new Map<number, ReadonlySet<number>>();
  const refsOf = (x: Expr, into: Set<number>): void => {
    switch (x.kind) {
      case 'ref': {
        if (into.has(x.id)) return;
        into.add(x.id);
        let c = closure.get(x.id);
        if (c === undefined) {
          const inner = new Set<number>();
          const d = dag.values[x.id];
          if (d !== undefined) refsOf(d.expr, inner);
          closure.set(x.id, inner);
          c = inner;
        }
        for (const v of c) into.add(v);
        return;
      }
      case 'arith':
        refsOf(x.left, into);
        refsOf(x.right, into);
        return;
      case 'neg':
        refsOf(x.arg, into);
        return;
      case 'load':
        if (typeof x.offset !== 'number') refsOf(x.offset, into);
        return;
      default:
        return;
    }
  };
  const last = new Map<number, number>();
  order.forEach((id, k) => {
    const l = dag.leaves[dag.nodes[id - 3]!.leaf]!;
    const refs = new Set<number>();
    if (l.kind === 'cmp') {
      refsOf(l.left, refs);
      refsOf(l.right, refs);
    } else if (l.kind === 'in') refsOf(l.value, refs);
    for (const v of refs) if (cacheable.has(v)) last.set(v, k);
  });
  return last;
}

/** Shared values worth a word of M[]: u32-valued, used at least twice (in leaves and in other values' definitions),
 *  and dearer than the one instruction a reload costs (not a constant, the length, or a load at a fixed offset
 *  that is one ld_abs). */
export function sharedValues(dag: Dag, u32Valued: (x: Expr) => boolean): Set<number> {
  const uses = new Map<number, number>();
  const count = (x: Expr): void => {
    switch (x.kind) {
      case 'ref':
        uses.set(x.id, (uses.get(x.id) ?? 0) + 1);
        return;
      case 'arith':
        count(x.left);
        count(x.right);
        return;
      case 'neg':
        count(x.arg);
        return;
      case 'load':
        if (typeof x.offset !== 'number') count(x.offset);
        return;
      default:
        return;
    }
  };
  for (const v of dag.values) count(v.expr);
  for (const l of dag.leaves) {
    if (l.kind === 'cmp') {
      count(l.left);
      count(l.right);
    } else if (l.kind === 'in') count(l.value);
  }
  const out = new Set<number>();
  for (const v of dag.values) {
    const e = v.expr;
    const oneLoad =
      e.kind === 'const' ||
      e.kind === 'len' ||
      (e.kind === 'load' &&
        typeof e.offset === 'number' &&
        e.base !== 'record' &&
        e.width <= 4 &&
        (e.order === 'be' || e.width === 1) &&
        !e.signed);
    if ((uses.get(v.id) ?? 0) >= 2 && !oneLoad && u32Valued({ kind: 'ref', id: v.id })) out.add(v.id);
  }
  return out;
}

/** Unfolded expression size (shared values expanded at every use) above which the program without caching is not
 *  even generated unless nothing else works. */
export const MAX_UNFOLDED = 20_000;

/** Nodes of the leaves' expressions with every shared value expanded where it is used (memoised: linear time). */
export function unfoldedSize(dag: Dag): number {
  const memo = new Map<number, number>();
  const size = (x: Expr): number => {
    switch (x.kind) {
      case 'ref': {
        const hit = memo.get(x.id);
        if (hit !== undefined) return hit;
        const d = dag.values[x.id];
        const n = d === undefined ? 1 : Math.min(size(d.expr), 1e9);
        memo.set(x.id, n);
        return n;
      }
      case 'arith':
        return 1 + size(x.left) + size(x.right);
      case 'neg':
        return 1 + size(x.arg);
      case 'load':
        return typeof x.offset === 'number' ? 1 : 1 + size(x.offset);
      default:
        return 1;
    }
  };
  let n = 0;
  for (const l of dag.leaves)
    if (l.kind === 'cmp') n += size(l.left) + size(l.right);
    else if (l.kind === 'in') n += size(l.value);
    else n += 1;
  return n;
}
