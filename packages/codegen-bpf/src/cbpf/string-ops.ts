// Classic BPF translation of the lowering's string ops (lower/string-ops.ts), one case per op: the caller's
// `fetch` loads a byte of the string into A (ld_abs at a fixed offset, or ld_ind from the __data_loc start held in
// M[]), compares are jeq/jge/jgt with explicit fall-through labels; the runtime length is in the M[] word `lenWord`.
// Invariants: decides nothing about matcher semantics; labels an op needs are fresh; a byte load past the packet
// ends the program with 0 (the abort, as the caller arranged).
import type { GlobNext } from '../glob-automaton.ts';
import type { StrOp } from '../lower/string-ops.ts';
import type { CbpfGen } from './context.ts';

/** A = the string's byte `at` (counted from the runtime length when `fromEnd`). */
export type Fetch = (at: number, fromEnd: boolean) => void;

function globOp(g: CbpfGen, op: Extract<StrOp, { op: 'glob' }>, fetch: Fetch): void {
  const base = g.fresh();
  const to = (x: GlobNext) => (x === 'T' ? op.yes : x === 'F' ? op.no : `${base}g${x}`);
  g.goto(to(op.automaton.start));
  op.automaton.states.forEach((st, i) => {
    g.place(to(i));
    fetch(st.byte, false);
    for (const tst of st.tests) {
      const nx = g.fresh();
      if (tst.lo === tst.hi) g.jk('jeq', tst.lo, to(tst.next), nx);
      else if (tst.lo === 0) g.jk('jgt', tst.hi, nx, to(tst.next));
      else {
        const ge = g.fresh();
        g.jk('jge', tst.lo, ge, nx);
        g.place(ge);
        g.jk('jgt', tst.hi, nx, to(tst.next));
      }
      g.place(nx);
    }
    g.goto(to(st.otherwise));
  });
}

export function emitStrOps(g: CbpfGen, ops: readonly StrOp[], fetch: Fetch, lenWord?: number): void {
  const byteIs = (at: number, fromEnd: boolean, c: number, miss: string) => {
    fetch(at, fromEnd);
    const ok = g.fresh();
    g.jk('jeq', c, ok, miss);
    g.place(ok);
  };
  /** The runtime length is at least v, else goto `otherwise`. */
  const lenAtLeast = (v: number, otherwise: string) => {
    if (lenWord === undefined) throw new Error('string op on the runtime length of a fixed-size array');
    g.ins({ kind: 'ld_mem', index: lenWord });
    const ok = g.fresh();
    g.jk('jge', v, ok, otherwise);
    g.place(ok);
  };
  for (const op of ops)
    switch (op.op) {
      case 'expect':
        byteIs(op.at, op.fromEnd, op.byte, op.miss);
        break;
      case 'window': {
        const miss = op.miss ?? g.fresh();
        for (const t of op.tests) byteIs(t.at, false, t.byte, miss);
        g.goto(op.hit);
        if (op.miss === undefined) g.place(miss);
        break;
      }
      case 'len-zero': {
        if (lenWord === undefined) throw new Error('string op on the runtime length of a fixed-size array');
        const nz = g.fresh();
        g.ins({ kind: 'ld_mem', index: lenWord });
        g.jk('jeq', 0, op.to, nz);
        g.place(nz);
        break;
      }
      case 'len-lt':
        lenAtLeast(op.value, op.to);
        break;
      case 'len-le':
        lenAtLeast(op.value + 1, op.to);
        break;
      case 'goto':
        g.goto(op.to);
        break;
      case 'label':
        g.place(op.name);
        break;
      case 'glob':
        globOp(g, op, fetch);
        break;
    }
}
