// Raw tracefs file access. Invariants: every write is one write(2) call on a freshly opened fd
// (O_TRUNC or O_APPEND, never a seek), so the kernel sees exactly the bytes given; a failed write
// is reported as its errno name (EINVAL, EPERM, ENOENT, ESRCH, ...) and never thrown; reads return
// the file's complete text, decoded as UTF-8 (tracefs text is ASCII apart from user-supplied bytes).
import { closeSync, constants, openSync, readFileSync, writeSync } from 'node:fs';

/** Name of a failed system call's errno ("EINVAL"), or "EUNKNOWN" if the error carries none. */
export function errnoOf(e: unknown): string {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string') return e.code;
  return 'EUNKNOWN';
}

/** Writes `data` with a single write(2); returns null on success, else the errno name. */
export function writeRaw(path: string, data: string | Uint8Array, mode: 'trunc' | 'append'): string | null {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const flags = constants.O_WRONLY | (mode === 'trunc' ? constants.O_TRUNC : constants.O_APPEND);
  let fd: number;
  try {
    fd = openSync(path, flags);
  } catch (e) {
    return errnoOf(e);
  }
  try {
    writeSync(fd, bytes, 0, bytes.length);
    return null;
  } catch (e) {
    return errnoOf(e);
  } finally {
    closeSync(fd);
  }
}

/** Reads a whole tracefs text file. Throws only if the file cannot be opened (a programming error). */
export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}
