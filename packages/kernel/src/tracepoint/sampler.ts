// Recording a tracepoint through perf with a BPF program deciding (what `tfc trace --engine ebpf` reads): one
// sampling perf event per CPU for each tracepoint (pid -1, sample_period 1, PERF_SAMPLE_TID | TIME | CPU | RAW), each
// with its ring buffer mapped, and the tracepoint's filter program attached (PERF_EVENT_IOC_SET_BPF) to the first
// of them. The program sits in the tracepoint's prog_array, which the kernel runs for every hit on every CPU before
// any perf event is served (perf_trace_run_bpf_submit, perf_syscall_enter): a hit the program returns 0 for is never
// written to any ring, a hit it accepts is written to the ring of the CPU it happened on.
// Invariants: every event is opened disabled, mapped, given its program, and only then enabled, so no unfiltered
// hit is ever recorded; open() releases everything it made when a step fails; every fd and mapping is owned here
// and released by dispose() (idempotent, also at process exit if leaked), the callers keep owning the programs;
// read() returns each CPU's samples in ring order, the events the kernel dropped on a CPU (PERF_RECORD_LOST) as
// `lostBefore` of that CPU's next record (or of an empty record when none follows), all CPUs merged by timestamp
// without reordering any CPU's records (mergeByTime), and nothing once disposed; finish() stops recording and settles the loss count with the kernel's own
// per-event total, so no loss goes unreported.

import { FdHandle } from '../sys/fd.ts';
import { PERF, PERF_FORMAT_LOST, tracepointSampleAttr } from '../sys/perf.ts';
import { queryTracepointPrograms } from '../sys/perf-count.ts';
import { decodePerfRecords, PERF_SAMPLE } from '../sys/perf-records.ts';
import { PerfRing, pageSize } from '../sys/perf-ring.ts';
import { progInfo } from '../sys/prog.ts';
import { fail, ok, type Result, type SysError, sysError } from '../sys/result.ts';
import type { Syscalls } from '../sys/syscalls.ts';
import { registerExitRelease, unregisterExitRelease } from '../tracefs/cleanup.ts';
import type { TimedRecord } from '../tracefs/instance.ts';

/** The sample fields the sampler asks for. */
export const SAMPLER_SAMPLE_TYPE = PERF_SAMPLE.TID | PERF_SAMPLE.TIME | PERF_SAMPLE.CPU | PERF_SAMPLE.RAW;

/** A tracepoint to record and the loaded TRACEPOINT program that decides which of its hits are recorded (none: all). */
export interface SampledTracepoint {
  readonly id: number;
  readonly prog?: FdHandle;
}

export interface SamplerOptions {
  readonly events: readonly SampledTracepoint[];
  /** CPUs to record on (the online CPUs). */
  readonly cpus: readonly number[];
  /** Data pages per ring (a power of two). */
  readonly dataPages: number;
}

/**
 * One recorded hit: the raw sample payload (the tracepoint record as perf wrote it, padded so that 4 + its length
 * is a multiple of 8), the CPU, perf's timestamp (ns, the local clock perf uses), the events lost on that CPU just
 * before it, and the sample's pid (thread group) and tid. An empty `data` only reports a loss.
 */
export type SampledRecord = TimedRecord & { readonly pid: number; readonly tid: number };

interface Channel {
  readonly cpu: number;
  readonly event: FdHandle;
  readonly ring: PerfRing;
  /** Losses the ring's PERF_RECORD_LOST records (and finish()) reported so far. */
  reported: number;
}

export class TracepointSampler {
  readonly #sys: Syscalls;
  readonly #channels: readonly Channel[];
  readonly #ownIds: readonly number[];
  #token: number | null;

  private constructor(sys: Syscalls, channels: readonly Channel[], ownIds: readonly number[]) {
    this.#sys = sys;
    this.#channels = channels;
    this.#ownIds = ownIds;
    this.#token = registerExitRelease(() => this.#release());
  }

  static open(sys: Syscalls, opts: SamplerOptions): Result<TracepointSampler, SysError> {
    const channels: Channel[] = [];
    const bail = (e: SysError): Result<TracepointSampler, SysError> => {
      for (const c of channels.reverse()) {
        c.ring.dispose();
        c.event.dispose();
      }
      return fail(e);
    };
    if (opts.cpus.length === 0) return fail(sysError('tracepoint sampler', 22, 'no CPUs'));
    const firsts: FdHandle[] = [];
    const ringBytes = opts.dataPages * pageSize();
    for (const ev of opts.events) {
      for (const [i, cpu] of opts.cpus.entries()) {
        const wakeup = Math.max(4096, ringBytes >>> 1);
        let r = sys.perfEventOpen(
          tracepointSampleAttr(ev.id, SAMPLER_SAMPLE_TYPE, wakeup, PERF_FORMAT_LOST),
          -1,
          cpu,
          -1,
          PERF.FLAG_FD_CLOEXEC,
        );
        // Kernels before 6.0 refuse PERF_FORMAT_LOST: then only the ring's lost records count losses.
        if (!r.ok && r.errno === 22)
          r = sys.perfEventOpen(
            tracepointSampleAttr(ev.id, SAMPLER_SAMPLE_TYPE, wakeup),
            -1,
            cpu,
            -1,
            PERF.FLAG_FD_CLOEXEC,
          );
        if (!r.ok) return bail(sysError('perf_event_open', r.errno, `tracepoint ${ev.id}, cpu ${cpu}`));
        const event = new FdHandle(sys, r.value, 'perf-sampler');
        const ring = PerfRing.map(sys, event.fd, opts.dataPages);
        if (!ring.ok) {
          event.dispose();
          return bail(ring.error);
        }
        channels.push({ cpu, event, ring: ring.value, reported: 0 });
        if (i === 0) firsts.push(event);
      }
    }
    for (const [i, ev] of opts.events.entries()) {
      if (ev.prog === undefined) continue;
      const s = sys.ioctl((firsts[i] as FdHandle).fd, PERF.IOC_SET_BPF, ev.prog.fd);
      if (!s.ok) return bail(sysError('PERF_EVENT_IOC_SET_BPF', s.errno, `tracepoint ${ev.id}`));
    }
    for (const c of channels) {
      const e = sys.ioctl(c.event.fd, PERF.IOC_ENABLE, 0);
      if (!e.ok) return bail(sysError('PERF_EVENT_IOC_ENABLE', e.errno, `cpu ${c.cpu}`));
    }
    const ids = opts.events.flatMap((ev) => {
      if (ev.prog === undefined) return [];
      const info = progInfo(sys, ev.prog);
      return info.ok ? [info.value.id] : [];
    });
    return ok(new TracepointSampler(sys, channels, ids));
  }

  /** The CPUs recorded on. */
  get cpus(): readonly number[] {
    return [...new Set(this.#channels.map((c) => c.cpu))];
  }

  /** Everything recorded since the last call (see the module header for order and losses). */
  read(): { records: SampledRecord[]; error: string | null } {
    const records: SampledRecord[] = [];
    let error: string | null = null;
    if (this.#token === null) return { records, error };
    for (const c of this.#channels) {
      const chunk = c.ring.read();
      if (chunk.error !== null) error ??= `cpu${c.cpu}: ${chunk.error}`;
      if (chunk.bytes.length === 0) continue;
      const dec = decodePerfRecords(chunk.bytes, SAMPLER_SAMPLE_TYPE);
      if (dec.error !== null) error ??= `cpu${c.cpu}: ${dec.error}`;
      let lost = 0;
      let last = 0n;
      for (const r of dec.records) {
        if (r.kind === 'lost') {
          lost += Number(r.lost);
          c.reported += Number(r.lost);
        } else if (r.kind === 'sample') {
          records.push({ cpu: r.cpu, data: r.raw, ts: r.time, lostBefore: lost, pid: r.pid, tid: r.tid });
          lost = 0;
          last = r.time;
        }
      }
      // A loss after the last sample stays behind it in the merge (same timestamp, pushed later: the sort is stable).
      if (lost > 0)
        records.push({ cpu: c.cpu, data: new Uint8Array(0), ts: last, lostBefore: lost, pid: 0, tid: 0 });
    }
    return { records: mergeByTime(records), error };
  }

  /**
   * Stops recording and returns the rest: disables every event (no hit is recorded or lost after this), drains the
   * rings like read(), then asks each event how many samples it lost in all (PERF_FORMAT_LOST) and reports what no
   * PERF_RECORD_LOST has reported yet — a loss the kernel would only have written before a next sample — as an
   * empty record of that CPU. Nothing once disposed.
   */
  finish(): { records: SampledRecord[]; error: string | null } {
    if (this.#token === null) return { records: [], error: null };
    for (const c of this.#channels) this.#sys.ioctl(c.event.fd, PERF.IOC_DISABLE, 0);
    const out = this.read();
    const buf = new Uint8Array(16);
    for (const c of this.#channels) {
      const r = this.#sys.read(c.event.fd, buf);
      if (!r.ok || r.value !== 16) continue;
      const total = Number(new DataView(buf.buffer).getBigUint64(8, true));
      if (total > c.reported) {
        out.records.push({
          cpu: c.cpu,
          data: new Uint8Array(0),
          ts: 0n,
          lostBefore: total - c.reported,
          pid: 0,
          tid: 0,
        });
        c.reported = total;
      }
    }
    return out;
  }

  /** Ids of BPF programs on the recorded tracepoints that are not ours: they veto hits too. */
  foreignPrograms(): Result<number[]> {
    const seen = new Set<number>();
    for (const c of this.#channels) {
      const r = queryTracepointPrograms(this.#sys, c.event);
      if (!r.ok) return r;
      for (const id of r.value) if (!this.#ownIds.includes(id)) seen.add(id);
    }
    return ok([...seen]);
  }

  #release(): void {
    for (const c of [...this.#channels].reverse()) {
      c.ring.dispose();
      c.event.dispose();
    }
  }

  /** Detaches the programs, unmaps the rings and closes the events. Idempotent. */
  dispose(): void {
    if (this.#token === null) return;
    unregisterExitRelease(this.#token);
    this.#token = null;
    this.#release();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/**
 * Merges the CPUs' records by timestamp without ever reordering one CPU's records: each is sorted by the largest
 * timestamp its CPU had reached up to it (non-decreasing along a ring, so a sample written out of time order — an
 * interrupt's, nested in another's output — keeps its ring position), ties in input order (the sort is stable).
 */
export function mergeByTime(records: readonly SampledRecord[]): SampledRecord[] {
  const reached = new Map<number, bigint>();
  const keyed = records.map((r) => {
    const k = r.ts > (reached.get(r.cpu) ?? 0n) ? r.ts : (reached.get(r.cpu) ?? 0n);
    reached.set(r.cpu, k);
    return { r, k };
  });
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  return keyed.map((x) => x.r);
}
