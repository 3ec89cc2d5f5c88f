// eBPF glob_match over a string in a buffer (a copied __data_loc or char * string of runtime length m): the
// pattern's segments between stars (glob-segments.ts), the first anchored at 0, each middle one at its leftmost
// place by a bounded loop, the last one ending at m.
// Invariants: a window is compared branch-free (xor for bytes, sign bits for class ranges), as the loops need;
// loop exits go through the buffer's cell (string-buffer.ts); the loops' verifier cost is budgeted.
import { alu64, ja, jmp, mem, mov, R0, R1, R2, R3, R4, R5, R7, R8, R9, R10, type Reg } from '@tfc/bpf/ebpf';
import type { StrPred } from '@tfc/ir';
import { type GlobElement, type GlobSegments, globSegments } from '../glob-segments.ts';
import { Unsupported } from '../options.ts';
import type { EbpfGen } from './context.ts';
import { fresh, goto, place, windowLoopHead } from './emitter.ts';
import { fromCell, leaveGlobLoop, leaveVia, spendLoopBudget } from './string-buffer.ts';

/** R2 |= mismatch of segment `seg` at the window starting at register W (bytes W[0, |seg|), all inside the
 *  string, so none is NUL): branch-free (xor for bytes, sign bits of c - a and b - c for class ranges), as
 *  the loops need. Clobbers R0, R1, R3 and `tmp` (R8). */
export function windowMismatch(g: EbpfGen, seg: readonly GlobElement[], W: Reg, tmp: Reg = R8) {
  seg.forEach((el, j) => {
    if (el.kind === 'any') return;
    g.e(mem.ldx('b', R0, W, j));
    if (el.kind === 'byte') {
      g.e(alu64.xor.imm(R0, el.value));
      g.e(alu64.or.reg(R2, R0));
      return;
    }
    // outside every range: AND over ranges of ((c - a) | (b - c)) >> 63
    g.e(mov.imm(tmp, 1));
    for (const [a, b] of el.ranges) {
      g.e(mov.reg(R1, R0));
      g.e(alu64.sub.imm(R1, a));
      g.e(mov.imm(R3, b));
      g.e(alu64.sub.reg(R3, R0));
      g.e(alu64.or.reg(R1, R3));
      g.e(alu64.rsh.imm(R1, 63));
      g.e(alu64.and.reg(tmp, R1));
    }
    if (el.inverted) g.e(alu64.xor.imm(tmp, 1));
    g.e(alu64.or.reg(R2, tmp));
  });
}

/** glob over the string R9[0, m), m in fp-32 (at most `bound`): S0 at 0, each middle segment at its leftmost
 *  place (a bounded loop per segment, its end carried out through the cell), the last segment ending at m
 *  (glob-segments.ts). Positions in fp-40. */
export function bufferGlob(g: EbpfGen, segs: GlobSegments, bound: number, yes: string, no: string) {
  const first = segs[0]!;
  g.e(mem.ldx('dw', R5, R10, -32));
  if (segs.length === 1) {
    g.e(jmp.jne.imm(R5, first.length, no));
    g.e(mov.imm(R2, 0));
    windowMismatch(g, first, R9);
    g.e(jmp.jne.imm(R2, 0, no));
    goto(g.em, yes);
    return;
  }
  if (first.length > 0) {
    g.e(jmp.jlt.imm(R5, first.length, no));
    g.e(mov.imm(R2, 0));
    windowMismatch(g, first, R9);
    g.e(jmp.jne.imm(R2, 0, no));
  }
  g.e(mem.st('dw', R10, -40, first.length));
  for (const seg of segs.slice(1, -1)) {
    if (seg.length === 0) continue;
    const n = seg.length;
    if (n > bound) {
      goto(g.em, no);
      return;
    }
    spendLoopBudget(
      g,
      bound * (14 + 3 * n + 7 * seg.reduce((k, el) => k + (el.kind === 'class' ? el.ranges.length : 0), 0)),
    );
    g.e(mem.ldx('dw', R4, R10, -40));
    g.e(mem.ldx('dw', R5, R10, -32));
    const { head, next } = windowLoopHead(g.em, n, bound, () => leaveGlobLoop(g, no));
    const found = fresh(g.em);
    g.e(mov.reg(R7, R9));
    g.e(alu64.add.reg(R7, R4));
    g.e(mov.imm(R2, 0));
    windowMismatch(g, seg, R7);
    g.e(jmp.jne.imm(R2, 0, next));
    g.e(mov.reg(R1, R4));
    g.e(alu64.add.imm(R1, n));
    leaveVia(g, R1, found);
    place(g.em, next);
    g.e(alu64.add.imm(R4, 1));
    g.e(ja(head));
    g.em.dead = true;
    place(g.em, found);
    fromCell(g, R1, bound, no);
    g.e(mem.stx('dw', R10, -40, R1));
  }
  const last = segs[segs.length - 1]!;
  if (last.length === 0) {
    goto(g.em, yes);
    return;
  }
  g.e(mem.ldx('dw', R1, R10, -32));
  g.e(jmp.jgt.imm(R1, bound, no));
  g.e(jmp.jlt.imm(R1, last.length, no));
  g.e(alu64.sub.imm(R1, last.length));
  g.e(mem.ldx('dw', R2, R10, -40));
  g.e(jmp.jlt.reg(R1, R2, no));
  g.e(mov.reg(R7, R9));
  g.e(alu64.add.reg(R7, R1));
  g.e(mov.imm(R2, 0));
  windowMismatch(g, last, R7);
  g.e(jmp.jne.imm(R2, 0, no));
  goto(g.em, yes);
}

export function globSegmentsOf(p: StrPred, what: string): GlobSegments {
  const segs = globSegments([...p.pattern].map((c) => c.charCodeAt(0) & 0xff));
  if (segs === undefined)
    throw new Unsupported(
      'string-match',
      `glob patterns ending in a backslash are not supported on ${what} strings by the eBPF target`,
    );
  return segs;
}
