/*
 * The IR's u32 arithmetic operators and the ALU operation that implements each, shared by the cBPF and eBPF
 * generators (both ISAs name the operations alike). Invariant: one entry per IR ArithOp.
 */
import type { ArithOp } from '@tfc/ir';

export const ARITH_ALU = {
  '+': 'add',
  '-': 'sub',
  '*': 'mul',
  '/': 'div',
  '%': 'mod',
  '&': 'and',
  '|': 'or',
  '^': 'xor',
  '<<': 'lsh',
  '>>': 'rsh',
} as const satisfies Record<ArithOp, string>;
