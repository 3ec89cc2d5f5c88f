// Classic BPF code generation from a decision DAG (trace frames and packets, socket filters).
// Invariants:
//  - the DAG must be abortSafe: cBPF ends the program with 0 on an out-of-bounds load or a division
//    by X == 0, which is the IR's abort only when the miss value is 0 (the caller checks both);
//  - A holds the low 32 bits of a value, a 64-bit value is handled as two 32-bit halves (hi, lo);
//    little-endian record fields are assembled from byte loads, highest byte first, so the first
//    load is the one that runs out of the packet; X and M[] are temporaries; shared values (refs, and
//    subexpressions that occur more than once) may live in M[] words taken from the top, stored where they are
//    first computed and reloaded only where that store ran on every path (availability over the DAG) and the
//    word is not reused yet; the program with caching is kept only when it is shorter than the one without and
//    passes the kernel's scratch-memory check;
//  - signed compares use sign-bias (x ^ sign bit of the width) on the masked values; jump opcodes
//    and inversion come from the IR's OPS table (cbpf column);
//  - jumps are forward only; conditional targets farther than 255 instructions go through shared `ja`
//    islands placed as far ahead as reach allows, else `ja` trampolines right after the jump (iterated to a
//    fixpoint, each jump expanded at most once);
//  - unsupported features raise Unsupported (a precise diagnostic), never wrong code.
//
// This module is the driver: genCbpf tries the program with shared values cached in M[] under a few reserves and
// keeps the shortest that passes the kernel's check; emit() emits one program's items (the DAG's nodes in
// topological order, leaves by kind: cbpf/compare.ts, cbpf/string-leaf.ts, cbpf/chain-leaf.ts, then the two returns) and finish() runs
// the code passes and the layout on them.
import type { RawInsn } from '@tfc/bpf/cbpf';
import { validate } from '@tfc/bpf/cbpf';
import type { Dag } from '@tfc/ir';
import { chainLeaf } from './cbpf/chain-leaf.ts';
import { cmpLeaf, inLeaf } from './cbpf/compare.ts';
import { type CbpfGenOptions, newCbpfGen } from './cbpf/context.ts';
import { layout } from './cbpf/layout.ts';
import {
  intersect,
  lastUses,
  MAX_UNFOLDED,
  sharedValues,
  shareSubtrees,
  unfoldedSize,
} from './cbpf/shared-values.ts';
import { strLeaf } from './cbpf/string-leaf.ts';
import { u32Valued } from './cbpf/values.ts';
import { type Item, optimizeItems } from './cbpf-opt.ts';
import { type DagWalk, walkDag } from './lower/dag-walk.ts';
import { Unsupported } from './options.ts';

export type { CbpfGenOptions } from './cbpf/context.ts';

export function genCbpf(dag: Dag, o: CbpfGenOptions): RawInsn[] {
  // Shared values in M[] may leave too few words for an expression's temporaries: keep more words free, at last
  // recompute every shared value where it is used.
  // A value's word is freed after the last node that reads it; the first round bounds that by the leaves'
  // transitive references, later rounds by the reads the previous round made (a value read after its word was
  // freed is recomputed, never reloaded: any bound is safe). The shortest program wins.
  // Recomputing is kept where it is shorter (a reload and a store can cost more than a load the code passes
  // reuse from a register).
  // A cached program must also pass the kernel's scratch-memory check, whose linear walk is more conservative than
  // availability (it carries what a `ret` had into the next instruction).
  // Without caching the expressions are re-expanded at every use: generated only while their unfolded size stays
  // small (a header walk unfolds exponentially), and always as the last resort.
  const memo: EmitMemo = { walks: new Map() };
  const plain = () => finish(emit(dag, o, undefined, undefined, memo).items, o);
  let best: RawInsn[] | undefined = unfoldedSize(dag) <= MAX_UNFOLDED ? plain() : undefined;
  const better = (p: RawInsn[]) => (best === undefined || p.length < best.length) && validate(p).length === 0;
  for (const reserve of [4, 8, 12]) {
    try {
      let lastUse: ReadonlyMap<number, number> | undefined;
      let prev = Number.POSITIVE_INFINITY;
      let prevItems: readonly Item[] | undefined;
      for (let round = 0; round < 3; round++) {
        const r = emit(dag, o, reserve, lastUse, memo);
        if (r.shared === 0) break;
        // The same code as the last round's: the same program (the code passes and the layout are pure), so no
        // better and as long, which ends the loop.
        if (prevItems !== undefined && sameItems(r.items, prevItems)) break;
        const prog = finish(r.items, o);
        if (better(prog)) best = prog;
        if (prog.length >= prev) break;
        prev = prog.length;
        prevItems = r.items;
        lastUse = r.touched;
      }
      return best ?? plain();
    } catch (e) {
      if (!(e instanceof Unsupported && e.code === 'expr-depth')) throw e;
    }
  }
  return best ?? plain();
}

/** Items equal field by field (instructions are flat records; anything nested counts as different). */
function sameItems(a: readonly Item[], b: readonly Item[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.op === 'insn' && y.op === 'insn' ? !sameFlat(x.insn, y.insn) : !sameFlat(x, y)) return false;
  }
  return true;
}

function sameFlat(x: object, y: object): boolean {
  const kx = Object.keys(x);
  if (kx.length !== Object.keys(y).length) return false;
  for (const k of kx) {
    const v = (x as Record<string, unknown>)[k];
    if (v !== (y as Record<string, unknown>)[k] || (typeof v === 'object' && v !== null)) return false;
  }
  return true;
}

/** What every program genCbpf tries for one DAG shares (pure functions of the DAG, made once): the DAG with repeated
 *  subexpressions shared (for the caching rounds) and each DAG's walk. */
interface EmitMemo {
  shared?: Dag;
  readonly walks: Map<Dag, DagWalk>;
}

/** The program from an emitted item list: the code passes (unless off), then the layout. */
function finish(items: readonly Item[], o: CbpfGenOptions): RawInsn[] {
  return layout(o.codePasses === false ? items : optimizeItems(items));
}

/** The item list of one program. `reserve`: M[] words kept for temporaries while shared values are cached
 *  (undefined: no caching). */
function emit(
  dag0: Dag,
  o: CbpfGenOptions,
  reserve: number | undefined,
  lastUseHint: ReadonlyMap<number, number> | undefined,
  memo: EmitMemo,
): { items: Item[]; touched: Map<number, number>; shared: number } {
  const cache = reserve !== undefined;
  if (cache && memo.shared === undefined) memo.shared = shareSubtrees(dag0);
  const dag = cache && memo.shared !== undefined ? memo.shared : dag0;
  const g = newCbpfGen(dag, o, reserve);
  // Shared values (`ref`) used more than once and dearer than one load are computed once into an M[] word, taken
  // from the top (temporaries grow from M[0]), and reloaded where that computation is known to have run: on every
  // path into the node (availability, intersected over the DAG's t/f edges, nodes emitted in topological order) or
  // earlier in the same leaf (a leaf's expression code is straight-line up to its jump; its inner diamonds rejoin
  // before any value is stored). A reload never hides an abort: the load that could fail already succeeded there.
  g.cacheable = cache ? sharedValues(dag, (x) => u32Valued(g, x)) : new Set<number>();
  // nothing worth caching: the caller keeps the program without
  if (cache && g.cacheable.size === 0) return { items: [], touched: new Map(), shared: 0 };
  let walk = memo.walks.get(dag);
  if (walk === undefined) {
    walk = walkDag(dag);
    memo.walks.set(dag, walk);
  }
  g.goto(walk.entry);
  /** Shared values filled on exit of each emitted node, and on entry of each node: the intersection over its
   *  t/f predecessors (aborts end the program; a node only an abort edge names is unreachable: nothing). */
  const availIn = new Map<number, ReadonlySet<number>>([[dag.root, new Set()]]);
  const lastUse =
    lastUseHint ??
    (g.cacheable.size === 0 ? new Map<number, number>() : lastUses(dag, walk.order, g.cacheable));
  for (const [k, n] of walk.nodes.entries()) {
    g.nodeIndex = k;
    g.place(n.label);
    g.depth = 0;
    g.avail = new Set(availIn.get(n.id) ?? []);
    if (n.leaf.kind === 'cmp') cmpLeaf(g, n.leaf, n.t, n.f);
    else if (n.leaf.kind === 'in') inLeaf(g, n.leaf, n.t, n.f);
    else if (n.leaf.kind === 'chain') chainLeaf(g, n.leaf, n.t, n.f);
    else strLeaf(g, n.leaf, n.t, n.f);
    for (const v of [n.tId, n.fId]) {
      if (v < 3) continue;
      const prev = availIn.get(v);
      availIn.set(v, prev === undefined ? g.avail : intersect(prev, g.avail));
    }
    // Nodes come in topological order and every path goes forward: a value no later node names is dead.
    for (const [v, w] of g.cacheSlot)
      if ((lastUse.get(v) ?? -1) <= k) {
        g.cacheSlot.delete(v);
        g.retired.add(v);
        g.freeSlots.push(w);
      }
  }
  g.place('accept');
  g.ins({ kind: 'ret_k', value: o.onMatch >>> 0 });
  g.place('reject');
  g.ins({ kind: 'ret_k', value: o.onMiss >>> 0 });
  return { items: g.items, touched: g.touched, shared: g.cacheable.size };
}
