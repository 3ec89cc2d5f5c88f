// A private tracefs instance (instances/NAME): its own ring buffer, event enables, filters,
// triggers and error_log. Invariants: the name is unique per process (callers include the pid);
// create() fails with a reason instead of throwing; every event this object enabled or gave a
// filter/trigger is reset and the directory removed by dispose(), which is idempotent and also runs
// at process exit if the object leaks; raw readers opened through it are closed before removal.
import {
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  rmdirSync,
} from 'node:fs';
import { registerExitRelease, unregisterExitRelease } from './cleanup.ts';
import { errnoOf, readText, writeRaw } from './files.ts';
import type { Unavailable } from './locate.ts';
import {
  DEFAULT_EVENT_HEADER,
  decodePage,
  decodePageTimed,
  type EventHeaderLayout,
  type PageLayout,
  parseHeaderEvent,
  parseHeaderPage,
} from './ring-buffer.ts';

export type EventRef = { readonly group: string; readonly event: string };

/** One record taken from a per-CPU ring buffer: the trace entry bytes and the CPU it was written on. */
export type RawRecord = { readonly cpu: number; readonly data: Uint8Array };

/**
 * A record with its trace-clock timestamp (ns) and the events lost on its CPU just before it (0 none, -1 an
 * unknown number). An empty `data` only reports a loss (a sub-buffer that held no event).
 */
export type TimedRecord = RawRecord & { readonly ts: bigint; readonly lostBefore: number };

const NAME_RE = /^[A-Za-z0-9_.-]+$/;

export class TracefsInstance {
  readonly root: string;
  readonly name: string;
  readonly path: string;
  readonly cpus: readonly number[];
  readonly #layout: PageLayout;
  readonly #subbufSize: number;
  readonly #touched = new Map<string, EventRef>();
  readonly #rawFds = new Map<number, number>();
  #eventHeader: EventHeaderLayout | undefined;
  #token: number | null;

  private constructor(root: string, name: string, layout: PageLayout) {
    this.root = root;
    this.name = name;
    this.path = `${root}/instances/${name}`;
    this.#layout = layout;
    this.cpus = readdirSync(`${this.path}/per_cpu`)
      .map((d) => /^cpu(\d+)$/.exec(d)?.[1])
      .filter((d): d is string => d !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    const kb = existsSync(`${this.path}/buffer_subbuf_size_kb`)
      ? Number.parseInt(readText(`${this.path}/buffer_subbuf_size_kb`), 10)
      : 4;
    this.#subbufSize = (Number.isFinite(kb) && kb > 0 ? kb : 4) * 1024;
    this.#token = registerExitRelease(() => this.#release());
  }

  /** Creates instances/NAME under the tracefs at `root`. */
  static create(root: string, name: string): TracefsInstance | Unavailable {
    if (!NAME_RE.test(name)) return { ok: false, reason: `bad instance name ${JSON.stringify(name)}` };
    const layout = parseHeaderPage(readText(`${root}/events/header_page`));
    if (layout === null) return { ok: false, reason: 'cannot read events/header_page layout' };
    try {
      mkdirSync(`${root}/instances/${name}`);
    } catch (e) {
      return { ok: false, reason: `mkdir ${root}/instances/${name}: ${errnoOf(e)}` };
    }
    return new TracefsInstance(root, name, layout);
  }

  /**
   * create(), then a ring buffer of `bufferKb` KB per CPU and `ev` enabled; on a failed enable the instance is
   * removed again and the reason returned.
   */
  static createEnabled(
    root: string,
    name: string,
    ev: EventRef,
    bufferKb: number,
  ): TracefsInstance | Unavailable {
    const inst = TracefsInstance.create(root, name);
    if (!(inst instanceof TracefsInstance)) return inst;
    inst.setBufferSizeKb(bufferKb);
    const e = inst.setEnabled(ev, true);
    if (e === null) return inst;
    inst.dispose();
    return { ok: false, reason: `enable ${ev.group}:${ev.event} in a tracefs instance: ${e}` };
  }

  eventPath(ev: EventRef, file: string): string {
    return `${this.path}/events/${ev.group}/${ev.event}/${file}`;
  }

  #touch(ev: EventRef): void {
    this.#touched.set(`${ev.group}/${ev.event}`, ev);
  }

  /** Writes a filter with one write(2); null on success, else the errno name. */
  writeFilter(ev: EventRef, text: string | Uint8Array): string | null {
    this.#touch(ev);
    return writeRaw(this.eventPath(ev, 'filter'), text, 'trunc');
  }

  /** The filter file's text exactly as the kernel renders it. */
  readFilter(ev: EventRef): string {
    return readText(this.eventPath(ev, 'filter'));
  }

  /** Appends one trigger command (e.g. `stacktrace if FILTER`, `!stacktrace`). */
  writeTrigger(ev: EventRef, command: string): string | null {
    this.#touch(ev);
    return writeRaw(this.eventPath(ev, 'trigger'), command, 'append');
  }

  readTriggers(ev: EventRef): string {
    return readText(this.eventPath(ev, 'trigger'));
  }

  setEnabled(ev: EventRef, on: boolean): string | null {
    this.#touch(ev);
    return writeRaw(this.eventPath(ev, 'enable'), on ? '1' : '0', 'trunc');
  }

  readErrorLog(): string {
    return readText(`${this.path}/error_log`);
  }

  clearErrorLog(): string | null {
    return writeRaw(`${this.path}/error_log`, '', 'trunc');
  }

  clearTrace(): string | null {
    return writeRaw(`${this.path}/trace`, '', 'trunc');
  }

  readTrace(): string {
    return readText(`${this.path}/trace`);
  }

  setBufferSizeKb(kb: number): string | null {
    return writeRaw(`${this.path}/buffer_size_kb`, String(kb), 'trunc');
  }

  /**
   * Consumes everything currently in the per-CPU ring buffers (per_cpu/cpuN/trace_pipe_raw, opened
   * non-blocking once and kept open) and returns the records in buffer order, CPU by CPU.
   */
  drainRaw(): { records: RawRecord[]; error: string | null } {
    const records: RawRecord[] = [];
    const error = this.#drainPages((cpu, page) => {
      const dec = decodePage(page, this.#layout);
      for (const data of dec.events) records.push({ cpu, data });
      return dec.error;
    });
    return { records, error };
  }

  /**
   * Like drainRaw, with each record's trace-clock timestamp and the events the kernel lost before it (see
   * decodePageTimed: 0 none, a count, or -1 for a loss without count), per CPU in buffer order.
   */
  drainTimed(): { records: TimedRecord[]; error: string | null } {
    this.#eventHeader ??=
      parseHeaderEvent(readText(`${this.root}/events/header_event`)) ?? DEFAULT_EVENT_HEADER;
    const header = this.#eventHeader;
    const records: TimedRecord[] = [];
    const error = this.#drainPages((cpu, page) => {
      const dec = decodePageTimed(page, this.#layout, header);
      dec.events.forEach((e, i) => {
        records.push({ cpu, data: e.data, ts: e.ts, lostBefore: i === 0 ? dec.lost : 0 });
      });
      if (dec.events.length === 0 && dec.lost !== 0)
        records.push({ cpu, data: new Uint8Array(0), ts: 0n, lostBefore: dec.lost });
      return dec.error;
    });
    return { records, error };
  }

  /** Reads every sub-buffer queued on each CPU into `take` (which returns a decode error or null); the first error. */
  #drainPages(take: (cpu: number, page: Uint8Array) => string | null): string | null {
    const page = Buffer.alloc(this.#subbufSize);
    let error: string | null = null;
    for (const cpu of this.cpus) {
      const fd = this.#rawFd(cpu);
      for (;;) {
        let n: number;
        try {
          n = readSync(fd, page, 0, page.length, null);
        } catch (e) {
          if (errnoOf(e) === 'EAGAIN') break;
          throw e;
        }
        if (n === 0) break;
        const e = take(cpu, page.subarray(0, n));
        if (e !== null) error ??= `cpu${cpu}: ${e}`;
      }
    }
    return error;
  }

  #rawFd(cpu: number): number {
    let fd = this.#rawFds.get(cpu);
    if (fd === undefined) {
      fd = openSync(
        `${this.path}/per_cpu/cpu${cpu}/trace_pipe_raw`,
        constants.O_RDONLY | constants.O_NONBLOCK,
      );
      this.#rawFds.set(cpu, fd);
    }
    return fd;
  }

  #closeRaw(): void {
    for (const fd of this.#rawFds.values()) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
    this.#rawFds.clear();
  }

  #release(): void {
    this.#closeRaw();
    for (const ev of this.#touched.values()) {
      if (!existsSync(this.eventPath(ev, 'enable'))) continue;
      writeRaw(this.eventPath(ev, 'enable'), '0', 'trunc');
      writeRaw(this.eventPath(ev, 'filter'), '0', 'trunc');
      const triggers = readText(this.eventPath(ev, 'trigger'))
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('#'));
      for (const t of triggers) {
        const cmd = t.split(/[\s:]/)[0];
        if (cmd) writeRaw(this.eventPath(ev, 'trigger'), `!${cmd}`, 'append');
      }
    }
    this.#touched.clear();
    try {
      rmdirSync(this.path);
    } catch (e) {
      if (errnoOf(e) !== 'ENOENT') throw e;
    }
  }

  /** Disables what this object touched and removes the instance. Idempotent. */
  dispose(): void {
    if (this.#token === null) return;
    unregisterExitRelease(this.#token);
    this.#token = null;
    this.#release();
  }
}
