// Classic BPF translation of the compare leaves: `cmp` (masked to the width, signed order by sign bias, 64-bit
// values as two halves in M[]) and `in` (a chain of jeq, a binary search from `binarySearchMin` values, 64-bit
// sets grouped by their high word); jump conditions and inversion come from the IR's OPS table (cbpf column).
// Invariants: every leaf ends in a jump to its t or f label; temporaries are released (depth back to 0 or to
// where the leaf started).
import type { JmpCond } from '@tfc/bpf/cbpf';
import type { Expr, LeafPred } from '@tfc/ir';
import { OPS } from '@tfc/ir';
import { lowerSetSearch } from '../lower/set-search.ts';
import { type CbpfGen, maskOf, signBit, slot } from './context.ts';
import { hi, lo } from './expr.ts';

/** A's value of `x` (a `w`-byte compare operand) masked to the width unless it fits already, sign-biased for a
 *  signed order. */
function norm(g: CbpfGen, x: Expr, w: 1 | 2 | 4, bias: boolean): void {
  if (w < 4 && !(x.kind === 'load' && !x.signed && x.width <= w))
    g.ins({ kind: 'alu_k', op: 'and', value: maskOf(w) });
  if (bias) g.ins({ kind: 'alu_k', op: 'xor', value: signBit(w) });
}

export function cmpLeaf(g: CbpfGen, p: Extract<LeafPred, { kind: 'cmp' }>, t: string, f: string) {
  const info = OPS[p.op];
  const cond = info.cbpf.jump;
  const [yes, no] = info.cbpf.invert ? [f, t] : [t, f];
  const bias = info.ordered && p.signed;
  const w = p.width;
  if (w !== 8) {
    if (p.right.kind === 'const') {
      lo(g, p.left);
      norm(g, p.left, w, bias);
      let c = Number(p.right.value & BigInt(maskOf(w)));
      if (bias) c = (c ^ signBit(w)) >>> 0;
      g.jk(cond, c, yes, no);
    } else if (g.need(p.right) > g.need(p.left)) {
      // Deeper side first (fewer M[] words); operands are pure, any abort ends the program alike.
      lo(g, p.right);
      norm(g, p.right, w, bias);
      const s = slot(g);
      g.ins({ kind: 'st', index: s });
      lo(g, p.left);
      norm(g, p.left, w, bias);
      g.ins({ kind: 'ldx_mem', index: s });
      g.depth--;
      g.jx(cond, yes, no);
    } else {
      lo(g, p.left);
      norm(g, p.left, w, bias);
      const s = slot(g);
      g.ins({ kind: 'st', index: s });
      lo(g, p.right);
      norm(g, p.right, w, bias);
      g.ins({ kind: 'tax' });
      g.ins({ kind: 'ld_mem', index: s });
      g.depth--;
      g.jx(cond, yes, no);
    }
    return;
  }
  // 64-bit: halves.
  const sl = slot(g);
  const sh = slot(g);
  lo(g, p.left);
  g.ins({ kind: 'st', index: sl });
  hi(g, p.left);
  if (bias) g.ins({ kind: 'alu_k', op: 'xor', value: 0x80000000 });
  g.ins({ kind: 'st', index: sh });
  let rlo: (() => void) | number;
  let rhi: (() => void) | number;
  if (p.right.kind === 'const') {
    rlo = Number(p.right.value & 0xffffffffn);
    rhi = Number((p.right.value >> 32n) & 0xffffffffn);
    if (bias) rhi = (rhi ^ 0x80000000) >>> 0;
  } else {
    const right = p.right;
    const rl = slot(g);
    const rh = slot(g);
    lo(g, right);
    g.ins({ kind: 'st', index: rl });
    hi(g, right);
    if (bias) g.ins({ kind: 'alu_k', op: 'xor', value: 0x80000000 });
    g.ins({ kind: 'st', index: rh });
    rlo = () => {
      g.ins({ kind: 'ld_mem', index: rl });
      g.ins({ kind: 'tax' });
    };
    rhi = () => {
      g.ins({ kind: 'ld_mem', index: rh });
      g.ins({ kind: 'tax' });
    };
  }
  const j = (c: JmpCond, r: (() => void) | number, jt: string, jf: string, load: number) => {
    if (typeof r === 'number') {
      g.ins({ kind: 'ld_mem', index: load });
      g.jk(c, r, jt, jf);
    } else {
      r();
      g.ins({ kind: 'ld_mem', index: load });
      g.jx(c, jt, jf);
    }
  };
  const cont = g.fresh();
  if (cond === 'jeq') {
    j('jeq', rhi, cont, no, sh);
    g.place(cont);
    j('jeq', rlo, yes, no, sl);
  } else if (cond === 'jset') {
    j('jset', rhi, yes, cont, sh);
    g.place(cont);
    j('jset', rlo, yes, no, sl);
  } else {
    const eq = g.fresh();
    j('jgt', rhi, yes, eq, sh);
    g.place(eq);
    j('jeq', rhi, cont, no, sh);
    g.place(cont);
    j(cond, rlo, yes, no, sl);
  }
  g.depth = 0;
}

export function inLeaf(g: CbpfGen, p: Extract<LeafPred, { kind: 'in' }>, t: string, f: string) {
  if (p.width === 8) {
    // 64-bit membership: halves in M[], values grouped by high word (linear).
    const sl = slot(g);
    const sh = slot(g);
    lo(g, p.value);
    g.ins({ kind: 'st', index: sl });
    hi(g, p.value);
    g.ins({ kind: 'st', index: sh });
    const byHi = new Map<number, number[]>();
    for (const v of p.set) {
      const h = Number((v >> 32n) & 0xffffffffn);
      byHi.set(h, [...(byHi.get(h) ?? []), Number(v & 0xffffffffn)]);
    }
    for (const [h, los] of byHi) {
      const nextHi = g.fresh();
      const loTests = g.fresh();
      g.ins({ kind: 'ld_mem', index: sh });
      g.jk('jeq', h, loTests, nextHi);
      g.place(loTests);
      g.ins({ kind: 'ld_mem', index: sl });
      for (const l of los) {
        const nx = g.fresh();
        g.jk('jeq', l, t, nx);
        g.place(nx);
      }
      g.goto(f);
      g.place(nextHi);
    }
    g.goto(f);
    g.depth = 0;
    return;
  }
  lo(g, p.value);
  const v = p.value;
  if (p.width < 4 && !(v.kind === 'load' && !v.signed && v.width <= p.width))
    g.ins({ kind: 'alu_k', op: 'and', value: maskOf(p.width) });
  const set = p.set.map((v) => Number(v & 0xffffffffn));
  for (const op of lowerSetSearch(set.length, t, f, g.o.binarySearchMin, g.fresh))
    if (op.op === 'eq' || op.op === 'gt') {
      const next = g.fresh();
      g.jk(op.op === 'eq' ? 'jeq' : 'jgt', set[op.index]!, op.to, next);
      g.place(next);
    } else if (op.op === 'goto') g.goto(op.to);
    else g.place(op.name);
}
