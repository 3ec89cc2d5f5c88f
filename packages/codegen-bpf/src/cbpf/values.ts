// What the classic generator knows about a value before computing it: whether it fits 32 bits (u32Valued), its
// largest u32 value (maxOf), a packet offset split into a variable part and a constant (splitOffset, so the
// constant rides in ld_ind), and the IPv4 header-length idiom 4 * (P[k] & 0xf) that `ldx 4*([k]&0xf)` loads.
// Invariants: pure over the DAG's values (shared values are looked through, cached ones kept whole); answers are
// sound bounds, never guesses (2^32 - 1 when unknown).
import type { Expr } from '@tfc/ir';
import { MAX_PKT_OFF } from '../lower/access.ts';
import { Unsupported } from '../options.ts';
import { absOff, type CbpfGen } from './context.ts';

/** Whether x's value always fits 32 bits (so A holds all of it). */
export function u32Valued(g: CbpfGen, x: Expr): boolean {
  switch (x.kind) {
    case 'const':
      return x.value <= 0xffffffffn;
    case 'load':
      return !x.signed && x.width <= 4;
    case 'arith':
    case 'neg':
    case 'len':
      return true;
    case 'ref': {
      const d = g.dag.values[x.id];
      return d !== undefined && u32Valued(g, d.expr);
    }
    case 'pseudo':
      return x.name !== 'cpu' && x.name !== 'pid';
  }
}

/** x with shared values looked through to their definitions. */
export function deref(g: CbpfGen, x: Expr): Expr {
  let e = x;
  while (e.kind === 'ref') {
    const d = g.dag.values[e.id];
    if (d === undefined) throw new Unsupported('ref', `unknown value %${e.id}`);
    e = d.expr;
  }
  return e;
}

/** Largest u32 value x can take (2^32 - 1 when unknown). */
export function maxOf(g: CbpfGen, x0: Expr): number {
  const x = deref(g, x0);
  const U = 0xffffffff;
  switch (x.kind) {
    case 'const':
      return x.value <= BigInt(U) ? Number(x.value) : U;
    case 'load':
      return x.signed || x.width > 4 ? U : 2 ** (8 * x.width) - 1;
    case 'len':
      return U;
    case 'arith': {
      const r = deref(g, x.right);
      const a = maxOf(g, x.left);
      const b = maxOf(g, x.right);
      const cap = (v: number) => Math.min(v, U);
      switch (x.op) {
        case '&':
          return Math.min(a, b);
        case '+':
          return cap(a + b);
        case '*':
          return cap(a * b);
        case '<<':
          return r.kind === 'const' && r.value < 32n ? cap(a * 2 ** Number(r.value)) : U;
        case '>>':
          return r.kind === 'const' ? (r.value < 32n ? Math.floor(a / 2 ** Number(r.value)) : 0) : a;
        case '/':
          return a;
        case '%':
          return r.kind === 'const' && r.value > 0n ? Math.min(a, b - 1) : a;
        default:
          return U;
      }
    }
    default:
      return U;
  }
}

/** offset = rest + k (u32), constants pulled out of a `+` chain; rest null when the offset is constant. */
export function splitOffset(g: CbpfGen, x: Expr): { rest: Expr | null; k: number } {
  let k = 0;
  const terms: Expr[] = [];
  const walk = (e0: Expr) => {
    if (e0.kind === 'ref' && g.cacheable.has(e0.id)) {
      terms.push(e0);
      return;
    }
    const e = deref(g, e0);
    if (e.kind === 'arith' && e.op === '+') {
      walk(e.left);
      walk(e.right);
    } else if (e.kind === 'const') k = (k + Number(e.value & 0xffffffffn)) >>> 0;
    else terms.push(e0);
  };
  walk(x);
  if (terms.length === 0) return { rest: null, k };
  const rest = terms
    .slice(1)
    .reduce<Expr>((l, r) => ({ kind: 'arith', op: '+', left: l, right: r }), terms[0]!);
  return { rest, k };
}

/** k when x is 4 * (P[k:1] & 0xf), what `ldx 4*([k]&0xf)` loads (the IPv4 header length idiom). */
export function mshOffset(g: CbpfGen, x0: Expr): number | undefined {
  const x = deref(g, x0);
  if (x.kind !== 'arith') return undefined;
  const r = deref(g, x.right);
  let inner: Expr | undefined;
  if (x.op === '<<' && r.kind === 'const' && r.value === 2n) inner = deref(g, x.left);
  else if (x.op === '*' && r.kind === 'const' && r.value === 4n) inner = deref(g, x.left);
  if (inner === undefined || inner.kind !== 'arith' || inner.op !== '&') return undefined;
  const m = deref(g, inner.right);
  const l = deref(g, inner.left);
  if (m.kind !== 'const' || m.value !== 15n) return undefined;
  if (l.kind !== 'load' || l.width !== 1 || l.signed || typeof l.offset !== 'number' || l.base === 'record')
    return undefined;
  const k = absOff(l.base, l.offset);
  return k + 1 <= MAX_PKT_OFF ? k : undefined;
}
