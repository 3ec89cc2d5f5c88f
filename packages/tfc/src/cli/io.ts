/*
 * The CLI's only contact with the process: output streams, file reads and exit codes.
 * Invariants: commands never call process.exit or write to process.stdout directly; they return an exit code
 * (EXIT.ok 0, EXIT.rejected 1 — the filter or input was rejected, EXIT.usage 2 — bad invocation or unreadable input)
 * and write through an Io, so tests run them in-process and capture every byte.
 */
import { readFileSync } from 'node:fs';

export const EXIT = { ok: 0, rejected: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /**
   * Reads a file, or standard input for '-'. Throws a UsageError with a readable message on failure; with
   * `strictUtf8`, also when the bytes are not UTF-8 (instead of replacing them with U+FFFD).
   */
  readonly readText: (path: string, opts?: { readonly strictUtf8?: boolean }) => string;
  /** True when stderr is a terminal (progress bars are drawn only then). */
  readonly isTty: boolean;
}

/** A problem with the invocation or its inputs: printed as `tfc: message` and exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function readTextFile(path: string, opts?: { readonly strictUtf8?: boolean }): string {
  const name = path === '-' ? 'standard input' : path;
  let bytes: Buffer;
  let text: string;
  try {
    bytes = path === '-' ? readFileSync(0) : readFileSync(path);
    text = bytes.toString('utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    const what =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'ERR_STRING_TOO_LONG'
            ? 'too large to read as text'
            : code;
    throw new UsageError(`cannot read ${name}: ${what}`);
  }
  if (opts?.strictUtf8) {
    try {
      STRICT_UTF8.decode(bytes);
    } catch {
      const back = Buffer.from(text, 'utf8');
      let at = 0;
      while (at < bytes.length && bytes[at] === back[at]) at++;
      throw new UsageError(`${name}: byte ${at} is not UTF-8; filters are read as UTF-8 text`);
    }
  }
  return text;
}

export function processIo(): Io {
  return {
    out: (text) => {
      process.stdout.write(text);
    },
    err: (text) => {
      process.stderr.write(text);
    },
    readText: readTextFile,
    isTty: Boolean(process.stderr.isTTY),
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
