// Tracepoint attach for BPF_PROG_TYPE_TRACEPOINT programs through perf_event_open(2).
// Invariants: the perf event is opened disabled, gets the program with PERF_EVENT_IOC_SET_BPF and is
// then enabled; the returned handle owns the perf fd (closing it detaches the program). One attach
// on cpu 0 with pid -1 runs the program for hits on every CPU: the program is stored in the
// tracepoint's prog_array, which the tracepoint runs before any per-CPU perf-event dispatch (checked
// by the kernel test that fires the tracepoint from a task pinned to the last CPU).
import { readFileSync } from 'node:fs';
import { ERRNO } from './errno.ts';
import { FdHandle } from './fd.ts';
import { fail, ok, type Result, sysError } from './result.ts';
import { type Syscalls, stableBuffer } from './syscalls.ts';

export const PERF = {
  TYPE_TRACEPOINT: 2,
  /** PERF_ATTR_SIZE_VER7 */
  ATTR_SIZE: 128,
  FLAG_FD_CLOEXEC: 8,
  IOC_ENABLE: 0x2400,
  IOC_DISABLE: 0x2401,
  /** _IOW('$', 8, __u32) */
  IOC_SET_BPF: 0x40042408,
  SAMPLE_RAW: 1 << 10,
} as const;

/** perf_event_attr of tracepoint `id`, opened disabled: type@0 size@4 config@8 flags@40 (disabled=bit0). */
export function tracepointAttrBase(tracepointId: number): Uint8Array {
  const b = stableBuffer(PERF.ATTR_SIZE);
  const v = new DataView(b.buffer);
  v.setUint32(0, PERF.TYPE_TRACEPOINT, true);
  v.setUint32(4, PERF.ATTR_SIZE, true);
  v.setBigUint64(8, BigInt(tracepointId), true);
  v.setBigUint64(40, 1n, true);
  return b;
}

/** perf_event_attr for a sampling tracepoint: the base plus sample_period@16 = 1, sample_type@24 = RAW, wakeup_events@48 = 1. */
export function tracepointPerfAttr(tracepointId: number): Uint8Array {
  const b = tracepointAttrBase(tracepointId);
  const v = new DataView(b.buffer);
  v.setBigUint64(16, 1n, true);
  v.setBigUint64(24, BigInt(PERF.SAMPLE_RAW), true);
  v.setUint32(48, 1, true);
  return b;
}

/** attr.flags bits past `disabled` that a sampling event sets: wakeups by byte watermark. */
const FLAG_WATERMARK = 1n << 14n;

/** read_format bit: read(2) of the event also returns the samples it lost (Linux 6.0+). */
export const PERF_FORMAT_LOST = 1 << 4;

/**
 * perf_event_attr of a sampling tracepoint event that records every hit into its ring buffer: the base (opened
 * disabled) plus sample_period@16 = 1, sample_type@24 = `sampleType`, read_format@32 = `readFormat`, the watermark
 * flag and wakeup_watermark@48 = `wakeupBytes` (a poll(2) wakes up once that many bytes wait; readers that poll on a
 * timer are never woken).
 */
export function tracepointSampleAttr(
  tracepointId: number,
  sampleType: number,
  wakeupBytes: number,
  readFormat = 0,
): Uint8Array {
  const b = tracepointAttrBase(tracepointId);
  const v = new DataView(b.buffer);
  v.setBigUint64(16, 1n, true);
  v.setBigUint64(24, BigInt(sampleType), true);
  v.setBigUint64(32, BigInt(readFormat), true);
  v.setBigUint64(40, v.getBigUint64(40, true) | FLAG_WATERMARK, true);
  v.setUint32(48, wakeupBytes >>> 0, true);
  return b;
}

/** The numeric id of tracepoint GROUP:NAME (tracefs `events/GROUP/NAME/id`). */
export function tracepointId(group: string, name: string, tracefs = '/sys/kernel/tracing'): Result<number> {
  const bad = /[/\0]|^\.\.?$/;
  if (bad.test(group) || bad.test(name))
    return fail(sysError('tracepoint id', ERRNO.EINVAL, `${group}:${name}`));
  try {
    const id = Number.parseInt(readFileSync(`${tracefs}/events/${group}/${name}/id`, 'utf8').trim(), 10);
    return Number.isInteger(id) ? ok(id) : fail(sysError('tracepoint id', ERRNO.EINVAL, `${group}:${name}`));
  } catch (e) {
    const code = (e as { code?: string }).code ?? 'ENOENT';
    const n = code in ERRNO ? ERRNO[code as keyof typeof ERRNO] : ERRNO.ENOENT;
    return fail(sysError('tracepoint id', n, `${group}:${name}`));
  }
}

/**
 * perf_event_open(attr, where.pid, where.cpu), then PERF_EVENT_IOC_SET_BPF with `prog` (when given), then
 * PERF_EVENT_IOC_ENABLE; the fd is closed on any failure. `kind` names the handle, `detail` the open's error.
 */
export function openPerfEvent(
  sys: Syscalls,
  attr: Uint8Array,
  where: { readonly pid: number; readonly cpu: number },
  what: { readonly kind: string; readonly detail: string },
  prog?: FdHandle,
): Result<FdHandle> {
  const r = sys.perfEventOpen(attr, where.pid, where.cpu, -1, PERF.FLAG_FD_CLOEXEC);
  if (!r.ok) return fail(sysError('perf_event_open', r.errno, what.detail));
  const h = new FdHandle(sys, r.value, what.kind);
  if (prog !== undefined) {
    const s = sys.ioctl(h.fd, PERF.IOC_SET_BPF, prog.fd);
    if (!s.ok) {
      h.dispose();
      return fail(sysError('PERF_EVENT_IOC_SET_BPF', s.errno));
    }
  }
  const e = sys.ioctl(h.fd, PERF.IOC_ENABLE, 0);
  if (!e.ok) {
    h.dispose();
    return fail(sysError('PERF_EVENT_IOC_ENABLE', e.errno));
  }
  return ok(h);
}

/** Attaches a TRACEPOINT program to tracepoint `id`; dispose the result to detach. */
export function attachTracepoint(sys: Syscalls, prog: FdHandle, id: number, cpu = 0): Result<FdHandle> {
  return openPerfEvent(
    sys,
    tracepointPerfAttr(id),
    { pid: -1, cpu },
    { kind: 'perf-event', detail: `tracepoint ${id}` },
    prog,
  );
}
