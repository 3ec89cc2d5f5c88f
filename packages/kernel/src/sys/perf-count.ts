// Counting tracepoint perf events: how tfc learns which hits a tracepoint program accepted.
// Invariants: a counting event has sample_period 0 (no samples, no ring buffer): the kernel adds 1 to its count
// for each hit that reaches perf — with BPF programs on the tracepoint, only hits for which every program in the
// tracepoint's prog_array returned non-zero (perf_trace_run_bpf_submit / perf_syscall_enter); events are opened
// disabled and enabled last; every handle owns its fd; reads and ioctls return values, never throw.
import { readSync } from 'node:fs';
import type { FdHandle } from './fd.ts';
import { openPerfEvent, tracepointAttrBase } from './perf.ts';
import { fail, ok, type Result, sysError } from './result.ts';
import { keepAlive, type Syscalls, stableBuffer } from './syscalls.ts';

/** _IOWR('$', 10, struct perf_event_query_bpf *) */
export const PERF_IOC_QUERY_BPF = 0xc008240a;

/** perf_event_attr of a counting (non-sampling) tracepoint event, opened disabled. */
export function tracepointCountAttr(tracepointId: number): Uint8Array {
  return tracepointAttrBase(tracepointId);
}

/**
 * Opens a counting event on tracepoint `id`: for task `pid` on any CPU (cpu -1), or for every task on `cpu`
 * (pid -1). With `prog`, attaches it (PERF_EVENT_IOC_SET_BPF) before enabling.
 */
export function openTracepointCounter(
  sys: Syscalls,
  id: number,
  where: { readonly pid: number; readonly cpu: number },
  prog?: FdHandle,
): Result<FdHandle> {
  const detail = `tracepoint ${id}, pid ${where.pid}, cpu ${where.cpu}`;
  return openPerfEvent(sys, tracepointCountAttr(id), where, { kind: 'perf-counter', detail }, prog);
}

/** The event's count (read(2) of a counting event without read_format: one u64). */
export function readCounter(h: FdHandle): Result<bigint> {
  if (h.closed) return fail(sysError('read perf counter', 9, 'closed'));
  const b = Buffer.alloc(8);
  try {
    const n = readSync(h.fd, b, 0, 8, null);
    if (n !== 8) return fail(sysError('read perf counter', 5, `${n} bytes`));
  } catch (e) {
    const errno = (e as { errno?: number }).errno;
    return fail(sysError('read perf counter', typeof errno === 'number' ? Math.abs(errno) : 5));
  }
  return ok(b.readBigUInt64LE(0));
}

/** Ids of the BPF programs attached to the tracepoint of perf event `h` (all of them, not only this event's). */
export function queryTracepointPrograms(sys: Syscalls, h: FdHandle, max = 64): Result<number[]> {
  const q = stableBuffer(8 + 4 * max);
  const v = new DataView(q.buffer);
  v.setUint32(0, max, true);
  const r = sys.ioctl(h.fd, PERF_IOC_QUERY_BPF, Number(sys.address(q)));
  keepAlive(q);
  if (!r.ok) return fail(sysError('PERF_EVENT_IOC_QUERY_BPF', r.errno));
  const cnt = v.getUint32(4, true);
  const ids: number[] = [];
  for (let i = 0; i < Math.min(cnt, max); i++) ids.push(v.getUint32(8 + 4 * i, true));
  return ok(ids);
}
