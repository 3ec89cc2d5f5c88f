// The state of one classic-to-eBPF translation (cbpf-to-ebpf.ts) and its emission primitives: the output with
// labels on instructions (a label of an instruction that emitted nothing becomes an alias of the next one's), the
// guard plan (guards.ts) and the translation of its guard pseudo-instructions, the shared abort exit.
// Invariants: A is w0; X is w7 ('ld-abs') or w9 ('direct'); M[i] is the u32 at fp-4(i+1); r6 holds the ctx; a
// failed bounds check or division by X = 0 goes to DIV0 (the last `ret #0` when it comes later, else the body's own
// exit, then emitted after the body).
import type { Insn as CInsn } from '@tfc/bpf/cbpf';
import {
  alu64,
  type Insn,
  ja,
  jmp,
  mem,
  mov,
  R0,
  R1,
  type R2,
  R3,
  R7,
  R8,
  type R9,
  toBe,
} from '@tfc/bpf/ebpf';
import type { GuardPlan } from './guards.ts';

export const A = R0;

export interface TranslateOptions {
  readonly mode: 'ld-abs' | 'direct';
  /** Direct mode: where data / data_end live in the ctx (tc __sk_buff 76/80, xdp_md 0/4) and how len is read. */
  readonly progType: 'socket' | 'tc' | 'xdp';
  readonly cbpfMatch: number;
  readonly onMatch: number;
  readonly onMiss: number;
}

export const slot = (i: number) => -4 * (i + 1);

export interface Translation {
  readonly prog: readonly CInsn[];
  readonly o: TranslateOptions;
  readonly direct: boolean;
  readonly X: typeof R7 | typeof R9;
  readonly TMP: typeof R2 | typeof R8;
  readonly live: readonly boolean[];
  readonly liveX: readonly boolean[];
  readonly targets: ReadonlySet<number>;
  /** The last reachable `ret #0` (direct mode), where aborts before it go; -1 when none. */
  readonly ret0: number;
  /** Socket filters: bytes [0, span) copied to the stack at fp-SPAN_AT (0: no copy). */
  readonly span: number;
  readonly spanAt: number;
  readonly out: Insn[];
  /** Where guards go and which instructions no path reaches (guards.ts). */
  readonly plan: GuardPlan;
  readonly alias: Map<string, string>;
  /** Largest value X can hold here when an `ldx 4*([k]&0xf)` set it in this block (else unknown). */
  xMax: number | undefined;
  usesDiv0: boolean;
  pending: string | undefined;
  prefix: string;
  /** The fast body of a socket filter reads packet bytes [0, span) from the stack copy at fp-SPAN_AT. */
  spanned: boolean;
  div0: string;
}

export function emitInsn(t: Translation, i: Insn): void {
  t.out.push(t.pending === undefined ? i : { ...i, label: t.pending });
  t.pending = undefined;
}

export function labelOf(t: Translation, i: number): string {
  return `${t.prefix}c${i}`;
}

/** A jump to DIV0 (counted when it is the body's own exit). */
export function toDiv0(t: Translation): string {
  if (t.div0.endsWith('c_div0')) t.usesDiv0 = true;
  return t.div0;
}

/** The guard pseudo-instruction planned before classic instruction i (direct mode), R1-free: a check that the packet
 *  holds the planned range, or a jump to the abort exit; false when the load after it cannot run. */
export function guard(t: Translation, i: number): boolean {
  const g = t.plan.guards.get(i);
  if (g === 'abort') {
    emitInsn(t, ja(toDiv0(t)));
    return false;
  }
  if (g === undefined) return true;
  emitInsn(t, mov.reg(R1, R7));
  emitInsn(t, alu64.add.imm(R1, g));
  emitInsn(t, jmp.jgt.reg(R1, R8, toDiv0(t)));
  return true;
}

export function directLoad(
  t: Translation,
  size: 'b' | 'h' | 'w',
  base: typeof R7 | typeof R1,
  k: number,
  dst: typeof A | typeof R2 | typeof R8,
): void {
  if (k <= 0x7fff) emitInsn(t, mem.ldx(size, dst, base, k));
  else {
    emitInsn(t, mov.reg(R3, base));
    emitInsn(t, alu64.add.imm(R3, k));
    emitInsn(t, mem.ldx(size, dst, R3, 0));
  }
  if (size !== 'b') emitInsn(t, toBe(dst, size === 'h' ? 16 : 32));
}

/** Socket filters: bytes [k, k+n) lie in the stack copy at an aligned place (the verifier requires aligned stack
 *  reads). */
export function inSpan(t: Translation, k: number, n: number): boolean {
  return t.spanned && k + n <= t.span && (((k - t.spanAt) % n) + n) % n === 0;
}
