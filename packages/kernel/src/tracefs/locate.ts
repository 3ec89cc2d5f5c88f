// Finding (and if needed mounting) tracefs. Invariants: a usable tracefs is a directory with an
// `events` subdirectory and an `instances` directory; the result is either its path or a typed
// Unavailable with a human-readable reason (used verbatim in test skip messages); mounting is
// attempted only when asked, only as root, and only at /sys/kernel/tracing. A tracefs that does not
// answer a read within the probe's time (the tracing subsystem wedged, e.g. after a kernel oops in an
// event handler) is Unavailable too: the probe runs in a detached child, so a read stuck in the kernel
// never blocks this process or its exit.
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** Why a kernel feature cannot be used here; `reason` is meant for skip messages. */
export type Unavailable = { readonly ok: false; readonly reason: string };

export type TracefsRoot = { readonly ok: true; readonly path: string };

export const TRACEFS_CANDIDATES = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'] as const;

function usable(path: string): boolean {
  return existsSync(`${path}/events`) && existsSync(`${path}/instances`);
}

/** A tracefs mount this user cannot look into (mode 0700 for root, as the kernel mounts it). */
function mountedButClosed(): boolean {
  try {
    return readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .some((l) => {
        const [, dir, type] = l.split(' ');
        return type === 'tracefs' && TRACEFS_CANDIDATES.includes(dir as (typeof TRACEFS_CANDIDATES)[number]);
      });
  } catch {
    return false;
  }
}

function mountTracefs(): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('mount', ['-t', 'tracefs', 'nodev', '/sys/kernel/tracing'], (err, _out, stderr) => {
      resolve(err ? `mount -t tracefs failed: ${String(stderr).trim() || err.message}` : null);
    });
  });
}

/**
 * Checks that tracefs at `root` answers: a child reads `events/header_page` (a read that takes the tracing
 * subsystem's locks). Resolves null when it answers within `timeoutMs`, else an Unavailable. A child stuck in an
 * uninterruptible kernel wait cannot be killed; it is detached and left behind.
 */
export function probeTracefs(root: string, timeoutMs = 5000): Promise<Unavailable | null> {
  return new Promise((resolve) => {
    const child = spawn('cat', [`${root}/events/header_page`], { stdio: 'ignore', detached: true });
    const timer = setTimeout(() => {
      child.unref();
      resolve({
        ok: false,
        reason: `tracefs at ${root} does not answer within ${timeoutMs} ms (the kernel's tracing subsystem is wedged, e.g. by an earlier oops in an event handler; see dmesg — a reboot clears it)`,
      });
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ ok: false, reason: `cannot probe tracefs: ${e.message}` });
    });
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(null);
    });
  });
}

/** Locates tracefs; mounts it at /sys/kernel/tracing when missing, running as root and `mount` is true. */
export async function locateTracefs(options: { mount?: boolean } = {}): Promise<TracefsRoot | Unavailable> {
  for (const p of TRACEFS_CANDIDATES) if (usable(p)) return (await probeTracefs(p)) ?? { ok: true, path: p };
  const isRoot = process.getuid?.() === 0;
  if (!isRoot)
    return {
      ok: false,
      reason: mountedButClosed()
        ? 'tracefs is mounted but not readable by this user (root, or read access to /sys/kernel/tracing, is needed)'
        : 'tracefs is not mounted and this process is not root',
    };
  if (options.mount === false)
    return { ok: false, reason: 'tracefs is not mounted (mounting not requested)' };
  if (!existsSync('/sys/kernel/tracing')) {
    return { ok: false, reason: 'kernel has no tracefs (/sys/kernel/tracing missing: CONFIG_TRACING off?)' };
  }
  const err = await mountTracefs();
  if (err !== null) return { ok: false, reason: err };
  if (usable('/sys/kernel/tracing'))
    return (await probeTracefs('/sys/kernel/tracing')) ?? { ok: true, path: '/sys/kernel/tracing' };
  return { ok: false, reason: 'tracefs mounted but has no events/instances directories' };
}

/** Checks that uprobe events can be defined (CONFIG_UPROBE_EVENTS) under a located tracefs. */
export function uprobesAvailable(root: string): Unavailable | null {
  if (!existsSync(`${root}/uprobe_events`)) {
    return { ok: false, reason: `no ${root}/uprobe_events (kernel built without CONFIG_UPROBE_EVENTS)` };
  }
  return null;
}
