// eBPF translation of the lowering's string ops (lower/string-ops.ts), one case per op: a byte is fetched by the
// caller's `byteAt` into R0 (from an array, the record, the packet or a copied buffer) and compared by immediate
// jumps; the runtime length of a __data_loc / char * string is in register L.
// Invariants: decides nothing about matcher semantics (the op list does); labels an op needs are fresh; a glob
// range test that does not start at 0 skips over its upper test.
import { jmp, R0, type Reg } from '@tfc/bpf/ebpf';
import type { StrPred } from '@tfc/ir';
import type { GlobNext } from '../glob-automaton.ts';
import { lowerRuntimeMatch, type StrOp } from '../lower/string-ops.ts';
import { Unsupported } from '../options.ts';
import type { EbpfGen } from './context.ts';
import { fresh, goto, place } from './emitter.ts';

/** R0 = the string's byte `at` (counted from the runtime length when `fromEnd`). */
export type ByteAt = (at: number, fromEnd: boolean) => void;

function globOp(g: EbpfGen, op: Extract<StrOp, { op: 'glob' }>, byteAt: ByteAt): void {
  const base = fresh(g.em);
  const to = (x: GlobNext) => (x === 'T' ? op.yes : x === 'F' ? op.no : `${base}g${x}`);
  goto(g.em, to(op.automaton.start));
  op.automaton.states.forEach((st, i) => {
    place(g.em, to(i));
    byteAt(st.byte, false);
    for (const tst of st.tests) {
      if (tst.lo === tst.hi) g.e(jmp.jeq.imm(R0, tst.lo, to(tst.next)));
      else if (tst.lo === 0) g.e(jmp.jle.imm(R0, tst.hi, to(tst.next)));
      else {
        const skip = fresh(g.em);
        g.e(jmp.jlt.imm(R0, tst.lo, skip));
        g.e(jmp.jle.imm(R0, tst.hi, to(tst.next)));
        place(g.em, skip);
      }
    }
    goto(g.em, to(st.otherwise));
  });
}

function lengthReg(L: Reg | undefined): Reg {
  if (L === undefined) throw new Error('string op on the runtime length of a fixed-size array');
  return L;
}

export function emitStrOps(g: EbpfGen, ops: readonly StrOp[], byteAt: ByteAt, L?: Reg): void {
  for (const op of ops)
    switch (op.op) {
      case 'expect':
        byteAt(op.at, op.fromEnd);
        g.e(jmp.jne.imm(R0, op.byte, op.miss));
        break;
      case 'window': {
        const miss = op.miss ?? fresh(g.em);
        for (const t of op.tests) {
          byteAt(t.at, false);
          g.e(jmp.jne.imm(R0, t.byte, miss));
        }
        goto(g.em, op.hit);
        if (op.miss === undefined) place(g.em, miss);
        break;
      }
      case 'len-zero':
        g.e(jmp.jeq.imm(lengthReg(L), 0, op.to));
        break;
      case 'len-lt':
        g.e(jmp.jlt.imm(lengthReg(L), op.value, op.to));
        break;
      case 'len-le':
        g.e(jmp.jle.imm(lengthReg(L), op.value, op.to));
        break;
      case 'goto':
        goto(g.em, op.to);
        break;
      case 'label':
        place(g.em, op.name);
        break;
      case 'glob':
        globOp(g, op, byteAt);
        break;
    }
}

/** full / front / end over a string of runtime length in register L (lowerRuntimeMatch); `byteAt(plusLen, k)`
 *  reads byte k (from L when plusLen). */
export function runtimeLenMatch(
  g: EbpfGen,
  p: StrPred,
  L: Reg,
  byteAt: (plusLen: boolean, k: number) => void,
  t: string,
  f: string,
): void {
  const ops = lowerRuntimeMatch(p, t, f, () => fresh(g.em));
  if (ops === undefined)
    throw new Unsupported(
      'string-match',
      `string match kind ${p.match} not supported by the eBPF target yet`,
    );
  emitStrOps(g, ops, (at, fromEnd) => byteAt(fromEnd, at), L);
}
