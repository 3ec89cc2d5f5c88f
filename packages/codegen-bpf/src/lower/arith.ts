// The BPF lowering of the IR's u32 arithmetic: what an operation with a constant right operand becomes (an abort
// for a division by 0, 0 for a shift by 32 or more, else one ALU operation with the constant's low 32 bits), and
// what a runtime right operand must be checked for first (a zero divisor aborts, a shift of 32 or more gives 0).
// Invariants: one rule per IR operator (ARITH_ALU); the rules are the IR evaluator's, so every emitter (eBPF, cBPF,
// C) computes the same u32 value or the same abort.
import type { ArithOp } from '@tfc/ir';
import { ARITH_ALU } from '../arith-ops.ts';

export type AluOp = (typeof ARITH_ALU)[ArithOp];

export type ConstArith =
  | { readonly kind: 'abort' }
  | { readonly kind: 'zero' }
  | { readonly kind: 'alu'; readonly op: AluOp; readonly k: number };

export function constArith(op: ArithOp, value: bigint): ConstArith {
  const alu = ARITH_ALU[op];
  const k = Number(value & 0xffffffffn);
  if ((alu === 'div' || alu === 'mod') && k === 0) return { kind: 'abort' };
  if ((alu === 'lsh' || alu === 'rsh') && k >= 32) return { kind: 'zero' };
  return { kind: 'alu', op: alu, k };
}

/** What a runtime right operand is checked for before the operation: `divisor` (0 aborts), `shift` (32 or more
 *  gives 0), or nothing. */
export function runtimeArithCheck(op: ArithOp): 'divisor' | 'shift' | undefined {
  const alu = ARITH_ALU[op];
  if (alu === 'div' || alu === 'mod') return 'divisor';
  if (alu === 'lsh' || alu === 'rsh') return 'shift';
  return undefined;
}
