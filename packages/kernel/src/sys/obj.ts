// bpffs pinning (BPF_OBJ_PIN / BPF_OBJ_GET), raw tracepoint attach and run-time statistics.
// Invariants: paths and names are passed as NUL-terminated copies kept alive across the call;
// every returned fd is wrapped in a handle (closed once); errors are values.
import { enableStatsAttr, objAttr, rawTracepointOpenAttr } from './attr.ts';
import { BPF_CMD, STATS_TYPE } from './bpf-constants.ts';
import { FdHandle } from './fd.ts';
import { fail, ok, type Result, sysError } from './result.ts';
import { cString, keepAlive, type Syscalls } from './syscalls.ts';

/** BPF_OBJ_PIN: pins `obj` at `path` (which must be on a bpffs mount, e.g. /sys/fs/bpf/NAME). */
export function pinObject(sys: Syscalls, obj: FdHandle, path: string): Result<void> {
  const p = cString(path);
  const r = sys.bpf(BPF_CMD.OBJ_PIN, objAttr(sys.address(p), obj.fd, 0));
  keepAlive(p);
  return r.ok ? ok(undefined) : fail(sysError('BPF_OBJ_PIN', r.errno, path));
}

/** BPF_OBJ_GET: opens a pinned object; `fileFlags` e.g. BPF_F_RDONLY (1<<3). */
export function getPinnedObject(sys: Syscalls, path: string, fileFlags = 0): Result<FdHandle> {
  const p = cString(path);
  const r = sys.bpf(BPF_CMD.OBJ_GET, objAttr(sys.address(p), 0, fileFlags));
  keepAlive(p);
  return r.ok ? ok(new FdHandle(sys, r.value, 'bpf-pinned')) : fail(sysError('BPF_OBJ_GET', r.errno, path));
}

/**
 * BPF_RAW_TRACEPOINT_OPEN: attaches a RAW_TRACEPOINT program to tracepoint `name` (e.g. "sys_enter"),
 * or, with `name` undefined (a NULL pointer), a tp_btf program (TRACING + TRACE_RAW_TP) to the
 * tracepoint named by its attach_btf_id.
 */
export function openRawTracepoint(sys: Syscalls, prog: FdHandle, name: string | undefined): Result<FdHandle> {
  const n = name === undefined ? new Uint8Array(0) : cString(name);
  const r = sys.bpf(BPF_CMD.RAW_TRACEPOINT_OPEN, rawTracepointOpenAttr(sys.address(n), prog.fd));
  keepAlive(n);
  return r.ok
    ? ok(new FdHandle(sys, r.value, 'bpf-raw-tp'))
    : fail(sysError('BPF_RAW_TRACEPOINT_OPEN', r.errno, name ?? '(attach_btf_id)'));
}

/** BPF_ENABLE_STATS(RUN_TIME): run_time_ns/run_cnt are collected while the returned fd is open. */
export function enableRunTimeStats(sys: Syscalls): Result<FdHandle> {
  const r = sys.bpf(BPF_CMD.ENABLE_STATS, enableStatsAttr(STATS_TYPE.RUN_TIME));
  return r.ok ? ok(new FdHandle(sys, r.value, 'bpf-stats')) : fail(sysError('BPF_ENABLE_STATS', r.errno));
}
