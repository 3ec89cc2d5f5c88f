// eBPF string loops over the per-CPU string buffer (map tfc_strbuf): copying a tracepoint __data_loc string in
// (one probe read, or byte by byte where it faults), its strnlen, and the substring search over it.
// Invariants: every loop is bounded (at most STRBUF_SIZE turns) and shaped so the verifier's pending-branch stack
// stays constant (conditional jumps go to the long path, windows compare branch-free); every exit leaves scratch
// registers and loop slots with fixed values (a value that differs per turn leaves through the map cell CELL), so
// the code after a loop is verified once; the verifier steps all loops of a program may cost are budgeted
// (LOOP_BUDGET), beyond it a diagnostic.
import {
  alu64,
  call,
  ja,
  jmp,
  ldImm64,
  ldMapFd,
  mem,
  mov,
  R0,
  R1,
  R2,
  R3,
  R4,
  R5,
  R7,
  R8,
  R9,
  R10,
  type Reg,
} from '@tfc/bpf/ebpf';
import type { Width } from '@tfc/ir';
import { type MapDef, Unsupported } from '../options.ts';
import { type EbpfGen, HELPER, LOOP_BUDGET, SCRATCH, STRBUF_MAP, STRBUF_SIZE, sizeName } from './context.ts';
import { fresh, goto, place, placeLoopHead, windowLoopHead } from './emitter.ts';

/** The map cell after the string bytes of the per-CPU buffer: a value that differs per loop iteration leaves
 *  the loop through it (the verifier does not track map contents), so every iteration reaches the exit in the
 *  same state and the code after a loop is verified once. */
export const CELL = STRBUF_SIZE;

/** The definition of tfc_strbuf: one per-CPU value of the string bytes and 8 bytes of cells beyond them. */
export const STRBUF_MAP_DEF: MapDef = {
  name: STRBUF_MAP,
  type: 'percpu_array',
  keySize: 4,
  valueSize: STRBUF_SIZE + 8,
  maxEntries: 1,
  entries: [],
};

/** R9 = this CPU's string buffer (map tfc_strbuf, 4,096 bytes); a failed lookup (never) goes to
 *  `fail`. Clobbers R0-R5. */
export function strbufToR9(g: EbpfGen, fail: string) {
  if (!g.maps.some((m) => m.name === STRBUF_MAP)) g.maps.push(STRBUF_MAP_DEF);
  g.e(mem.st('w', R10, -SCRATCH, 0));
  g.e(ldMapFd(R1, STRBUF_MAP));
  g.e(mov.reg(R2, R10));
  g.e(alu64.add.imm(R2, -SCRATCH));
  g.e(call(HELPER.mapLookup));
  g.e(jmp.jeq.imm(R0, 0, fail));
  g.e(mov.reg(R9, R0));
}

export function spendLoopBudget(g: EbpfGen, n: number) {
  g.loopBudget -= n;
  if (g.loopBudget < 0)
    throw new Unsupported(
      'verifier-budget',
      `string loops (substring search over __data_loc / char * strings) need about ${LOOP_BUDGET - g.loopBudget} verifier steps, more than the ${LOOP_BUDGET} this program may use`,
    );
}

/** Leaves a loop: scratch registers and loop slots get fixed values first, so every iteration
 *  reaches the exit with the same verifier state and later code is verified once, not per iteration. */
export function leaveLoop(g: EbpfGen, target: string) {
  for (const r of [R0, R1, R2, R3, R4, R5] as const) g.e(mov.imm(r, 0));
  g.e(mem.st('dw', R10, -16, 0));
  goto(g.em, target);
}

/** leaveLoop, also clearing R7/R8 (window pointer, scratch of the glob loops). */
export function leaveGlobLoop(g: EbpfGen, target: string) {
  g.e(mov.imm(R7, 0));
  g.e(mov.imm(R8, 0));
  leaveLoop(g, target);
}

export function leaveVia(g: EbpfGen, r: Reg, target: string) {
  g.e(mem.stx('dw', R9, CELL, r));
  leaveGlobLoop(g, target);
}

/** r = the cell's value, bounded for the verifier (a value above `bound` is impossible and goes to `no`). */
export function fromCell(g: EbpfGen, r: Reg, bound: number, no: string) {
  g.e(mem.ldx('dw', r, R9, CELL));
  g.e(jmp.jgt.imm(r, bound, no));
}

/** Substring search over R9[0, n) (n in R5, s in R4; no helper calls inside): windows s + plen <= n.
 *  Verifier-friendly shape: every conditional jump targets the long path (the loop) and falls
 *  through to a short one, and a window is compared branch-free (xor/or), so the verifier's stack of
 *  pending branches stays constant however many iterations it walks. */
export function bufferMiddle(g: EbpfGen, pat: readonly number[], bound: number, yes: string, no: string) {
  const plen = pat.length;
  spendLoopBudget(g, bound * (16 + 4 * Math.ceil(plen / 4)));
  g.e(mov.imm(R4, 0));
  const { head, next } = windowLoopHead(g.em, plen, bound, () => leaveLoop(g, no));
  g.e(mov.reg(R1, R9));
  g.e(alu64.add.reg(R1, R4));
  g.e(mov.imm(R2, 0));
  // Window bytes in 8/4/2/1-byte little-endian chunks (x86-64 and arm64 allow unaligned map reads).
  for (let j = 0; j < plen; ) {
    const w = plen - j >= 8 ? 8 : plen - j >= 4 ? 4 : plen - j >= 2 ? 2 : 1;
    let v = 0n;
    for (let b = w - 1; b >= 0; b--) v = (v << 8n) | BigInt(pat[j + b]!);
    g.e(mem.ldx(sizeName(w as Width), R0, R1, j));
    if (w === 8 || v > 0x7fffffffn) {
      g.e(ldImm64(R3, v));
      g.e(alu64.xor.reg(R0, R3));
    } else g.e(alu64.xor.imm(R0, Number(v)));
    g.e(alu64.or.reg(R2, R0));
    j += w;
  }
  g.e(jmp.jne.imm(R2, 0, next));
  leaveLoop(g, yes);
  place(g.em, next);
  g.e(alu64.add.imm(R4, 1));
  g.e(ja(head));
  g.em.dead = true;
}

/** middle on a tracepoint __data_loc string: R7 = ctx + start, R8 = len, fp-8 = start. The first
 *  n = min(len, 4096 - start) bytes are copied into the buffer (one probe read, or byte by byte
 *  when it faults so that bytes outside the record read 0), then searched; windows past n reach
 *  beyond any record (<= 4,096 bytes), whose bytes read 0 and never match a pattern. */
/** Copies the first n = min(len, 4096 - start) bytes of a tracepoint __data_loc string (R7 = ctx + start,
 *  R8 = len, fp-8 = start) into the buffer R9 (one probe read, or byte by byte when it faults so that bytes
 *  outside the record read 0) and leaves n in fp-24; bytes past n are beyond any record (<= 4,096 bytes) and
 *  read 0. A start past the buffer goes to `beyond`, or with `emptyBeyond` copies nothing (n = 0). */
export function dataLocCopy(g: EbpfGen, beyond: string, emptyBeyond: boolean) {
  const empty = emptyBeyond ? fresh(g.em) : beyond;
  g.e(mem.ldx('dw', R1, R10, -8));
  g.e(jmp.jge.imm(R1, STRBUF_SIZE, empty));
  g.e(mov.imm(R3, STRBUF_SIZE));
  g.e(alu64.sub.reg(R3, R1));
  g.e(mov.reg(R2, R8));
  const ok = fresh(g.em);
  g.e(jmp.jle.reg(R2, R3, ok));
  g.e(mov.reg(R2, R3));
  place(g.em, ok);
  g.e(jmp.jgt.imm(R2, STRBUF_SIZE, beyond));
  g.e(mem.stx('dw', R10, -24, R2));
  g.e(mov.reg(R1, R9));
  g.e(mov.reg(R3, R7));
  g.e(call(HELPER.probeReadKernel));
  const copied = fresh(g.em);
  const bytewise = fresh(g.em);
  g.e(jmp.jne.imm(R0, 0, bytewise));
  leaveLoop(g, copied);
  place(g.em, bytewise);
  // Byte by byte: a fault zeroes just that byte.
  spendLoopBudget(g, STRBUF_SIZE * 20);
  g.e(mem.st('dw', R10, -16, 0));
  const loop = placeLoopHead(g.em);
  const more = fresh(g.em);
  const inBuf = fresh(g.em);
  g.e(mem.ldx('dw', R1, R10, -16));
  g.e(mem.ldx('dw', R2, R10, -24));
  g.e(jmp.jlt.reg(R1, R2, more));
  leaveLoop(g, copied);
  place(g.em, more);
  g.e(jmp.jle.imm(R1, STRBUF_SIZE - 1, inBuf));
  leaveLoop(g, copied);
  place(g.em, inBuf);
  g.e(mov.reg(R3, R7));
  g.e(alu64.add.reg(R3, R1));
  g.e(alu64.add.reg(R1, R9));
  g.e(mov.imm(R2, 1));
  g.e(call(HELPER.probeReadKernel));
  g.e(mem.ldx('dw', R1, R10, -16));
  g.e(alu64.add.imm(R1, 1));
  g.e(mem.stx('dw', R10, -16, R1));
  g.e(ja(loop));
  g.em.dead = true;
  if (emptyBeyond) {
    place(g.em, empty);
    g.e(mem.st('dw', R10, -24, 0));
    leaveLoop(g, copied);
  }
  place(g.em, copied);
}

/** After dataLocCopy: m = strnlen(buffer, n) by a bounded loop (the string ends at its first NUL or at
 *  n) into fp-32. */
export function copiedStrlen(g: EbpfGen, no: string) {
  spendLoopBudget(g, STRBUF_SIZE * 14);
  g.e(mem.ldx('dw', R5, R10, -24));
  g.e(mov.imm(R4, 0));
  const head = placeLoopHead(g.em);
  const more = fresh(g.em);
  const inBuf = fresh(g.em);
  const next = fresh(g.em);
  const found = fresh(g.em);
  g.e(jmp.jlt.reg(R4, R5, more));
  leaveVia(g, R4, found);
  place(g.em, more);
  g.e(jmp.jle.imm(R4, STRBUF_SIZE - 1, inBuf));
  leaveVia(g, R4, found);
  place(g.em, inBuf);
  g.e(mov.reg(R1, R9));
  g.e(alu64.add.reg(R1, R4));
  g.e(mem.ldx('b', R0, R1, 0));
  g.e(jmp.jne.imm(R0, 0, next));
  leaveVia(g, R4, found);
  place(g.em, next);
  g.e(alu64.add.imm(R4, 1));
  g.e(ja(head));
  g.em.dead = true;
  place(g.em, found);
  fromCell(g, R1, STRBUF_SIZE, no);
  g.e(mem.stx('dw', R10, -32, R1));
}
