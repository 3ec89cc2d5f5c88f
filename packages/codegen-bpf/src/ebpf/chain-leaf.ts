// eBPF protochain walks (the IR's `chain` leaf: libpcap's header-walk loop, @tfc/ir chain.ts) as a may_goto loop.
// Why may_goto with the state in map cells: the walk takes up to `bound` (32,768) steps, and a counter-bounded loop
// is walked by the verifier turn by turn (its per-turn cost times 32,768 passes the 1,000,000-instruction budget).
// At the loop head every live register holds the same value on each visit (ctx, packet pointers or the skb
// record, the buffer pointer in R9) and A, X and the step count are read back from cells of the per-CPU map value
// tfc_strbuf, which the verifier does not track, so the loop is verified in about two turns (as frame-string.ts).
// Turns: a leaf takes at most bound + 1 turns and a program's chain and frame-string leaves together stay within
// the kernel's may_goto budget (BPF_MAX_LOOPS, 8,388,608 turns per run), else a diagnostic; were it ever
// exhausted, the leaf aborts (the packet is rejected), never a made-up verdict.
// Invariants: semantics are chain.ts's: both bytes of a step are read before the next test, any read past the
// packet's end (or past MAX_PKT_OFF, or the skb context's snaplen) aborts, a walk past `bound` steps aborts; the
// packet bytes are read as every other packet load is (loads.ts: data_end guard, bpf_skb_load_bytes, the skb
// record). Clobbers R0-R5 and R9.
// Without may_goto (BpfFeatures.mayGoto false: kernels before 6.9) the walk is unrolled as cbpf/chain-leaf.ts
// unrolls it: min(CBPF_CHAIN_DEPTH, bound) steps of the same code, each test falling into the next step (code linear
// in the depth, no loop for the verifier to walk); a walk still going after them aborts — the documented cBPF limit.
import { alu64, ja, jmp, mayGoto, mem, R0, R1, R4, R5, R9 } from '@tfc/bpf/ebpf';
import type { ChainPred } from '@tfc/ir';
import { CHAIN_AH_PROTO, CHAIN_EXT6 } from '@tfc/ir';
import { CBPF_CHAIN_DEPTH } from '../cbpf/chain-leaf.ts';
import { MAX_PKT_OFF } from '../lower/access.ts';
import { Unsupported } from '../options.ts';
import type { EbpfGen } from './context.ts';
import { fresh, goto, place, placeLoopHead } from './emitter.ts';
import { LEAF_TURNS, MAY_GOTO_BUDGET } from './frame-string.ts';
import { load, readAtR0 } from './loads.ts';
import { strbufToR9 } from './string-buffer.ts';

/** Buffer cells (offsets into the tfc_strbuf value): A, X, the steps taken, whether A is AH. */
const CA = 0;
const CX = 8;
const CN = 16;
const CAH = 24;

/** Counts the leaf's turns against the may_goto budget shared with frame-string loops. */
function countTurns(g: EbpfGen, p: ChainPred) {
  g.chainTurns += p.bound + 1;
  const total = g.chainTurns + g.frameLoops * LEAF_TURNS;
  if (total > MAY_GOTO_BUDGET)
    throw new Unsupported(
      'loop-budget',
      `protochain walks and frame string loops could take ${total.toLocaleString('en-US')} turns in one run, beyond the kernel's may_goto budget (${MAY_GOTO_BUDGET.toLocaleString('en-US')} turns)`,
    );
}

/** R0 = the packet byte at X + `k` (X read from its cell); out of bounds → `a`. */
function byteAtX(g: EbpfGen, k: number, a: string) {
  g.e(mem.ldx('dw', R0, R9, CX));
  readAtR0(g, k, MAX_PKT_OFF - 1 - k, 1, a);
}

/** The walk's start: A and X into their cells, no step taken. */
function start(g: EbpfGen, p: ChainPred, a: string) {
  const n = p.net;
  const byte = (offset: number) =>
    load(g, { kind: 'load', base: 'packet', offset, width: 1, order: 'le', signed: false }, a);
  byte(n + (p.family === 'ip' ? 9 : 6));
  g.e(mem.stx('dw', R9, CA, R0));
  if (p.family === 'ip') {
    byte(n);
    g.e(alu64.and.imm(R0, 0xf));
    g.e(alu64.lsh.imm(R0, 2));
    g.e(mem.stx('dw', R9, CX, R0));
  } else g.e(mem.st('dw', R9, CX, 40));
  g.e(mem.st('dw', R9, CN, 0));
}

/** One step over the header at X (the AH flag in its cell): A' = P[net + X], X' from P[net + X + 1]; then back to
 *  `head` (the loop, counting steps against the bound) or on into the next unrolled test (`head` undefined). */
function step(g: EbpfGen, p: ChainPred, head: string | undefined, a: string) {
  const n = p.net;
  if (head !== undefined) {
    g.e(mem.ldx('dw', R1, R9, CN));
    g.e(jmp.jge.imm(R1, p.bound, a));
    g.e(alu64.add.imm(R1, 1));
    g.e(mem.stx('dw', R9, CN, R1));
  }
  byteAtX(g, n, a);
  g.e(mem.stx('dw', R9, CA, R0));
  byteAtX(g, n + 1, a);
  g.e(mem.ldx('dw', R5, R9, CAH));
  const ah = fresh(g.em);
  const store = fresh(g.em);
  g.e(jmp.jne.imm(R5, 0, ah));
  g.e(alu64.add.imm(R0, 1));
  g.e(alu64.lsh.imm(R0, 3));
  g.e(mem.ldx('dw', R1, R9, CX));
  g.e(alu64.add.reg(R0, R1));
  goto(g.em, store);
  place(g.em, ah);
  g.e(alu64.add.imm(R0, 2));
  g.e(alu64.lsh.imm(R0, 2));
  if (p.ah === 'advance') {
    g.e(mem.ldx('dw', R1, R9, CX));
    g.e(alu64.add.reg(R0, R1));
  }
  place(g.em, store);
  g.e(mem.stx('dw', R9, CX, R0));
  if (head === undefined) return;
  g.e(ja(head));
  g.em.dead = true;
}

/** The test at the walk's current header: A = proto → t; an extension header or AH (its flag stored) → the step
 *  that follows, or `a` on the last unrolled test (`last`); anything else → f. */
function test(g: EbpfGen, p: ChainPred, t: string, f: string, a: string, last: boolean) {
  g.e(mem.ldx('dw', R4, R9, CA));
  if (p.proto <= 0xff) g.e(jmp.jeq.imm(R4, p.proto, t));
  const ext = last ? a : fresh(g.em);
  const ah = last ? a : fresh(g.em);
  if (p.family === 'ip6') for (const x of CHAIN_EXT6) g.e(jmp.jeq.imm(R4, x, ext));
  g.e(jmp.jeq.imm(R4, CHAIN_AH_PROTO, ah));
  goto(g.em, f);
  if (last) return;
  const walk = fresh(g.em);
  place(g.em, ext);
  g.e(mem.st('dw', R9, CAH, 0));
  goto(g.em, walk);
  place(g.em, ah);
  g.e(mem.st('dw', R9, CAH, 1));
  place(g.em, walk);
}

/** The `chain` leaf: true → t, false → f, abort → a; a may_goto loop, or unrolled without may_goto. */
export function chainLeaf(g: EbpfGen, p: ChainPred, t: string, f: string, a: string): void {
  const loop = g.o.bpfFeatures.mayGoto;
  if (loop) countTurns(g, p);
  strbufToR9(g, a);
  start(g, p, a);
  if (!loop) {
    const depth = Math.min(CBPF_CHAIN_DEPTH, p.bound);
    for (let k = 0; k < depth; k++) {
      test(g, p, t, f, a, false);
      step(g, p, undefined, a);
    }
    test(g, p, t, f, a, true);
    return;
  }
  const head = placeLoopHead(g.em);
  g.e(mayGoto(a));
  test(g, p, t, f, a, false);
  step(g, p, head, a);
}
