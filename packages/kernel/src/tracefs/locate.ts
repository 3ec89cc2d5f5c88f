// Finding (and if needed mounting) tracefs. Invariants: a usable tracefs is a directory with an
// `events` subdirectory and an `instances` directory; the result is either its path or a typed
// Unavailable with a human-readable reason (used verbatim in test skip messages); mounting is
// attempted only when asked, only as root, and only at /sys/kernel/tracing.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Why a kernel feature cannot be used here; `reason` is meant for skip messages. */
export type Unavailable = { readonly ok: false; readonly reason: string };

export type TracefsRoot = { readonly ok: true; readonly path: string };

export const TRACEFS_CANDIDATES = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'] as const;

function usable(path: string): boolean {
  return existsSync(`${path}/events`) && existsSync(`${path}/instances`);
}

function mountTracefs(): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('mount', ['-t', 'tracefs', 'nodev', '/sys/kernel/tracing'], (err, _out, stderr) => {
      resolve(err ? `mount -t tracefs failed: ${String(stderr).trim() || err.message}` : null);
    });
  });
}

/** Locates tracefs; mounts it at /sys/kernel/tracing when missing, running as root and `mount` is true. */
export async function locateTracefs(options: { mount?: boolean } = {}): Promise<TracefsRoot | Unavailable> {
  for (const p of TRACEFS_CANDIDATES) if (usable(p)) return { ok: true, path: p };
  const isRoot = process.getuid?.() === 0;
  if (!isRoot) return { ok: false, reason: 'tracefs is not mounted and this process is not root' };
  if (options.mount === false)
    return { ok: false, reason: 'tracefs is not mounted (mounting not requested)' };
  if (!existsSync('/sys/kernel/tracing')) {
    return { ok: false, reason: 'kernel has no tracefs (/sys/kernel/tracing missing: CONFIG_TRACING off?)' };
  }
  const err = await mountTracefs();
  if (err !== null) return { ok: false, reason: err };
  if (usable('/sys/kernel/tracing')) return { ok: true, path: '/sys/kernel/tracing' };
  return { ok: false, reason: 'tracefs mounted but has no events/instances directories' };
}

/** Checks that uprobe events can be defined (CONFIG_UPROBE_EVENTS) under a located tracefs. */
export function uprobesAvailable(root: string): Unavailable | null {
  if (!existsSync(`${root}/uprobe_events`)) {
    return { ok: false, reason: `no ${root}/uprobe_events (kernel built without CONFIG_UPROBE_EVENTS)` };
  }
  return null;
}
