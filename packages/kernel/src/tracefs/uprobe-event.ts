// Uprobe trace events (uprobe_events): definition and removal. Invariants: definitions are
// appended with O_APPEND (never truncating other users' probes); a probe this object defined is
// removed with `-:GROUP/EVENT` by remove(), which is idempotent, and at process exit if leaked;
// group names are unique per process (callers include the pid); failures come back as Unavailable
// with the kernel's error_log excerpt, never as exceptions.
import { existsSync } from 'node:fs';
import { registerExitRelease, unregisterExitRelease } from './cleanup.ts';
import { readText, writeRaw } from './files.ts';
import type { Unavailable } from './locate.ts';

const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class UprobeEvent {
  readonly root: string;
  readonly group: string;
  readonly event: string;
  readonly definition: string;
  #token: number | null;

  private constructor(root: string, group: string, event: string, definition: string) {
    this.root = root;
    this.group = group;
    this.event = event;
    this.definition = definition;
    this.#token = registerExitRelease(() => this.#release());
  }

  /**
   * Defines `p:GROUP/EVENT BINARY:0xOFFSET ARGS...` (ARGS like `u8=+4(%di):u8`).
   * Returns the event or why the kernel refused it.
   */
  static add(
    root: string,
    group: string,
    event: string,
    binary: string,
    offset: number,
    args: readonly string[],
  ): UprobeEvent | Unavailable {
    if (!IDENT_RE.test(group) || !IDENT_RE.test(event)) {
      return { ok: false, reason: `bad uprobe group/event name ${group}/${event}` };
    }
    const definition = [`p:${group}/${event}`, `${binary}:0x${offset.toString(16)}`, ...args].join(' ');
    const err = writeRaw(`${root}/uprobe_events`, `${definition}\n`, 'append');
    if (err !== null) {
      const log = existsSync(`${root}/error_log`) ? readText(`${root}/error_log`).split('\n').slice(-4) : [];
      return { ok: false, reason: `uprobe definition refused (${err}): ${definition}\n${log.join('\n')}` };
    }
    return new UprobeEvent(root, group, event, definition);
  }

  get formatPath(): string {
    return `${this.root}/events/${this.group}/${this.event}/format`;
  }

  /** The live `format` file text. */
  readFormat(): string {
    return readText(this.formatPath);
  }

  #release(): void {
    if (existsSync(`${this.root}/events/${this.group}/${this.event}`)) {
      writeRaw(`${this.root}/uprobe_events`, `-:${this.group}/${this.event}\n`, 'append');
    }
  }

  /** Removes the probe (it must be disabled in every instance first). Idempotent; errno name or null. */
  remove(): string | null {
    if (this.#token === null) return null;
    unregisterExitRelease(this.#token);
    this.#token = null;
    if (!existsSync(`${this.root}/events/${this.group}/${this.event}`)) return null;
    return writeRaw(`${this.root}/uprobe_events`, `-:${this.group}/${this.event}\n`, 'append');
  }
}
