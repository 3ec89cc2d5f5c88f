// C translation of the leaves: compares truncate to the width and cast to the signed type for signed ordered
// operators, as the IR defines; sets are a chain of equalities; strings over fixed-size arrays take their bytes
// where the lowering says (lower/access.ts arraySource) and translate the lowering's string ops
// (lower/string-ops.ts) one by one: `expect` as one test, a `window` as one conjunction, a glob automaton as
// labelled states.
// Invariants: every leaf ends in a `goto` to its t or f label; __data_loc and char * strings are diagnostics (the
// C form does not cover them yet).
import type { LeafPred, StrPred } from '@tfc/ir';
import { OPS } from '@tfc/ir';
import type { GlobNext } from '../glob-automaton.ts';
import { arraySource } from '../lower/access.ts';
import { lowerSetSearch } from '../lower/set-search.ts';
import { lowerArrayMatch, type StrOp } from '../lower/string-ops.ts';
import { Unsupported } from '../options.ts';
import { type CGen, fresh, line, lit, narrow } from './context.ts';
import { expr, packetBytes } from './expr.ts';

const C_OP: { readonly [K in 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge']: string } = {
  eq: '==',
  ne: '!=',
  lt: '<',
  le: '<=',
  gt: '>',
  ge: '>=',
};

export function cmpLeaf(
  g: CGen,
  p: Extract<LeafPred, { kind: 'cmp' }>,
  t: string,
  f: string,
  a: string,
): void {
  const l = expr(g, p.left, a);
  const r = expr(g, p.right, a);
  const signed = OPS[p.op].ordered && p.signed;
  const L = narrow(l, p.width, signed);
  const R = narrow(r, p.width, signed);
  const cond =
    p.op === 'set'
      ? `(${L} & ${R}) != 0`
      : p.op === 'clear'
        ? `(${L} & ${R}) == 0`
        : `${L} ${C_OP[p.op]} ${R}`;
  line(g, `if (${cond}) goto ${t}; else goto ${f};`);
}

export function inLeaf(g: CGen, p: Extract<LeafPred, { kind: 'in' }>, t: string, f: string, a: string): void {
  const v = narrow(expr(g, p.value, a), p.width, false);
  const u = fresh(g);
  line(g, `u64 ${u} = (u64)${v};`);
  // Always the chain: clang builds its own search.
  for (const op of lowerSetSearch(p.set.length, t, f, Number.POSITIVE_INFINITY, () => fresh(g)))
    if (op.op === 'eq') line(g, `if (${u} == ${lit(p.set[op.index]!)}) goto ${op.to};`);
    else if (op.op === 'goto') line(g, `goto ${op.to};`);
    else throw new Error(`set op ${op.op} in a chain`);
}

function globOp(g: CGen, op: Extract<StrOp, { op: 'glob' }>, at: (i: number) => string): void {
  const base = `g${g.tmp++}_`;
  const to = (x: GlobNext) => (x === 'T' ? op.yes : x === 'F' ? op.no : `${base}${x}`);
  line(g, `goto ${to(op.automaton.start)};`);
  op.automaton.states.forEach((st, i) => {
    g.out.push(`${g.indent.slice(2)}${to(i)}:;`);
    const c = fresh(g);
    line(g, `u8 ${c} = ${at(st.byte)};`);
    for (const tst of st.tests)
      line(
        g,
        tst.lo === tst.hi
          ? `if (${c} == ${tst.lo}) goto ${to(tst.next)};`
          : `if (${c} >= ${tst.lo} && ${c} <= ${tst.hi}) goto ${to(tst.next)};`,
      );
    line(g, `goto ${to(st.otherwise)};`);
  });
}

function emitStrOps(g: CGen, ops: readonly StrOp[], at: (i: number) => string): void {
  for (const op of ops)
    switch (op.op) {
      case 'expect':
        line(g, `if (${at(op.at)} != ${op.byte}) goto ${op.miss};`);
        break;
      case 'window':
        line(
          g,
          `if (${op.tests.map((x) => `${at(x.at)} == ${x.byte}`).join(' && ') || '1'}) goto ${op.hit};`,
        );
        if (op.miss !== undefined) line(g, `goto ${op.miss};`);
        break;
      case 'goto':
        line(g, `goto ${op.to};`);
        break;
      case 'glob':
        globOp(g, op, at);
        break;
      default:
        throw new Error(`string op ${op.op} over a fixed-size array`);
    }
}

export function strLeaf(g: CGen, p: StrPred, t: string, f: string, a: string): void {
  const src = p.source;
  if (src.kind !== 'comm' && src.kind !== 'fixed')
    throw new Unsupported('string-source', `string source ${src.kind} is not supported by the C form yet`);
  const s = arraySource(src, g.o.ctx);
  let bytes: string;
  switch (s.kind) {
    case 'comm':
      bytes = fresh(g);
      line(g, `u8 ${bytes}[16] __attribute__((aligned(8))) = {0};`);
      line(g, `bpf_get_current_comm(${bytes}, 16);`);
      break;
    case 'record':
      bytes = `((u8 *)ctx + ${s.offset})`;
      break;
    case 'packet':
      if (!s.fits) {
        line(g, `goto ${a};`);
        return;
      }
      bytes = packetBytes(g, s.k, s.n, a);
      break;
  }
  emitStrOps(g, lowerArrayMatch(p, s.n, t, f), (i) => `${bytes}[${i}]`);
}
