// Reading an event's format file from the running kernel's tracefs, as text (the language front end parses it:
// @tfc/tracefs parseFormat; this package never imports it). Invariants: tries <root>/events first; default roots are
// /sys/kernel/tracing then /sys/kernel/debug/tracing; mounts tracefs only when no root has events/ and we are root
// (uid 0); event names are checked before any path is built (no `..`, no slashes); never throws: every failure is a
// string explaining why. Synchronous (the CLI probes a wedged tracefs first, with probeTracefs).

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TRACEFS_CANDIDATES } from './locate.ts';

const NAME_RE = /^[A-Za-z0-9_.-]+$/;

/** Finds (and if needed and permitted, mounts) the tracefs root. */
export function findTracefsRoot(): { ok: true; root: string } | { ok: false; error: string } {
  for (const r of TRACEFS_CANDIDATES) if (existsSync(join(r, 'events'))) return { ok: true, root: r };
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

/** An event's format file as the kernel prints it, with the path it was read from (for diagnostics). */
export type LiveFormatText = { readonly ok: true; readonly text: string; readonly path: string };

/** Reads `<root>/events/SYSTEM/NAME/format`; the root is found (or mounted) by findTracefsRoot when not given. */
export function readEventFormatText(
  system: string,
  name: string,
  opts?: { root?: string },
): LiveFormatText | { ok: false; error: string } {
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
  try {
    return { ok: true, text: readFileSync(path, 'utf8'), path };
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
}
