// Pure analyses over the IR used by passes and the DAG builder: structural keys, may-abort, negation
// of leaves, leaf cost. Invariants: keys are the compact text form (equal keys ⇔ structurally equal
// nodes); mayAbort is conservative (false ⇒ the node can never abort on any input); negate(p) is the
// exact three-valued complement of p (abort stays abort) and pushes `not` as far down as exactness allows.
import { cmp } from './build.ts';
import { OPS } from './ops.ts';
import { printExpr, printPred } from './print.ts';
import type { Expr, LeafPred, Pred, ValueDef } from './types.ts';

export const exprKey = printExpr;
export const predKey = printPred;

/** Can evaluating `e` abort? (packet/frame loads, division or modulo by anything but a non-zero constant).
 *  Memoised per object within one call, so shared subtrees are examined once. */
export function exprMayAbort(e: Expr, values: readonly ValueDef[] = []): boolean {
  return mayAbortMemo(e, values, new Map());
}

function mayAbortMemo(e: Expr, values: readonly ValueDef[], memo: Map<Expr, boolean>): boolean {
  switch (e.kind) {
    case 'const':
    case 'len':
    case 'pseudo':
      return false;
    case 'ref': {
      const d = values[e.id];
      return d === undefined || mayAbortMemo(d.expr, values, memo);
    }
    case 'load':
      if (e.base !== 'record') return true;
      if (typeof e.offset === 'number') return false;
      break;
    case 'neg':
    case 'arith':
      break;
  }
  const hit = memo.get(e);
  if (hit !== undefined) return hit;
  let r: boolean;
  if (e.kind === 'load') r = typeof e.offset !== 'number' && mayAbortMemo(e.offset, values, memo);
  else if (e.kind === 'neg') r = mayAbortMemo(e.arg, values, memo);
  else if (e.kind === 'arith')
    r =
      ((e.op === '/' || e.op === '%') &&
        !(e.right.kind === 'const' && (e.right.value & 0xffffffffn) !== 0n)) ||
      mayAbortMemo(e.left, values, memo) ||
      mayAbortMemo(e.right, values, memo);
  else r = false;
  memo.set(e, r);
  return r;
}

export function predMayAbort(p: Pred, values: readonly ValueDef[] = []): boolean {
  switch (p.kind) {
    case 'true':
    case 'false':
      return false;
    case 'cmp':
      return exprMayAbort(p.left, values) || exprMayAbort(p.right, values);
    case 'in':
      return exprMayAbort(p.value, values);
    case 'str':
      return p.source.kind !== 'comm' && p.source.base !== 'record';
    case 'chain':
      return true;
    case 'not':
      return predMayAbort(p.arg, values);
    case 'and':
    case 'or':
      return p.args.some((a) => predMayAbort(a, values));
  }
}

/** Exact complement, with `not` pushed to the leaves (De Morgan). Leaves whose complement is not a leaf
 *  (set membership, pointer strings whose fault is false for both polarities, protochain walks) keep a `not`. */
export function negate(p: Pred): Pred {
  switch (p.kind) {
    case 'true':
      return { kind: 'false' };
    case 'false':
      return { kind: 'true' };
    case 'not':
      return p.arg;
    case 'cmp':
      return cmp(OPS[p.op].negation, p.width, p.signed, p.left, p.right);
    case 'in':
      return { kind: 'not', arg: p };
    case 'str':
      return p.flags.faultFalse ? { kind: 'not', arg: p } : { ...p, negate: !p.negate };
    case 'chain':
      return { kind: 'not', arg: p };
    case 'and':
      return { kind: 'or', args: p.args.map(negate) };
    case 'or':
      return { kind: 'and', args: p.args.map(negate) };
  }
}

export function isLeaf(p: Pred): p is LeafPred {
  return p.kind === 'cmp' || p.kind === 'in' || p.kind === 'str' || p.kind === 'chain';
}

/** Rough evaluation cost of a leaf, in "instructions"; used to order the decision DAG. */
export function leafCost(p: LeafPred): number {
  switch (p.kind) {
    case 'cmp':
      return 1 + exprCost(p.left) + exprCost(p.right);
    case 'in':
      return 2 + exprCost(p.value) + Math.ceil(Math.log2(p.set.length + 1));
    case 'str': {
      const base = p.source.kind === 'ptr' ? 40 : p.source.kind === 'dataloc' ? 12 : 8;
      return base + p.pattern.length * (p.match === 'glob' ? 8 : p.match === 'middle' ? 4 : 2);
    }
    case 'chain':
      return 40;
  }
}

function exprCost(e: Expr): number {
  switch (e.kind) {
    case 'const':
      return 0;
    case 'ref':
      return 1;
    case 'len':
    case 'pseudo':
      return 2;
    case 'load':
      return 1 + (typeof e.offset === 'number' ? 0 : 2 + exprCost(e.offset));
    case 'neg':
      return 1 + exprCost(e.arg);
    case 'arith':
      return 1 + exprCost(e.left) + exprCost(e.right);
  }
}
