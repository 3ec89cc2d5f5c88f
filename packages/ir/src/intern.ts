// Structural interning: short keys for expressions and predicates, for passes that group, compare or
// deduplicate nodes. Invariants: within one Interner, two nodes get the same key ⇔ they are structurally
// equal (exactly the relation of equal printExpr/printPred text, e.g. a numeric load offset and a
// constant offset expression that print alike share a key); keys are memoised by object identity, so
// a tree whose subtrees are shared objects (e.g. after `inline` of chained values) costs O(distinct
// objects), never O(size of the unfolded tree); keys are short ('#' + a number), so hashing them is O(1).
// An Interner is local mutable state of one pass invocation (or of one runPasses call, which hands the
// same one to every pass so that unchanged subtrees are keyed once): never a global.
import { negate } from './analysis.ts';
import { printNumber, printPred } from './print.ts';
import type { Expr, Pred } from './types.ts';

export interface Interner {
  readonly expr: (e: Expr) => string;
  readonly pred: (p: Pred) => string;
  /** pred(negate(p)), memoised per object. */
  readonly negated: (p: Pred) => string;
}

export function makeInterner(): Interner {
  const byObject = new Map<object, string>();
  const byShape = new Map<string, string>();
  const id = (shape: string): string => {
    let k = byShape.get(shape);
    if (k === undefined) {
      k = '#' + byShape.size;
      byShape.set(shape, k);
    }
    return k;
  };
  const expr = (e: Expr): string => {
    const hit = byObject.get(e);
    if (hit !== undefined) return hit;
    let shape: string;
    switch (e.kind) {
      case 'const':
        shape = 'c' + printNumber(e.value);
        break;
      case 'ref':
        shape = '%' + e.id;
        break;
      case 'len':
        shape = 'len';
        break;
      case 'pseudo':
        shape = 'p' + e.name;
        break;
      case 'load':
        // A numeric offset prints like a constant offset expression (`0` either way): same key.
        shape = `l ${e.base} ${typeof e.offset === 'number' ? id('c' + e.offset) : expr(e.offset)} ${e.signed ? 's' : 'u'}${e.width}${e.order}`;
        break;
      case 'neg':
        shape = 'n ' + expr(e.arg);
        break;
      case 'arith':
        shape = `a${e.op} ${expr(e.left)} ${expr(e.right)}`;
        break;
    }
    const k = id(shape);
    byObject.set(e, k);
    return k;
  };
  const pred = (p: Pred): string => {
    const hit = byObject.get(p);
    if (hit !== undefined) return hit;
    let shape: string;
    switch (p.kind) {
      case 'true':
      case 'false':
        shape = p.kind;
        break;
      case 'cmp':
        shape = `${p.op} ${p.signed ? 's' : 'u'}${p.width} ${expr(p.left)} ${expr(p.right)}`;
        break;
      case 'in':
        shape = `in${p.width} ${expr(p.value)} ${p.set.map(printNumber).join(' ')}`;
        break;
      case 'str':
      case 'chain':
        shape = printPred(p);
        break;
      case 'not':
        shape = 'not ' + pred(p.arg);
        break;
      case 'and':
      case 'or':
        shape = p.kind + ' ' + p.args.map(pred).join(' ');
        break;
    }
    const k = id(shape);
    byObject.set(p, k);
    return k;
  };
  const negMemo = new Map<Pred, string>();
  const negated = (p: Pred): string => {
    let k = negMemo.get(p);
    if (k === undefined) {
      k = pred(negate(p));
      negMemo.set(p, k);
    }
    return k;
  };
  return { expr, pred, negated };
}
