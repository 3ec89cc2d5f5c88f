// @tfc/bpf/cbpf: classic BPF — typed instructions, struct sock_filter encoding, the kernel's checker, listings
// (tcpdump -d/-dd/-ddd, tc bytecode, bpf_asm) and a VM with kernel or libpcap semantics.
// Invariants: pure functions over plain data; no kernel access; parsers and the VM report bad input as values.

export { parseBpfAsm, printBpfAsm } from './bpf-asm.ts';
export { decode, decodeChecked, encode, SOCK_FILTER_SIZE } from './codec.ts';
export type { AbsBase, AluOp, Insn, InsnKind, JmpCond, RawInsn, Size } from './insn.ts';
export { fromRaw, isCanonical, toRaw } from './insn.ts';
export { imageLine, parseD, printD } from './listing-d.ts';
export { parseBytecode, parseDd, parseDdd, printBytecode, printDd, printDdd } from './listing-numeric.ts';
export type { AncillaryName, AncillaryRow } from './opcodes.ts';
export {
  ANCILLARY,
  ancillaryForK,
  BPF_ALU_OP,
  BPF_CLASS,
  BPF_JMP_OP,
  BPF_MAXINSNS,
  BPF_MEMWORDS,
  BPF_MISCOP,
  BPF_MODE,
  BPF_RVAL,
  BPF_SIZE,
  BPF_SRC,
  SKF_AD_OFF,
  SKF_LL_OFF,
  SKF_NET_OFF,
} from './opcodes.ts';
export type { ParseResult } from './parse-result.ts';
export type { Diagnostic } from './validate.ts';
export { validate } from './validate.ts';
export type { RunResult, Semantics, TraceStep, VmContext, VmOptions } from './vm.ts';
export { compileVm, DEFAULT_FUEL, run, tryCompileVm } from './vm.ts';
