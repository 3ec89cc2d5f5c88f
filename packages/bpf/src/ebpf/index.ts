// @tfc/bpf/ebpf: the eBPF instruction model, encoding, listings, assembler, VM.
// Invariants: this file only re-exports; every module it names is pure (no kernel access).
export { type AsmError, type AssembleResult, assemble } from './assemble.ts';
export { ALU_STRING, disassemble, formatInsn, JMP_STRING } from './disasm.ts';
export { type ByteOrder, decode, encode, slotCount, tryDecode } from './encode.ts';
export { HELPER_NAMES } from './helper-ids.ts';
export {
  alu32,
  alu64,
  atomic,
  bswap,
  call,
  callKfunc,
  callLocal,
  exit,
  gotol,
  type Insn,
  ja,
  jmp,
  jmp32,
  ldFunc,
  ldImm64,
  ldMapFd,
  ldMapValue,
  mayGoto,
  mem,
  mov,
  movsx32,
  movsx64,
  R0,
  R1,
  R2,
  R3,
  R4,
  R5,
  R6,
  R7,
  R8,
  R9,
  R10,
  type Reg,
  raw,
  slotsOf,
  toBe,
  toLe,
  withLabel,
} from './insn.ts';
export * from './opcode.ts';
export { type ParseAsmResult, type ParseInsnResult, parseAsm, parseInsnText } from './parse-asm.ts';
export { programTag } from './tag.ts';
export {
  type Prepared,
  prepare,
  type RunOptions,
  type RunResult,
  run,
  type VmEnv,
  type VmMemory,
} from './vm.ts';
export {
  type RawInput,
  SKB,
  SKB_SIZE,
  type SkbInput,
  skbTestRunInput,
  type TracepointInput,
  type VmInput,
  XDP,
  XDP_SIZE,
  type XdpInput,
  xdpTestRunInput,
} from './vm-context.ts';
export {
  createMap,
  ERRNO,
  mapDelete,
  mapLookup,
  mapUpdate,
  type VmMap,
  type VmMapDef,
  type VmMapType,
} from './vm-maps.ts';
