// Builds a C helper with the machine's gcc into a cache directory, once per source text.
// Invariants: the binary's name carries a hash of the source and the compiler flags, so a changed source is
// rebuilt and an unchanged one reused; a build is written to a temporary name and renamed into place, so
// concurrent builders never run a half-written binary; a missing or failing gcc is a reason string, never a throw.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The default cache: $TFC_CACHE_DIR, else <tmpdir>/tfc-cache. */
export function helperCacheDir(): string {
  return process.env.TFC_CACHE_DIR ?? join(tmpdir(), 'tfc-cache');
}

/** Path of the built helper, or why it could not be built. */
export function buildHelper(
  source: string,
  options: { readonly name: string; readonly flags?: readonly string[]; readonly cacheDir?: string },
): Promise<{ ok: true; path: string } | { ok: false; reason: string }> {
  const flags = ['-O2', '-Wall', ...(options.flags ?? [])];
  const text = readFileSync(source, 'utf8');
  const hash = createHash('sha256').update(text).update(flags.join(' ')).digest('hex').slice(0, 16);
  const dir = options.cacheDir ?? helperCacheDir();
  const out = join(dir, `${options.name}-${hash}`);
  if (existsSync(out)) return Promise.resolve({ ok: true, path: out });
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    return Promise.resolve({ ok: false, reason: `cannot create ${dir}: ${(e as Error).message}` });
  }
  const tmp = `${out}.${process.pid}.tmp`;
  return new Promise((resolve) => {
    execFile('gcc', [...flags, '-o', tmp, source], (err, _o, stderr) => {
      if (err) {
        rmSync(tmp, { force: true });
        resolve({ ok: false, reason: `gcc failed: ${String(stderr).trim() || err.message}` });
        return;
      }
      renameSync(tmp, out);
      resolve({ ok: true, path: out });
    });
  });
}
