/*
 * The CLI's only contact with the process: output streams, file reads and exit codes.
 * Invariants: commands never call process.exit or write to process.stdout directly; they return an exit code
 * (EXIT.ok 0, EXIT.rejected 1 — the filter or input was rejected, EXIT.usage 2 — bad invocation or unreadable input)
 * and write through an Io, so tests run them in-process and capture every byte. Every file read is bounded
 * (MAX_INPUT bytes, also for devices and pipes that never end, e.g. /dev/zero) and every read failure is a
 * UsageError naming the file and the reason in words. Diagnostics pass through printable(), so hostile input
 * never puts control characters (terminal escapes) or megabyte lines on the user's terminal, and IR text they
 * quote is shown in user words.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { irInUserWords } from '../api/ir-words.ts';
import { terminalProgress } from './progress.ts';

export const EXIT = { ok: 0, rejected: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Largest file (or standard input) any command reads: 64 MiB. */
export const MAX_INPUT = 64 << 20;

export interface Io {
  readonly out: (text: string) => void;
  /** Binary data to standard output (`tfc trace -w -`); only commands that stream binary use it. */
  readonly outBytes?: (data: Uint8Array) => void;
  readonly err: (text: string) => void;
  /**
   * Reads a file, or standard input for '-'. Throws a UsageError with a readable message on failure; with
   * `strictUtf8`, also when the bytes are not UTF-8 (instead of replacing them with U+FFFD).
   */
  readonly readText: (path: string, opts?: { readonly strictUtf8?: boolean }) => string;
  /** True when stderr is a terminal (progress bars are drawn only then). */
  readonly isTty: boolean;
  /** The terminal's width when stdout is a terminal (help is fitted to it). */
  readonly columns?: number;
  /** Starts a progress line on the terminal (only when stderr is one); returns its stop-and-erase function. */
  readonly startProgress?: (label: string) => () => void;
  /** --json was given: results and rejected filters are reported as JSON on stdout (json-output.ts). */
  readonly json?: boolean;
}

/** A problem with the invocation or its inputs: printed as `tfc: message` and exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory',
  ENOTDIR: 'a component of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
  ENXIO: 'no such device or address',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
  EBUSY: 'device or resource busy',
  EINVAL: 'invalid argument',
  EEXIST: 'file exists',
  EXDEV: 'cross-device link',
  ERR_INVALID_ARG_VALUE: 'the path contains a NUL byte',
  ERR_INVALID_ARG_TYPE: 'the path contains a NUL byte',
};

/** A file system error in words ("no such file or directory"), for `cannot read/write PATH: ...`. */
export function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code !== undefined) return ERRNO_TEXT[code] ?? code;
  return (e as Error).message ?? String(e);
}

const displayName = (path: string) => (path === '-' ? 'standard input' : path);

/**
 * Reads a whole file, or standard input for '-', as bytes: at most MAX_INPUT of them, in chunks, so a device or
 * pipe that never ends (/dev/zero) is refused instead of filling memory. Failures are UsageErrors.
 */
export function readInput(path: string): Uint8Array {
  const name = displayName(path);
  const tooBig = () => new UsageError(`${name} is larger than ${MAX_INPUT} bytes`);
  let fd: number | undefined;
  try {
    fd = path === '-' ? 0 : openSync(path, 'r');
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new UsageError(`cannot read ${name}: is a directory`);
    if (st.isFile() && st.size > MAX_INPUT) throw tooBig();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const buf = new Uint8Array(
        st.isFile() ? Math.min(Math.max(st.size - total + 1, 1 << 16), 1 << 20) : 1 << 16,
      );
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') continue;
        if (code === 'EOF') break;
        throw e;
      }
      if (n === 0) break;
      total += n;
      if (total > MAX_INPUT) throw tooBig();
      chunks.push(n === buf.length ? buf : buf.subarray(0, n));
    }
    if (chunks.length === 1) return chunks[0] as Uint8Array;
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${name}: ${errnoText(e)}`);
  } finally {
    if (fd !== undefined && fd !== 0) closeSync(fd);
  }
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const LENIENT_UTF8 = new TextDecoder('utf-8', { ignoreBOM: true });

function readTextFile(path: string, opts?: { readonly strictUtf8?: boolean }): string {
  const bytes = readInput(path);
  const text = LENIENT_UTF8.decode(bytes);
  if (opts?.strictUtf8) {
    try {
      STRICT_UTF8.decode(bytes);
    } catch {
      const back = Buffer.from(text, 'utf8');
      let at = 0;
      while (at < bytes.length && bytes[at] === back[at]) at++;
      throw new UsageError(`${displayName(path)}: byte ${at} is not UTF-8; filters are read as UTF-8 text`);
    }
  }
  return text;
}

/** Longest diagnostic line printed whole; longer lines are cut (their length is said). */
export const MAX_DIAGNOSTIC_LINE = 1000;
/** Longest stderr line passed on: a filter is at most 4095 bytes, so its rendering and a caret fit. */
export const MAX_STDERR_LINE = 8192;

const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
const CONTROLS_BUT_CR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
const hex = (c: string) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;

/**
 * A diagnostic made safe for a terminal: control characters other than newline and tab (C0, DEL, C1 — the
 * terminal escape introducers) are shown as \xNN, and each line longer than `max` characters is cut with a note
 * of how much was left out. With `keepCr`, carriage returns pass (progress lines redraw themselves with them).
 * Idempotent: its output contains no control characters to escape again.
 */
export function printable(text: string, max: number = MAX_DIAGNOSTIC_LINE, keepCr = false): string {
  const escaped = text.replace(keepCr ? CONTROLS_BUT_CR : CONTROLS, hex);
  if (escaped.length <= max) return escaped;
  return escaped
    .split('\n')
    .map((l) => (l.length > max ? `${l.slice(0, max)}… (${l.length - max} more characters)` : l))
    .join('\n');
}

/** Every line of `text` (a tool's or the kernel's log) with `prefix` in front, for stderr. */
export function prefixLines(text: string, prefix: string): string {
  return `${text
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => `${prefix}${l}`)
    .join('\n')}\n`;
}

/**
 * The same Io with everything written to stderr passed through printable() (see main.ts), and IR text a
 * diagnostic quotes shown in user words (ir-words.ts).
 */
export function safeStderr(io: Io): Io {
  return { ...io, err: (text) => io.err(printable(irInUserWords(text), MAX_STDERR_LINE, true)) };
}

export function processIo(): Io {
  return {
    out: (text) => {
      process.stdout.write(text);
    },
    outBytes: (data) => {
      process.stdout.write(data);
    },
    err: (text) => {
      process.stderr.write(text);
    },
    readText: readTextFile,
    isTty: Boolean(process.stderr.isTTY),
    ...(process.stdout.isTTY && process.stdout.columns > 0 ? { columns: process.stdout.columns } : {}),
    ...(process.stderr.isTTY ? { startProgress: (label: string) => terminalProgress(2, label) } : {}),
  };
}

/** An Io that records output, for tests. */
export function memoryIo(
  files: Readonly<Record<string, string>> = {},
): Io & { stdout(): string; stderr(): string } {
  let o = '';
  let e = '';
  return {
    out: (t) => {
      o += t;
    },
    err: (t) => {
      e += t;
    },
    readText: (p, opts) => {
      const f = files[p];
      if (f !== undefined) return f;
      return readTextFile(p, opts);
    },
    isTty: false,
    stdout: () => o,
    stderr: () => e,
  };
}
