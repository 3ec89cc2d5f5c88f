// The parsed filter: plain data. Predicates carry the resolved field (offset, size, signedness, kind)
// and everything the kernel decided at parse time (64-bit literal pattern, string match kind and
// needle, CPU mask, function range), plus the source span. Two views of the boolean structure are
// kept: `program`, the kernel's linear branch program (what evaluate() runs, iteratively), and `tree`,
// an ordinary and/or/not tree (for printing and lowering). Invariants: leaves are numbered in source
// order; `tree` never contains single-child and/or nodes; every node object is immutable.

import type { MatchKind } from './match.ts';
import type { FieldKind } from './types.ts';

export interface Span {
  /** Byte offsets into the UTF-8 filter text, end exclusive. */
  readonly start: number;
  readonly end: number;
}

export interface FieldRef {
  readonly name: string;
  readonly type: string;
  readonly offset: number;
  readonly size: number;
  readonly signed: boolean;
  readonly kind: FieldKind;
  /** 'event' = the event's own field, 'generic' = cpu/comm/stacktrace pseudo-field, 'common' = header. */
  readonly origin: 'event' | 'generic' | 'common';
}

export type IntOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | '&';

interface PredBase {
  readonly field: FieldRef;
  readonly span: Span;
  /** `.ustring` was written after the field name. */
  readonly ustring: boolean;
}

/** Integer compare of the record field (also __data_loc locator words and size-0/odd sizes: always false). */
export interface IntPredicate extends PredBase {
  readonly type: 'int';
  readonly op: IntOp;
  /** The literal as a 64-bit two's complement pattern in [0, 2^64). */
  readonly value: bigint;
}

/** Compare of the executing CPU (generic cpu/CPU/common_cpu), signed 32-bit; `&` always false. */
export interface CpuPredicate extends PredBase {
  readonly type: 'cpu';
  readonly op: IntOp;
  readonly value: bigint;
}

export interface StringPredicate extends PredBase {
  readonly type: 'string';
  readonly op: '==' | '!=' | '~';
  /** Literal text between the quotes, as bytes. */
  readonly literal: Uint8Array;
  readonly quote: '"' | "'";
  readonly match: MatchKind;
  readonly needle: Uint8Array;
  /** Result is inverted (op `!=` or a `~ "!..."` pattern); pointer-string faults stay false. */
  readonly negate: boolean;
  /**
   * A glob on a kernel before the 2026 glob fix (dialect globBound 'nul'): the match reads the string up
   * to its NUL even past the field's length, and a zero-length locator reads the bytes at its offset.
   */
  readonly unboundedGlob?: true;
  /**
   * `==`/`!=` on a kernel before the regex_match_full() fix (dialect fullMatch 'strncmp'): a string with a
   * known length shorter than the pattern is compared over that length only (absent: such a string differs).
   */
  readonly strncmpFull?: true;
}

export interface CpusPredicate extends PredBase {
  readonly type: 'cpus';
  /** Operator as written. */
  readonly op: '==' | '!=' | '&';
  /** Sorted CPU numbers in the mask. */
  readonly cpus: readonly number[];
  /** Bit per CPU (nrCpuIds entries). */
  readonly mask: Uint8Array;
  readonly nrCpuIds: number;
  readonly listText: string;
}

export interface FunctionPredicate extends PredBase {
  readonly type: 'function';
  readonly op: '==' | '!=';
  readonly start: bigint;
  /** Exclusive end: start + size. */
  readonly end: bigint;
  readonly valueText: string;
}

export type Predicate = IntPredicate | CpuPredicate | StringPredicate | CpusPredicate | FunctionPredicate;

export type FilterNode =
  | { readonly type: 'pred'; readonly index: number }
  | { readonly type: 'not'; readonly operand: FilterNode }
  | { readonly type: 'and' | 'or'; readonly operands: readonly FilterNode[] };

export interface ProgramEntry {
  /** Leaf index; -1 for the two sentinels. */
  readonly pred: number;
  readonly whenToBranch: boolean;
  readonly target: number;
}

export interface Filter {
  /** The stored filter string (trailing whitespace stripped). */
  readonly text: string;
  readonly preds: readonly Predicate[];
  readonly program: readonly ProgramEntry[];
  readonly tree: FilterNode;
}
