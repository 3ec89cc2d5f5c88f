// The uprobe oracle: the running kernel's trace-event filter interpreter judging filters on
// records we choose. Invariants: one helper process, one uprobe event (group unique per process)
// fetching every member of the record struct, two private instances: "judge", where the filter
// under test is installed, and "mirror", unfiltered, which captures the bytes of every record the
// kernel built (a kept record's bytes are taken from the judge: exactly what the filter saw, common_flags
// included); a verdict is "the record's idx reached the judge instance's ring buffer"; judge() never leaves a filter behind that affects the next call (each
// call overwrites it); dispose() disables, removes instances and probe, and stops the process.
import { type RawFormat, readRawFormat } from './event-format.ts';
import { refuseHazard } from './hazards.ts';
import { type EventRef, type RawRecord, TracefsInstance } from './instance.ts';
import { locateTracefs, type Unavailable, uprobesAvailable } from './locate.ts';
import { type OracleCommand, OracleProcess, type RecValues } from './oracle-process.ts';
import { UprobeEvent } from './uprobe-event.ts';

/** Fetch arguments of the oracle event: offsets are those of `struct rec` in oracle.c. */
export const ORACLE_PROBE_ARGS = [
  'idx=+0(%di):u32',
  'u8=+4(%di):u8',
  's8=+5(%di):s8',
  'u16=+6(%di):u16',
  's16=+8(%di):s16',
  'u32=+12(%di):u32',
  's32=+16(%di):s32',
  'u64=+24(%di):u64',
  's64=+32(%di):s64',
  'str=+0(+40(%di)):string',
  'x32=+12(%di):x32',
  'x8=+5(%di):x8',
  'bf=+12(%di):b4@2/32',
  'a4=+48(%di):u8[4]',
  'arr=+48(%di):char[16]',
  'ptr=+40(%di):u64',
  'cm=$comm',
] as const;

/** A record to fire: struct members plus the CPU to run on and the task name to carry. */
export type OracleRecord = Omit<RecValues, 'idx'> & {
  readonly cpu?: number;
  /** Task name (current->comm) while firing; at most 15 bytes are kept by the kernel. */
  readonly comm?: string | Uint8Array;
};

export type Judgement = {
  /** errno name of the filter write, null when the kernel accepted the filter. */
  readonly errno: string | null;
  /** The event's filter file read back after the write. */
  readonly filterFile: string;
  /** The instance's error_log after the write (cleared before it), timestamps included. */
  readonly errorLog: string;
  /** Per input record: did the kernel keep it? Empty when the filter was rejected (nothing fired). */
  readonly accepted: boolean[];
  /**
   * Per input record: the exact trace entry the kernel built — the judge instance's copy for a kept record (the
   * bytes the filter saw), else the unfiltered mirror's. The copies can differ in common_flags and
   * common_preempt_count, which each instance's write takes anew (a reschedule flag set in between).
   */
  readonly records: Uint8Array[];
  /** Per input record: the CPU it was recorded on. */
  readonly cpus: number[];
};

/** `[  123.456789] ` prefixes of error_log entries removed (the rest is byte-exact). */
export function stripLogTimestamps(log: string): string {
  return log.replace(/^\[\s*\d+\.\d+\] /gm, '');
}

export function readU16(d: Uint8Array, off: number): number {
  return (d[off] ?? 0) | ((d[off + 1] ?? 0) << 8);
}

export function readU32(d: Uint8Array, off: number): number {
  return (
    ((d[off] ?? 0) | ((d[off + 1] ?? 0) << 8) | ((d[off + 2] ?? 0) << 16) | ((d[off + 3] ?? 0) << 24)) >>> 0
  );
}

export function commonPid(d: Uint8Array): number {
  return readU32(d, 4) | 0;
}

function encodeComm(c: string | Uint8Array): Uint8Array {
  const b = typeof c === 'string' ? Buffer.from(c, 'utf8') : c;
  const out = new Uint8Array(16);
  out.set(b.subarray(0, 15));
  return out;
}

export class UprobeOracle {
  /** The live format file of the oracle event (the schema tests must use). */
  readonly format: string;
  readonly event: EventRef;
  readonly pid: number;
  readonly nrCpus: number;
  readonly #raw: RawFormat;
  readonly #idxOffset: number;
  readonly #proc: OracleProcess;
  readonly #probe: UprobeEvent;
  readonly #judge: TracefsInstance;
  readonly #mirror: TracefsInstance;
  #seq = 1;
  #disposed = false;
  /** The kernel's trailing-operator rule, when the caller probed it (see kernelHazard). */
  #trailing: 'tolerated' | 'rejected' | undefined;

  private constructor(
    proc: OracleProcess,
    probe: UprobeEvent,
    judge: TracefsInstance,
    mirror: TracefsInstance,
    format: string,
    raw: RawFormat,
  ) {
    this.#proc = proc;
    this.#probe = probe;
    this.#judge = judge;
    this.#mirror = mirror;
    this.format = format;
    this.#raw = raw;
    this.event = { group: probe.group, event: probe.event };
    this.pid = proc.pid;
    this.nrCpus = judge.cpus.length;
    this.#idxOffset = raw.fields.find((f) => f.name === 'idx')?.offset ?? -1;
  }

  /** Locates tracefs, builds and starts the helper, defines the probe and the two instances. */
  static async start(
    options: { tag?: string; trailingOperator?: 'tolerated' | 'rejected' } = {},
  ): Promise<UprobeOracle | Unavailable> {
    const fs = await locateTracefs();
    if (!fs.ok) return fs;
    const noUprobes = uprobesAvailable(fs.path);
    if (noUprobes) return noUprobes;
    const proc = await OracleProcess.start();
    if ('ok' in proc) return proc;
    const tag = `${options.tag ?? 'o'}_${process.pid}_${proc.pid}`;
    const probe = UprobeEvent.add(
      fs.path,
      `tfc_${tag}`,
      'rec',
      proc.binary,
      proc.probeOffset,
      ORACLE_PROBE_ARGS,
    );
    if (!(probe instanceof UprobeEvent)) {
      await proc.dispose();
      return probe;
    }
    const cleanup = async (why: Unavailable, insts: TracefsInstance[]): Promise<Unavailable> => {
      for (const i of insts) i.dispose();
      probe.remove();
      await proc.dispose();
      return why;
    };
    const ev = { group: probe.group, event: probe.event };
    const judge = TracefsInstance.createEnabled(fs.path, `tfc_judge_${tag}`, ev, 256);
    if (!(judge instanceof TracefsInstance)) return cleanup(judge, []);
    const mirror = TracefsInstance.createEnabled(fs.path, `tfc_mirror_${tag}`, ev, 256);
    if (!(mirror instanceof TracefsInstance)) return cleanup(mirror, [judge]);
    const format = probe.readFormat();
    const raw = readRawFormat(format);
    if (raw === null)
      return cleanup({ ok: false, reason: 'cannot read the oracle event format' }, [judge, mirror]);
    const oracle = new UprobeOracle(proc, probe, judge, mirror, format, raw);
    oracle.#trailing = options.trailingOperator;
    return oracle;
  }

  #ours(r: RawRecord): number | null {
    const d = r.data;
    if (d.length < this.#idxOffset + 4 || readU16(d, 0) !== this.#raw.id || commonPid(d) !== this.pid)
      return null;
    return readU32(d, this.#idxOffset);
  }

  /**
   * Installs `filter` on the oracle event, and if the kernel accepts it fires every record and
   * reports which ones the kernel kept. Throws on a harness failure (lost records) and, without
   * touching the kernel, for a filter kernelHazard() flags.
   */
  async judge(filter: string, records: readonly OracleRecord[]): Promise<Judgement> {
    if (this.#disposed) throw new Error('UprobeOracle used after dispose');
    refuseHazard(filter, { ...(this.#trailing ? { trailingOperator: this.#trailing } : {}) });
    const j = this.#judge;
    j.clearErrorLog();
    const errno = j.writeFilter(this.event, filter);
    const filterFile = j.readFilter(this.event);
    const errorLog = j.readErrorLog();
    if (errno !== null || records.length === 0) {
      return { errno, filterFile, errorLog, accepted: [], records: [], cpus: [] };
    }
    const base = this.#seq;
    this.#seq += records.length;
    const cmds: OracleCommand[] = records.map((r, i) => ({
      op: 'fire',
      rec: { ...r, idx: base + i },
      ...(r.cpu === undefined ? {} : { cpu: r.cpu }),
      comm: encodeComm(r.comm ?? 'tfc-oracle'),
    }));
    await this.#proc.run(cmds);
    const judged = j.drainRaw();
    const mirrored = this.#mirror.drainRaw();
    if (judged.error !== null || mirrored.error !== null) {
      throw new Error(`ring buffer decode failed: ${judged.error ?? mirrored.error}`);
    }
    const accepted = records.map(() => false);
    const bytes: (Uint8Array | undefined)[] = records.map(() => undefined);
    const cpus = records.map(() => -1);
    const inMirror = records.map(() => false);
    for (const r of judged.records) {
      const idx = this.#ours(r);
      if (idx !== null && idx >= base && idx < base + records.length) {
        accepted[idx - base] = true;
        bytes[idx - base] = r.data;
        cpus[idx - base] = r.cpu;
      }
    }
    for (const r of mirrored.records) {
      const idx = this.#ours(r);
      if (idx !== null && idx >= base && idx < base + records.length) {
        inMirror[idx - base] = true;
        if (bytes[idx - base] === undefined) {
          bytes[idx - base] = r.data;
          cpus[idx - base] = r.cpu;
        }
      }
    }
    const missing = inMirror.indexOf(false);
    if (missing >= 0) throw new Error(`oracle lost record ${missing} of ${records.length} (mirror instance)`);
    return { errno, filterFile, errorLog, accepted, records: bytes as Uint8Array[], cpus };
  }

  /** Disables the event, removes both instances and the probe, stops the helper. Idempotent. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#judge.dispose();
    this.#mirror.dispose();
    this.#probe.remove();
    await this.#proc.dispose();
  }
}
