// Pass `fold`: constant folding. Rules (all directional, each replaces a node by a constant, so the
// node count strictly decreases; one bottom-up sweep reaches the fixpoint, no iteration needed):
//   arith(c1, c2) → c  (u32 semantics) unless it divides by zero (that aborts at run time: kept);
//   neg(c) → c;  a constant compare operand is truncated to the compare width;  cmp(c1, c2) → true/false;  in(c, set) → true/false;
//   set(x, 0) → false;  clear(x, 0) → true  (only when x cannot abort: otherwise the load must stay);
//   (c1 + e) + c2 and (e + c1) + c2 → e + (c1 + c2), c + e → e + c (u32 wraps alike);
//   load at a constant offset expression → numeric offset;  (x & c) != 0 → set(x, c), == 0 → clear(x, c)
//   at widths ≤ 4 (the and is u32: its low bytes are those of x & c), a node fewer.
import { exprMayAbort } from '../analysis.ts';
import { cmp } from '../build.ts';
import { arith32 } from '../eval.ts';
import { applyCmp } from '../ops.ts';
import { mapExpr, mapPred } from '../rewrite.ts';
import type { Expr, Filter, Pred } from '../types.ts';
import { U32_MAX, widthMask } from '../types.ts';

function foldExpr(e: Expr): Expr {
  return mapExpr(e, (x) => {
    if (
      x.kind === 'load' &&
      typeof x.offset !== 'number' &&
      x.offset.kind === 'const' &&
      x.offset.value <= U32_MAX
    )
      return { ...x, offset: Number(x.offset.value) };
    if (x.kind === 'neg' && x.arg.kind === 'const')
      return { kind: 'const', value: -(x.arg.value & U32_MAX) & U32_MAX };
    if (x.kind === 'arith' && x.left.kind === 'const' && x.right.kind === 'const') {
      const v = arith32(x.op, x.left.value & U32_MAX, x.right.value & U32_MAX);
      return v < 0n ? x : { kind: 'const', value: v };
    }
    if (x.kind === 'arith' && x.op === '+') {
      // u32 addition is associative and commutative and constants never abort: c + e → e + c,
      // (e + c1) + c2 → e + (c1 + c2) (so (c1 + e) + c2 too); a u32 e + 0 → e
      const l = x.left;
      const r = x.right;
      const rc = c(r);
      // children are folded first, so an inner sum already has its constant on the right
      if (rc !== undefined && l.kind === 'arith' && l.op === '+') {
        const b = c(l.right);
        if (b !== undefined) return plus(l.left, (b + rc) & U32_MAX);
      }
      const lc = c(l);
      if (lc !== undefined && rc === undefined) return plus(r, lc);
    }
    return x;
  });
}

/** The u32 value of a constant, else undefined. */
function c(y: Expr): bigint | undefined {
  return y.kind === 'const' ? y.value & U32_MAX : undefined;
}

/** e + c, with c = 0 dropped only where e is u32 already (a 64-bit load's high bits would survive). */
function plus(e: Expr, c: bigint): Expr {
  if (c === 0n && e.kind === 'arith') return e;
  return { kind: 'arith', op: '+', left: e, right: { kind: 'const', value: c } };
}

/** A compare sees only the low `width` bytes of a constant operand. */
function truncConst(e: Expr, width: 1 | 2 | 4 | 8): Expr {
  if (e.kind !== 'const') return e;
  const value = e.value & widthMask(width);
  return value === e.value ? e : { kind: 'const', value };
}

function signedView(v: bigint, bytes: number, signed: boolean): bigint {
  const t = v & widthMask(bytes as 1 | 2 | 4 | 8);
  if (!signed) return t;
  const bits = BigInt(bytes * 8);
  return t >= 1n << (bits - 1n) ? t - (1n << bits) : t;
}

/** Constant-fold one leaf (its expressions included); other predicates are returned unchanged. */
export function foldLeaf(p: Pred): Pred {
  if (p.kind === 'cmp') {
    const left = truncConst(foldExpr(p.left), p.width);
    const right = truncConst(foldExpr(p.right), p.width);
    if (left.kind === 'const' && right.kind === 'const') {
      const r = applyCmp(
        p.op,
        signedView(left.value, p.width, p.signed),
        signedView(right.value, p.width, p.signed),
      );
      return { kind: r ? 'true' : 'false' };
    }
    // (x & c) != 0 → x set c; (x & c) == 0 → x clear c (u32 arithmetic: exact for widths up to 4)
    if (
      (p.op === 'ne' || p.op === 'eq') &&
      p.width <= 4 &&
      right.kind === 'const' &&
      right.value === 0n &&
      left.kind === 'arith' &&
      left.op === '&'
    ) {
      // `x set c` is symmetric: the constant goes right, as canon puts it (else a second run would swap it).
      const [a, b] =
        left.left.kind === 'const' && left.right.kind !== 'const'
          ? [left.right, left.left]
          : [left.left, left.right];
      return foldLeaf(cmp(p.op === 'ne' ? 'set' : 'clear', p.width, false, a, b));
    }
    if (
      (p.op === 'set' || p.op === 'clear') &&
      right.kind === 'const' &&
      (right.value & widthMask(p.width)) === 0n &&
      !exprMayAbort(left)
    )
      return { kind: p.op === 'set' ? 'false' : 'true' };
    return left === p.left && right === p.right ? p : { ...p, left, right };
  }
  if (p.kind === 'in') {
    const value = foldExpr(p.value);
    if (value.kind === 'const')
      return { kind: p.set.includes(value.value & widthMask(p.width)) ? 'true' : 'false' };
    return value === p.value ? p : { ...p, value };
  }
  return p;
}

export function fold(ir: Filter): Filter {
  const values = ir.values.map((v) => {
    const expr = foldExpr(v.expr);
    return expr === v.expr ? v : { id: v.id, expr };
  });
  const body = mapPred(ir.body, foldLeaf);
  // Nothing folded: the input itself (later passes and the settle loop test that cheaply).
  if (body === ir.body && values.every((v, i) => v === ir.values[i])) return ir;
  return { kind: 'filter', values, body };
}
