// The small IR-building vocabulary the pcap lowering modules share: u32 constants, big-endian packet loads
// at constant or run-time offsets, and gencode's gen_cmp/gen_mcmp. Invariants: all compares are 32-bit
// unsigned like cBPF's A register (loads zero-extend); a run-time offset is the number DYN·(id + 1) + k
// (exact in a double for every id and k in use), which `ld` and `offE` turn into `%id + k`, so offset
// arithmetic (`off + 9`) works on both kinds.
import { arith, cmp, type Expr as IrExpr, konst, load, type Pred, ref } from '@tfc/ir';

export const u = (v: number) => konst(v >>> 0);
export const DYN = 2 ** 40;
/** The offset `%id + k` (shared value id) as a number. */
export const dynOff = (id: number, k = 0): number => DYN * (id + 1) + k;
/** An offset as an expression (a dynamic one becomes `%id + k`). */
export function offE(v: number): IrExpr {
  if (v < DYN) return u(v);
  const id = Math.floor(v / DYN) - 1;
  const k = v - dynOff(id);
  return k === 0 ? ref(id) : arith('+', ref(id), u(k));
}
export const ld = (off: IrExpr | number, w: 1 | 2 | 4): IrExpr =>
  load('packet', typeof off === 'number' && off >= DYN ? offE(off) : off, w, 'be');
export const eq = (l: IrExpr, r: number): Pred => cmp('eq', 4, false, l, u(r));
/** (l & mask) == v (gen_mcmp); a full mask is a plain compare. Under mask 0 the load stays, as in
 *  libpcap's unoptimized program (its optimizer may delete such dead loads). */
export function mcmp(l: IrExpr, v: number, mask: number): Pred {
  if (mask >>> 0 === 0xffffffff) return eq(l, v);
  return eq(arith('&', l, u(mask)), v);
}
/** A jset block: (l & bits) != 0. */
export const jset = (l: IrExpr, bits: number): Pred => cmp('set', 4, false, l, u(bits));
