// eBPF middle and glob on __data_loc / __rel_loc strings inside trace frames (socket, tc, xdp): loops over the
// string where it lies in the packet, of any length the frame allows (up to 65,535 bytes).
// Why may_goto loops: a frame's string can be far longer than the per-CPU buffer, and a classic bounded loop is
// walked by the verifier turn by turn (65,535 turns do not fit its budget). A loop whose head is `may_goto` and
// whose per-turn state lives where the verifier does not track it (cells of the per-CPU map value tfc_strbuf) is
// verified in about two turns: at the head every live register holds the same value on each visit (ctx, data,
// data_end, the buffer pointer) and the loop counter is read back from its cell. The kernel's may_goto budget
// (BPF_MAX_LOOPS, 8,388,608 turns per run; on JITs a 250 ms slice) is never exhausted: a leaf takes at most
// LEAF_TURNS turns and a program at most FRAME_LOOP_LEAVES such leaves (beyond: a diagnostic); were it ever
// exhausted, the leaf aborts (the packet is rejected), never a made-up verdict. Without may_goto (BpfFeatures.mayGoto
// false, kernels before 6.9) such a leaf is refused by name (diagnostic `needs-may-goto`).
// Windows are read from copies of up to CHUNK frame bytes in the buffer (socket: bpf_skb_load_bytes, refilled when
// a window leaves the last copy) or by direct packet access behind a data_end guard (tc, xdp), so every read is
// bounds-checked as the verifier requires.
// Invariants: on entry the caller has checked that [S, S + L) lies inside the packet (S absolute, L = loc >> 16)
// and left S in R7 and L in R8 (socket) or S in R5 and L in R9 (direct); semantics are the IR's (strmatch.ts):
// middle = strnstr over L bytes (NUL does not stop it), with L = 0 strstr over the NUL-terminated bytes at S
// whose NUL must lie inside the frame (else abort); glob = glob_match over the bytes up to the first NUL or L,
// and "" when L = 0. Stack: fp-8 = S, fp-16 = L (or the length searched). Clobbers R0-R5 (and R7, R8, R9 in
// socket programs, R9 in direct ones).
import {
  alu64,
  call,
  ja,
  jmp,
  ldImm64,
  mayGoto,
  mem,
  mov,
  R0,
  R1,
  R2,
  R3,
  R4,
  R5,
  R6,
  R7,
  R8,
  R9,
  R10,
  type Reg,
} from '@tfc/bpf/ebpf';
import type { StrPred, Width } from '@tfc/ir';
import { globMatch } from '@tfc/ir';
import type { GlobSegments } from '../glob-segments.ts';
import { MAX_PKT_OFF } from '../lower/access.ts';
import { Unsupported } from '../options.ts';
import { type EbpfGen, HELPER, sizeName } from './context.ts';
import { fresh, goto, place, placeLoopHead } from './emitter.ts';
import { strbufToR9 } from './string-buffer.ts';
import { globSegmentsOf, windowMismatch } from './string-glob-loop.ts';

const patternBytes = (s: string) => Uint8Array.from([...s].map((c) => c.charCodeAt(0) & 0xff));

/** Buffer cells (offsets into the tfc_strbuf value): the loop counter, the glob position, the copied window. */
const POS = 0;
const SEG = 8;
/** Socket programs: the frame offset and length of the bytes copied to WIN (a window inside them is read there). */
const CB = 16;
const CL = 24;
const WIN = 64;
/** The most bytes one copy brings into the buffer (up to the frame's end). */
const CHUNK = 4032;
/** The longest string a frame can carry: its length is 16 bits. */
const MAX_LEN = 0xffff;
/** Turns one leaf's loops may take: a NUL scan and one search (glob: segment searches advance monotonically). */
export const LEAF_TURNS = 2 * (MAX_LEN + 1) + 256;
/** The kernel's may_goto budget per run (BPF_MAX_LOOPS). */
export const MAY_GOTO_BUDGET = 8 * 1024 * 1024;
/** Frame string loops one program may hold: their worst case (7 × LEAF_TURNS = 919,296 turns) stays within the
 *  may_goto budget, and within the JIT's 250 ms slice even at 100 ns a turn (~10 ns measured, README). */
export const FRAME_LOOP_LEAVES = 7;

function countLoopLeaf(g: EbpfGen) {
  if (!g.o.bpfFeatures.mayGoto)
    throw new Unsupported(
      'needs-may-goto',
      'a middle/glob match on a __data_loc string in a trace frame needs may_goto (Linux 6.9+), which the target kernel lacks (its loop has no bounded form); match the whole string, its start or its end, or use the tracepoint context',
    );
  g.frameLoops++;
  if (g.frameLoops > FRAME_LOOP_LEAVES || g.frameLoops * LEAF_TURNS + g.chainTurns > MAY_GOTO_BUDGET)
    throw new Unsupported(
      'loop-budget',
      `more than ${FRAME_LOOP_LEAVES} middle/glob matches on __data_loc strings in one frame program: their loops could take ${(g.frameLoops * LEAF_TURNS).toLocaleString('en-US')} turns on long strings, beyond the kernel's may_goto budget (${MAY_GOTO_BUDGET.toLocaleString('en-US')} turns, 250 ms on JITs)`,
    );
}

/** Spills S and L from the caller's registers, gets the buffer into R9. */
function enter(g: EbpfGen, S: Reg, L: Reg, a: string) {
  countLoopLeaf(g);
  g.e(mem.stx('dw', R10, -8, S));
  g.e(mem.stx('dw', R10, -16, L));
  strbufToR9(g, a);
  if (!g.direct) g.e(mem.st('dw', R9, CL, 0));
}

/** The head of a frame loop whose counter (cell POS) starts at `from` (an immediate, or a register's value);
 *  R4 = the counter, at most MAX_LEN + 1 (a larger value is impossible and aborts). Returns the head label. */
function loopHead(g: EbpfGen, a: string, from: { readonly imm: number } | { readonly reg: Reg }): string {
  if ('imm' in from) g.e(mem.st('dw', R9, POS, from.imm));
  else g.e(mem.stx('dw', R9, POS, from.reg));
  const head = placeLoopHead(g.em);
  g.e(mayGoto(a));
  g.e(mem.ldx('dw', R4, R9, POS));
  g.e(jmp.jgt.imm(R4, MAX_LEN + 1, a));
  return head;
}

/** Next turn: counter + 1, back to the head. */
function loopNext(g: EbpfGen, head: string) {
  g.e(mem.ldx('dw', R4, R9, POS));
  g.e(alu64.add.imm(R4, 1));
  g.e(mem.stx('dw', R9, POS, R4));
  g.e(ja(head));
  g.em.dead = true;
}

/** R4 = a pointer to the n string bytes at string offset `off` (a register, at most MAX_LEN + 1): in the packet
 *  behind a data_end guard (direct), or in the buffer (socket: the bytes copied last, cells CB/CL, when they hold
 *  the window, else a copy of up to CHUNK bytes from the window's start to the frame's end); bytes past the frame's
 *  end abort. Clobbers R0-R5. */
function windowAt(g: EbpfGen, off: Reg, n: number, a: string) {
  g.e(mem.ldx('dw', R2, R10, -8));
  g.e(jmp.jgt.imm(R2, MAX_PKT_OFF, a));
  g.e(alu64.add.reg(R2, off));
  g.e(jmp.jgt.imm(R2, MAX_PKT_OFF - n, a));
  if (g.direct) {
    g.e(mov.reg(R4, R7));
    g.e(alu64.add.reg(R4, R2));
    g.e(mov.reg(R3, R4));
    g.e(alu64.add.imm(R3, n));
    g.e(jmp.jgt.reg(R3, R8, a));
    return;
  }
  const refill = fresh(g.em);
  const hit = fresh(g.em);
  // In the copy? R1 = R2 - CB, the window [R1, R1 + n) inside [0, CL).
  g.e(mem.ldx('dw', R3, R9, CB));
  g.e(jmp.jlt.reg(R2, R3, refill));
  g.e(mov.reg(R1, R2));
  g.e(alu64.sub.reg(R1, R3));
  g.e(jmp.jgt.imm(R1, CHUNK - n, refill));
  g.e(mov.reg(R0, R1));
  g.e(alu64.add.imm(R0, n));
  g.e(mem.ldx('dw', R5, R9, CL));
  g.e(jmp.jgt.reg(R0, R5, refill));
  g.e(mov.reg(R4, R9));
  g.e(alu64.add.reg(R4, R1));
  g.e(alu64.add.imm(R4, WIN));
  goto(g.em, hit);
  place(g.em, refill);
  // Copy min(len - R2, CHUNK) bytes from R2; fewer than n before the frame's end abort.
  g.e(mem.ldx('w', R3, R6, 0));
  g.e(mov.reg(R0, R2));
  g.e(alu64.add.imm(R0, n));
  g.e(jmp.jgt.reg(R0, R3, a));
  g.e(mov.reg(R4, R3));
  g.e(alu64.sub.reg(R4, R2));
  const fits = fresh(g.em);
  g.e(jmp.jle.imm(R4, CHUNK, fits));
  g.e(mov.imm(R4, CHUNK));
  place(g.em, fits);
  g.e(jmp.jlt.imm(R4, n, a));
  g.e(mem.stx('dw', R9, CB, R2));
  g.e(mem.stx('dw', R9, CL, R4));
  g.e(mov.reg(R1, R6));
  g.e(mov.reg(R3, R9));
  g.e(alu64.add.imm(R3, WIN));
  g.e(call(HELPER.skbLoadBytes));
  g.e(jmp.jne.imm(R0, 0, a));
  g.e(mov.reg(R4, R9));
  g.e(alu64.add.imm(R4, WIN));
  place(g.em, hit);
}

/** fp-16 = the string's length up to its first NUL: with `bounded`, strnlen over L = fp-16 bytes; else strlen
 *  of the NUL-terminated bytes at S, whose NUL must lie inside the frame (a read past its end aborts). */
function scanNul(g: EbpfGen, bounded: boolean, a: string) {
  const found = fresh(g.em);
  const more = fresh(g.em);
  const head = loopHead(g, a, { imm: 0 });
  if (bounded) {
    g.e(mem.ldx('dw', R1, R10, -16));
    g.e(jmp.jlt.reg(R4, R1, more));
    goto(g.em, found);
    place(g.em, more);
  }
  windowAt(g, R4, 1, a);
  g.e(mem.ldx('b', R0, R4, 0));
  const next = fresh(g.em);
  g.e(jmp.jne.imm(R0, 0, next));
  goto(g.em, found);
  place(g.em, next);
  loopNext(g, head);
  place(g.em, found);
  g.e(mem.ldx('dw', R4, R9, POS));
  g.e(jmp.jgt.imm(R4, MAX_LEN + 1, a));
  g.e(mem.stx('dw', R10, -16, R4));
}

/** R2 = 0 iff the window at R4 equals `pat` (chunks of 8/4/2/1 bytes, little-endian, branch-free). */
function patternMismatch(g: EbpfGen, pat: readonly number[]) {
  g.e(mov.imm(R2, 0));
  for (let j = 0; j < pat.length; ) {
    const w = pat.length - j >= 8 ? 8 : pat.length - j >= 4 ? 4 : pat.length - j >= 2 ? 2 : 1;
    let v = 0n;
    for (let b = w - 1; b >= 0; b--) v = (v << 8n) | BigInt(pat[j + b]!);
    g.e(mem.ldx(sizeName(w as Width), R0, R4, j));
    if (w === 8 || v > 0x7fffffffn) {
      g.e(ldImm64(R3, v));
      g.e(alu64.xor.reg(R0, R3));
    } else g.e(alu64.xor.imm(R0, Number(v)));
    g.e(alu64.or.reg(R2, R0));
    j += w;
  }
}

/** middle on a frame's __data_loc string (see the header). */
export function frameMiddle(g: EbpfGen, p: StrPred, S: Reg, L: Reg, t: string, f: string, a: string) {
  const pat = [...patternBytes(p.pattern)];
  const plen = pat.length;
  const yes = p.negate ? f : t;
  const no = p.negate ? t : f;
  if (plen === 0) {
    goto(g.em, yes);
    return;
  }
  enter(g, S, L, a);
  const counted = fresh(g.em);
  g.e(mem.ldx('dw', R1, R10, -16));
  g.e(jmp.jne.imm(R1, 0, counted));
  scanNul(g, false, a);
  place(g.em, counted);
  // Windows s + plen <= n: strnstr over n bytes (after a NUL scan: the NUL-free prefix, which is strstr).
  const head = loopHead(g, a, { imm: 0 });
  const inRange = fresh(g.em);
  g.e(mov.reg(R1, R4));
  g.e(alu64.add.imm(R1, plen));
  g.e(mem.ldx('dw', R2, R10, -16));
  g.e(jmp.jle.reg(R1, R2, inRange));
  goto(g.em, no);
  place(g.em, inRange);
  windowAt(g, R4, plen, a);
  patternMismatch(g, pat);
  const next = fresh(g.em);
  g.e(jmp.jne.imm(R2, 0, next));
  goto(g.em, yes);
  place(g.em, next);
  loopNext(g, head);
}

/** Segment `seg` compared at string offset `off` (a register): R2 = 0 iff it matches. Clobbers R0-R5. */
function segmentMismatch(g: EbpfGen, seg: GlobSegments[number], off: Reg, a: string) {
  windowAt(g, off, seg.length, a);
  g.e(mov.imm(R2, 0));
  windowMismatch(g, seg, R4, R5);
}

/** glob on a frame's __data_loc string (see the header): m = strnlen(data, L), then the segments between stars
 *  (glob-segments.ts): the first anchored at 0, each middle one at its leftmost place at or after the end of the
 *  previous one (cell SEG), the last ending at m. */
export function frameGlob(g: EbpfGen, p: StrPred, S: Reg, L: Reg, t: string, f: string, a: string) {
  const segs = globSegmentsOf(p, '__data_loc');
  const yes = p.negate ? f : t;
  const no = p.negate ? t : f;
  // L = 0: glob sees "" (the 2026 bound), a constant once the offset is known to be inside the frame.
  const counted = fresh(g.em);
  g.e(jmp.jne.imm(L, 0, counted));
  goto(g.em, globMatch(patternBytes(p.pattern), new Uint8Array(0)) ? yes : no);
  place(g.em, counted);
  enter(g, S, L, a);
  scanNul(g, true, a);
  const first = segs[0]!;
  const m = () => g.e(mem.ldx('dw', R1, R10, -16));
  if (segs.length === 1) {
    m();
    g.e(jmp.jne.imm(R1, first.length, no));
    if (first.length > 0) {
      g.e(mov.imm(R1, 0));
      segmentMismatch(g, first, R1, a);
      g.e(jmp.jne.imm(R2, 0, no));
    }
    goto(g.em, yes);
    return;
  }
  if (first.length > 0) {
    m();
    g.e(jmp.jlt.imm(R1, first.length, no));
    g.e(mov.imm(R1, 0));
    segmentMismatch(g, first, R1, a);
    g.e(jmp.jne.imm(R2, 0, no));
  }
  g.e(mem.st('dw', R9, SEG, first.length));
  for (const seg of segs.slice(1, -1)) {
    if (seg.length === 0) continue;
    const n = seg.length;
    g.e(mem.ldx('dw', R1, R9, SEG));
    const head = loopHead(g, a, { reg: R1 });
    const inRange = fresh(g.em);
    g.e(mem.ldx('dw', R2, R10, -16));
    g.e(mov.reg(R1, R4));
    g.e(alu64.add.imm(R1, n));
    g.e(jmp.jle.reg(R1, R2, inRange));
    goto(g.em, no);
    place(g.em, inRange);
    segmentMismatch(g, seg, R4, a);
    const next = fresh(g.em);
    g.e(jmp.jne.imm(R2, 0, next));
    g.e(mem.ldx('dw', R1, R9, POS));
    g.e(alu64.add.imm(R1, n));
    g.e(mem.stx('dw', R9, SEG, R1));
    const found = fresh(g.em);
    goto(g.em, found);
    place(g.em, next);
    loopNext(g, head);
    place(g.em, found);
  }
  const last = segs[segs.length - 1]!;
  if (last.length === 0) {
    goto(g.em, yes);
    return;
  }
  m();
  g.e(jmp.jlt.imm(R1, last.length, no));
  g.e(alu64.sub.imm(R1, last.length));
  g.e(mem.ldx('dw', R2, R9, SEG));
  g.e(jmp.jlt.reg(R1, R2, no));
  g.e(jmp.jgt.imm(R1, MAX_LEN + 1, a));
  segmentMismatch(g, last, R1, a);
  g.e(jmp.jne.imm(R2, 0, no));
  goto(g.em, yes);
}
