// Pass `facts`: range facts flow from earlier siblings into later ones. Inside `and(x, …, y)`, y is
// evaluated only when x was true, so a fact "value ∈ S" from a leaf x holds throughout y; inside
// `or(x, …, y)`, y sees "value ∉ S". A later leaf on the same compared value (same expression, same
// width) whose truth is decided by the accumulated facts becomes true/false:
//   and(a > 5, or(a < 3, b == 1)) → and(a > 5, or(false, b == 1))   (cleanup then drops the false).
// Rules policy: directional (leaf → constant only), never increases cost. Abort safety: the replaced
// leaf's compared expression was already evaluated without aborting by the earlier leaf that produced
// the fact (loads are pure), so the replaced leaf could not have aborted either. One sweep; no iteration.
import { type Interner, makeInterner } from '../intern.ts';
import { complement, type ISet, intersect, leafSet } from '../intervals.ts';
import type { Filter, Pred, Width } from '../types.ts';
import { widthMask } from '../types.ts';

type Facts = ReadonlyMap<string, ISet>;

function factOf(p: Pred, exprKey: Interner['expr']): { key: string; width: Width; set: ISet } | undefined {
  const f = leafSet(p);
  return f && { key: exprKey(f.key) + '@' + f.width, width: f.width, set: f.set };
}

function visit(p: Pred, facts: Facts, key: Interner['expr']): Pred {
  switch (p.kind) {
    case 'and':
    case 'or': {
      const local = new Map(facts);
      const args: Pred[] = [];
      for (const a of p.args) {
        const v = visit(a, local, key);
        args.push(v);
        const f = factOf(v, key);
        if (f === undefined) continue;
        const s = p.kind === 'and' ? f.set : complement(f.set, widthMask(f.width));
        const prev = local.get(f.key);
        local.set(f.key, prev === undefined ? s : intersect(prev, s));
      }
      return args.every((a, i) => a === p.args[i]) ? p : { kind: p.kind, args };
    }
    case 'not':
      if (p.arg.kind === 'in') return decide(p, facts, key);
      {
        const arg = visit(p.arg, facts, key);
        return arg === p.arg ? p : { kind: 'not', arg };
      }
    case 'cmp':
    case 'in':
      return decide(p, facts, key);
    default:
      return p;
  }
}

function decide(p: Pred, facts: Facts, key: Interner['expr']): Pred {
  if (facts.size === 0) return p;
  const f = factOf(p, key);
  if (f === undefined) return p;
  const known = facts.get(f.key);
  if (known === undefined) return p;
  if (intersect(known, f.set).length === 0) return { kind: 'false' };
  if (intersect(known, complement(f.set, widthMask(f.width))).length === 0) return { kind: 'true' };
  return p;
}

export function facts(ir: Filter, keys: Interner = makeInterner()): Filter {
  const body = visit(ir.body, new Map(), keys.expr);
  return body === ir.body ? ir : { ...ir, body };
}
