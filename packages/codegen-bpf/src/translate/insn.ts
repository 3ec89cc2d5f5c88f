// The classic-to-eBPF translation of one instruction (cbpf-to-ebpf.ts), the way the kernel runs classic programs
// (net/core/filter.c bpf_convert_filter): one case per classic instruction kind, plus the little-endian field
// assembly of the classic generator as one load. Bounds are not decided here: a load's guard is the plan's
// (guards.ts).
// Invariants: ALU is 32-bit and jumps are JMP32 on w0; packet loads are LD_ABS/LD_IND ('ld-abs'), reads of the
// socket filter's stack copy, or direct loads after a bounds check ('direct'); the classic returns become
// onMatch / onMiss ('direct') or stay ('ld-abs'); false where the program cannot be translated.
import type { Insn as CInsn, JmpCond } from '@tfc/bpf/cbpf';
import {
  alu32,
  alu64,
  exit,
  type Insn,
  ja,
  jmp,
  jmp32,
  mem,
  mov,
  R1,
  R2,
  R3,
  R6,
  R7,
  R8,
  type R9,
  R10,
  toBe,
} from '@tfc/bpf/ebpf';
import { MAX_PKT_OFF } from '../lower/access.ts';
import { metaOfAncillary, packetMetaField } from '../lower/packet-meta.ts';
import { BYTES_OF } from './analysis.ts';
import { A, directLoad, emitInsn, guard, inSpan, labelOf, slot, type Translation, toDiv0 } from './state.ts';

/** The classic generator's little-endian field assembly of bytes [k, k+n): one load and a byte swap (same
 *  bounds: the classic form reads the highest byte first). */
export function leLoad(t: Translation, le: { k: number; n: 2 | 4 }, i: number): void {
  const e = (i: Insn) => emitInsn(t, i);
  const size = le.n === 2 ? 'h' : 'w';
  if (t.direct) {
    if (guard(t, i)) {
      // little-endian bytes in a little-endian register: already the value
      if (le.k <= 0x7fff) e(mem.ldx(size, A, R7, le.k));
      else {
        e(mov.reg(R3, R7));
        e(alu64.add.imm(R3, le.k));
        e(mem.ldx(size, A, R3, 0));
      }
    }
  } else if (inSpan(t, le.k, le.n)) e(mem.ldx(size, A, R10, le.k - t.spanAt));
  else {
    e(mem.ldAbs(size, le.k));
    e(toBe(A, le.n === 2 ? 16 : 32));
  }
}

function ldInd(t: Translation, c: Extract<CInsn, { kind: 'ld_ind' }>): void {
  const e = (i: Insn) => emitInsn(t, i);
  if (!t.direct) {
    e(mem.ldInd(c.size, t.X, c.offset));
    return;
  }
  const limit = MAX_PKT_OFF - c.offset - BYTES_OF[c.size];
  const div0 = toDiv0(t);
  if (limit < 0) {
    e(ja(div0));
    return;
  }
  // X from `ldx 4*([k]&0xf)` is at most 60, and the verifier knows it too.
  if (t.xMax === undefined || t.xMax > limit) e(jmp32.jgt.imm(t.X, limit, div0));
  e(mov.reg(R1, R7));
  e(alu64.add.reg(R1, t.X));
  e(mov.reg(R2, R1));
  e(alu64.add.imm(R2, c.offset + BYTES_OF[c.size]));
  e(jmp.jgt.reg(R2, R8, div0));
  directLoad(t, c.size, R1, c.offset, A);
}

function ldxMsh(t: Translation, c: Extract<CInsn, { kind: 'ldx_msh' }>, i: number): void {
  const e = (x: Insn) => emitInsn(t, x);
  const X = t.X;
  if (t.direct) {
    if (guard(t, i)) {
      e(mem.ldx('b', X, R7, c.offset));
      e(alu32.and.imm(X, 0xf));
      e(alu32.lsh.imm(X, 2));
      t.xMax = 60;
    }
    return;
  }
  if (inSpan(t, c.offset, 1)) {
    e(mem.ldx('b', X, R10, c.offset - t.spanAt));
    e(alu32.and.imm(X, 0xf));
    e(alu32.lsh.imm(X, 2));
    return;
  }
  if (t.live[i + 1]) e(alu32.mov.reg(t.TMP, A));
  e(mem.ldAbs('b', c.offset));
  e(alu32.and.imm(A, 0xf));
  e(alu32.lsh.imm(A, 2));
  e(alu32.mov.reg(X, A));
  if (t.live[i + 1]) e(alu32.mov.reg(A, t.TMP));
}

/** Translates classic instruction i: 'next' when control may flow on to i + 1, 'jumped' when it does not (a jump
 *  or a return), false when the program cannot be translated. */
export function translateInsn(t: Translation, c: CInsn, i: number): 'next' | 'jumped' | false {
  const e = (x: Insn) => emitInsn(t, x);
  const X = t.X;
  switch (c.kind) {
    case 'ld_abs':
      if (c.base !== 'packet') return false;
      if (inSpan(t, c.offset, BYTES_OF[c.size])) {
        e(mem.ldx(c.size, A, R10, c.offset - t.spanAt));
        if (c.size !== 'b') e(toBe(A, c.size === 'h' ? 16 : 32));
      } else if (!t.direct) e(mem.ldAbs(c.size, c.offset));
      else if (guard(t, i)) directLoad(t, c.size, R7, c.offset, A);
      return 'next';
    case 'ld_ind':
      ldInd(t, c);
      return 'next';
    case 'ldx_msh':
      ldxMsh(t, c, i);
      return 'next';
    case 'ld_len':
    case 'ldx_len': {
      const r = c.kind === 'ld_len' ? A : X;
      if (t.direct && t.o.progType === 'xdp') {
        e(mov.reg(r, R8));
        e(alu64.sub.reg(r, R7));
      } else e(mem.ldx('w', r, R6, 0));
      return 'next';
    }
    case 'ld_anc': {
      // the packet's pkt_type / ifindex / VLAN tag presence and TCI from the ctx, as bpf_convert_filter reads
      // skb->pkt_type / skb->dev->ifindex / skb->vlan_all != 0 / skb->vlan_tci
      const meta = metaOfAncillary(c.ext);
      if (meta === undefined) return false;
      if (t.o.progType === 'xdp' && meta !== 'ifindex') return false;
      e(mem.ldx('w', A, R6, packetMetaField('packet', t.o.progType, meta).offset));
      return 'next';
    }
    case 'ld_imm':
      e(alu32.mov.imm(A, c.value));
      return 'next';
    case 'ldx_imm':
      e(alu32.mov.imm(X, c.value));
      return 'next';
    case 'ld_mem':
      e(mem.ldx('w', A, R10, slot(c.index)));
      return 'next';
    case 'ldx_mem':
      e(mem.ldx('w', X, R10, slot(c.index)));
      return 'next';
    case 'st':
      e(mem.stx('w', R10, slot(c.index), A));
      return 'next';
    case 'stx':
      e(mem.stx('w', R10, slot(c.index), X));
      return 'next';
    case 'alu_k':
      e(alu32[c.op].imm(A, c.value));
      return 'next';
    case 'alu_x':
      if (c.op === 'div' || c.op === 'mod') e(jmp32.jeq.imm(X, 0, toDiv0(t)));
      e(alu32[c.op].reg(A, X));
      return 'next';
    case 'neg':
      e(alu32.neg.imm(A, 0));
      return 'next';
    case 'tax':
      e(alu32.mov.reg(X, A));
      return 'next';
    case 'txa':
      e(alu32.mov.reg(A, X));
      return 'next';
    case 'ja':
      e(ja(labelOf(t, i + 1 + c.offset)));
      return 'jumped';
    case 'jmp_k':
    case 'jmp_x':
      jump(e, c, X, labelOf(t, i + 1 + c.jt), labelOf(t, i + 1 + c.jf), c.jt === 0, c.jf === 0);
      return 'jumped';
    case 'ret_k': {
      const k = c.value >>> 0;
      const v = t.direct ? (k === t.o.cbpfMatch ? t.o.onMatch : k === 0 ? t.o.onMiss : undefined) : k;
      if (v === undefined) return false;
      e(alu32.mov.imm(A, v | 0));
      e(exit());
      return 'jumped';
    }
    case 'ret_a':
      if (t.direct) return false;
      e(exit());
      return 'jumped';
    default:
      return false;
  }
}

const INVERSE: Partial<Record<JmpCond, 'jne' | 'jle' | 'jlt'>> = { jeq: 'jne', jgt: 'jle', jge: 'jlt' };

function jump(
  e: (i: Insn) => void,
  c: Extract<CInsn, { kind: 'jmp_k' | 'jmp_x' }>,
  X: typeof R7 | typeof R9,
  jt: string,
  jf: string,
  tFalls: boolean,
  fFalls: boolean,
): void {
  const cond = (name: JmpCond | 'jne' | 'jle' | 'jlt', target: string) =>
    c.kind === 'jmp_k' ? jmp32[name].imm(A, c.value, target) : jmp32[name].reg(A, X, target);
  if (tFalls && fFalls) return;
  const inv = INVERSE[c.cond];
  if (tFalls && inv !== undefined) {
    e(cond(inv, jf));
    return;
  }
  if (tFalls) {
    // jset has no inverse: jump over the `ja` when set.
    e(cond(c.cond, jt));
    e(ja(jf));
    return;
  }
  e(cond(c.cond, jt));
  if (!fFalls) e(ja(jf));
}
