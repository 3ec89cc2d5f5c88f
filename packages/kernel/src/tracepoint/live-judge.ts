// The live tracepoint differential: one filter, judged on the same tracepoint hits by the kernel's own event
// filter and by a (tfc-compiled) BPF_PROG_TYPE_TRACEPOINT program.
// How verdicts are taken, per hit: the firer (a child process we control) makes exactly one hit and replies; then
//  - kernel: the filter is installed in a private tracefs instance where the event is enabled; the hit was
//    accepted iff a record of the event with common_pid = the firer's pid reached that instance's ring buffer
//    (drained from per_cpu/cpuN/trace_pipe_raw before and after the hit);
//  - program: it is attached (PERF_EVENT_IOC_SET_BPF) to a counting perf event for the firer's task only (pid =
//    firer, cpu -1): perf counts a hit only when the tracepoint's programs return non-zero, so the hit was accepted
//    iff the counter (read(2) of the perf fd) went up by one. No program instrumentation: what is judged is the
//    program's own return value, acted on by the kernel.
// Programs attached to the same tracepoint by other processes would veto hits too (the tracepoint ANDs all its
// programs); every judgement lists them in `foreign` (PERF_EVENT_IOC_QUERY_BPF before and after the hits), so a
// caller can tell such interference from a disagreement.
// Invariants: every filter passes kernelHazard() before it is written (a hazardous one throws, untouched kernel);
// a filter the kernel refuses is not fired (errno returned); the perf event of a judgement is closed before
// judge() returns, also when it throws; dispose() removes the instance and stops the firer (idempotent).

import type { FdHandle } from '../sys/fd.ts';
import { tracepointId } from '../sys/perf.ts';
import { openTracepointCounter, queryTracepointPrograms, readCounter } from '../sys/perf-count.ts';
import { progInfo } from '../sys/prog.ts';
import type { Syscalls } from '../sys/syscalls.ts';
import { readRawFormat } from '../tracefs/event-format.ts';
import { readText } from '../tracefs/files.ts';
import { refuseHazard } from '../tracefs/hazards.ts';
import { type EventRef, TracefsInstance } from '../tracefs/instance.ts';
import { locateTracefs, type Unavailable } from '../tracefs/locate.ts';
import { commonPid, readU16 } from '../tracefs/uprobe-oracle.ts';
import { FirerProcess, type LseekHit, type RenameHit } from './firer-process.ts';

export const SYS_ENTER_LSEEK: EventRef = { group: 'syscalls', event: 'sys_enter_lseek' };
export const TASK_RENAME_EVENT: EventRef = { group: 'task', event: 'task_rename' };

export type Hit = ({ readonly kind: 'lseek' } & LseekHit) | ({ readonly kind: 'rename' } & RenameHit);

export interface LiveJudgement {
  /** errno name of the filter write; null when the kernel took the filter. */
  readonly errno: string | null;
  /** The filter file read back after the write. */
  readonly filterFile: string;
  /** Per hit: did the kernel's event filter keep it? (empty when errno is set) */
  readonly kernel: readonly boolean[];
  /** Per hit: did the program accept it? (empty when errno is set) */
  readonly program: readonly boolean[];
  /** Ids of other processes' programs seen on the tracepoint during the hits. */
  readonly foreign: readonly number[];
}

export class LiveTracepointJudge {
  readonly event: EventRef;
  /** The live format file of the event (the schema to compile against). */
  readonly format: string;
  /** The firing task (common_pid of every hit). */
  readonly pid: number;
  /** The firer's sleeping thread (task_rename `pid` of `target: 'thread'` renames). */
  readonly threadTid: number;
  readonly nrCpus: number;
  readonly #sys: Syscalls;
  readonly #id: number;
  readonly #firer: FirerProcess;
  readonly #inst: TracefsInstance;
  #disposed = false;

  private constructor(
    sys: Syscalls,
    event: EventRef,
    format: string,
    id: number,
    firer: FirerProcess,
    inst: TracefsInstance,
  ) {
    this.#sys = sys;
    this.event = event;
    this.format = format;
    this.#id = id;
    this.#firer = firer;
    this.#inst = inst;
    this.pid = firer.pid;
    this.threadTid = firer.threadTid;
    this.nrCpus = inst.cpus.length;
  }

  /** Locates tracefs, starts a firer, enables `event` in a private instance (name includes `tag` and pids). */
  static async start(
    sys: Syscalls,
    event: EventRef,
    options: { readonly tag?: string; readonly cacheDir?: string } = {},
  ): Promise<LiveTracepointJudge | Unavailable> {
    const fs = await locateTracefs();
    if (!fs.ok) return fs;
    let format: string;
    try {
      format = readText(`${fs.path}/events/${event.group}/${event.event}/format`);
    } catch {
      return { ok: false, reason: `no ${event.group}:${event.event} event in this kernel` };
    }
    const raw = readRawFormat(format);
    const id = tracepointId(event.group, event.event, fs.path);
    if (raw === null || !id.ok)
      return { ok: false, reason: `cannot read ${event.group}:${event.event} format/id` };
    const firer = await FirerProcess.start(
      options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {},
    );
    if ('ok' in firer) return firer;
    const inst = TracefsInstance.createEnabled(
      fs.path,
      `tfc_live_${options.tag ?? 'j'}_${event.event}_${process.pid}_${firer.pid}`,
      event,
      64,
    );
    if (!(inst instanceof TracefsInstance)) {
      await firer.dispose();
      return inst;
    }
    return new LiveTracepointJudge(sys, event, format, id.value, firer, inst);
  }

  /** Records of our event from our firer now in the instance's ring buffers (consumed). */
  #drainOurs(): number {
    const { records, error } = this.#inst.drainRaw();
    if (error !== null) throw new Error(`ring buffer decode failed: ${error}`);
    let n = 0;
    for (const r of records)
      if (r.data.length >= 8 && readU16(r.data, 0) === this.#id && commonPid(r.data) === this.pid) n++;
    return n;
  }

  async #fire(h: Hit): Promise<void> {
    if (h.kind === 'lseek') {
      if (this.event.event !== SYS_ENTER_LSEEK.event) throw new RangeError('lseek hit on another event');
      await this.#firer.lseek(h);
    } else {
      if (this.event.event !== TASK_RENAME_EVENT.event) throw new RangeError('rename hit on another event');
      await this.#firer.rename(h);
    }
  }

  /** Writes `filter` to the instance's event (after the hazard check) without firing: the kernel's refusal. */
  tryFilter(filter: string): { readonly errno: string | null; readonly filterFile: string } {
    if (this.#disposed) throw new Error('LiveTracepointJudge used after dispose');
    refuseHazard(filter);
    const errno = this.#inst.writeFilter(this.event, filter);
    return { errno, filterFile: this.#inst.readFilter(this.event) };
  }

  /**
   * Installs `filter` in the instance and, if the kernel takes it, makes every hit once, judged by the kernel and
   * by `program` (a loaded TRACEPOINT program). Throws without touching the kernel for a kernelHazard() filter,
   * and on harness failures (a hit recorded twice, a counter that cannot be read).
   */
  async judge(filter: string, program: FdHandle, hits: readonly Hit[]): Promise<LiveJudgement> {
    if (this.#disposed) throw new Error('LiveTracepointJudge used after dispose');
    const { errno, filterFile } = this.tryFilter(filter);
    if (errno !== null) return { errno, filterFile, kernel: [], program: [], foreign: [] };
    const own = progInfo(this.#sys, program);
    const counter = openTracepointCounter(this.#sys, this.#id, { pid: this.pid, cpu: -1 }, program);
    if (!counter.ok) throw new Error(counter.error.message);
    const c = counter.value;
    try {
      const foreign = new Set<number>();
      const query = () => {
        const q = queryTracepointPrograms(this.#sys, c);
        if (q.ok) for (const id of q.value) if (!own.ok || id !== own.value.id) foreign.add(id);
      };
      query();
      this.#drainOurs();
      const kernel: boolean[] = [];
      const prog: boolean[] = [];
      for (const h of hits) {
        const before = readCounter(c);
        await this.#fire(h);
        const after = readCounter(c);
        if (!before.ok || !after.ok) throw new Error('cannot read the perf counter');
        const n = this.#drainOurs();
        const d = after.value - before.value;
        if (n > 1 || d > 1n) throw new Error(`one hit was counted ${n} times by the kernel, ${d} by perf`);
        kernel.push(n === 1);
        prog.push(d === 1n);
      }
      query();
      return { errno, filterFile, kernel, program: prog, foreign: [...foreign] };
    } finally {
      c.dispose();
    }
  }

  /** Removes the instance and stops the firer. Idempotent. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#inst.dispose();
    await this.#firer.dispose();
  }
}
