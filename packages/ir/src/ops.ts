// The one table of compare/bit-test operator properties (after QBE's ops.h). Every pass and target
// consults it instead of switching on operators.
// Invariants (walked by test/ops.test.ts):
//  - negation is an involution and exact: (a NEG b) ⇔ !(a OP b) for every width/signedness;
//  - swapped is an involution: (a OP b) ⇔ (b SWAPPED a); commutative ⇔ swapped === op;
//  - cBPF has only jeq/jgt/jge/jset (unsigned): `cbpf.invert` says the op is that jump with its
//    branches exchanged; the encoded opcode is BPF_JMP | jump (| BPF_K or BPF_X);
//  - eBPF: `ebpf.unsigned`/`ebpf.signed` name the jump used for an unsigned/signed compare (eq/ne/set are
//    sign-agnostic); jclear is jset with inverted branches;
//  - target columns: 'yes' = one key/entry, 'expand' = several rules/entries (prefix or range
//    expansion, or an exclusion rule), 'no' = not expressible.
import type { CmpOp } from './types.ts';

export type Expressible = 'yes' | 'expand' | 'no';
export type CbpfJump = 'jeq' | 'jgt' | 'jge' | 'jset';
export type EbpfJump =
  | 'jeq'
  | 'jne'
  | 'jgt'
  | 'jge'
  | 'jlt'
  | 'jle'
  | 'jsgt'
  | 'jsge'
  | 'jslt'
  | 'jsle'
  | 'jset';

export interface OpInfo {
  /** tracefs/pcap spelling, for messages. */
  readonly text: string;
  readonly negation: CmpOp;
  readonly swapped: CmpOp;
  readonly commutative: boolean;
  /** Ordered compare: signedness changes the result. */
  readonly ordered: boolean;
  readonly cbpf: { readonly jump: CbpfJump; readonly invert: boolean };
  readonly ebpf: { readonly unsigned: EbpfJump; readonly signed: EbpfJump; readonly invert: boolean };
  readonly tcU32: Expressible;
  readonly flower: Expressible;
  readonly p4Ternary: Expressible;
  readonly p4Range: Expressible;
}

// biome-ignore format: the op table is a column-aligned table, like QBE's ops.h
export const OPS: { readonly [K in CmpOp]: OpInfo } = {
  //        text    neg      swap     comm   ordered cbpf   inv    ebpf-u  ebpf-s  inv    tc-u32    flower    p4-tern   p4-range
  eq:    op('==',   'ne',    'eq',    true,  false,  'jeq', false, 'jeq',  'jeq',  false, 'yes',    'yes',    'yes',    'yes'),
  ne:    op('!=',   'eq',    'ne',    true,  false,  'jeq', true,  'jne',  'jne',  false, 'expand', 'no',     'expand', 'expand'),
  lt:    op('<',    'ge',    'gt',    false, true,   'jge', true,  'jlt',  'jslt', false, 'expand', 'expand', 'expand', 'yes'),
  le:    op('<=',   'gt',    'ge',    false, true,   'jgt', true,  'jle',  'jsle', false, 'expand', 'expand', 'expand', 'yes'),
  gt:    op('>',    'le',    'lt',    false, true,   'jgt', false, 'jgt',  'jsgt', false, 'expand', 'expand', 'expand', 'yes'),
  ge:    op('>=',   'lt',    'le',    false, true,   'jge', false, 'jge',  'jsge', false, 'expand', 'expand', 'expand', 'yes'),
  set:   op('&',    'clear', 'set',   true,  false,  'jset', false, 'jset', 'jset', false, 'expand', 'no',     'expand', 'no'),
  clear: op('&==0', 'set',   'clear', true,  false,  'jset', true,  'jset', 'jset', true,  'expand', 'no',     'yes',    'no'),
};

function op(
  text: string,
  negation: CmpOp,
  swapped: CmpOp,
  commutative: boolean,
  ordered: boolean,
  cbpfJump: CbpfJump,
  cbpfInvert: boolean,
  ebpfUnsigned: EbpfJump,
  ebpfSigned: EbpfJump,
  ebpfInvert: boolean,
  tcU32: Expressible,
  flower: Expressible,
  p4Ternary: Expressible,
  p4Range: Expressible,
): OpInfo {
  return {
    text,
    negation,
    swapped,
    commutative,
    ordered,
    cbpf: { jump: cbpfJump, invert: cbpfInvert },
    ebpf: { unsigned: ebpfUnsigned, signed: ebpfSigned, invert: ebpfInvert },
    tcU32,
    flower,
    p4Ternary,
    p4Range,
  };
}

/** Jump opcode field values (the `op` bits of BPF_JMP), shared by cBPF and eBPF (include/uapi/linux/bpf*.h). */
export const JUMP_OPCODES: { readonly [K in EbpfJump]: number } = {
  jeq: 0x10,
  jgt: 0x20,
  jge: 0x30,
  jset: 0x40,
  jne: 0x50,
  jsgt: 0x60,
  jsge: 0x70,
  jlt: 0xa0,
  jle: 0xb0,
  jslt: 0xc0,
  jsle: 0xd0,
};
export const BPF_JMP = 0x05;
export const BPF_K = 0x00;
export const BPF_X = 0x08;

/** Full cBPF opcode for a compare against an immediate (K) or X. */
export function cbpfOpcode(o: CmpOp, src: 'k' | 'x'): { readonly code: number; readonly invert: boolean } {
  const c = OPS[o].cbpf;
  return { code: BPF_JMP | JUMP_OPCODES[c.jump] | (src === 'k' ? BPF_K : BPF_X), invert: c.invert };
}

/** Apply a compare operator to two width-truncated values (already sign-adjusted when signed). */
export function applyCmp(o: CmpOp, l: bigint, r: bigint): boolean {
  switch (o) {
    case 'eq':
      return l === r;
    case 'ne':
      return l !== r;
    case 'lt':
      return l < r;
    case 'le':
      return l <= r;
    case 'gt':
      return l > r;
    case 'ge':
      return l >= r;
    case 'set':
      return (l & r) !== 0n;
    case 'clear':
      return (l & r) === 0n;
  }
}
