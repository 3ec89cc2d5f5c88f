// The task:task_rename oracle: kernel verdicts on a real tracepoint whose `char newcomm[16]` keeps
// stale bytes after its NUL. Invariants: the filter under test is written to the event's filter
// file only to capture errno / filter-file text / error_log, then cleared; verdicts come from the
// same filter installed as the condition of a `stacktrace` trigger on the *unfiltered* event, so the
// record committed to the ring buffer is byte-for-byte the one the filter judged (an event filter
// would judge a copy in a per-CPU scratch buffer whose stale bytes are never visible); a record is
// accepted iff a kernel_stack entry of our pid follows it on the same CPU; renames are pinned to a
// CPU (default 0) so the k-th record of CPU c is the k-th rename sent to CPU c.
import { readRawFormat } from './event-format.ts';
import { readText } from './files.ts';
import { refuseHazard } from './hazards.ts';
import { type EventRef, TracefsInstance } from './instance.ts';
import { locateTracefs, type Unavailable } from './locate.ts';
import { OracleProcess } from './oracle-process.ts';
import { commonPid, type Judgement, readU16 } from './uprobe-oracle.ts';

export const TASK_RENAME: EventRef = { group: 'task', event: 'task_rename' };

export type RenameRecord = {
  /** New task name; the kernel copies at most 15 bytes. Must not contain NUL. */
  readonly name: string | Uint8Array;
  readonly cpu?: number;
};

export type RenameJudgement = Judgement & {
  /** errno of installing the `stacktrace if FILTER` trigger (null = installed). */
  readonly triggerErrno: string | null;
};

export class TaskRenameOracle {
  readonly event: EventRef = TASK_RENAME;
  readonly format: string;
  readonly pid: number;
  readonly nrCpus: number;
  readonly #renameId: number;
  readonly #stackId: number;
  readonly #proc: OracleProcess;
  readonly #inst: TracefsInstance;
  #disposed = false;

  private constructor(
    proc: OracleProcess,
    inst: TracefsInstance,
    format: string,
    renameId: number,
    stackId: number,
  ) {
    this.#proc = proc;
    this.#inst = inst;
    this.format = format;
    this.pid = proc.pid;
    this.nrCpus = inst.cpus.length;
    this.#renameId = renameId;
    this.#stackId = stackId;
  }

  static async start(): Promise<TaskRenameOracle | Unavailable> {
    const fs = await locateTracefs();
    if (!fs.ok) return fs;
    let format: string;
    let stackFormat: string;
    try {
      format = readText(`${fs.path}/events/task/task_rename/format`);
      stackFormat = readText(`${fs.path}/events/ftrace/kernel_stack/format`);
    } catch {
      return { ok: false, reason: 'no task:task_rename or ftrace:kernel_stack event in this kernel' };
    }
    const rf = readRawFormat(format);
    const sf = readRawFormat(stackFormat);
    if (rf === null || sf === null)
      return { ok: false, reason: 'cannot read task_rename/kernel_stack format' };
    const proc = await OracleProcess.start();
    if ('ok' in proc) return proc;
    const inst = TracefsInstance.createEnabled(
      fs.path,
      `tfc_rename_${process.pid}_${proc.pid}`,
      TASK_RENAME,
      64,
    );
    if (!(inst instanceof TracefsInstance)) {
      await proc.dispose();
      return inst;
    }
    return new TaskRenameOracle(proc, inst, format, rf.id, sf.id);
  }

  async judge(filter: string, renames: readonly RenameRecord[]): Promise<RenameJudgement> {
    if (this.#disposed) throw new Error('TaskRenameOracle used after dispose');
    refuseHazard(filter);
    const inst = this.#inst;
    inst.clearErrorLog();
    const errno = inst.writeFilter(TASK_RENAME, filter);
    const filterFile = inst.readFilter(TASK_RENAME);
    const errorLog = inst.readErrorLog();
    inst.writeFilter(TASK_RENAME, '0');
    const none = { errno, filterFile, errorLog, accepted: [], records: [], cpus: [] };
    if (errno !== null || renames.length === 0) return { ...none, triggerErrno: null };
    const triggerErrno = inst.writeTrigger(TASK_RENAME, `stacktrace if ${filter}`);
    if (triggerErrno !== null) return { ...none, triggerErrno };
    try {
      inst.drainRaw();
      await this.#proc.run(
        renames.map((r) => ({
          op: 'rename' as const,
          name: typeof r.name === 'string' ? Buffer.from(r.name, 'utf8') : r.name,
          cpu: r.cpu ?? 0,
        })),
      );
    } finally {
      inst.writeTrigger(TASK_RENAME, '!stacktrace');
    }
    const { records, error } = inst.drainRaw();
    if (error !== null) throw new Error(`ring buffer decode failed: ${error}`);
    const perCpu = new Map<number, { data: Uint8Array; hit: boolean }[]>();
    let last: { data: Uint8Array; hit: boolean } | null = null;
    let lastCpu = -1;
    for (const r of records) {
      if (r.cpu !== lastCpu) last = null;
      lastCpu = r.cpu;
      if (r.data.length < 8 || commonPid(r.data) !== this.pid) {
        last = null;
        continue;
      }
      const type = readU16(r.data, 0);
      if (type === this.#renameId) {
        last = { data: r.data, hit: false };
        const list = perCpu.get(r.cpu) ?? [];
        list.push(last);
        perCpu.set(r.cpu, list);
      } else if (type === this.#stackId && last !== null) {
        last.hit = true;
        last = null;
      } else last = null;
    }
    const next = new Map<number, number>();
    const accepted: boolean[] = [];
    const bytes: Uint8Array[] = [];
    const cpus: number[] = [];
    for (const [i, r] of renames.entries()) {
      const cpu = r.cpu ?? 0;
      const k = next.get(cpu) ?? 0;
      next.set(cpu, k + 1);
      const got = perCpu.get(cpu)?.[k];
      if (got === undefined) throw new Error(`rename oracle lost record ${i} (cpu ${cpu})`);
      accepted.push(got.hit);
      bytes.push(got.data);
      cpus.push(cpu);
    }
    return { errno, filterFile, errorLog, accepted, records: bytes, cpus, triggerErrno };
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#inst.dispose();
    await this.#proc.dispose();
  }
}
