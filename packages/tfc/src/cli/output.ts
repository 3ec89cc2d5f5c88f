/*
 * Writing a command's product: text to stdout or a file, binary only to a file.
 * Invariants: a regular file is written whole or not at all (temporary file beside it — beside the symlink's
 * target when the path is a symlink, so the link stays — then rename), so an interrupted or failed run never
 * leaves a partial output; a path that names a device, FIFO or socket (/dev/stdout, /dev/null, a pipe) is written
 * in place and never renamed over — a run as root must not replace /dev/full with a regular file; a directory is
 * refused; binary data is never written to the terminal; text ends with a newline.
 */
import { realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { errnoText, type Io, UsageError } from './io.ts';

function cannotWrite(path: string, e: unknown): UsageError {
  return new UsageError(`cannot write ${path}: ${errnoText(e)}`);
}

/** Writes `data` to the file `path`: whole or not at all for regular files, in place for devices and pipes. */
export function writeFileWhole(path: string, data: string | Uint8Array): void {
  if (path === '') throw new UsageError('cannot write to an empty file name');
  let special = false;
  let target = path;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new UsageError(`cannot write ${path}: is a directory`);
    special = !st.isFile();
    if (!special) target = realpathSync(path);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw cannotWrite(path, e);
    // A path that does not exist yet; its directory is checked by the write below.
  }
  if (special) {
    try {
      writeFileSync(path, data);
    } catch (e) {
      throw cannotWrite(path, e);
    }
    return;
  }
  // Cut the name: a target name near NAME_MAX (255) must not make the temporary's name too long.
  const tmp = join(dirname(target), `.${basename(target).slice(0, 200)}.${process.pid}.tmp`);
  try {
    rmSync(tmp, { force: true });
    writeFileSync(tmp, data, { flag: 'wx' });
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw cannotWrite(path, e);
  }
}

export function writeOutput(io: Io, data: string | Uint8Array, path: string | undefined, what: string): void {
  if (typeof data === 'string' && data !== '' && !data.endsWith('\n')) data = `${data}\n`;
  if (path === undefined || path === '-') {
    if (typeof data !== 'string') throw new UsageError(`${what} is binary: write it to a file with -o FILE`);
    io.out(data);
    return;
  }
  writeFileWhole(path, data);
}
