// Typed classic-BPF instructions (one discriminated-union member per kind) and the raw {code, jt, jf, k} edge form.
// Invariants:
// - `fromRaw` is total: an opcode the Linux kernel does not accept (chk_code_allowed in net/core/filter.c) becomes
//   `{ kind: 'invalid', raw }`; it never throws.
// - Fields the ISA ignores are dropped by `fromRaw` (jt/jf of non-conditional instructions, k of ret a/tax/txa/neg/
//   len loads and of X-source ALU/jumps), so `toRaw(fromRaw(r))` equals `r` exactly for canonical `r` (ignored
//   fields zero) and is the canonical form otherwise.
// - Absolute loads with k = SKF_AD_OFF + SKF_AD_* become `ld_anc`; k in [SKF_NET_OFF, SKF_AD_OFF) and
//   [SKF_LL_OFF, SKF_NET_OFF) become `ld_abs` with base 'net' / 'll' and a non-negative offset; all other k values
//   (including unknown SKF_AD_OFF offsets, which the kernel rejects) stay base 'packet' with the unsigned k.
// - All numbers are unsigned 32-bit (`>>> 0`) except jt/jf (0..255) and memory indexes (the raw k).
import {
  type AncillaryName,
  ancillaryByName,
  ancillaryForK,
  BPF_ALU_OP,
  BPF_CLASS,
  BPF_JMP_OP,
  BPF_MODE,
  BPF_SIZE,
  SKF_AD_OFF,
  SKF_LL_OFF,
  SKF_NET_OFF,
} from './opcodes.ts';

/** `struct sock_filter`: u16 code, u8 jt, u8 jf, u32 k. */
export interface RawInsn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

export type Size = 'w' | 'h' | 'b';
export type AluOp = 'add' | 'sub' | 'mul' | 'div' | 'mod' | 'and' | 'or' | 'xor' | 'lsh' | 'rsh';
export type JmpCond = 'jeq' | 'jgt' | 'jge' | 'jset';
export type AbsBase = 'packet' | 'net' | 'll';

export type Insn =
  | { readonly kind: 'ld_abs'; readonly size: Size; readonly base: AbsBase; readonly offset: number }
  | { readonly kind: 'ld_anc'; readonly size: Size; readonly ext: AncillaryName }
  | { readonly kind: 'ld_ind'; readonly size: Size; readonly offset: number }
  | { readonly kind: 'ld_len' }
  | { readonly kind: 'ldx_len' }
  | { readonly kind: 'ld_imm'; readonly value: number }
  | { readonly kind: 'ldx_imm'; readonly value: number }
  | { readonly kind: 'ld_mem'; readonly index: number }
  | { readonly kind: 'ldx_mem'; readonly index: number }
  | { readonly kind: 'ldx_msh'; readonly offset: number }
  | { readonly kind: 'st'; readonly index: number }
  | { readonly kind: 'stx'; readonly index: number }
  | { readonly kind: 'alu_k'; readonly op: AluOp; readonly value: number }
  | { readonly kind: 'alu_x'; readonly op: AluOp }
  | { readonly kind: 'neg' }
  | { readonly kind: 'ja'; readonly offset: number }
  | {
      readonly kind: 'jmp_k';
      readonly cond: JmpCond;
      readonly value: number;
      readonly jt: number;
      readonly jf: number;
    }
  | { readonly kind: 'jmp_x'; readonly cond: JmpCond; readonly jt: number; readonly jf: number }
  | { readonly kind: 'ret_k'; readonly value: number }
  | { readonly kind: 'ret_a' }
  | { readonly kind: 'tax' }
  | { readonly kind: 'txa' }
  | { readonly kind: 'invalid'; readonly raw: RawInsn };

export type InsnKind = Insn['kind'];

const SIZE_OF_BITS: Readonly<Record<number, Size>> = { 0: 'w', 8: 'h', 16: 'b' };
const ALU_OF_BITS: Readonly<Record<number, AluOp>> = {
  0: 'add',
  16: 'sub',
  32: 'mul',
  48: 'div',
  64: 'or',
  80: 'and',
  96: 'lsh',
  112: 'rsh',
  144: 'mod',
  160: 'xor',
};
const JMP_OF_BITS: Readonly<Record<number, JmpCond>> = { 16: 'jeq', 32: 'jgt', 48: 'jge', 64: 'jset' };

function raw(code: number, k = 0, jt = 0, jf = 0): RawInsn {
  return { code, jt, jf, k: k >>> 0 };
}

/** Encode a typed instruction. Total; `invalid` returns a copy of its raw form. */
export function toRaw(i: Insn): RawInsn {
  switch (i.kind) {
    case 'ld_abs': {
      const base = i.base === 'net' ? SKF_NET_OFF : i.base === 'll' ? SKF_LL_OFF : 0;
      return raw(BPF_CLASS.ld | BPF_MODE.abs | BPF_SIZE[i.size], base + i.offset);
    }
    case 'ld_anc':
      return raw(BPF_CLASS.ld | BPF_MODE.abs | BPF_SIZE[i.size], SKF_AD_OFF + ancillaryByName(i.ext).offset);
    case 'ld_ind':
      return raw(BPF_CLASS.ld | BPF_MODE.ind | BPF_SIZE[i.size], i.offset);
    case 'ld_len':
      return raw(BPF_CLASS.ld | BPF_MODE.len);
    case 'ldx_len':
      return raw(BPF_CLASS.ldx | BPF_MODE.len);
    case 'ld_imm':
      return raw(BPF_CLASS.ld | BPF_MODE.imm, i.value);
    case 'ldx_imm':
      return raw(BPF_CLASS.ldx | BPF_MODE.imm, i.value);
    case 'ld_mem':
      return raw(BPF_CLASS.ld | BPF_MODE.mem, i.index);
    case 'ldx_mem':
      return raw(BPF_CLASS.ldx | BPF_MODE.mem, i.index);
    case 'ldx_msh':
      return raw(BPF_CLASS.ldx | BPF_MODE.msh | BPF_SIZE.b, i.offset);
    case 'st':
      return raw(BPF_CLASS.st, i.index);
    case 'stx':
      return raw(BPF_CLASS.stx, i.index);
    case 'alu_k':
      return raw(BPF_CLASS.alu | BPF_ALU_OP[i.op], i.value);
    case 'alu_x':
      return raw(BPF_CLASS.alu | BPF_ALU_OP[i.op] | 0x08);
    case 'neg':
      return raw(BPF_CLASS.alu | BPF_ALU_OP.neg);
    case 'ja':
      return raw(BPF_CLASS.jmp | BPF_JMP_OP.ja, i.offset);
    case 'jmp_k':
      return raw(BPF_CLASS.jmp | BPF_JMP_OP[i.cond], i.value, i.jt, i.jf);
    case 'jmp_x':
      return raw(BPF_CLASS.jmp | BPF_JMP_OP[i.cond] | 0x08, 0, i.jt, i.jf);
    case 'ret_k':
      return raw(BPF_CLASS.ret, i.value);
    case 'ret_a':
      return raw(BPF_CLASS.ret | 0x10);
    case 'tax':
      return raw(BPF_CLASS.misc);
    case 'txa':
      return raw(BPF_CLASS.misc | 0x80);
    case 'invalid':
      return { code: i.raw.code, jt: i.raw.jt, jf: i.raw.jf, k: i.raw.k };
  }
}

function absLoad(size: Size, k: number): Insn {
  if (k >= SKF_AD_OFF) {
    const anc = ancillaryForK(k);
    if (anc !== undefined) return { kind: 'ld_anc', size, ext: anc.name };
    return { kind: 'ld_abs', size, base: 'packet', offset: k };
  }
  if (k >= SKF_NET_OFF) return { kind: 'ld_abs', size, base: 'net', offset: k - SKF_NET_OFF };
  if (k >= SKF_LL_OFF) return { kind: 'ld_abs', size, base: 'll', offset: k - SKF_LL_OFF };
  return { kind: 'ld_abs', size, base: 'packet', offset: k };
}

/** Decode a raw instruction. Total: unknown opcodes give `{ kind: 'invalid' }`. */
export function fromRaw(r: RawInsn): Insn {
  const code = r.code;
  const k = r.k >>> 0;
  const invalid: Insn = { kind: 'invalid', raw: { code: r.code, jt: r.jt, jf: r.jf, k } };
  if (code > 0xff || code < 0 || !Number.isInteger(code)) return invalid;
  const cls = code & 0x07;
  switch (cls) {
    case BPF_CLASS.ld: {
      const mode = code & 0xe0;
      const size = SIZE_OF_BITS[code & 0x18];
      if (mode === BPF_MODE.abs && size !== undefined) return absLoad(size, k);
      if (mode === BPF_MODE.ind && size !== undefined) return { kind: 'ld_ind', size, offset: k };
      if (code === (BPF_CLASS.ld | BPF_MODE.len)) return { kind: 'ld_len' };
      if (code === (BPF_CLASS.ld | BPF_MODE.imm)) return { kind: 'ld_imm', value: k };
      if (code === (BPF_CLASS.ld | BPF_MODE.mem)) return { kind: 'ld_mem', index: k };
      return invalid;
    }
    case BPF_CLASS.ldx:
      if (code === (BPF_CLASS.ldx | BPF_MODE.len)) return { kind: 'ldx_len' };
      if (code === (BPF_CLASS.ldx | BPF_MODE.imm)) return { kind: 'ldx_imm', value: k };
      if (code === (BPF_CLASS.ldx | BPF_MODE.mem)) return { kind: 'ldx_mem', index: k };
      if (code === (BPF_CLASS.ldx | BPF_MODE.msh | BPF_SIZE.b)) return { kind: 'ldx_msh', offset: k };
      return invalid;
    case BPF_CLASS.st:
      return code === BPF_CLASS.st ? { kind: 'st', index: k } : invalid;
    case BPF_CLASS.stx:
      return code === BPF_CLASS.stx ? { kind: 'stx', index: k } : invalid;
    case BPF_CLASS.alu: {
      if (code === (BPF_CLASS.alu | BPF_ALU_OP.neg)) return { kind: 'neg' };
      const op = ALU_OF_BITS[code & 0xf0];
      if (op === undefined) return invalid;
      return code & 0x08 ? { kind: 'alu_x', op } : { kind: 'alu_k', op, value: k };
    }
    case BPF_CLASS.jmp: {
      if (code === (BPF_CLASS.jmp | BPF_JMP_OP.ja)) return { kind: 'ja', offset: k };
      const cond = JMP_OF_BITS[code & 0xf0];
      if (cond === undefined) return invalid;
      return code & 0x08
        ? { kind: 'jmp_x', cond, jt: r.jt, jf: r.jf }
        : { kind: 'jmp_k', cond, value: k, jt: r.jt, jf: r.jf };
    }
    case BPF_CLASS.ret:
      if (code === BPF_CLASS.ret) return { kind: 'ret_k', value: k };
      if (code === (BPF_CLASS.ret | 0x10)) return { kind: 'ret_a' };
      return invalid;
    default:
      if (code === BPF_CLASS.misc) return { kind: 'tax' };
      if (code === (BPF_CLASS.misc | 0x80)) return { kind: 'txa' };
      return invalid;
  }
}

/** True when `r` is the canonical encoding of its typed form (ignored fields zero, valid opcode). */
export function isCanonical(r: RawInsn): boolean {
  const i = fromRaw(r);
  if (i.kind === 'invalid') return false;
  const c = toRaw(i);
  return c.code === r.code && c.jt === r.jt && c.jf === r.jf && c.k === r.k >>> 0;
}
