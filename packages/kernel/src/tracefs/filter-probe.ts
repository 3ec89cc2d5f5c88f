// Asking the running kernel how it answers a few filter writes (used to learn its filter dialect), with the
// answers cached per boot. Invariants: the writes go to one event of a private instance created for them
// (nothing outside it changes); the instance is removed on every path (asynchronously after the answers are
// read, since removal waits for the kernel's RCU grace period, and at process exit if still pending); the
// cache is keyed by boot id, kernel release and build and the exact filters, so a reboot or a new kernel
// build asks again; a cache file that cannot be read or written is ignored, never an error.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmdir, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerExitRelease, unregisterExitRelease } from './cleanup.ts';
import { readText, writeRaw } from './files.ts';
import type { Unavailable } from './locate.ts';

/** What the kernel did with one write to an event's filter file. */
export interface FilterWriteAnswer {
  readonly filter: string;
  readonly accepted: boolean;
  /** errno name of a failed write, else null. */
  readonly errno: string | null;
  /** The filter file's text after the write. */
  readonly fileText: string;
}

export interface FilterProbeResult {
  readonly ok: true;
  readonly answers: readonly FilterWriteAnswer[];
  /** Kernel release (`uname -r`) and build (`uname -v`) the answers belong to. */
  readonly release: string;
  readonly build: string;
  /** The answers came from the per-boot cache. */
  readonly cached: boolean;
  /** Milliseconds spent (probing or reading the cache). */
  readonly ms: number;
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return fallback;
  }
}

/** The boot id, release and build of the running kernel. */
export function kernelIdentity(): { bootId: string; release: string; build: string } {
  return {
    bootId: readOr('/proc/sys/kernel/random/boot_id', 'unknown-boot'),
    release: readOr('/proc/sys/kernel/osrelease', 'unknown'),
    build: readOr('/proc/sys/kernel/version', ''),
  };
}

function cacheDir(): string {
  return process.getuid?.() === 0 ? '/run/tfc' : join(tmpdir(), `tfc-${process.getuid?.() ?? 'user'}`);
}

function cachePath(key: string): string {
  return join(cacheDir(), `filter-probe-${key}.json`);
}

type ProbeEvent = { readonly system: string; readonly name: string };

function cacheKey(event: ProbeEvent, filters: readonly string[]): string {
  const id = kernelIdentity();
  return createHash('sha256')
    .update(JSON.stringify([id.bootId, id.release, id.build, event.system, event.name, filters]))
    .digest('hex')
    .slice(0, 32);
}

/** The answers cached for this boot, kernel build and filters, or null (nothing in tracefs is touched). */
export function cachedFilterWrites(event: ProbeEvent, filters: readonly string[]): FilterProbeResult | null {
  const t0 = performance.now();
  const id = kernelIdentity();
  try {
    const answers = JSON.parse(
      readFileSync(cachePath(cacheKey(event, filters)), 'utf8'),
    ) as FilterWriteAnswer[];
    if (!Array.isArray(answers) || answers.length !== filters.length) return null;
    return {
      ok: true,
      answers,
      release: id.release,
      build: id.build,
      cached: true,
      ms: performance.now() - t0,
    };
  } catch {
    return null;
  }
}

/**
 * Writes each of `filters` to `events/SYSTEM/NAME/filter` of a fresh private instance under `root` and reads the
 * file back after each write; or returns the answers cached for this boot. `cache: false` always asks the kernel.
 */
export function probeFilterWrites(
  root: string,
  event: ProbeEvent,
  filters: readonly string[],
  opts: { readonly cache?: boolean } = {},
): FilterProbeResult | Unavailable {
  if (opts.cache !== false) {
    const hit = cachedFilterWrites(event, filters);
    if (hit !== null) return hit;
  }
  const t0 = performance.now();
  const id = kernelIdentity();
  const key = cacheKey(event, filters);
  const dir = `${root}/instances/tfc-probe-${process.pid}-${Math.floor(t0 * 1000) % 1_000_000}`;
  try {
    mkdirSync(dir);
  } catch (e) {
    return { ok: false, reason: `cannot create a tracefs instance for probing: ${(e as Error).message}` };
  }
  const token = registerExitRelease(() => rmdirSync(dir));
  const file = `${dir}/events/${event.system}/${event.name}/filter`;
  const answers: FilterWriteAnswer[] = [];
  let failure: string | null = null;
  try {
    for (const filter of filters) {
      const errno = writeRaw(file, filter, 'trunc');
      if (errno === 'ENOENT' || errno === 'EACCES') {
        failure = `cannot write ${file}: ${errno}`;
        break;
      }
      answers.push({ filter, accepted: errno === null, errno, fileText: readText(file) });
    }
  } catch (e) {
    failure = `probing ${file} failed: ${(e as Error).message}`;
  }
  // Removal waits for an RCU grace period (~70 ms here): let it finish while the caller goes on.
  rmdir(dir, () => unregisterExitRelease(token));
  if (failure !== null) return { ok: false, reason: failure };
  try {
    mkdirSync(cacheDir(), { recursive: true, mode: 0o700 });
    writeFileSync(cachePath(key), JSON.stringify(answers));
  } catch {
    // an unwritable cache only costs the next run another probe
  }
  return {
    ok: true,
    answers,
    release: id.release,
    build: id.build,
    cached: false,
    ms: performance.now() - t0,
  };
}
