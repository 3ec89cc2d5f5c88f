// Passes `ranges` (and-groups) and `sets` (or-groups): per compared value (a load or expression at one
// compare width), the facts in one connective are combined as an interval set over the value's unsigned
// domain (intervals.ts) and re-encoded: `a > 3 && a > 5` → `a >= 6`; `a > 5 && a < 4` → false;
// `u8 <= 255` → true; `a == 1 || a == 2 || a == 7` → `a in {1 2 7}`; `a != 1 && a != 2` → `not (a in {1 2})`.
// Rules policy: directional (many leaves → one encoding); never increases cost — a group is replaced only
// when the encoding has fewer leaves, or as many leaves and the group had more than one member (a
// canonical form, so the pass is idempotent); single leaves are only folded to true/false.
// Abort safety: members of a group share their compared expression and therefore their abort condition;
// a group is closed as soon as a child that may abort *in its evaluation context* sits between members
// (safety.ts: earlier siblings and enclosing connectives' earlier children establish which loads are
// known to be in bounds, so `src == a || dst == a || src == b` merges the second `src` although `dst`
// reads further: once `dst` was read, nothing later can abort), and the encoding replaces the group's
// first member, so every input aborts (or not) at the same point as before; a constant outcome on a
// value that may abort in its context keeps one probing leaf (`x <= MAX` / `x > MAX`).
import { cmp } from '../build.ts';
import { type Interner, makeInterner } from '../intern.ts';
import { constantOf, encode, type ISet, intersect, leafCount, leafSet, unionAll } from '../intervals.ts';
import { exprMayAbortIn, extendSafe, NOTHING_SAFE, predMayAbortIn, type Safe } from '../safety.ts';
import type { Expr, Filter, Pred, Width } from '../types.ts';
import { widthMask } from '../types.ts';

interface Group {
  readonly key: Expr;
  readonly width: Width;
  readonly index: number;
  readonly sets: ISet[];
  readonly members: Pred[];
  /** The evaluation context of the first member. */
  readonly safe: Safe;
}

/** The connective's new form, or undefined when nothing is replaced. */
function mergeChildren(
  kind: 'and' | 'or',
  args: readonly Pred[],
  exprKey: Interner['expr'],
  safe: Safe,
): Pred | undefined {
  const groups: Group[] = [];
  const open = new Map<string, Group>();
  const groupOf: (Group | undefined)[] = [];
  let ctx = safe;
  args.forEach((a, i) => {
    const fact = leafSet(a);
    const aborts = predMayAbortIn(a, ctx, exprKey);
    const here = ctx;
    ctx = extendSafe(ctx, a, exprKey);
    if (fact === undefined) {
      groupOf.push(undefined);
      if (aborts) open.clear();
      return;
    }
    const k = exprKey(fact.key) + '@' + fact.width;
    let g = open.get(k);
    if (g === undefined) {
      g = { key: fact.key, width: fact.width, index: i, sets: [fact.set], members: [a], safe: here };
      groups.push(g);
    } else {
      g.sets.push(fact.set);
      g.members.push(a);
    }
    groupOf.push(g);
    if (aborts) open.clear();
    open.set(k, g);
  });
  const replacement = new Map<Group, Pred>();
  for (const g of groups) {
    // One union of everything (linear after a sort), or successive intersections (which only shrink).
    const set = kind === 'or' ? unionAll(g.sets) : g.sets.reduce((acc, x) => intersect(acc, x));
    const enc = probeIfAborting(g.key, g.width, encode(g.key, g.width, set), g.safe, exprKey);
    if (enc === undefined) continue;
    const old = g.members.reduce((n, m) => n + leafCount(m), 0);
    const now = leafCount(enc);
    const constant = enc.kind === 'true' || enc.kind === 'false';
    if (now < old || (now === old && g.members.length > 1) || (constant && g.members.length === 1))
      replacement.set(g, enc);
  }
  const out: Pred[] = [];
  args.forEach((a, i) => {
    const g = groupOf[i];
    const r = g === undefined ? undefined : replacement.get(g);
    if (r === undefined || g === undefined) out.push(a);
    else if (g.index === i) out.push(r);
  });
  if (out.length === args.length && out.every((a, i) => a === args[i])) return undefined;
  return out.length === 1 ? out[0]! : { kind, args: out };
}

/** A constant outcome on a value that may abort must still evaluate it: true becomes `x <= MAX` and
 *  false becomes `x > MAX` (one leaf each, same abort, constant otherwise). */
function probeIfAborting(
  key: Expr,
  width: Width,
  enc: Pred | undefined,
  safe: Safe,
  exprKey: Interner['expr'],
): Pred | undefined {
  if (
    enc === undefined ||
    (enc.kind !== 'true' && enc.kind !== 'false') ||
    !exprMayAbortIn(key, safe, exprKey)
  )
    return enc;
  return cmp(enc.kind === 'true' ? 'le' : 'gt', width, false, key, widthMask(width));
}

function singleLeaf(p: Pred, safe: Safe, exprKey: Interner['expr']): Pred {
  const fact = leafSet(p);
  if (fact === undefined || exprMayAbortIn(fact.key, safe, exprKey)) return p;
  const c = constantOf(fact.set, fact.width);
  return c === undefined ? p : { kind: c ? 'true' : 'false' };
}

/** Bottom-up rewrite carrying the evaluation context down and along siblings (left to right). */
function visit(kind: 'and' | 'or', p: Pred, safe: Safe, key: Interner['expr']): Pred {
  switch (p.kind) {
    case 'and':
    case 'or': {
      let ctx = safe;
      const args: Pred[] = [];
      for (const a of p.args) {
        const r = visit(kind, a, ctx, key);
        ctx = extendSafe(ctx, r, key);
        args.push(r);
      }
      const q: Pred = args.every((a, i) => a === p.args[i]) ? p : { kind: p.kind, args };
      return q.kind === kind ? (mergeChildren(kind, q.args, key, safe) ?? q) : q;
    }
    case 'not': {
      const arg = visit(kind, p.arg, safe, key);
      return arg === p.arg ? p : { kind: 'not', arg };
    }
    case 'cmp':
    case 'in':
      return singleLeaf(p, safe, key);
    default:
      return p;
  }
}

function run(kind: 'and' | 'or', ir: Filter, keys: Interner = makeInterner()): Filter {
  const body = visit(kind, ir.body, NOTHING_SAFE, keys.expr);
  return body === ir.body ? ir : { ...ir, body };
}

export function ranges(ir: Filter, keys?: Interner): Filter {
  return run('and', ir, keys);
}

export function sets(ir: Filter, keys?: Interner): Filter {
  return run('or', ir, keys);
}
