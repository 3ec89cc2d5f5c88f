// Pass `simplify`: boolean simplification under the IR's three-valued, left-to-right semantics
// (true / false / abort; and/or short-circuit; not(abort) = abort).
// Rules (each directional; each strictly decreases the cost measure (node count, then the summed depth
// of `not` nodes), so the rewrite terminates; the sweep is repeated to a fixpoint and an iteration cap
// *throws* — reaching it is a bug in these rules, not a property of the input):
//   not-push    not(x) → negate(x): De Morgan down to the leaves; cmp ops flip by the op table; a
//               string leaf flips `negate` — except pointer strings (faultFalse: a fault is false for
//               both polarities, so their negation is not their complement) and set membership, which
//               keep an explicit not (so do protochain walks); not(not x) → x.
//   flatten     and(a, and(b, c)) → and(a, b, c)  (same for or)
//   neutral     and(.., true, ..) drops the true (or: false)
//   dominant    and(p.., false, q..) → and(p.., false): q is never evaluated; → false when no p can abort
//   duplicate   a child equal to an earlier sibling is dropped (it is evaluated only when the earlier one
//               already gave the non-dominant value, and leaves are pure)
//   complement  in and: a child equal to negate(earlier sibling) → false (or: → true), then `dominant`
//   absorption  and(x, .., or(p.., x, ..)) → drops the or when no p before x can abort (x is true there)
//               or(x, .., and(p.., x, ..)) → drops the and likewise (x is false there)
//   unit        and() → true, or() → false, and(x) → x
//   leaf-fold   leaves are constant-folded (fold.ts foldLeaf), since not-push can create `x & 0 == 0`
// Rules never reorder children: under abort semantics and/or are not commutative.
import { negate, predMayAbort } from '../analysis.ts';
import { type Interner, makeInterner } from '../intern.ts';
import type { Filter, Pred } from '../types.ts';
import { foldLeaf } from './fold.ts';

export const SIMPLIFY_ITERATION_CAP = 64;

function simplifyPred(p: Pred, keys: Interner): Pred {
  switch (p.kind) {
    case 'not': {
      // A kept `not` (above a leaf without a leaf complement) whose leaf is unchanged stays this object.
      const arg = simplifyPred(p.arg, keys);
      if (
        arg === p.arg &&
        (arg.kind === 'in' || arg.kind === 'chain' || (arg.kind === 'str' && arg.flags.faultFalse))
      )
        return p;
      // negate() keeps `not` only directly above a leaf that has no leaf complement. The negation of a
      // simplified tree is simplified (every rule has a De Morgan dual), so it is not re-simplified here
      // (that would be exponential in alternating not/and depth); the fixpoint loop is the safety net.
      return negate(arg);
    }
    case 'and':
    case 'or': {
      const r = simplifyNary(
        p.kind,
        p.args.map((a) => simplifyPred(a, keys)),
        keys,
      );
      // Unchanged children, none dropped or spliced: the input object itself (cheap fixpoint test).
      return r.kind === p.kind && r.args.length === p.args.length && r.args.every((a, i) => a === p.args[i])
        ? p
        : r;
    }
    default:
      return foldLeaf(p);
  }
}

function simplifyNary(kind: 'and' | 'or', input: readonly Pred[], keys: Interner): Pred {
  const predKey = keys.pred;
  const dominant = kind === 'and' ? 'false' : 'true';
  const neutral = kind === 'and' ? 'true' : 'false';
  const flat: Pred[] = [];
  for (const a of input) {
    if (a.kind === kind) flat.push(...a.args);
    else flat.push(a);
  }
  const out: Pred[] = [];
  const seen = new Set<string>();
  for (const a of flat) {
    if (a.kind === neutral) continue;
    if (a.kind === dominant) {
      out.push(a);
      break;
    }
    const k = predKey(a);
    if (seen.has(k)) continue;
    // A child of the other kind negates to this kind, which flattening removed from the siblings: only
    // leaves and `not`s can meet their complement (skipping the others saves a negation per child).
    if (seen.size > 0 && a.kind !== (kind === 'and' ? 'or' : 'and') && seen.has(keys.negated(a))) {
      out.push({ kind: dominant });
      break;
    }
    // absorption: an inner connective of the other kind containing an earlier sibling.
    const other = kind === 'and' ? 'or' : 'and';
    if (a.kind === other) {
      let absorbed = false;
      for (const b of a.args) {
        if (seen.has(predKey(b))) {
          absorbed = true;
          break;
        }
        if (predMayAbort(b)) break;
      }
      if (absorbed) continue;
    }
    seen.add(k);
    out.push(a);
  }
  const last = out[out.length - 1];
  if (last?.kind === dominant && !out.slice(0, -1).some((x) => predMayAbort(x))) return last;
  if (out.length === 0) return { kind: neutral };
  if (out.length === 1) return out[0]!;
  return { kind, args: out };
}

/** Apply the rules to a fixpoint; throws if SIMPLIFY_ITERATION_CAP sweeps do not reach it. */
export function simplifyBody(body: Pred, keys: Interner = makeInterner()): Pred {
  // One interner for all sweeps: structural keys of unchanged subtrees are computed once.
  const key = keys.pred;
  let cur = body;
  let k = key(cur);
  for (let i = 0; i < SIMPLIFY_ITERATION_CAP; i++) {
    const next = simplifyPred(cur, keys);
    if (next === cur) return next;
    const nk = key(next);
    if (nk === k) return next;
    cur = next;
    k = nk;
  }
  throw new Error(`simplify: no fixpoint after ${SIMPLIFY_ITERATION_CAP} sweeps (a rule increases cost)`);
}

export function simplify(ir: Filter, keys?: Interner): Filter {
  const body = simplifyBody(ir.body, keys);
  return body === ir.body ? ir : { ...ir, body };
}
