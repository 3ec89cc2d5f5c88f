// eBPF opcode fields (Linux Documentation/bpf/standardization/instruction-set.rst, ISA v4).
// Invariants: every table is a frozen `as const` map from a mnemonic to the field's bits *in place*
// (already shifted into the 8-bit wire opcode), so `code = class | op | source` needs no shifts;
// accessors never throw and only mask bits. Extended operations that the wire format hides in
// `off`/`imm` (sdiv/smod, movsx, ldsx, atomics, pseudo sources) are named here too.

// Wire opcode layout, by class:
//
//   ALU / ALU64 / JMP / JMP32:    +----------------+--------+--------------------+
//                                 |   4 bits op    | 1 bit  |   3 bits class     |
//                                 |                | source |                    |
//                                 +----------------+--------+--------------------+
//   LD / LDX / ST / STX:          +--------+--------+--------------------+
//                                 | 3 bits | 2 bits |   3 bits class     |
//                                 |  mode  |  size  |                    |
//                                 +--------+--------+--------------------+

/** Instruction class: opcode bits 0..2. */
export const CLASS = {
  ld: 0x00,
  ldx: 0x01,
  st: 0x02,
  stx: 0x03,
  alu: 0x04,
  jmp: 0x05,
  jmp32: 0x06,
  alu64: 0x07,
} as const;
export type ClassName = keyof typeof CLASS;

/** Source bit (bit 3) of ALU and JMP classes: K = immediate, X = register. */
export const SOURCE = { k: 0x00, x: 0x08 } as const;

/** ALU operation: opcode bits 4..7. `end` is the byte swap group (to_le/to_be/bswap). */
export const ALU_OP = {
  add: 0x00,
  sub: 0x10,
  mul: 0x20,
  div: 0x30,
  or: 0x40,
  and: 0x50,
  lsh: 0x60,
  rsh: 0x70,
  neg: 0x80,
  mod: 0x90,
  xor: 0xa0,
  mov: 0xb0,
  arsh: 0xc0,
  end: 0xd0,
} as const;
export type AluOpName = keyof typeof ALU_OP;

/** Jump operation: opcode bits 4..7. `jcond` (0xe0) is may_goto (src = 0). */
export const JMP_OP = {
  ja: 0x00,
  jeq: 0x10,
  jgt: 0x20,
  jge: 0x30,
  jset: 0x40,
  jne: 0x50,
  jsgt: 0x60,
  jsge: 0x70,
  call: 0x80,
  exit: 0x90,
  jlt: 0xa0,
  jle: 0xb0,
  jslt: 0xc0,
  jsle: 0xd0,
  jcond: 0xe0,
} as const;
export type JmpOpName = keyof typeof JMP_OP;

/** Conditional jumps (those with a comparison), in opcode order. */
export const COND_JMP_OPS = [
  'jeq',
  'jgt',
  'jge',
  'jset',
  'jne',
  'jsgt',
  'jsge',
  'jlt',
  'jle',
  'jslt',
  'jsle',
] as const;
export type CondJmpName = (typeof COND_JMP_OPS)[number];

/** Access size: opcode bits 3..4 of load/store classes. */
export const SIZE = { w: 0x00, h: 0x08, b: 0x10, dw: 0x18 } as const;
export type SizeName = keyof typeof SIZE;
/** Bytes moved by each size. */
export const SIZE_BYTES: Readonly<Record<SizeName, number>> = { w: 4, h: 2, b: 1, dw: 8 };

/** Mode: opcode bits 5..7 of load/store classes. */
export const MODE = {
  imm: 0x00,
  abs: 0x20,
  ind: 0x40,
  mem: 0x60,
  memsx: 0x80,
  atomic: 0xc0,
} as const;

/** Atomic operations, carried in `imm` of BPF_STX|BPF_ATOMIC. `fetch` (0x01) is or-ed in. */
export const ATOMIC_OP = {
  add: 0x00,
  or: 0x40,
  and: 0x50,
  xor: 0xa0,
  fetch: 0x01,
  xchg: 0xe1,
  cmpxchg: 0xf1,
  loadAcquire: 0x100,
  storeRelease: 0x110,
} as const;

/** Source register values of BPF_LD|BPF_IMM|BPF_DW (ld_imm64) giving `imm64` a pseudo meaning. */
export const PSEUDO_LD = {
  imm64: 0,
  mapFd: 1,
  mapValue: 2,
  btfId: 3,
  func: 4,
  mapIdx: 5,
  mapIdxValue: 6,
} as const;
export type PseudoLdName = keyof typeof PSEUDO_LD;

/** Source register values of BPF_JMP|BPF_CALL: helper id, BPF-to-BPF call (pc-relative), kfunc (BTF id). */
export const PSEUDO_CALL = { helper: 0, call: 1, kfunc: 2 } as const;

/** Offset values selecting signed variants: sdiv/smod (off 1) and movsx (off 8/16/32). */
export const OFF_SIGNED_DIVMOD = 1;

/** Opcodes used often by name. */
export const OPCODE = {
  ldImm64: CLASS.ld | MODE.imm | SIZE.dw, // 0x18
  call: CLASS.jmp | JMP_OP.call, // 0x85
  exit: CLASS.jmp | JMP_OP.exit, // 0x95
  ja: CLASS.jmp | JMP_OP.ja, // 0x05
  gotol: CLASS.jmp32 | JMP_OP.ja, // 0x06
  mayGoto: CLASS.jmp | JMP_OP.jcond, // 0xe5
} as const;

/** Class bits of an opcode. */
export const classOf = (code: number): number => code & 0x07;
/** Operation bits (ALU or JMP) of an opcode. */
export const opOf = (code: number): number => code & 0xf0;
/** Source bit of an opcode. */
export const sourceOf = (code: number): number => code & 0x08;
/** Size bits of a load/store opcode. */
export const sizeOf = (code: number): number => code & 0x18;
/** Mode bits of a load/store opcode. */
export const modeOf = (code: number): number => code & 0xe0;

/** Bytes of a load/store size field value. */
export function sizeBytes(sizeBits: number): number {
  return sizeBits === SIZE.w ? 4 : sizeBits === SIZE.h ? 2 : sizeBits === SIZE.b ? 1 : 8;
}

/** The opcode split into named fields (class, op, source, size, mode), for display and tests. */
export type OpcodeFields = {
  readonly cls: ClassName;
  readonly op?: AluOpName | JmpOpName;
  readonly source?: 'k' | 'x';
  readonly size?: SizeName;
  readonly mode?: 'imm' | 'abs' | 'ind' | 'mem' | 'memsx' | 'atomic' | 'unknown';
};

const CLASS_NAMES = ['ld', 'ldx', 'st', 'stx', 'alu', 'jmp', 'jmp32', 'alu64'] as const;
const ALU_NAMES = Object.keys(ALU_OP) as AluOpName[];
const JMP_NAMES = Object.keys(JMP_OP) as JmpOpName[];
const SIZE_NAMES = ['w', 'h', 'b', 'dw'] as const;
const MODE_NAMES = ['imm', 'abs', 'ind', 'mem', 'memsx', 'unknown', 'atomic', 'unknown'] as const;

/** Splits a wire opcode into its named fields. Unknown ALU/JMP operations leave `op` absent. */
export function opcodeFields(code: number): OpcodeFields {
  const cls = CLASS_NAMES[code & 7]!;
  if (cls === 'alu' || cls === 'alu64' || cls === 'jmp' || cls === 'jmp32') {
    const names: readonly string[] = cls === 'alu' || cls === 'alu64' ? ALU_NAMES : JMP_NAMES;
    const op = names[(code & 0xf0) >> 4] as AluOpName | JmpOpName | undefined;
    const source = code & 0x08 ? 'x' : 'k';
    return op === undefined ? { cls, source } : { cls, op, source };
  }
  return { cls, size: SIZE_NAMES[(code >> 3) & 3]!, mode: MODE_NAMES[code >> 5]! };
}
