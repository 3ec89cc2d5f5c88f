// A live trace session for `tfc trace --engine kernel`: a private tracefs instance where the kernel's own filter
// interpreter decides (the filter is written to each event's filter file), records read from the per-CPU
// trace_pipe_raw sub-buffers with their timestamps and lost-event marks, and the emitting task's comm.
// Invariants: start() leaves nothing behind when it fails (an event that does not exist, a filter the kernel
// refuses: the instance is removed and the answer says why, with the kernel's filter-file text); dispose() is
// idempotent and also runs at process exit through the instance; every filter passes refuseHazard first.
import { existsSync } from 'node:fs';
import { TaskComms } from '../tracepoint/task-comm.ts';
import { type HazardContext, refuseHazard } from './hazards.ts';
import { type EventRef, type TimedRecord, TracefsInstance } from './instance.ts';
import type { Unavailable } from './locate.ts';

export interface TraceSessionOptions {
  readonly events: readonly EventRef[];
  /** The filter written to every event (absent: no filter, every event recorded). */
  readonly filter?: string;
  /** Per-CPU ring buffer size in KiB (default 1024). */
  readonly bufferKb?: number;
  readonly hazard?: HazardContext;
}

export type TraceStart =
  | { readonly ok: true; readonly session: TraceSession }
  | Unavailable
  | {
      readonly ok: false;
      readonly reason: string;
      /** The kernel refused the filter on this event: its errno and what the filter file then showed. */
      readonly rejected: { readonly event: EventRef; readonly errno: string; readonly fileText: string };
    };

/** Sessions started by this process so far: each gets its own instance name. */
let started = 0;

export class TraceSession {
  readonly #inst: TracefsInstance;
  readonly #comms: TaskComms;

  private constructor(root: string, inst: TracefsInstance) {
    this.#comms = new TaskComms(root);
    this.#inst = inst;
  }

  /** CPUs with a ring buffer in the instance. */
  get cpus(): readonly number[] {
    return this.#inst.cpus;
  }

  static start(root: string, opts: TraceSessionOptions): TraceStart {
    if (opts.filter !== undefined) refuseHazard(opts.filter, opts.hazard);
    const inst = TracefsInstance.create(root, `tfc_trace_${process.pid}_${started++}`);
    if (!(inst instanceof TracefsInstance)) return inst;
    const fail = (r: TraceStart): TraceStart => {
      inst.dispose();
      return r;
    };
    const kb = inst.setBufferSizeKb(opts.bufferKb ?? 1024);
    if (kb !== null) return fail({ ok: false, reason: `buffer_size_kb: ${kb}` });
    for (const ev of opts.events) {
      if (opts.filter !== undefined) {
        const errno = inst.writeFilter(ev, opts.filter);
        // The kernel also answers ENOENT for some filters (unbalanced '('): only a missing file means no event.
        if (errno === 'ENOENT' && !existsSync(inst.eventPath(ev, 'filter')))
          return fail({ ok: false, reason: `no event ${ev.group}/${ev.event} in tracefs` });
        if (errno !== null)
          return fail({
            ok: false,
            reason: `the kernel refuses the filter on ${ev.group}/${ev.event} (${errno})`,
            rejected: { event: ev, errno, fileText: inst.readFilter(ev) },
          });
      }
    }
    for (const ev of opts.events) {
      const e = inst.setEnabled(ev, true);
      if (e !== null) return fail({ ok: false, reason: `enable ${ev.group}/${ev.event}: ${e}` });
    }
    return { ok: true, session: new TraceSession(root, inst) };
  }

  /**
   * Everything recorded since the last call, in timestamp order across CPUs (stable: each CPU's buffer order is
   * kept; a task that migrates between CPUs reads back in the order it ran).
   */
  read(): { records: TimedRecord[]; error: string | null } {
    const drained = this.#inst.drainTimed();
    return { records: mergeRuns(drained.records), error: drained.error };
  }

  /** The comm of task `pid`: `<idle>` for 0, /proc/PID/comm while it lives, else saved_cmdlines, else "". */
  commOf(pid: number): string {
    return this.#comms.of(pid);
  }

  /** Disables the events and removes the instance. Idempotent. */
  dispose(): void {
    this.#inst.dispose();
  }
}

/**
 * Records drained CPU after CPU (each CPU's run in buffer order, hence in time order) merged into one time order;
 * stable: equal timestamps keep the drain order. Linear for one CPU, a k-way merge otherwise (no full sort: a busy
 * drain holds tens of thousands of records).
 */
export function mergeRuns(records: readonly TimedRecord[]): TimedRecord[] {
  const runs: TimedRecord[][] = [];
  let cur: TimedRecord[] | undefined;
  let cpu = -1;
  for (const r of records) {
    if (cur === undefined || r.cpu !== cpu) {
      cur = [];
      runs.push(cur);
      cpu = r.cpu;
    }
    cur.push(r);
  }
  if (runs.length <= 1) return runs[0] ?? [];
  const out: TimedRecord[] = [];
  const at = runs.map(() => 0);
  for (;;) {
    let best = -1;
    for (let i = 0; i < runs.length; i++) {
      const r = runs[i]![at[i]!];
      if (r !== undefined && (best < 0 || r.ts < runs[best]![at[best]!]!.ts)) best = i;
    }
    if (best < 0) return out;
    out.push(runs[best]![at[best]!]!);
    at[best]!++;
  }
}
