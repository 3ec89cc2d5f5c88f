/*
 * Every event of the running kernel's tracefs (or one subsystem's), read from their format files: the candidates of
 * compile()'s no-event mode when they should be the live ones rather than the bundled snapshot.
 * Invariants: tracefs is located (and mounted if root) and probed first, so a wedged tracing subsystem is an error
 * value, not a hang; events whose format cannot be read or parsed are left out (their names listed in `skipped`);
 * systems and events come in name order; never throws.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { locateTracefs } from '@tfc/kernel/tracefs';
import type { EventFormat } from '@tfc/tracefs';
import { readLiveEvent } from './live-event.ts';

const dirs = (path: string): string[] => {
  try {
    return readdirSync(path, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
};

/**
 * The live events (of `subsystem`, when given), for `compile(filter, { events, target })`.
 *
 * @returns The events and the SYS/NAME of those that could not be read, or why tracefs cannot be used.
 */
export async function readLiveEvents(subsystem?: string): Promise<
  | {
      /** tracefs answered. */
      readonly ok: true;
      /** The events, by system then name. */
      readonly events: readonly EventFormat[];
      /** Events whose format could not be read or parsed, as SYS/NAME. */
      readonly skipped: readonly string[];
    }
  | {
      /** tracefs cannot be used. */
      readonly ok: false;
      /** Why (not mounted and not root, wedged, no such subsystem). */
      readonly reason: string;
    }
> {
  const root = await locateTracefs({ mount: true });
  if (!root.ok) return { ok: false, reason: root.reason };
  const systems = dirs(join(root.path, 'events')).filter((s) => subsystem === undefined || s === subsystem);
  if (systems.length === 0)
    return { ok: false, reason: subsystem === undefined ? 'no events' : `no subsystem '${subsystem}'` };
  const events: EventFormat[] = [];
  const skipped: string[] = [];
  for (const s of systems)
    for (const n of dirs(join(root.path, 'events', s))) {
      const r = readLiveEvent(s, n, { root: root.path });
      if (r.ok) events.push(r.event);
      else skipped.push(`${s}/${n}`);
    }
  return { ok: true, events, skipped };
}
