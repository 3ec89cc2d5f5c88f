// Disassembler printing the kernel verifier log syntax (kernel/bpf/disasm.c, print_bpf_insn).
// Invariants: one line per instruction, `${slot}: (${code as %02x}) ${text}`, where slot counts
// 8-byte slots (an ld_imm64 takes two, so the next line's number jumps by 2, as in the verifier
// log). Immediates follow disasm.c: ALU/ST imm in decimal (%d), jump imm as 0x%x of the u32, ld_imm64
// as 0x%llx. Extensions where disasm.c loses information (so that parseAsm inverts every line):
// ld_imm64 with a pseudo source prints `rD = map_fd[0x..]` (map_value, btf_id, func, map_idx,
// map_idx_value, pseudoN; `map_fd[NAME]` when the Insn names its map), and any instruction
// whose text would not parse back to the same fields (unused fields set, unknown opcodes) prints
// as `raw dst=D src=S off=O imm=I [imm64=0x..]`. Verified against the 6.18 verifier log in tests.
import { HELPER_NAMES } from './helper-ids.ts';
import type { Insn } from './insn.ts';
import { ALU_OP, ATOMIC_OP, CLASS, JMP_OP, MODE, OPCODE, PSEUDO_CALL, SIZE, SOURCE } from './opcode.ts';
import { parseInsnText } from './parse-asm.ts';

/** disasm.c bpf_alu_string, indexed by op >> 4. */
export const ALU_STRING = [
  '+=',
  '-=',
  '*=',
  '/=',
  '|=',
  '&=',
  '<<=',
  '>>=',
  'neg',
  '%=',
  '^=',
  '=',
  's>>=',
  'endian',
] as const;
/** disasm.c bpf_jmp_string, indexed by op >> 4. */
export const JMP_STRING = [
  'jmp',
  '==',
  '>',
  '>=',
  '&',
  '!=',
  's>',
  's>=',
  'call',
  'exit',
  '<',
  '<=',
  's<',
  's<=',
] as const;
/** disasm.c bpf_ldst_string, indexed by size >> 3. */
export const LDST_STRING = ['u32', 'u16', 'u8', 'u64'] as const;
/** disasm.c bpf_ldsx_string, indexed by size >> 3. */
export const LDSX_STRING = ['s32', 's16', 's8', 's64'] as const;
/** Names of ld_imm64 pseudo sources (extension; see header). */
export const PSEUDO_LD_STRING = [
  '',
  'map_fd',
  'map_value',
  'btf_id',
  'func',
  'map_idx',
  'map_idx_value',
] as const;

/** disasm.c bpf_atomic_alu_string, keyed by the atomic op without BPF_FETCH. */
const ATOMIC_FETCH_NAME: Readonly<Record<number, string>> = { 0: 'add', 64: 'or', 80: 'and', 160: 'xor' };

const hex = (v: number): string => (v >>> 0).toString(16);
const signed = (v: number): string => (v >= 0 ? `+${v}` : `${v}`);

function helperName(id: number): string | undefined {
  const n = id >= 0 ? HELPER_NAMES[id] : undefined;
  return n === undefined ? undefined : `bpf_${n}`;
}

/** The text of one instruction in disasm.c syntax, or undefined when disasm.c has no form for it. */
function kernelText(i: Insn): string | undefined {
  const code = i.code;
  const cls = code & 7;
  const op = code & 0xf0;
  const size = code & 0x18;
  const mode = code & 0xe0;
  if (cls === CLASS.alu || cls === CLASS.alu64) {
    const r = cls === CLASS.alu ? 'w' : 'r';
    if (op === ALU_OP.end) {
      if (cls === CLASS.alu64) return `r${i.dst} = bswap${i.imm} r${i.dst}`;
      return `r${i.dst} = ${(code & SOURCE.x) !== 0 ? 'be' : 'le'}${i.imm} r${i.dst}`;
    }
    if (op === ALU_OP.neg) return `${r}${i.dst} = -${r}${i.dst}`;
    if (code === (CLASS.alu64 | ALU_OP.mov | SOURCE.x) && i.off === 1) {
      return `r${i.dst} = addr_space_cast(r${i.src}, ${i.imm >>> 16}, ${i.imm & 0xffff})`;
    }
    if (code === (CLASS.alu64 | ALU_OP.mov | SOURCE.x) && i.off === -1) {
      return `r${i.dst} = &(void __percpu *)(r${i.src})`;
    }
    const opName = ALU_STRING[op >> 4];
    if (opName === undefined) return undefined;
    const sdiv = (op === ALU_OP.div || op === ALU_OP.mod) && i.off === 1;
    const opText = sdiv ? (op === ALU_OP.div ? 's/=' : 's%=') : opName;
    if ((code & SOURCE.x) !== 0) {
      const movsx = op === ALU_OP.mov && (i.off === 8 || i.off === 16 || i.off === 32);
      return `${r}${i.dst} ${opText} ${movsx ? `(s${i.off})` : ''}${r}${i.src}`;
    }
    return `${r}${i.dst} ${opText} ${i.imm}`;
  }
  if (cls === CLASS.stx) {
    const sz = LDST_STRING[size >> 3]!;
    if (mode === MODE.mem) return `*(${sz} *)(r${i.dst} ${signed(i.off)}) = r${i.src}`;
    if (mode !== MODE.atomic) return undefined;
    const imm = i.imm;
    const at = (size === SIZE.dw ? '64' : '') as string;
    if (imm === ATOMIC_OP.add || imm === ATOMIC_OP.and || imm === ATOMIC_OP.or || imm === ATOMIC_OP.xor) {
      return `lock *(${sz} *)(r${i.dst} ${signed(i.off)}) ${ALU_STRING[imm >> 4]} r${i.src}`;
    }
    const fetchName = (imm & 1) === 1 ? ATOMIC_FETCH_NAME[imm & ~1] : undefined;
    if (fetchName !== undefined) {
      return `r${i.src} = atomic${at}_fetch_${fetchName}((${sz} *)(r${i.dst} ${signed(i.off)}), r${i.src})`;
    }
    if (imm === ATOMIC_OP.cmpxchg)
      return `r0 = atomic${at}_cmpxchg((${sz} *)(r${i.dst} ${signed(i.off)}), r0, r${i.src})`;
    if (imm === ATOMIC_OP.xchg)
      return `r${i.src} = atomic${at}_xchg((${sz} *)(r${i.dst} ${signed(i.off)}), r${i.src})`;
    if (imm === ATOMIC_OP.loadAcquire)
      return `r${i.dst} = load_acquire((${sz} *)(r${i.src} ${signed(i.off)}))`;
    if (imm === ATOMIC_OP.storeRelease)
      return `store_release((${sz} *)(r${i.dst} ${signed(i.off)}), r${i.src})`;
    return undefined;
  }
  if (cls === CLASS.st) {
    if (mode !== MODE.mem) return undefined;
    return `*(${LDST_STRING[size >> 3]} *)(r${i.dst} ${signed(i.off)}) = ${i.imm}`;
  }
  if (cls === CLASS.ldx) {
    if (mode === MODE.mem) return `r${i.dst} = *(${LDST_STRING[size >> 3]} *)(r${i.src} ${signed(i.off)})`;
    if (mode === MODE.memsx) return `r${i.dst} = *(${LDSX_STRING[size >> 3]} *)(r${i.src} ${signed(i.off)})`;
    return undefined;
  }
  if (cls === CLASS.ld) {
    const sz = LDST_STRING[size >> 3]!;
    if (mode === MODE.abs) return `r0 = *(${sz} *)skb[${i.imm}]`;
    if (mode === MODE.ind) return `r0 = *(${sz} *)skb[r${i.src} + ${i.imm}]`;
    if (code === OPCODE.ldImm64 && i.imm64 !== undefined) {
      const v = BigInt.asUintN(64, i.imm64).toString(16);
      if (i.src === 0) return `r${i.dst} = 0x${v}`;
      if (i.map !== undefined && i.imm64 === 0n && (i.src === 1 || i.src === 2)) {
        return `r${i.dst} = ${PSEUDO_LD_STRING[i.src]}[${i.map}]`;
      }
      return `r${i.dst} = ${PSEUDO_LD_STRING[i.src] ?? `pseudo${i.src}`}[0x${v}]`;
    }
    return undefined;
  }
  // JMP and JMP32
  const r = cls === CLASS.jmp32 ? 'w' : 'r';
  if (op === JMP_OP.call) {
    if (i.src === PSEUDO_CALL.call) return `call pc${signed(i.imm)}`;
    const name =
      i.src === PSEUDO_CALL.helper
        ? (helperName(i.imm) ?? 'unknown')
        : i.src === PSEUDO_CALL.kfunc
          ? 'kernel-function'
          : 'unknown';
    return `call ${name}#${i.imm}`;
  }
  if (code === OPCODE.ja) return `goto pc${signed(i.off)}`;
  if (code === OPCODE.mayGoto && i.src === 0) return `may_goto pc${signed(i.off)}`;
  if (code === OPCODE.gotol) return `gotol pc${signed(i.imm)}`;
  if (code === OPCODE.exit) return 'exit';
  const opName = JMP_STRING[op >> 4];
  if (opName === undefined || op === JMP_OP.ja || op === JMP_OP.exit) return undefined;
  if ((code & SOURCE.x) !== 0) return `if ${r}${i.dst} ${opName} ${r}${i.src} goto pc${signed(i.off)}`;
  return `if ${r}${i.dst} ${opName} 0x${hex(i.imm)} goto pc${signed(i.off)}`;
}

function rawText(i: Insn): string {
  const base = `raw dst=${i.dst} src=${i.src} off=${i.off} imm=${i.imm}`;
  return i.imm64 === undefined ? base : `${base} imm64=0x${BigInt.asUintN(64, i.imm64).toString(16)}`;
}

function sameFields(a: Insn, b: Insn): boolean {
  return (
    a.code === b.code &&
    a.dst === b.dst &&
    a.src === b.src &&
    a.off === b.off &&
    a.imm === b.imm &&
    a.imm64 === b.imm64
  );
}

/** Texts already proven to round-trip, by instruction fields (and map name): a pure cache, bounded. */
const textCache = new Map<string, string>();
const TEXT_CACHE_MAX = 8192;

/** The text of one instruction (without the index and opcode prefix). */
export function formatInsn(i: Insn): string {
  const key = `${i.code},${i.dst},${i.src},${i.off},${i.imm},${i.imm64 ?? ''},${i.map ?? ''}`;
  const hit = textCache.get(key);
  if (hit !== undefined) return hit;
  let out = rawText(i);
  const text = kernelText(i);
  if (text !== undefined) {
    const back = parseInsnText(text, i.code);
    if (back.ok && sameFields(back.insn, i)) out = text;
  }
  if (textCache.size >= TEXT_CACHE_MAX) textCache.clear();
  textCache.set(key, out);
  return out;
}

/** One line per instruction: `${slot}: (${code}) ${text}` (see module header). */
export function disassemble(insns: readonly Insn[]): string {
  const lines: string[] = [];
  let slot = 0;
  for (const i of insns) {
    lines.push(`${slot}: (${(i.code & 0xff).toString(16).padStart(2, '0')}) ${formatInsn(i)}`);
    slot += i.code === OPCODE.ldImm64 && i.imm64 !== undefined ? 2 : 1;
  }
  return lines.join('\n');
}
