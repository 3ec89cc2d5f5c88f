// Pass `factor`: common conjuncts out of disjunctions (and the dual), abort-aware. Two rules on runs of
// consecutive children of an `or` whose children are `and`s (dually: an `and` of `or`s):
//   head   or(and(K∈S1, R1), and(K∈S2, R2), …) on one compared value K (same expression and width), the
//          sets pairwise equal or disjoint → one child per set class c, in order of first appearance:
//          and(K∈c, or(R_j : S_j = c)) (a class of one member stays the original child). Exact: the run's
//          first child evaluates K first in both forms (same abort); given K = v (no abort), every child
//          of another class is false without evaluating its rest, and K cannot abort again (pure, already
//          read), so the run is or(R_j : v ∈ S_j) in source order. Dual (`and` of `or`s), by De Morgan:
//          the sets' complements pairwise equal or disjoint (`K != a … and K != b …`): given K = v, every
//          child with v ∈ S_j is true without its rest, and v lies outside at most one class, so the run
//          is and(R_j : v ∉ S_j) → one child or(K∈c, and(R_j : S_j = c)) per class. Any other head H
//          (a bit test, a compound test) groups with identical neighbours only: or(and(H, R1), and(H, R2))
//          → and(H, or(R1, R2)) (H is pure: evaluated twice it gives the same outcome, abort included).
//   tail   or(and(h1, R), and(h2, R), …) with the same rest R → and(or(h1, h2, …), R), when every h_j after
//          the first cannot abort in the context of the run's start plus h1..h_{j-1} (safety.ts): the forms
//          differ only when some h_j is true, R false and a later h aborts. Dual likewise.
// `host a or host b` lowers to an or of and(ethertype == c, address == x): `head` leaves one ethertype
// test per protocol and `sets` then gathers the addresses; `tcp port 80 or udp port 80` meets `tail`.
// Rules policy: directional, each strictly reduces the number of leaves (a duplicated head or tail goes),
// never reorders children of different classes in a way that can change the first abort. One sweep,
// bottom-up; the settle loop repeats it with the other passes.
import { and, or } from '../build.ts';
import { type Interner, makeInterner } from '../intern.ts';
import { complement, intersect, leafSet } from '../intervals.ts';
import { extendSafe, NOTHING_SAFE, predMayAbortIn, type Safe } from '../safety.ts';
import { type Filter, type Pred, widthMask } from '../types.ts';

type Kind = 'and' | 'or';
const other = (k: Kind): Kind => (k === 'and' ? 'or' : 'and');
const mk = (k: Kind, args: readonly Pred[]): Pred => (k === 'and' ? and(...args) : or(...args));

interface Split {
  readonly first: Pred;
  readonly rest: readonly Pred[];
}
function split(p: Pred, inner: Kind): Split {
  return p.kind === inner && p.args.length >= 2
    ? { first: p.args[0]!, rest: p.args.slice(1) }
    : { first: p, rest: [] };
}

function sameSet(
  a: readonly (readonly [bigint, bigint])[],
  b: readonly (readonly [bigint, bigint])[],
): boolean {
  return a.length === b.length && a.every((x, i) => x[0] === b[i]![0] && x[1] === b[i]![1]);
}

/** The pseudo-set of a head that groups only with identical heads. */
const IDENTICAL: readonly (readonly [bigint, bigint])[] = [[0n, 0n]];

interface Klass {
  readonly set: readonly (readonly [bigint, bigint])[];
  readonly leaf: Pred;
  readonly members: Pred[];
  readonly rests: (readonly Pred[])[];
}

/** The state of one `head` sweep over a connective's children. */
interface HeadSweep {
  readonly kind: Kind;
  readonly inner: Kind;
  readonly safe: Safe;
  readonly keys: Interner;
  readonly out: Pred[];
  changed: boolean;
  runKey: string | undefined;
  classes: Klass[];
}

/** Ends the current run of `head`: its classes merged when one has several members, else its children as they were. */
function flushHead(h: HeadSweep): void {
  const { kind, inner, safe, keys, out } = h;
  if (h.classes.some((c) => c.members.length > 1)) {
    h.changed = true;
    for (const c of h.classes)
      out.push(
        c.members.length === 1
          ? c.members[0]!
          : mk(inner, [
              c.leaf,
              // the class's rests may share heads or tails again (context: the parent's plus the head)
              visit(
                mk(
                  kind,
                  c.rests.map((r) => mk(inner, r)),
                ),
                extendSafe(safe, c.leaf, keys.expr),
                keys,
              ),
            ]),
      );
  } else for (const c of h.classes) out.push(...c.members);
  h.classes = [];
  h.runKey = undefined;
}

/** Rule `head` on the children of a `kind` connective; undefined when nothing changes. */
function head(kind: Kind, args: readonly Pred[], safe: Safe, keys: Interner): Pred[] | undefined {
  const inner = other(kind);
  const h: HeadSweep = { kind, inner, safe, keys, out: [], changed: false, runKey: undefined, classes: [] };
  for (const a of args) {
    const s = split(a, inner);
    // A head that is no interval fact (a bit test, a string, a compound test) groups only with identical
    // heads next to it: one class, keyed by the head itself.
    const fact =
      leafSet(s.first) ?? (s.rest.length > 0 ? { key: undefined, width: 0, set: IDENTICAL } : undefined);
    if (fact === undefined) {
      flushHead(h);
      h.out.push(a);
      continue;
    }
    const k = fact.key === undefined ? 'P' + keys.pred(s.first) : keys.expr(fact.key) + '@' + fact.width;
    if (k !== h.runKey) flushHead(h);
    h.runKey = k;
    let c = h.classes.find((x) => sameSet(x.set, fact.set));
    if (c === undefined) {
      // or: sets pairwise disjoint; and (the dual, by De Morgan): complements pairwise disjoint
      const max = fact.key === undefined ? 0n : widthMask(fact.width);
      const fits =
        kind === 'or'
          ? h.classes.every((x) => intersect(x.set, fact.set).length === 0)
          : fact.key !== undefined &&
            h.classes.every((x) => intersect(complement(x.set, max), complement(fact.set, max)).length === 0);
      if (!fits) {
        flushHead(h);
        h.runKey = k;
      }
      c = { set: fact.set, leaf: s.first, members: [], rests: [] };
      h.classes.push(c);
    }
    c.members.push(a);
    c.rests.push(s.rest);
  }
  flushHead(h);
  return h.changed ? h.out : undefined;
}

/** A run of `tail`: consecutive children with the same rest. */
interface TailRun {
  readonly key: string;
  readonly heads: Pred[];
  readonly rest: readonly Pred[];
  readonly members: Pred[];
  readonly start: Safe;
  ctx: Safe;
}

/** Ends a run of `tail` into `out`: one child when it has several members; true when it merged. */
function flushTail(run: TailRun | undefined, kind: Kind, out: Pred[], keys: Interner): boolean {
  if (run === undefined) return false;
  if (run.members.length > 1) {
    out.push(mk(other(kind), [visit(mk(kind, run.heads), run.start, keys), ...run.rest]));
    return true;
  }
  out.push(...run.members);
  return false;
}

/** Rule `tail` on the children of a `kind` connective evaluated in context `safe`. */
function tail(kind: Kind, args: readonly Pred[], safe: Safe, keys: Interner): Pred[] | undefined {
  const inner = other(kind);
  const out: Pred[] = [];
  let changed = false;
  let run: TailRun | undefined;
  let ctx = safe;
  for (const a of args) {
    const here = ctx;
    ctx = extendSafe(ctx, a, keys.expr);
    const s = split(a, inner);
    if (s.rest.length === 0) {
      if (flushTail(run, kind, out, keys)) changed = true;
      run = undefined;
      out.push(a);
      continue;
    }
    const k = keys.pred(mk(inner, s.rest));
    if (run !== undefined && run.key === k && !predMayAbortIn(s.first, run.ctx, keys.expr)) {
      run.heads.push(s.first);
      run.members.push(a);
      run.ctx = extendSafe(run.ctx, s.first, keys.expr);
      continue;
    }
    if (flushTail(run, kind, out, keys)) changed = true;
    run = {
      key: k,
      heads: [s.first],
      rest: s.rest,
      members: [a],
      start: here,
      ctx: extendSafe(here, s.first, keys.expr),
    };
  }
  if (flushTail(run, kind, out, keys)) changed = true;
  return changed ? out : undefined;
}

function visit(p: Pred, safe: Safe, keys: Interner): Pred {
  switch (p.kind) {
    case 'and':
    case 'or': {
      let ctx = safe;
      const args: Pred[] = [];
      for (const a of p.args) {
        const r = visit(a, ctx, keys);
        ctx = extendSafe(ctx, r, keys.expr);
        args.push(r);
      }
      // Each round removes leaves, so the loop ends; new inner connectives were visited by head and tail.
      let cur = args;
      for (;;) {
        const h = head(p.kind, cur, safe, keys);
        const t = tail(p.kind, h ?? cur, safe, keys);
        const next = t ?? h;
        if (next === undefined) break;
        cur = next;
      }
      if (cur === args) return args.every((a, i) => a === p.args[i]) ? p : { kind: p.kind, args };
      return mk(p.kind, cur);
    }
    case 'not': {
      const arg = visit(p.arg, safe, keys);
      return arg === p.arg ? p : { kind: 'not', arg };
    }
    default:
      return p;
  }
}

export function factor(ir: Filter, keys: Interner = makeInterner()): Filter {
  const body = visit(ir.body, NOTHING_SAFE, keys);
  return body === ir.body ? ir : { ...ir, body };
}
