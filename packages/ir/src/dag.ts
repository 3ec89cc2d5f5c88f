// Decision DAG: a reduced, ordered, hash-consed decision diagram over the filter's leaf predicates,
// which code generators walk (one node = evaluate one leaf, branch). Invariants:
//  - terminals are ids 0 (reject), 1 (accept), 2 (abort); internal nodes have ids ≥ 3, numbered in
//    depth-first pre-order from the root (t, then f, then a edge), so equal input gives identical output;
//  - along every path, leaves appear in strictly increasing `order` position (ordered);
//  - no two nodes have the same (leaf, t, f, a) and no node has all its edges equal (reduced);
//  - no node tests a leaf whose outcome is implied by the leaves tested above it on the path (same
//    compared value and width, interval facts), so e.g. `proto == 17` is not re-tested after `proto == 6`;
//  - a leaf that may abort has a third edge `a` (taken when evaluating it aborts); others have a = null;
//    leaves that may abort are not shared between source occurrences (each occurrence is its own leaf);
//  - evaluateDag(buildDag(ir)) ≡ evaluateOutcome(ir) on every input (abort included), because the DAG
//    is the IR's three-valued function of its leaf outcomes, and leaf outcomes do not depend on order;
//  - `abortSafe`: every abort edge leads only to reject/abort. Then a target whose out-of-bounds loads
//    abort implicitly (cBPF) may ignore the a-edges. The 'source' and default 'cost' orders guarantee it:
//    a leaf that may abort is never placed before a leaf that precedes it in the source.
// Limits are diagnostics, not exceptions: more than MAX_DAG_LEAVES leaves or MAX_DAG_NODES nodes.
import { isLeaf, leafCost, predMayAbort } from './analysis.ts';
import { type AtomTable, atomTable } from './atoms.ts';
import { type EvalInput, evalLeaf, makeContext, type Outcome, TRI_ABORT, TRI_TRUE } from './eval.ts';
import { type Interner, makeInterner } from './intern.ts';
import { complement, disjoint, type ISet, intersect, leafSet } from './intervals.ts';
import { printExpr, printPred } from './print.ts';
import type { Expr, Filter, IrDiagnostic, LeafPred, Pred, ValueDef } from './types.ts';
import { widthMask } from './types.ts';

export const DAG_REJECT = 0;
export const DAG_ACCEPT = 1;
export const DAG_ABORT = 2;
export const MAX_DAG_LEAVES = 2000;
export const MAX_DAG_NODES = 200_000;
/** 2^18 > MAX_DAG_NODES + 3: node ids fit in 18 bits of a numeric table key. */
const NODE_SPACE = 262_144;
/** 2^11 > MAX_DAG_LEAVES. */
const LEAF_SPACE = 2048;

export interface DagNode {
  readonly id: number;
  /** Index into `leaves`. */
  readonly leaf: number;
  readonly t: number;
  readonly f: number;
  readonly a: number | null;
}

export interface Dag {
  readonly values: readonly ValueDef[];
  /** Distinct leaves in source order (first occurrence). */
  readonly leaves: readonly LeafPred[];
  readonly mayAbort: readonly boolean[];
  /** Leaf indices in test order. */
  readonly order: readonly number[];
  /** Internal nodes, nodes[i].id === i + 3. */
  readonly nodes: readonly DagNode[];
  readonly root: number;
  readonly abortSafe: boolean;
}

export type DagOrder = 'source' | 'cost' | readonly number[];

export type DagResult =
  | { readonly ok: true; readonly dag: Dag }
  | { readonly ok: false; readonly diagnostics: readonly IrDiagnostic[] };

/** Collects distinct leaves in source (pre-)order. A leaf that may abort gets one index per occurrence,
 *  so that testing it early can never skip an abort the source would reach only later (abortSafe).
 *  `occurrences[k]` is the leaf index of the k-th leaf node in pre-order. */
function collectLeaves(
  root: Pred,
  values: readonly ValueDef[],
  predKey: Interner['pred'],
): { leaves: LeafPred[]; mayAbort: boolean[]; occurrences: number[] } {
  const keys = new Map<string, number>();
  const leaves: LeafPred[] = [];
  const mayAbort: boolean[] = [];
  const occurrences: number[] = [];
  const stack: Pred[] = [root];
  while (stack.length > 0) {
    const p = stack.pop()!;
    if (isLeaf(p)) {
      const abort = predMayAbort(p, values);
      const k = predKey(p);
      let i = abort ? undefined : keys.get(k);
      if (i === undefined) {
        i = leaves.length;
        leaves.push(p);
        mayAbort.push(abort);
        if (!abort) keys.set(k, i);
      }
      occurrences.push(i);
    } else if (p.kind === 'not') stack.push(p.arg);
    else if (p.kind === 'and' || p.kind === 'or')
      for (let j = p.args.length - 1; j >= 0; j--) stack.push(p.args[j]!);
  }
  return { leaves, mayAbort, occurrences };
}

function firstLoad(e: Expr): { base: string; offset: number } | undefined {
  if (e.kind === 'load') return { base: e.base, offset: typeof e.offset === 'number' ? e.offset : 1e9 };
  if (e.kind === 'neg') return firstLoad(e.arg);
  if (e.kind === 'arith') return firstLoad(e.left) ?? firstLoad(e.right);
  return undefined;
}

function leafPlace(p: LeafPred): { base: string; offset: number } {
  if (p.kind === 'cmp') return firstLoad(p.left) ?? firstLoad(p.right) ?? { base: '', offset: -1 };
  if (p.kind === 'in') return firstLoad(p.value) ?? { base: '', offset: -1 };
  if (p.kind === 'chain') return { base: 'packet', offset: p.net };
  return p.source.kind === 'comm'
    ? { base: '', offset: -1 }
    : { base: p.source.base, offset: p.source.offset };
}

/** Cheapest first, leaves on the same load adjacent (grouped by base and offset), source order last;
 *  a leaf that may abort waits for every leaf before it in the source (keeps abortSafe). */
export function costOrder(leaves: readonly LeafPred[], mayAbort: readonly boolean[]): number[] {
  const n = leaves.length;
  const cost = leaves.map(leafCost);
  const place = leaves.map(leafPlace);
  const placed = new Array<boolean>(n).fill(false);
  const order: number[] = [];
  let prefix = 0; // all leaves < prefix are placed
  const better = (i: number, j: number): boolean => {
    if (cost[i] !== cost[j]) return cost[i]! < cost[j]!;
    const a = place[i]!;
    const b = place[j]!;
    if (a.base !== b.base) return a.base < b.base;
    if (a.offset !== b.offset) return a.offset < b.offset;
    return i < j;
  };
  while (order.length < n) {
    let best = -1;
    for (let i = prefix; i < n; i++) {
      if (placed[i] || (mayAbort[i] && i !== prefix)) continue;
      if (best < 0 || better(i, best)) best = i;
    }
    placed[best] = true;
    order.push(best);
    while (prefix < n && placed[prefix]) prefix++;
  }
  return order;
}

/** The decimal text of v (through a number when exact: the same digits, converted faster than a bigint). */
function decimal(v: bigint): string {
  return v <= 9007199254740991n ? String(Number(v)) : String(v);
}

class TooBig {
  readonly what: string;
  constructor(what: string) {
    this.what = what;
  }
}

export function buildDag(ir: Filter, orderSpec: DagOrder = 'cost'): DagResult {
  // Structural keys (equal exactly when the printed text is) without printing every leaf.
  const keys = makeInterner();
  const { leaves, mayAbort, occurrences } = collectLeaves(ir.body, ir.values, keys.pred);
  const diag = (code: string, message: string): DagResult => ({
    ok: false,
    diagnostics: [{ severity: 'error', code, message, at: 'dag' }],
  });
  if (leaves.length > MAX_DAG_LEAVES)
    return diag(
      'dag-leaves',
      `${leaves.length} distinct leaves exceed the decision DAG limit ${MAX_DAG_LEAVES}`,
    );
  let order: number[];
  if (orderSpec === 'source') order = leaves.map((_, i) => i);
  else if (orderSpec === 'cost') order = costOrder(leaves, mayAbort);
  else {
    order = [...orderSpec];
    const sorted = [...order].sort((a, b) => a - b);
    if (sorted.length !== leaves.length || sorted.some((v, i) => v !== i))
      return diag('dag-order', `order must be a permutation of 0..${leaves.length - 1}`);
  }
  const level = new Array<number>(leaves.length);
  order.forEach((leaf, pos) => {
    level[leaf] = pos;
  });

  // Raw nodes: index = id - 3. The unique table is keyed by numbers (leaf < 2^11, ids < 2^18, so
  // leaf·2^36 + t·2^18 + f < 2^53 is exact); nodes with an abort edge use a second table per a.
  const raw: { leaf: number; t: number; f: number; a: number | null }[] = [];
  const unique = new Map<number, number>();
  const uniqueAbort = new Map<number, Map<number, number>>();
  const mk = (leaf: number, t: number, f: number, a: number | null): number => {
    if (a === null ? t === f : t === f && f === a) return t;
    const k = (leaf * NODE_SPACE + t) * NODE_SPACE + f;
    let table = unique;
    if (a !== null) {
      let m = uniqueAbort.get(a);
      if (m === undefined) {
        m = new Map();
        uniqueAbort.set(a, m);
      }
      table = m;
    }
    const hit = table.get(k);
    if (hit !== undefined) return hit;
    if (raw.length >= MAX_DAG_NODES) throw new TooBig(`decision DAG exceeds ${MAX_DAG_NODES} nodes`);
    const id = raw.length + 3;
    raw.push({ leaf, t, f, a });
    table.set(k, id);
    return id;
  };
  const lvl = (u: number): number => (u < 3 ? Number.POSITIVE_INFINITY : level[raw[u - 3]!.leaf]!);
  const cof = (u: number, pos: number, br: 't' | 'f' | 'a'): number => {
    if (u < 3) return u;
    const n = raw[u - 3]!;
    if (level[n.leaf] !== pos) return u;
    return br === 't' ? n.t : br === 'f' ? n.f : (n.a ?? DAG_ABORT);
  };

  const notMemo = new Map<number, number>();
  const notOf = (u: number): number => {
    if (u === DAG_ACCEPT) return DAG_REJECT;
    if (u === DAG_REJECT) return DAG_ACCEPT;
    if (u === DAG_ABORT) return DAG_ABORT;
    const m = notMemo.get(u);
    if (m !== undefined) return m;
    const n = raw[u - 3]!;
    const r = mk(n.leaf, notOf(n.t), notOf(n.f), n.a === null ? null : notOf(n.a));
    notMemo.set(u, r);
    return r;
  };

  // Keyed by u·2^19 + v·2 + (op is or): exact below 2^53.
  const applyMemo = new Map<number, number>();
  const apply = (op: 'and' | 'or', u: number, v: number): number => {
    // Three-valued short-circuit: u decides first.
    const dominant = op === 'and' ? DAG_REJECT : DAG_ACCEPT;
    const neutral = op === 'and' ? DAG_ACCEPT : DAG_REJECT;
    if (u === DAG_ABORT || u === dominant) return u;
    if (u === neutral) return v;
    const key = (u * NODE_SPACE + v) * 2 + (op === 'or' ? 1 : 0);
    const m = applyMemo.get(key);
    if (m !== undefined) return m;
    const pos = Math.min(lvl(u), lvl(v));
    const leaf = order[pos]!;
    const t = apply(op, cof(u, pos, 't'), cof(v, pos, 't'));
    const f = apply(op, cof(u, pos, 'f'), cof(v, pos, 'f'));
    const a = mayAbort[leaf] ? apply(op, cof(u, pos, 'a'), cof(v, pos, 'a')) : null;
    const r = mk(leaf, t, f, a);
    applyMemo.set(key, r);
    return r;
  };

  let occ = 0;
  const build = (p: Pred): number => {
    switch (p.kind) {
      case 'true':
        return DAG_ACCEPT;
      case 'false':
        return DAG_REJECT;
      case 'not':
        return notOf(build(p.arg));
      case 'and':
      case 'or': {
        // Children are built left to right (leaf occurrences are numbered in pre-order), then folded
        // from the right so that each apply meets a left operand whose leaves come first.
        const built = p.args.map(build);
        let acc = built[built.length - 1]!;
        for (let i = built.length - 2; i >= 0; i--) acc = apply(p.kind, built[i]!, acc);
        return acc;
      }
      default: {
        const leaf = occurrences[occ++]!;
        return mk(leaf, DAG_ACCEPT, DAG_REJECT, mayAbort[leaf] ? DAG_ABORT : null);
      }
    }
  };

  // Path facts: a leaf whose outcome is decided by the leaves already tested on the path (same compared
  // value, same width) is skipped. Sound also for leaves that may abort: the earlier leaf evaluated the
  // same expression without aborting. Only values compared by two or more distinct leaves can decide
  // anything (a leaf occurs at most once on a path), so facts are kept for those values alone, and when
  // there are none the pass is skipped; a fact is dropped once no later leaf can use it. A facts state
  // is interned to a number (canonical text of its content), results are memoised per (node, state) and
  // state transitions per (state, leaf); the node limit bounds any blow-up.
  const leafFacts0 = leaves.map((l) => {
    const f = leafSet(l);
    if (f === undefined) return undefined;
    const max = widthMask(f.width);
    return { key: keys.expr(f.key) + '@' + f.width, max, set: f.set, comp: complement(f.set, max) };
  });
  const keyUses = new Map<string, number>();
  for (const lf of leafFacts0) if (lf !== undefined) keyUses.set(lf.key, (keyUses.get(lf.key) ?? 0) + 1);
  const leafFacts = leafFacts0.map((lf) => (lf !== undefined && keyUses.get(lf.key)! >= 2 ? lf : undefined));
  // A fact is dropped once the path has passed the last leaf (in test order) that could use it, so that
  // states differing only in spent facts share one memo entry.
  const lastLevel = new Map<string, number>();
  leafFacts.forEach((lf, i) => {
    if (lf !== undefined) lastLevel.set(lf.key, Math.max(lastLevel.get(lf.key) ?? -1, level[i]!));
  });
  // What a path knows about a value is kept only up to what the leaves after it can tell apart (the
  // atoms of their sets, atoms.ts): otherwise an and-of-ors over one value (`not (port 1 or … or port
  // n)`) would carry a different state for every subset of earlier disjuncts taken, 2^n states. The
  // closure preserves every later decision exactly, so the DAG is the same, only built without the blow-up.
  const atomsOf = new Map<string, AtomTable>();
  /** For a leaf with a kept fact: its index among the leaves on its value, in test order. */
  const atomIndex = new Array<number>(leaves.length).fill(-1);
  {
    const byKey = new Map<string, number[]>();
    for (const leaf of order) {
      const lf = leafFacts[leaf];
      if (lf === undefined) continue;
      let list = byKey.get(lf.key);
      if (list === undefined) {
        list = [];
        byKey.set(lf.key, list);
      }
      atomIndex[leaf] = list.length;
      list.push(leaf);
    }
    for (const [key, list] of byKey) {
      const max = leafFacts[list[0]!]!.max;
      atomsOf.set(
        key,
        atomTable(
          list.map((l) => leafFacts[l]!.set),
          max,
        ),
      );
    }
  }
  interface Facts {
    readonly id: number;
    readonly map: ReadonlyMap<string, ISet>;
  }
  const factIds = new Map<string, number>();
  const factsOf = (map: ReadonlyMap<string, ISet>): Facts => {
    const text = [...map]
      .sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
      .map(([k, v]) => k + '=' + v.map(([lo, hi]) => decimal(lo) + '-' + decimal(hi)).join(','))
      .join(';');
    let id = factIds.get(text);
    if (id === undefined) {
      id = factIds.size;
      factIds.set(text, id);
    }
    return { id, map };
  };
  const pruneMemo = new Map<number, Map<number, number>>();
  const transitions = new Map<number, Facts>();
  const prune = (u: number, facts: Facts): number => {
    if (u < 3) return u;
    const n = raw[u - 3]!;
    const lf = leafFacts[n.leaf];
    const known = lf === undefined ? undefined : facts.map.get(lf.key);
    if (lf !== undefined && known !== undefined) {
      if (disjoint(known, lf.set)) return prune(n.f, facts);
      if (disjoint(known, lf.comp)) return prune(n.t, facts);
    }
    let memo = pruneMemo.get(facts.id);
    if (memo === undefined) {
      memo = new Map();
      pruneMemo.set(facts.id, memo);
    }
    const hit = memo.get(u);
    if (hit !== undefined) return hit;
    // The states after this leaf's t and f edges depend only on (state, leaf): memoised transitions.
    const tk = (facts.id * LEAF_SPACE + n.leaf) * 2;
    let ft = transitions.get(tk);
    let ff = transitions.get(tk + 1);
    if (ft === undefined || ff === undefined) {
      ft = facts;
      ff = facts;
      const pos = level[n.leaf]!;
      const live = [...facts.map].filter(([k]) => lastLevel.get(k)! > pos);
      if (lf !== undefined && lastLevel.get(lf.key)! > pos) {
        const base = known ?? [[0n, lf.max] as const];
        const atoms = atomsOf.get(lf.key)!;
        // (a closure of the whole domain is kept, not dropped: it still decides a later empty set)
        const next = (set: ISet): Facts =>
          factsOf(new Map(live).set(lf.key, atoms.closure(intersect(base, set), atomIndex[n.leaf]! + 1)));
        ft = next(lf.set);
        ff = next(lf.comp);
      } else if (live.length < facts.map.size) {
        ft = factsOf(new Map(live));
        ff = ft;
      }
      transitions.set(tk, ft);
      transitions.set(tk + 1, ff);
    }
    const r = mk(n.leaf, prune(n.t, ft), prune(n.f, ff), n.a === null ? null : prune(n.a, facts));
    memo.set(u, r);
    return r;
  };

  let root: number;
  try {
    const built = build(ir.body);
    root = leafFacts.some((lf) => lf !== undefined) ? prune(built, factsOf(new Map())) : built;
  } catch (e) {
    if (e instanceof TooBig) return diag('dag-size', e.what);
    throw e;
  }

  // Renumber reachable nodes in DFS pre-order (iterative).
  const newId = new Map<number, number>();
  const seq: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const u = stack.pop()!;
    if (u < 3 || newId.has(u)) continue;
    newId.set(u, seq.length + 3);
    seq.push(u);
    const n = raw[u - 3]!;
    if (n.a !== null) stack.push(n.a);
    stack.push(n.f, n.t);
  }
  const map = (u: number): number => (u < 3 ? u : newId.get(u)!);
  const nodes: DagNode[] = seq.map((u, i) => {
    const n = raw[u - 3]!;
    return { id: i + 3, leaf: n.leaf, t: map(n.t), f: map(n.f), a: n.a === null ? null : map(n.a) };
  });

  // abortSafe: no abort edge can reach accept. canAccept computed bottom-up (ids increase away from root
  // along edges? not necessarily in pre-order with sharing), so iterate in reverse topological order.
  const canAccept = new Map<number, boolean>([
    [DAG_REJECT, false],
    [DAG_ACCEPT, true],
    [DAG_ABORT, false],
  ]);
  const visit = (u: number): boolean => {
    const c = canAccept.get(u);
    if (c !== undefined) return c;
    const n = nodes[u - 3]!;
    const r = visit(n.t) || visit(n.f) || (n.a !== null && visit(n.a));
    canAccept.set(u, r);
    return r;
  };
  const abortSafe = nodes.every((n) => n.a === null || !visit(n.a));
  return { ok: true, dag: { values: ir.values, leaves, mayAbort, order, nodes, root: map(root), abortSafe } };
}

export function evaluateDagOutcome(dag: Dag, input: EvalInput): Outcome {
  const ctx = makeContext(input, dag.values);
  let u = dag.root;
  while (u >= 3) {
    const n = dag.nodes[u - 3]!;
    const r = evalLeaf(dag.leaves[n.leaf]!, ctx);
    u = r === TRI_TRUE ? n.t : r === TRI_ABORT ? (n.a ?? DAG_ABORT) : n.f;
  }
  return u === DAG_ACCEPT ? 'accept' : u === DAG_REJECT ? 'reject' : 'abort';
}

export function evaluateDag(dag: Dag, input: EvalInput): 'accept' | 'reject' {
  return evaluateDagOutcome(dag, input) === 'accept' ? 'accept' : 'reject';
}

const TERMINAL_NAMES = ['reject', 'accept', 'abort'] as const;
function nodeName(u: number): string {
  return u < 3 ? TERMINAL_NAMES[u]! : 'n' + u;
}

/** Text listing of a DAG (deterministic). */
export function printDag(dag: Dag): string {
  const out: string[] = [];
  for (const v of dag.values) out.push(`let %${v.id} = ${printExpr(v.expr)}`);
  dag.leaves.forEach((l, i) => {
    out.push(`leaf ${i}${dag.mayAbort[i] ? ' (may abort)' : ''}: ${printPred(l)}`);
  });
  out.push(`order ${dag.order.join(' ')}`);
  out.push(`root ${nodeName(dag.root)}${dag.abortSafe ? '' : ' (abort edges reach accept)'}`);
  for (const n of dag.nodes) {
    out.push(
      `n${n.id}: leaf ${n.leaf} ? ${nodeName(n.t)} : ${nodeName(n.f)}${n.a === null ? '' : ` ! ${nodeName(n.a)}`}`,
    );
  }
  return out.join('\n') + '\n';
}
