// Pure builders and readers of `union bpf_attr` bytes, one per bpf(2) command, little-endian host.
// Invariants: builders allocate a fresh zeroed stable buffer of the command's ATTR_SIZE and write only
// the documented fields at their uapi offsets; pointers are passed in as bigints (the caller resolves
// them with Syscalls.address and keeps the pointed-to buffers alive); no I/O, no shared state.
import { ATTR_SIZE } from './bpf-constants.ts';
import { stableBuffer } from './syscalls.ts';

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}
function u32(b: Uint8Array, off: number, v: number): void {
  view(b).setUint32(off, v >>> 0, true);
}
function u64(b: Uint8Array, off: number, v: bigint): void {
  view(b).setBigUint64(off, BigInt.asUintN(64, v), true);
}
export function readU32(b: Uint8Array, off: number): number {
  return view(b).getUint32(off, true);
}
export function readU64(b: Uint8Array, off: number): bigint {
  return view(b).getBigUint64(off, true);
}
function name16(b: Uint8Array, off: number, name: string): void {
  const enc = new TextEncoder().encode(name).subarray(0, 15);
  b.set(enc, off);
}

export interface MapCreateAttr {
  readonly mapType: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags?: number;
  readonly name?: string;
}
/** BPF_MAP_CREATE: map_type@0 key_size@4 value_size@8 max_entries@12 map_flags@16 map_name[16]@28. */
export function mapCreateAttr(a: MapCreateAttr): Uint8Array {
  const b = stableBuffer(ATTR_SIZE.MAP_CREATE);
  u32(b, 0, a.mapType);
  u32(b, 4, a.keySize);
  u32(b, 8, a.valueSize);
  u32(b, 12, a.maxEntries);
  u32(b, 16, a.flags ?? 0);
  if (a.name !== undefined) name16(b, 28, a.name);
  return b;
}

/** BPF_MAP_{LOOKUP,UPDATE,DELETE}_ELEM / GET_NEXT_KEY: map_fd@0 key@8 value|next_key@16 flags@24. */
export function mapElemAttr(mapFd: number, keyPtr: bigint, valuePtr: bigint, flags: bigint): Uint8Array {
  const b = stableBuffer(ATTR_SIZE.MAP_ELEM);
  u32(b, 0, mapFd);
  u64(b, 8, keyPtr);
  u64(b, 16, valuePtr);
  u64(b, 24, flags);
  return b;
}

export interface ProgLoadAttr {
  readonly progType: number;
  readonly insnCnt: number;
  readonly insnsPtr: bigint;
  readonly licensePtr: bigint;
  readonly logLevel: number;
  readonly logSize: number;
  readonly logBufPtr: bigint;
  readonly kernVersion?: number;
  readonly progFlags?: number;
  readonly name?: string;
  readonly expectedAttachType?: number;
  readonly attachBtfId?: number;
}
/**
 * BPF_PROG_LOAD: prog_type@0 insn_cnt@4 insns@8 license@16 log_level@24 log_size@28 log_buf@32
 * kern_version@40 prog_flags@44 prog_name[16]@48 expected_attach_type@68 attach_btf_id@108.
 */
export function progLoadAttr(a: ProgLoadAttr): Uint8Array {
  const b = stableBuffer(ATTR_SIZE.PROG_LOAD);
  u32(b, 0, a.progType);
  u32(b, 4, a.insnCnt);
  u64(b, 8, a.insnsPtr);
  u64(b, 16, a.licensePtr);
  u32(b, 24, a.logLevel);
  u32(b, 28, a.logSize);
  u64(b, 32, a.logBufPtr);
  u32(b, 40, a.kernVersion ?? 0);
  u32(b, 44, a.progFlags ?? 0);
  if (a.name !== undefined) name16(b, 48, a.name);
  u32(b, 68, a.expectedAttachType ?? 0);
  u32(b, 108, a.attachBtfId ?? 0);
  return b;
}
/** log_true_size@140 (kernels ≥ 6.4 write it back). */
export const PROG_LOAD_LOG_TRUE_SIZE_OFFSET = 140;

/** BPF_OBJ_PIN / BPF_OBJ_GET: pathname@0 bpf_fd@8 file_flags@12. */
export function objAttr(pathPtr: bigint, fd: number, fileFlags: number): Uint8Array {
  const b = stableBuffer(ATTR_SIZE.OBJ);
  u64(b, 0, pathPtr);
  u32(b, 8, fd);
  u32(b, 12, fileFlags);
  return b;
}

export interface TestRunAttr {
  readonly progFd: number;
  readonly dataSizeIn: number;
  readonly dataIn: bigint;
  readonly dataSizeOut: number;
  readonly dataOut: bigint;
  readonly repeat: number;
  readonly ctxSizeIn: number;
  readonly ctxIn: bigint;
  readonly ctxSizeOut: number;
  readonly ctxOut: bigint;
  readonly flags?: number;
  readonly cpu?: number;
}
/**
 * BPF_PROG_TEST_RUN: prog_fd@0 retval@4(out) data_size_in@8 data_size_out@12(in/out) data_in@16
 * data_out@24 repeat@32 duration@36(out) ctx_size_in@40 ctx_size_out@44(in/out) ctx_in@48 ctx_out@56
 * flags@64 cpu@68 batch_size@72.
 */
export function testRunAttr(a: TestRunAttr): Uint8Array {
  const b = stableBuffer(ATTR_SIZE.PROG_TEST_RUN);
  u32(b, 0, a.progFd);
  u32(b, 8, a.dataSizeIn);
  u32(b, 12, a.dataSizeOut);
  u64(b, 16, a.dataIn);
  u64(b, 24, a.dataOut);
  u32(b, 32, a.repeat);
  u32(b, 40, a.ctxSizeIn);
  u32(b, 44, a.ctxSizeOut);
  u64(b, 48, a.ctxIn);
  u64(b, 56, a.ctxOut);
  u32(b, 64, a.flags ?? 0);
  u32(b, 68, a.cpu ?? 0);
  return b;
}
export const TEST_RUN_OUT = { retval: 4, dataSizeOut: 12, duration: 36, ctxSizeOut: 44 } as const;

/** BPF_OBJ_GET_INFO_BY_FD: bpf_fd@0 info_len@4(in/out) info@8. */
export function infoByFdAttr(fd: number, infoLen: number, infoPtr: bigint): Uint8Array {
  const b = stableBuffer(ATTR_SIZE.INFO_BY_FD);
  u32(b, 0, fd);
  u32(b, 4, infoLen);
  u64(b, 8, infoPtr);
  return b;
}
/** Offsets in struct bpf_prog_info. */
export const PROG_INFO = {
  type: 0,
  id: 4,
  tag: 8,
  jitedProgLen: 16,
  xlatedProgLen: 20,
  name: 64,
  runTimeNs: 192,
  runCnt: 200,
  verifiedInsns: 216,
} as const;

/** BPF_RAW_TRACEPOINT_OPEN: name@0 prog_fd@8 cookie@16. */
export function rawTracepointOpenAttr(namePtr: bigint, progFd: number): Uint8Array {
  const b = stableBuffer(ATTR_SIZE.RAW_TRACEPOINT_OPEN);
  u64(b, 0, namePtr);
  u32(b, 8, progFd);
  return b;
}

/** BPF_ENABLE_STATS: type@0. */
export function enableStatsAttr(type: number): Uint8Array {
  const b = stableBuffer(ATTR_SIZE.ENABLE_STATS);
  u32(b, 0, type);
  return b;
}
