// Loading eBPF programs (BPF_PROG_LOAD) and running them (BPF_PROG_TEST_RUN), plus program info.
// Invariants: inputs are plain bytes (8-byte eBPF instruction slots, host endianness); every buffer
// whose address goes into an attr is held in a local that is read after the syscall returns; a failed
// load is retried once with log level 1 (unless the caller asked for a level) so the error carries
// the verifier log; a successful load returns a handle that closes its fd exactly once.
import {
  infoByFdAttr,
  PROG_INFO,
  PROG_LOAD_LOG_TRUE_SIZE_OFFSET,
  progLoadAttr,
  readU32,
  readU64,
  TEST_RUN_OUT,
  testRunAttr,
} from './attr.ts';
import { BPF_CMD, PROG_INFO_SIZE, PROG_TYPE, type ProgTypeName } from './bpf-constants.ts';
import { ERRNO } from './errno.ts';
import { FdHandle } from './fd.ts';
import { fail, ok, type Result, type SysError, sysError } from './result.ts';
import { cString, keepAlive, type Syscalls, stableBuffer, stableCopy } from './syscalls.ts';

export interface ProgLoadSpec {
  /** Program type by name (`SOCKET_FILTER`…) or uapi number. */
  readonly type: ProgTypeName | number;
  /** Encoded instructions, 8 bytes per slot. */
  readonly insns: Uint8Array;
  readonly license?: string;
  /** Verifier log level (1 = basic, 2 = verbose). Without it: no log on success, level 1 retry on failure. */
  readonly logLevel?: number;
  /** Log buffer size in bytes (default 1 MiB). */
  readonly logSize?: number;
  readonly name?: string;
  readonly expectedAttachType?: number;
  readonly attachBtfId?: number;
  readonly progFlags?: number;
}

export class BpfProgram extends FdHandle {
  readonly progType: number;
  /** Verifier log when a log level was requested (else ''). */
  readonly log: string;
  constructor(sys: Syscalls, fd: number, progType: number, log: string) {
    super(sys, fd, 'bpf-prog');
    this.progType = progType;
    this.log = log;
  }
}

const DEFAULT_LOG_SIZE = 1 << 20;

function progTypeNumber(t: ProgTypeName | number): number {
  return typeof t === 'number' ? t : PROG_TYPE[t];
}

function decodeLog(buf: Uint8Array): string {
  const end = buf.indexOf(0);
  return new TextDecoder().decode(end < 0 ? buf : buf.subarray(0, end));
}

function loadOnce(
  sys: Syscalls,
  spec: ProgLoadSpec,
  logLevel: number,
): { fd: number; errno: number; log: string; truncated: boolean } {
  const insns = stableCopy(spec.insns);
  const license = cString(spec.license ?? 'GPL');
  const logSize = logLevel > 0 ? (spec.logSize ?? DEFAULT_LOG_SIZE) : 0;
  const logBuf = stableBuffer(logSize);
  const attr = progLoadAttr({
    progType: progTypeNumber(spec.type),
    insnCnt: Math.floor(insns.length / 8),
    insnsPtr: sys.address(insns),
    licensePtr: sys.address(license),
    logLevel,
    logSize,
    logBufPtr: sys.address(logBuf),
    ...(spec.name !== undefined ? { name: spec.name } : {}),
    ...(spec.expectedAttachType !== undefined ? { expectedAttachType: spec.expectedAttachType } : {}),
    ...(spec.attachBtfId !== undefined ? { attachBtfId: spec.attachBtfId } : {}),
    ...(spec.progFlags !== undefined ? { progFlags: spec.progFlags } : {}),
  });
  const r = sys.bpf(BPF_CMD.PROG_LOAD, attr);
  keepAlive(insns, license, logBuf);
  const log = decodeLog(logBuf);
  const trueSize = readU32(attr, PROG_LOAD_LOG_TRUE_SIZE_OFFSET);
  const truncated = (!r.ok && r.errno === ERRNO.ENOSPC) || trueSize > logSize;
  if (r.ok) return { fd: r.value, errno: 0, log, truncated: false };
  return { fd: -1, errno: r.errno, log, truncated };
}

/** BPF_PROG_LOAD. On failure the error carries errno and the verifier log. */
export function loadProgram(sys: Syscalls, spec: ProgLoadSpec): Result<BpfProgram> {
  if (spec.insns.length === 0 || spec.insns.length % 8 !== 0) {
    return fail(
      sysError('BPF_PROG_LOAD', ERRNO.EINVAL, `instruction bytes ${spec.insns.length} not a multiple of 8`),
    );
  }
  const level = spec.logLevel ?? 0;
  let r = loadOnce(sys, spec, level);
  if (r.fd >= 0) return ok(new BpfProgram(sys, r.fd, progTypeNumber(spec.type), r.log));
  if (spec.logLevel === undefined && r.errno !== ERRNO.EPERM && r.errno !== ERRNO.ENOSYS) {
    const again = loadOnce(sys, spec, 1);
    if (again.fd >= 0) {
      // Succeeded on retry (should not happen): keep the program, still a success.
      return ok(new BpfProgram(sys, again.fd, progTypeNumber(spec.type), again.log));
    }
    r = again;
  }
  const err: SysError = {
    ...sysError('BPF_PROG_LOAD', r.errno, r.log ? lastLine(r.log) : undefined),
    log: r.log,
    logTruncated: r.truncated,
  };
  return fail(err);
}

/** The verifier's reason: the last log line that is not the closing statistics line. */
function lastLine(log: string): string {
  const lines = log
    .trimEnd()
    .split('\n')
    .filter((l) => !l.startsWith('processed ') && l.trim() !== '');
  return lines[lines.length - 1] ?? '';
}

export interface TestRunInput {
  /** Packet bytes (data_in). */
  readonly data?: Uint8Array;
  /** Capacity for data_out (default: data length + 256; 0 to not ask for it). */
  readonly dataOutSize?: number;
  /** Context bytes (ctx_in), e.g. struct __sk_buff prefix or raw_tracepoint args. */
  readonly ctx?: Uint8Array;
  /** Capacity for ctx_out (default 0: not requested). */
  readonly ctxOutSize?: number;
  /** Runs (0 = kernel default of 1; must be 0 for raw_tracepoint). */
  readonly repeat?: number;
  readonly flags?: number;
  readonly cpu?: number;
}

export interface TestRunOutput {
  readonly retval: number;
  /** Average run time in ns as reported by the kernel. */
  readonly duration: number;
  readonly dataOut: Uint8Array;
  readonly ctxOut: Uint8Array;
}

/**
 * Why BPF_PROG_TEST_RUN would refuse `frame` for a packet program type (EINVAL), or undefined.
 * Measured on Linux 6.18: skb programs (socket filter, sched_cls) need ≥ 14 bytes (ETH_HLEN) and, for
 * ethertype 0x0800 / 0x86dd, a complete IPv4 (20) / IPv6 (40) header after it; XDP needs ≥ 14 bytes.
 */
export function testRunFrameProblem(progType: ProgTypeName | number, frame: Uint8Array): string | undefined {
  const t = progTypeNumber(progType);
  if (t !== PROG_TYPE.SOCKET_FILTER && t !== PROG_TYPE.SCHED_CLS && t !== PROG_TYPE.XDP) return undefined;
  if (frame.length < 14) return 'frame shorter than an Ethernet header (14 bytes)';
  if (t === PROG_TYPE.XDP) return undefined;
  const et = ((frame[12] ?? 0) << 8) | (frame[13] ?? 0);
  if (et === 0x0800 && frame.length < 34) return 'IPv4 ethertype without a complete 20-byte IPv4 header';
  if (et === 0x86dd && frame.length < 54) return 'IPv6 ethertype without a complete 40-byte IPv6 header';
  return undefined;
}

/** BPF_PROG_TEST_RUN for one input. */
export function testRun(sys: Syscalls, prog: FdHandle, input: TestRunInput): Result<TestRunOutput> {
  const data = stableCopy(input.data ?? new Uint8Array(0));
  const dataOutSize = input.dataOutSize ?? (data.length > 0 ? data.length + 256 : 0);
  const dataOut = stableBuffer(dataOutSize);
  const ctx = stableCopy(input.ctx ?? new Uint8Array(0));
  const ctxOut = stableBuffer(input.ctxOutSize ?? 0);
  const attr = testRunAttr({
    progFd: prog.fd,
    dataSizeIn: data.length,
    dataIn: sys.address(data),
    dataSizeOut: dataOut.length,
    dataOut: sys.address(dataOut),
    repeat: input.repeat ?? 0,
    ctxSizeIn: ctx.length,
    ctxIn: sys.address(ctx),
    ctxSizeOut: ctxOut.length,
    ctxOut: sys.address(ctxOut),
    ...(input.flags !== undefined ? { flags: input.flags } : {}),
    ...(input.cpu !== undefined ? { cpu: input.cpu } : {}),
  });
  const r = sys.bpf(BPF_CMD.PROG_TEST_RUN, attr);
  keepAlive(data, dataOut, ctx, ctxOut);
  if (!r.ok) return fail(sysError('BPF_PROG_TEST_RUN', r.errno));
  const outLen = Math.min(readU32(attr, TEST_RUN_OUT.dataSizeOut), dataOut.length);
  const ctxLen = Math.min(readU32(attr, TEST_RUN_OUT.ctxSizeOut), ctxOut.length);
  return ok({
    retval: readU32(attr, TEST_RUN_OUT.retval),
    duration: readU32(attr, TEST_RUN_OUT.duration),
    dataOut: dataOut.slice(0, outLen),
    ctxOut: ctxOut.slice(0, ctxLen),
  });
}

export interface ProgInfo {
  readonly type: number;
  readonly id: number;
  readonly tag: string;
  readonly jitedLen: number;
  readonly xlatedLen: number;
  readonly name: string;
  readonly runTimeNs: bigint;
  readonly runCnt: bigint;
  readonly verifiedInsns: number;
}

/** BPF_OBJ_GET_INFO_BY_FD for a program. Fields past the kernel's info_len read as 0. */
export function progInfo(sys: Syscalls, prog: FdHandle): Result<ProgInfo> {
  const info = stableBuffer(PROG_INFO_SIZE);
  const attr = infoByFdAttr(prog.fd, info.length, sys.address(info));
  const r = sys.bpf(BPF_CMD.OBJ_GET_INFO_BY_FD, attr);
  if (!r.ok) return fail(sysError('BPF_OBJ_GET_INFO_BY_FD', r.errno));
  const tag = Array.from(info.subarray(PROG_INFO.tag, PROG_INFO.tag + 8), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');
  return ok({
    type: readU32(info, PROG_INFO.type),
    id: readU32(info, PROG_INFO.id),
    tag,
    jitedLen: readU32(info, PROG_INFO.jitedProgLen),
    xlatedLen: readU32(info, PROG_INFO.xlatedProgLen),
    name: decodeLog(info.subarray(PROG_INFO.name, PROG_INFO.name + 16)),
    runTimeNs: readU64(info, PROG_INFO.runTimeNs),
    runCnt: readU64(info, PROG_INFO.runCnt),
    verifiedInsns: readU32(info, PROG_INFO.verifiedInsns),
  });
}
