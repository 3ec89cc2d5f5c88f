/*
 * Writing a command's product: text to stdout or a file, binary only to a file.
 * Invariants: a file is written whole or not at all (temporary file in the same directory, then rename), so an
 * interrupted or failed run never leaves a partial output; binary data is never written to the terminal; text ends
 * with a newline.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type Io, UsageError } from './io.ts';

export function writeOutput(io: Io, data: string | Uint8Array, path: string | undefined, what: string): void {
  if (typeof data === 'string' && data !== '' && !data.endsWith('\n')) data = `${data}\n`;
  if (path === undefined || path === '-') {
    if (typeof data !== 'string') throw new UsageError(`${what} is binary: write it to a file with -o FILE`);
    io.out(data);
    return;
  }
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new UsageError(
      `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}
