/*
 * Binary file input and output for the BPF commands (the Io seam carries text only).
 * Invariants: reads are bounded (MAX_INPUT bytes; larger inputs are a UsageError, never an allocation of their
 * size beyond the limit check); '-' is standard input; every failure is a UsageError with a readable message;
 * binary output goes only to a named file, never to standard output.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { UsageError } from '../io.ts';

/** Largest program or capture file the commands read (64 MiB). */
export const MAX_INPUT = 64 << 20;

function why(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code ?? 'error';
  return code === 'ENOENT'
    ? 'no such file'
    : code === 'EISDIR'
      ? 'is a directory'
      : code === 'EACCES'
        ? 'permission denied'
        : code;
}

function tooBig(path: string): UsageError {
  return new UsageError(`${path === '-' ? 'standard input' : path} is larger than ${MAX_INPUT} bytes`);
}

/** Reads a whole file (or standard input for '-') as bytes, up to MAX_INPUT. */
export function readBytes(path: string): Uint8Array {
  try {
    if (path === '-') {
      const chunks: Uint8Array[] = [];
      let total = 0;
      const buf = new Uint8Array(1 << 16);
      for (;;) {
        let n: number;
        try {
          n = readSync(0, buf, 0, buf.length, null);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
          if ((e as NodeJS.ErrnoException).code === 'EOF') break;
          throw e;
        }
        if (n === 0) break;
        total += n;
        if (total > MAX_INPUT) throw tooBig(path);
        chunks.push(buf.slice(0, n));
      }
      const out = new Uint8Array(total);
      let at = 0;
      for (const c of chunks) {
        out.set(c, at);
        at += c.length;
      }
      return out;
    }
    const fd = openSync(path, 'r');
    try {
      const st = fstatSync(fd);
      if (st.isDirectory()) throw new UsageError(`cannot read ${path}: is a directory`);
      if (st.isFile() && st.size > MAX_INPUT) throw tooBig(path);
    } finally {
      closeSync(fd);
    }
    const b = readFileSync(path);
    if (b.length > MAX_INPUT) throw tooBig(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.length);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${path === '-' ? 'standard input' : path}: ${why(e)}`);
  }
}

/** Writes `data` to the file `path` (created or truncated). */
export function writeOutput(path: string, data: Uint8Array | string): void {
  try {
    writeFileSync(path, data);
  } catch (e) {
    throw new UsageError(`cannot write ${path}: ${why(e)}`);
  }
}
