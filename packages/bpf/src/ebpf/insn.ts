// The eBPF instruction record and a small builder DSL.
// Invariants: an Insn is plain readonly data holding exactly the wire fields (8-bit `code`, 4-bit
// `dst`/`src`, signed 16-bit `off`, signed 32-bit `imm`), so encode/decode are lossless. An ld_imm64
// (code 0x18) is ONE Insn occupying two 8-byte slots and carries the full value in `imm64`
// (unsigned 64-bit bigint; `imm` then equals its low half as s32). Symbolic metadata never changes
// the bytes: `label` names this instruction as a jump/call target, `target` is a label the
// offset/imm refers to (resolved by `assemble`), `map` names a map an ld_imm64 refers to (resolved
// by the ELF writer's relocations). Builders are pure and return new records.
import {
  ALU_OP,
  type AluOpName,
  ATOMIC_OP,
  CLASS,
  COND_JMP_OPS,
  type CondJmpName,
  JMP_OP,
  MODE,
  OPCODE,
  PSEUDO_CALL,
  PSEUDO_LD,
  SIZE,
  type SizeName,
  SOURCE,
} from './opcode.ts';

/** One eBPF instruction (see module header). */
export type Insn = {
  readonly code: number;
  readonly dst: number;
  readonly src: number;
  readonly off: number;
  readonly imm: number;
  /** ld_imm64 only: the 64-bit value (second slot's imm is its high half). */
  readonly imm64?: bigint;
  /** This instruction is the target of label `label`. */
  readonly label?: string;
  /** The offset (jumps) or imm (gotol, pseudo call, ld_imm64 func) refers to this label. */
  readonly target?: string;
  /** ld_imm64 of a map (fd or value): the map's name, for relocations. */
  readonly map?: string;
};

export type Reg = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10;
export const R0 = 0;
export const R1 = 1;
export const R2 = 2;
export const R3 = 3;
export const R4 = 4;
export const R5 = 5;
export const R6 = 6;
export const R7 = 7;
export const R8 = 8;
export const R9 = 9;
/** Read-only frame pointer (top of the 512-byte stack). */
export const R10 = 10;

/** Number of 8-byte slots an instruction occupies on the wire. */
export const slotsOf = (insn: Insn): 1 | 2 =>
  insn.code === OPCODE.ldImm64 && insn.imm64 !== undefined ? 2 : 1;

const s32 = (v: number): number => v | 0;

/** A raw instruction from its fields (imm truncated to s32, off to s16). */
export function raw(code: number, dst: number, src: number, off: number, imm: number): Insn {
  return { code: code & 0xff, dst: dst & 0xf, src: src & 0xf, off: (off << 16) >> 16, imm: s32(imm) };
}

/** Marks an instruction as the target of `name`. */
export const withLabel = (insn: Insn, name: string): Insn => ({ ...insn, label: name });

type AluBuilder = {
  /** dst op= imm */
  imm(dst: Reg, imm: number): Insn;
  /** dst op= src */
  reg(dst: Reg, src: Reg): Insn;
};

function aluFamily(cls: number): Record<AluOpName | 'sdiv' | 'smod', AluBuilder> {
  const out = {} as Record<AluOpName | 'sdiv' | 'smod', AluBuilder>;
  for (const name of Object.keys(ALU_OP) as AluOpName[]) {
    const op = ALU_OP[name];
    out[name] = {
      imm: (dst, imm) => raw(cls | op | SOURCE.k, dst, 0, 0, imm),
      reg: (dst, src) => raw(cls | op | SOURCE.x, dst, src, 0, 0),
    };
  }
  for (const [name, op] of [
    ['sdiv', ALU_OP.div],
    ['smod', ALU_OP.mod],
  ] as const) {
    out[name] = {
      imm: (dst, imm) => raw(cls | op | SOURCE.k, dst, 0, 1, imm),
      reg: (dst, src) => raw(cls | op | SOURCE.x, dst, src, 1, 0),
    };
  }
  return out;
}

/** 64-bit ALU builders: `alu64.add.imm(R1, 22)`; `alu64.sdiv.reg(R1, R2)`. */
export const alu64 = aluFamily(CLASS.alu64);
/** 32-bit ALU builders (results zero-extended): `alu32.mov.imm(R0, 1)`. */
export const alu32 = aluFamily(CLASS.alu);

/** Sign-extending moves: `movsx64(R1, R2, 8)` is `r1 = (s8)r2`; `movsx32` writes w-registers (8/16 only). */
export const movsx64 = (dst: Reg, src: Reg, bits: 8 | 16 | 32): Insn =>
  raw(CLASS.alu64 | ALU_OP.mov | SOURCE.x, dst, src, bits, 0);
export const movsx32 = (dst: Reg, src: Reg, bits: 8 | 16): Insn =>
  raw(CLASS.alu | ALU_OP.mov | SOURCE.x, dst, src, bits, 0);

/** Byte swaps: `toBe(R1, 16)` (host to big endian), `toLe`, and unconditional `bswap` (ISA v4). */
export const toBe = (dst: Reg, bits: 16 | 32 | 64): Insn =>
  raw(CLASS.alu | ALU_OP.end | SOURCE.x, dst, 0, 0, bits);
export const toLe = (dst: Reg, bits: 16 | 32 | 64): Insn =>
  raw(CLASS.alu | ALU_OP.end | SOURCE.k, dst, 0, 0, bits);
export const bswap = (dst: Reg, bits: 16 | 32 | 64): Insn =>
  raw(CLASS.alu64 | ALU_OP.end | SOURCE.k, dst, 0, 0, bits);

type JmpBuilder = {
  /** if dst op imm goto target (a label name or a relative offset in slots) */
  imm(dst: Reg, imm: number, target: string | number): Insn;
  /** if dst op src goto target */
  reg(dst: Reg, src: Reg, target: string | number): Insn;
};

const withTarget = (insn: Insn, target: string | number): Insn =>
  typeof target === 'string' ? { ...insn, target } : { ...insn, off: (target << 16) >> 16 };

function jmpFamily(cls: number): Record<CondJmpName, JmpBuilder> {
  const out = {} as Record<CondJmpName, JmpBuilder>;
  for (const name of COND_JMP_OPS) {
    const op = JMP_OP[name];
    out[name] = {
      imm: (dst, imm, target) => withTarget(raw(cls | op | SOURCE.k, dst, 0, 0, imm), target),
      reg: (dst, src, target) => withTarget(raw(cls | op | SOURCE.x, dst, src, 0, 0), target),
    };
  }
  return out;
}

/** 64-bit conditional jumps: `jmp.jeq.imm(R2, 6, 'accept')`. */
export const jmp = jmpFamily(CLASS.jmp);
/** 32-bit conditional jumps (compare w-registers): `jmp32.jgt.reg(R1, R2, 3)`. */
export const jmp32 = jmpFamily(CLASS.jmp32);

/** Unconditional jump (16-bit offset). */
export const ja = (target: string | number): Insn => withTarget(raw(OPCODE.ja, 0, 0, 0, 0), target);
/** Unconditional jump with a 32-bit offset in imm (gotol, ISA v4). */
export function gotol(target: string | number): Insn {
  const base = raw(OPCODE.gotol, 0, 0, 0, 0);
  return typeof target === 'string' ? { ...base, target } : { ...base, imm: s32(target) };
}
/** may_goto: jumps when the kernel's loop budget is exhausted (the VM never takes it). */
export const mayGoto = (target: string | number): Insn => withTarget(raw(OPCODE.mayGoto, 0, 0, 0, 0), target);

/** Helper call by id: `call(8)` is bpf_get_smp_processor_id. */
export const call = (helperId: number): Insn => raw(OPCODE.call, 0, PSEUDO_CALL.helper, 0, helperId);
/** BPF-to-BPF call to a label (or a relative slot offset). */
export function callLocal(target: string | number): Insn {
  const base = raw(OPCODE.call, 0, PSEUDO_CALL.call, 0, 0);
  return typeof target === 'string' ? { ...base, target } : { ...base, imm: s32(target) };
}
/** Kernel function call by BTF id. */
export const callKfunc = (btfId: number): Insn => raw(OPCODE.call, 0, PSEUDO_CALL.kfunc, 0, btfId);
/** Return r0. */
export const exit = (): Insn => raw(OPCODE.exit, 0, 0, 0, 0);

/** ld_imm64 with a pseudo source (default: a plain 64-bit constant). */
export function ldImm64(dst: Reg, value: bigint | number, pseudo: number = PSEUDO_LD.imm64): Insn {
  const imm64 = BigInt.asUintN(64, BigInt(value));
  return { ...raw(OPCODE.ldImm64, dst, pseudo, 0, Number(BigInt.asIntN(32, imm64))), imm64 };
}
/** `dst = map` by name (fd patched by the loader via the ELF relocation or `fd`). */
export function ldMapFd(dst: Reg, map: string | number): Insn {
  const base = ldImm64(dst, typeof map === 'number' ? map : 0, PSEUDO_LD.mapFd);
  return typeof map === 'string' ? { ...base, map } : base;
}
/** `dst = &map_value[offset]` (BPF_PSEUDO_MAP_VALUE: fd in the low half, offset in the high half). */
export function ldMapValue(dst: Reg, map: string | number, offset = 0): Insn {
  const fd = typeof map === 'number' ? map : 0;
  const v = (BigInt(offset >>> 0) << 32n) | BigInt(fd >>> 0);
  const base = ldImm64(dst, v, PSEUDO_LD.mapValue);
  return typeof map === 'string' ? { ...base, map } : base;
}
/** `dst = &func` (BPF_PSEUDO_FUNC, callback address) to a label. */
export function ldFunc(dst: Reg, target: string | number): Insn {
  const base = ldImm64(dst, typeof target === 'number' ? target : 0, PSEUDO_LD.func);
  return typeof target === 'string' ? { ...base, target } : base;
}

/** Memory access builders; sizes are 'b' | 'h' | 'w' | 'dw'. */
export const mem = {
  /** dst = *(size *)(src + off) */
  ldx: (size: SizeName, dst: Reg, src: Reg, off: number): Insn =>
    raw(CLASS.ldx | MODE.mem | SIZE[size], dst, src, off, 0),
  /** dst = *(signed size *)(src + off), sign-extended (ISA v4; not dw) */
  ldxs: (size: 'b' | 'h' | 'w', dst: Reg, src: Reg, off: number): Insn =>
    raw(CLASS.ldx | MODE.memsx | SIZE[size], dst, src, off, 0),
  /** *(size *)(dst + off) = src */
  stx: (size: SizeName, dst: Reg, off: number, src: Reg): Insn =>
    raw(CLASS.stx | MODE.mem | SIZE[size], dst, src, off, 0),
  /** *(size *)(dst + off) = imm */
  st: (size: SizeName, dst: Reg, off: number, imm: number): Insn =>
    raw(CLASS.st | MODE.mem | SIZE[size], dst, 0, off, imm),
  /** r0 = ntoh(*(size *)skb[imm]) — legacy packet load (socket filter, tc) */
  ldAbs: (size: 'b' | 'h' | 'w', imm: number): Insn => raw(CLASS.ld | MODE.abs | SIZE[size], 0, 0, 0, imm),
  /** r0 = ntoh(*(size *)skb[src + imm]) */
  ldInd: (size: 'b' | 'h' | 'w', src: Reg, imm: number): Insn =>
    raw(CLASS.ld | MODE.ind | SIZE[size], 0, src, 0, imm),
} as const;

type AtomicName = 'add' | 'or' | 'and' | 'xor';
/** Atomic read-modify-write on *(size *)(dst + off) with src (w or dw). */
export const atomic = {
  op: (name: AtomicName, size: 'w' | 'dw', dst: Reg, off: number, src: Reg, fetch = false): Insn =>
    raw(CLASS.stx | MODE.atomic | SIZE[size], dst, src, off, ATOMIC_OP[name] | (fetch ? ATOMIC_OP.fetch : 0)),
  xchg: (size: 'w' | 'dw', dst: Reg, off: number, src: Reg): Insn =>
    raw(CLASS.stx | MODE.atomic | SIZE[size], dst, src, off, ATOMIC_OP.xchg),
  cmpxchg: (size: 'w' | 'dw', dst: Reg, off: number, src: Reg): Insn =>
    raw(CLASS.stx | MODE.atomic | SIZE[size], dst, src, off, ATOMIC_OP.cmpxchg),
  /** dst = load_acquire((size *)(src + off)) */
  loadAcquire: (size: SizeName, dst: Reg, src: Reg, off: number): Insn =>
    raw(CLASS.stx | MODE.atomic | SIZE[size], dst, src, off, ATOMIC_OP.loadAcquire),
  /** store_release((size *)(dst + off), src) */
  storeRelease: (size: SizeName, dst: Reg, off: number, src: Reg): Insn =>
    raw(CLASS.stx | MODE.atomic | SIZE[size], dst, src, off, ATOMIC_OP.storeRelease),
} as const;

/** `dst = imm` (64-bit, sign-extended imm) and `dst = src`: the two most common moves. */
export const mov = {
  imm: (dst: Reg, imm: number): Insn => alu64.mov.imm(dst, imm),
  reg: (dst: Reg, src: Reg): Insn => alu64.mov.reg(dst, src),
} as const;
