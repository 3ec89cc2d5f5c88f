// The small IR-building vocabulary the pcap lowering modules share: u32 constants, big-endian packet loads
// at constant or run-time offsets, and gencode's gen_cmp/gen_mcmp. Invariants: all compares are 32-bit
// unsigned like cBPF's A register (loads zero-extend); a run-time offset is the number DYN·(id + 1) + k
// (exact in a double for every id and k in use, |k| < DYN / 2), which `ld` and `offE` turn into `%id + k`, so
// offset arithmetic (`off + 9`) works on both kinds. A negative k is libpcap's `ld [x + k]` with k = 2^32 − |k|
// (gencode's u_int offsets: the MPLS rules after `mpls … geneve` read 2 bytes before the inner payload), which
// bpf_filter rejects whatever x (k ≥ the packet's length): such a load aborts.
import { arith, cmp, type Expr as IrExpr, konst, load, type Pred, ref } from '@tfc/ir';

export const u = (v: number) => konst(v >>> 0);
export const DYN = 2 ** 40;
/** The offset `%id + k` (shared value id) as a number. */
export const dynOff = (id: number, k = 0): number => DYN * (id + 1) + k;
/** Is `v` a run-time offset (`dynOff`), not a constant one? */
export const isDyn = (v: number): boolean => v >= DYN / 2;
/** The shared value id of a run-time offset. */
export const dynId = (v: number): number => Math.round(v / DYN) - 1;
/** A division by zero: the IR's abort (a load bpf_filter refuses whatever the packet). */
const ABORT: IrExpr = arith('/', u(0), u(0));
/** An offset as an expression (a dynamic one becomes `%id + k`; with k < 0 an abort after `%id + k`). */
export function offE(v: number): IrExpr {
  if (!isDyn(v)) return u(v);
  const id = dynId(v);
  const k = v - dynOff(id);
  if (k < 0) return arith('+', arith('+', ref(id), u(k)), ABORT);
  return k === 0 ? ref(id) : arith('+', ref(id), u(k));
}
export const ld = (off: IrExpr | number, w: 1 | 2 | 4): IrExpr =>
  load('packet', typeof off === 'number' && isDyn(off) ? offE(off) : off, w, 'be');
export const eq = (l: IrExpr, r: number): Pred => cmp('eq', 4, false, l, u(r));
/** (l & mask) == v (gen_mcmp); a full mask is a plain compare. Under mask 0 the load stays, as in
 *  libpcap's unoptimized program (its optimizer may delete such dead loads). */
export function mcmp(l: IrExpr, v: number, mask: number): Pred {
  if (mask >>> 0 === 0xffffffff) return eq(l, v);
  return eq(arith('&', l, u(mask)), v);
}
/** A jset block: (l & bits) != 0. */
export const jset = (l: IrExpr, bits: number): Pred => cmp('set', 4, false, l, u(bits));
