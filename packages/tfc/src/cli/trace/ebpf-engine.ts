/*
 * `tfc trace --engine ebpf`: tfc's compiled program decides which events are recorded. FILTER is compiled for each
 * event's tracepoint (the path `tfc apply --target ebpf` uses, under the running kernel's dialect), loaded, and
 * attached to one sampling perf event of that tracepoint; the perf events (one per online CPU and event) write the
 * hits the program accepts into their ring buffers, and this session delivers them as the kernel engine delivers
 * its ring-buffer records: per CPU in order, merged by timestamp, losses as `lostBefore`.
 * What a delivered record is: perf's raw sample trimmed to the length the tracefs ring buffer gives the same record
 * (record-length.ts), so both engines deliver equally long records; its bytes are perf's, as written for the
 * sample: common_flags and common_preempt_count are computed by perf (its preempt count includes the tracepoint's
 * own preempt-disable), and bytes no field covers (struct holes) or past a string's NUL are whatever perf's
 * per-CPU scratch buffer held, as they are whatever the ring buffer held in the kernel engine.
 * Invariants: every filter compiles before anything is loaded; a filter the front end or the compiler refuses is
 * `rejected` with the text to print (exit 1), nothing loaded; every program and perf event is released when
 * start fails half-way and by dispose() (idempotent; the sampler also at process exit); without a filter no
 * program is attached and every hit is recorded.
 */
import {
  type LoadedProgram,
  loadKoffiSyscalls,
  onlineCpus,
  ringPages,
  TaskComms,
  type TimedRecord,
  TracepointSampler,
} from '@tfc/kernel';
import type { EventFormat, FilterDialect } from '@tfc/tracefs';
import type { Host } from '../../host/index.ts';
import { startRawEngine } from './raw-engine.ts';
import type { AttachMode } from './raw-program.ts';
import { ringRecordLength } from './record-length.ts';
import { compileTracepointFilter, loadTracepointProgram } from './tracepoint-program.ts';

/** What the trace loop reads from, whichever engine decides. */
export interface TraceSource {
  read(): { records: TimedRecord[]; error: string | null };
  /** Stops recording and returns what is left, losses settled (absent: one more read()). */
  finish?(): { records: TimedRecord[]; error: string | null };
  commOf(pid: number): string;
  dispose(): void;
}

export interface EbpfEngineRequest {
  /** The live formats of the events to record (their ids are the tracepoint ids). */
  readonly events: readonly EventFormat[];
  readonly filter?: string;
  /** The running kernel's filter dialect: what the kernel engine would accept. */
  readonly dialect: FilterDialect;
  readonly host: Host;
  /** Per-CPU ring size in KiB (rounded up to a power-of-two number of pages). */
  readonly bufferKb: number;
  /** The tracefs mount (saved_cmdlines for the comm of tasks that exited). */
  readonly root: string;
  /** Where the programs run: perf (default, on the record), raw or auto (raw-engine.ts). */
  readonly attach?: AttachMode;
}

export type EbpfEngineStart =
  | {
      readonly ok: true;
      readonly session: TraceSource & { foreignPrograms(): number[] };
      /** Which path decides, and what the user should know about the choice. */
      readonly path: 'perf' | 'raw';
      readonly notes: readonly string[];
    }
  /** The filter is refused (front end, compiler or verifier): print `stderr`, exit 1. */
  | { readonly ok: false; readonly rejected: string }
  /** The machine cannot trace this way (privilege, perf, BPF): a usage-level failure. */
  | { readonly ok: false; readonly reason: string };

export class EbpfTraceSession implements TraceSource {
  readonly #sampler: TracepointSampler;
  readonly #programs: readonly LoadedProgram[];
  readonly #formats: ReadonlyMap<number, EventFormat>;
  readonly #comms: TaskComms;
  #disposed = false;

  constructor(
    sampler: TracepointSampler,
    programs: readonly LoadedProgram[],
    formats: ReadonlyMap<number, EventFormat>,
    root: string,
  ) {
    this.#sampler = sampler;
    this.#programs = programs;
    this.#formats = formats;
    this.#comms = new TaskComms(root);
  }

  read(): { records: TimedRecord[]; error: string | null } {
    return this.#trim(this.#sampler.read());
  }

  finish(): { records: TimedRecord[]; error: string | null } {
    return this.#trim(this.#sampler.finish());
  }

  #trim({ records, error }: ReturnType<TracepointSampler['read']>): {
    records: TimedRecord[];
    error: string | null;
  } {
    const out = records.map((r): TimedRecord => {
      const d = r.data;
      const ev = d.length >= 2 ? this.#formats.get(d[0]! | (d[1]! << 8)) : undefined;
      const data = ev === undefined ? d : d.subarray(0, ringRecordLength(ev, d));
      return { cpu: r.cpu, data, ts: r.ts, lostBefore: r.lostBefore };
    });
    return { records: out, error };
  }

  commOf(pid: number): string {
    return this.#comms.of(pid);
  }

  /** Ids of other BPF programs on the traced tracepoints (they veto hits too); [] when it cannot be asked. */
  foreignPrograms(): number[] {
    const r = this.#sampler.foreignPrograms();
    return r.ok ? r.value : [];
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#sampler.dispose();
    for (const p of this.#programs) p.dispose();
  }
}

/** Compiles, loads and attaches; see the module header. */
export function startEbpfEngine(req: EbpfEngineRequest): EbpfEngineStart {
  const notes: string[] = [];
  if (req.attach === 'raw' || req.attach === 'auto') {
    const r = startRawEngine({ ...req, attach: req.attach });
    if (r.kind === 'started') return { ok: true, session: r.session, path: 'raw', notes: r.notes };
    if (r.kind === 'rejected') return { ok: false, rejected: r.stderr };
    if (r.kind === 'unusable') return { ok: false, reason: r.reason };
    if (req.attach === 'raw') return { ok: false, rejected: `tfc: trace: --attach raw: ${r.why}\n` };
    notes.push(`--attach auto: the record path (perf): ${r.why}`);
  }
  const specs = [];
  if (req.filter !== undefined)
    for (const ev of req.events) {
      const c = compileTracepointFilter(req.filter, ev, req.dialect, req.host);
      if (!c.ok) return { ok: false, rejected: c.stderr };
      specs.push(c.spec);
    }
  const sysLoad = loadKoffiSyscalls();
  if (!sysLoad.ok) return { ok: false, reason: `the kernel cannot be used here: ${sysLoad.reason}` };
  const sys = sysLoad.value;
  const programs: LoadedProgram[] = [];
  const release = (): void => {
    for (const p of programs) p.dispose();
  };
  for (const spec of specs) {
    const l = loadTracepointProgram(sys, spec, 'tfc_trace');
    if (!l.ok) {
      release();
      if (l.privilege !== undefined)
        return { ok: false, reason: `loading BPF programs needs CAP_BPF and CAP_PERFMON (${l.privilege})` };
      return { ok: false, rejected: l.stderr };
    }
    programs.push(l.loaded);
  }
  const sampler = TracepointSampler.open(sys, {
    events: req.events.map((ev, i) => {
      const prog = programs[i]?.prog;
      return prog === undefined ? { id: ev.id } : { id: ev.id, prog };
    }),
    cpus: onlineCpus(),
    dataPages: ringPages(req.bufferKb),
  });
  if (!sampler.ok) {
    release();
    return { ok: false, reason: `perf events: ${sampler.error.message}` };
  }
  const formats = new Map(req.events.map((ev) => [ev.id, ev] as const));
  return {
    ok: true,
    session: new EbpfTraceSession(sampler.value, programs, formats, req.root),
    path: 'perf',
    notes,
  };
}
