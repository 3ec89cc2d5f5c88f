// Reads an event format from the running kernel's tracefs.
// Invariants: tries <root>/events first; default roots are /sys/kernel/tracing then
// /sys/kernel/debug/tracing; mounts tracefs only when no root has events/ and we are root (uid 0);
// never throws: every failure is a string explaining why.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFormat } from './format.ts';
import type { EventFormat } from './types.ts';

const DEFAULT_ROOTS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'] as const;
const NAME_RE = /^[A-Za-z0-9_.-]+$/;

/** Finds (and if needed and permitted, mounts) the tracefs root. */
export function findTracefsRoot(): { ok: true; root: string } | { ok: false; error: string } {
  for (const r of DEFAULT_ROOTS) if (existsSync(join(r, 'events'))) return { ok: true, root: r };
  if (typeof process.getuid === 'function' && process.getuid() === 0) {
    try {
      execFileSync('mount', ['-t', 'tracefs', 'nodev', '/sys/kernel/tracing'], { stdio: 'pipe' });
    } catch (e) {
      return { ok: false, error: `tracefs is not mounted and mounting it failed: ${(e as Error).message}` };
    }
    if (existsSync('/sys/kernel/tracing/events')) return { ok: true, root: '/sys/kernel/tracing' };
    return { ok: false, error: 'mounted tracefs at /sys/kernel/tracing but it has no events/ directory' };
  }
  return {
    ok: false,
    error:
      'tracefs not found at /sys/kernel/tracing or /sys/kernel/debug/tracing and not root, so cannot mount it',
  };
}

export function readLiveEvent(
  system: string,
  name: string,
  opts?: { root?: string },
): { ok: true; event: EventFormat } | { ok: false; error: string } {
  if (!NAME_RE.test(system) || !NAME_RE.test(name) || system.startsWith('.') || name.startsWith('.')) {
    return { ok: false, error: `invalid event name '${system}/${name}'` };
  }
  let root = opts?.root;
  if (root === undefined) {
    const found = findTracefsRoot();
    if (!found.ok) return found;
    root = found.root;
  }
  const path = join(root, 'events', system, name, 'format');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    return {
      ok: false,
      error:
        code === 'ENOENT'
          ? `no such event ${system}/${name} (${path} does not exist)`
          : `cannot read ${path}: ${code}`,
    };
  }
  const parsed = parseFormat(text, { system, name });
  if (!parsed.ok) return { ok: false, error: `${path}:${parsed.error.line}: ${parsed.error.message}` };
  return { ok: true, event: { ...parsed.event, system } };
}
