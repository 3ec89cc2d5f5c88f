// Classic BPF translation of IR expressions into A: the low 32 bits (lo; packet loads by ld_abs / ld_ind / ldx msh,
// little-endian fields assembled from byte loads, highest byte first so the first load is the one that runs out
// of the packet) and the high 32 bits of a 64-bit value (hi); shared values computed once into M[] words where the
// cache is on.
// Invariants: any abort (a load past the packet, a division by zero) ends the program with 0; shifts by 32 or more
// give 0 (lower/arith.ts); a cached value is reloaded only where its store ran on every path (avail) and its word is
// still its own.
import type { AncillaryName, Size } from '@tfc/bpf/cbpf';
import type { Expr, PseudoName } from '@tfc/ir';
import { ARITH_ALU } from '../arith-ops.ts';
import { type Load, MAX_PKT_OFF } from '../lower/access.ts';
import { constArith, runtimeArithCheck } from '../lower/arith.ts';
import { ANCILLARY_OF, isPacketMeta } from '../lower/packet-meta.ts';
import { Unsupported } from '../options.ts';
import {
  absOff,
  type CbpfGen,
  COMMUTATIVE,
  checkAccess,
  ldb,
  leBytes,
  MEMWORDS,
  size,
  slot,
} from './context.ts';
import { maxOf, mshOffset, splitOffset, u32Valued } from './values.ts';

/** The ancillary load of a packet's Linux metadata (packet-meta.ts); the trace environment's pseudo-fields have
 *  none. */
function ancillaryOf(name: PseudoName): { readonly size: Size; readonly ext: AncillaryName } {
  if (!isPacketMeta(name))
    throw new Unsupported('pseudo', `pseudo-field ${name} is not available to classic BPF`);
  return ANCILLARY_OF[name];
}

/** A = the low 32 bits of a packet load (ld_abs, ld_ind after `ldx msh` or a computed X, or bytes assembled
 *  little-endian), sign-extended to 32 bits when signed and narrower. */
export function loadLo(g: CbpfGen, x: Load) {
  if (x.base === 'record') throw new Unsupported('base', 'record loads need --ctx tracepoint (eBPF)');
  const w = x.width;
  if (typeof x.offset !== 'number') {
    if ((x.order !== 'be' && w !== 1) || w === 8)
      throw new Unsupported(
        'computed-offset',
        'cBPF supports computed offsets for big-endian loads of 1/2/4 bytes only',
      );
    if (!u32Valued(g, x.offset))
      throw new Unsupported('computed-offset', 'computed offset may exceed 32 bits');
    const { rest, k } = splitOffset(g, x.offset);
    const kAbs = absOff(x.base, k);
    if (rest === null) {
      if (!checkAccess(g, kAbs, w)) return;
      g.ins({ kind: 'ld_abs', size: size(w), base: 'packet', offset: kAbs });
    } else if (maxOf(g, rest) + kAbs <= MAX_PKT_OFF) {
      // X + k cannot leave [0, 0xffff]: no range check, and the constant rides in the load.
      const msh = mshOffset(g, rest);
      if (msh !== undefined) g.ins({ kind: 'ldx_msh', offset: msh });
      else {
        lo(g, rest);
        g.ins({ kind: 'tax' });
      }
      g.ins({ kind: 'ld_ind', size: size(w), offset: kAbs });
    } else {
      lo(g, x.offset);
      const ok = g.fresh();
      g.jk('jgt', MAX_PKT_OFF, g.abort, ok);
      g.place(ok);
      g.ins({ kind: 'tax' });
      g.ins({ kind: 'ld_ind', size: size(w), offset: absOff(x.base, 0) });
    }
  } else {
    const k = absOff(x.base, x.offset);
    if (!checkAccess(g, k, w)) return;
    if (w === 8) {
      if (x.order === 'be') g.ins({ kind: 'ld_abs', size: 'w', base: 'packet', offset: k + 4 });
      else {
        ldb(g, k + 7);
        leBytes(g, k, 4);
      }
      return;
    }
    if (x.order === 'be' || w === 1) g.ins({ kind: 'ld_abs', size: size(w), base: 'packet', offset: k });
    else leBytes(g, k, w);
  }
  if (x.signed && w < 4) {
    const neg = g.fresh();
    const done = g.fresh();
    g.jk('jset', w === 1 ? 0x80 : 0x8000, neg, done);
    g.place(neg);
    g.ins({ kind: 'alu_k', op: 'or', value: w === 1 ? 0xffffff00 : 0xffff0000 });
    g.place(done);
  }
}

/** A = low 32 bits of x (aborting loads end the program with 0). */
export function lo(g: CbpfGen, x: Expr): void {
  switch (x.kind) {
    case 'const':
      g.ins({ kind: 'ld_imm', value: Number(x.value & 0xffffffffn) });
      return;
    case 'ref': {
      const d = g.dag.values[x.id];
      if (d === undefined) throw new Unsupported('ref', `unknown value %${x.id}`);
      g.touched.set(x.id, g.nodeIndex);
      const cached = g.cacheSlot.get(x.id);
      if (cached !== undefined && g.avail.has(x.id)) {
        g.ins({ kind: 'ld_mem', index: cached });
        return;
      }
      lo(g, d.expr);
      if (!g.cacheable.has(x.id) || g.retired.has(x.id)) return;
      let s = cached;
      if (s === undefined) {
        s = g.freeSlots.pop();
        if (s === undefined && g.cacheTop - 1 >= g.depth + (g.reserve ?? MEMWORDS)) s = --g.cacheTop;
        if (s !== undefined) g.cacheSlot.set(x.id, s);
      }
      if (s !== undefined) {
        g.ins({ kind: 'st', index: s });
        g.avail.add(x.id);
      }
      return;
    }
    case 'pseudo':
      g.ins({ kind: 'ld_anc', ...ancillaryOf(x.name) });
      return;
    case 'len':
      g.ins({ kind: 'ld_len' });
      return;
    case 'load':
      loadLo(g, x);
      return;
    case 'neg':
      lo(g, x.arg);
      g.ins({ kind: 'neg' });
      return;
    case 'arith': {
      const op = ARITH_ALU[x.op];
      if (x.left.kind === 'const' && x.right.kind !== 'const' && COMMUTATIVE.has(op)) {
        lo(g, { ...x, left: x.right, right: x.left });
        return;
      }
      // e op 4*(P[k]&0xf): the header length straight into X (`ldx 4*([k]&0xf)`), no word of M[]; shifts keep
      // their >= 32 test below
      if (op !== 'lsh' && op !== 'rsh') {
        const mr = mshOffset(g, x.right);
        const ml = mr === undefined && COMMUTATIVE.has(op) ? mshOffset(g, x.left) : undefined;
        if (mr !== undefined || ml !== undefined) {
          lo(g, mr !== undefined ? x.left : x.right);
          g.ins({ kind: 'ldx_msh', offset: (mr ?? ml)! });
          g.ins({ kind: 'alu_x', op });
          return;
        }
      }
      if (x.left.kind === 'const' && x.right.kind !== 'const' && op === 'sub') {
        // c - e = -e + c (u32): no word of M[] for the constant
        lo(g, x.right);
        g.ins({ kind: 'neg' });
        const c = Number(x.left.value & 0xffffffffn);
        if (c !== 0) g.ins({ kind: 'alu_k', op: 'add', value: c });
        return;
      }
      if (x.right.kind === 'const') {
        const c = constArith(x.op, x.right.value);
        lo(g, x.left);
        if (c.kind === 'abort') g.goto(g.abort);
        else if (c.kind === 'zero') g.ins({ kind: 'ld_imm', value: 0 });
        else g.ins({ kind: 'alu_k', op: c.op, value: c.k });
        return;
      }
      if (COMMUTATIVE.has(op) && g.need(x.right) > g.need(x.left)) {
        lo(g, x.right);
        const s = slot(g);
        g.ins({ kind: 'st', index: s });
        lo(g, x.left);
        g.ins({ kind: 'ldx_mem', index: s });
        g.ins({ kind: 'alu_x', op });
        g.depth--;
        return;
      }
      lo(g, x.left);
      const s = slot(g);
      g.ins({ kind: 'st', index: s });
      lo(g, x.right);
      g.ins({ kind: 'tax' });
      // A zero divisor in X ends a classic program with 0 by itself (the abort).
      if (runtimeArithCheck(x.op) === 'shift') {
        const big = g.fresh();
        const small = g.fresh();
        const done = g.fresh();
        g.jk('jge', 32, big, small);
        g.place(small);
        g.ins({ kind: 'ld_mem', index: s });
        g.ins({ kind: 'alu_x', op });
        g.goto(done);
        g.place(big);
        g.ins({ kind: 'ld_imm', value: 0 });
        g.place(done);
      } else {
        g.ins({ kind: 'ld_mem', index: s });
        g.ins({ kind: 'alu_x', op });
      }
      g.depth--;
      return;
    }
  }
}

/** A = high 32 bits of x's 64-bit value. */
export function hi(g: CbpfGen, x: Expr): void {
  switch (x.kind) {
    case 'const':
      g.ins({ kind: 'ld_imm', value: Number((x.value >> 32n) & 0xffffffffn) });
      return;
    case 'ref': {
      const d = g.dag.values[x.id];
      if (d === undefined) throw new Unsupported('ref', `unknown value %${x.id}`);
      if (g.cacheable.has(x.id)) {
        // a u32 value: its high half is 0 once it evaluated (from its word, or computed and stored)
        lo(g, x);
        g.ins({ kind: 'ld_imm', value: 0 });
        return;
      }
      hi(g, d.expr);
      return;
    }
    case 'pseudo':
      // the packet's metadata is never negative: the sign extension's high half is 0
      ancillaryOf(x.name);
      g.ins({ kind: 'ld_imm', value: 0 });
      return;
    case 'load': {
      if (x.width === 8) {
        if (x.base === 'record') throw new Unsupported('base', 'record loads need --ctx tracepoint (eBPF)');
        if (typeof x.offset !== 'number')
          throw new Unsupported(
            'computed-offset',
            'cBPF supports computed offsets for 1/2/4-byte loads only',
          );
        const k = absOff(x.base, x.offset);
        if (!checkAccess(g, k, 8)) return;
        if (x.order === 'be') {
          ldb(g, k + 7);
          g.ins({ kind: 'ld_abs', size: 'w', base: 'packet', offset: k });
        } else leBytes(g, k + 4, 4);
        return;
      }
      loadLo(g, x);
      if (x.signed) {
        const neg = g.fresh();
        const pos = g.fresh();
        const done = g.fresh();
        g.jk('jset', 0x80000000, neg, pos);
        g.place(neg);
        g.ins({ kind: 'ld_imm', value: 0xffffffff });
        g.goto(done);
        g.place(pos);
        g.ins({ kind: 'ld_imm', value: 0 });
        g.place(done);
      } else g.ins({ kind: 'ld_imm', value: 0 });
      return;
    }
    default:
      // u32 results: evaluate for aborts (loads, division by zero), then 0.
      lo(g, x);
      g.ins({ kind: 'ld_imm', value: 0 });
      return;
  }
}
