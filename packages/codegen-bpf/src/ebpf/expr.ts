// eBPF translation of IR expressions: the value into R0 as the IR defines it (u32 arithmetic, 64-bit loads and
// constants), deeper operand first (Sethi-Ullman) with temporaries on the stack.
// Invariants: operands are pure, so evaluation order does not change the result, and any abort (a failed load, a
// division by zero) goes to the leaf's abort label; shifts by 32 or more give 0; shared values are expanded where
// they are used (in the skb context once, then from a slot of the record map: see the ref case).
import { alu32, alu64, call, jmp32, mem, mov, R0, R1, R6, R7, R8 } from '@tfc/bpf/ebpf';
import type { Expr } from '@tfc/ir';
import { ARITH_ALU } from '../arith-ops.ts';
import { constArith, runtimeArithCheck } from '../lower/arith.ts';
import { isPacketMeta, packetMetaField } from '../lower/packet-meta.ts';
import { Unsupported } from '../options.ts';
import { REC } from '../skb/options.ts';
import { type EbpfGen, HELPER, loadConst, pop, push } from './context.ts';

/** The offset from R7 (the record's packet bytes) of value `id`'s slot, after the snaplen bytes. */
function valueSlot(g: EbpfGen, id: number): number {
  const off = (((g.buffer ?? 0) + 7) & ~7) + 8 * id;
  if (off > 0x7ff0) throw new Unsupported('values', `too many shared values for the skb record (${id})`);
  return off;
}

import { fresh, goto, place } from './emitter.ts';
import { load } from './loads.ts';

/** Evaluates `x` into R0 (64-bit value as the IR defines it); jumps to `abort` when it aborts. */
export function expr(g: EbpfGen, x: Expr, abort: string): void {
  switch (x.kind) {
    case 'const':
      loadConst(g, R0, x.value);
      return;
    case 'ref': {
      const def = g.dag.values[x.id];
      if (def === undefined) throw new Unsupported('ref', `unknown value %${x.id}`);
      if (g.buffer === undefined) {
        expr(g, def.expr, abort);
        return;
      }
      // skb: a value is computed once and kept in the record map after the packet bytes (one 8-byte slot per
      // value id): protochain's chain state nests values in values, and expanding each use would double per level.
      // A leaf's code is straight-line up to its aborts, so a value it computed is in its slot for the rest of the
      // leaf and for every node it dominates (ebpf-gen.ts passes in what every path into a node stored).
      const off = valueSlot(g, x.id);
      if (g.refSlots.has(x.id)) {
        g.e(mem.ldx('dw', R0, R7, off));
        return;
      }
      expr(g, def.expr, abort);
      g.e(mem.stx('dw', R7, off, R0));
      g.refSlots.set(x.id, off);
      return;
    }
    case 'pseudo':
      if (g.packetCtx || isPacketMeta(x.name)) {
        g.e(mem.ldx('w', R0, R6, packetMetaField(g.o.ctx, g.o.progType, x.name).offset));
        return;
      }
      g.e(call(x.name === 'cpu' ? HELPER.cpu : HELPER.pidTgid));
      g.e(alu64.lsh.imm(R0, 32));
      g.e(alu64.arsh.imm(R0, 32));
      return;
    case 'len':
      if (!g.packetCtx) throw new Unsupported('len', 'packet length needs a packet context');
      if (g.buffer !== undefined) g.e(mem.ldx('w', R0, R7, REC.pktLen - REC.data));
      else if (g.o.progType === 'xdp') {
        g.e(mov.reg(R0, R8));
        g.e(alu64.sub.reg(R0, R7));
      } else g.e(mem.ldx('w', R0, R6, 0));
      return;
    case 'load':
      load(g, x, abort);
      return;
    case 'neg':
      expr(g, x.arg, abort);
      g.e(alu32.neg.imm(R0, 0));
      return;
    case 'arith': {
      const op = ARITH_ALU[x.op];
      if (x.right.kind === 'const') {
        const c = constArith(x.op, x.right.value);
        expr(g, x.left, abort);
        // alu32 imm is used as a u32 for div/mod
        if (c.kind === 'abort') goto(g.em, abort);
        else if (c.kind === 'zero') g.e(alu32.mov.imm(R0, 0));
        else g.e(alu32[c.op].imm(R0, c.k | 0));
        return;
      }
      // Deeper operand first (Sethi-Ullman): fewer temporaries. Order does not change the result:
      // operands are pure and any abort aborts the whole leaf.
      if (g.need(x.right) > g.need(x.left)) {
        expr(g, x.right, abort);
        const slot = push(g);
        expr(g, x.left, abort);
        g.e(mov.reg(R1, R0));
        pop(g, R0, slot);
      } else {
        expr(g, x.left, abort);
        const slot = push(g);
        expr(g, x.right, abort);
        pop(g, R1, slot);
      }
      const check = runtimeArithCheck(x.op);
      if (check === 'divisor') g.e(jmp32.jeq.imm(R0, 0, abort));
      if (check === 'shift') {
        const big = fresh(g.em);
        const done = fresh(g.em);
        g.e(jmp32.jge.imm(R0, 32, big));
        g.e(alu32[op].reg(R1, R0));
        g.e(alu32.mov.reg(R0, R1));
        goto(g.em, done);
        place(g.em, big);
        g.e(alu32.mov.imm(R0, 0));
        place(g.em, done);
        return;
      }
      g.e(alu32[op].reg(R1, R0));
      g.e(alu32.mov.reg(R0, R1));
      return;
    }
  }
}
