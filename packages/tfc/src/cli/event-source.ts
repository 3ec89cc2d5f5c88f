/*
 * Resolves the event schema a command works on: `--event SYS/NAME` (live tracefs first, then the bundled snapshot
 * of a 6.18 kernel, or forced with --source live|bundled) or `--format FILE` (a saved tracefs format file).
 * Invariants: exactly one of --event / --format; every failure is a UsageError naming what was tried and why;
 * live tracefs is read only after a probe in a detached child has answered, so a wedged tracing subsystem makes
 * tfc fall back to the snapshot (or fail with the reason under --source live) instead of hanging.
 */

import { existsSync, readdirSync } from 'node:fs';
import { probeTracefs } from '@tfc/kernel/tracefs';
import {
  bundledEvent,
  bundledEventNames,
  bundledKernelRelease,
  type EventFormat,
  parseFormat,
} from '@tfc/tracefs';
import { readLiveEvent } from '../live-event.ts';
import type { OptionSpec, Parsed } from './args.ts';
import { str } from './args.ts';
import { type Io, UsageError } from './io.ts';
import { didYouMean } from './suggest.ts';

const TRACEFS = '/sys/kernel/tracing';

export const eventOptions: Readonly<Record<string, OptionSpec>> = {
  event: { type: 'string', short: 'e' },
  format: { type: 'string', short: 'f' },
  source: { type: 'string' },
};

export const eventOptionsHelp = `  -e, --event SYS/NAME   the trace event (e.g. sock/inet_sock_set_state): its format is read from
                         /sys/kernel/tracing when the running kernel has it, else from tfc's bundled
                         snapshot of every event of a Linux 6.18 kernel
  -f, --format FILE      read the event's format from a saved tracefs 'format' file instead
      --source S         with --event: 'live' (running kernel only), 'bundled' (snapshot only) or 'auto'`;

export interface ResolvedEvent {
  readonly event: EventFormat;
  readonly origin: string;
  /** Why live tracefs was not used, when it was tried. */
  readonly liveError?: string;
}

export async function resolveEvent(p: Parsed, io: Io): Promise<ResolvedEvent> {
  const spec = str(p, 'event');
  const file = str(p, 'format');
  const source = str(p, 'source') ?? 'auto';
  if (source !== 'auto' && source !== 'live' && source !== 'bundled')
    throw new UsageError(`--source must be auto, live or bundled, got '${source}'`);
  if (spec !== undefined && file !== undefined)
    throw new UsageError('give either --event or --format, not both');
  if (file !== undefined) {
    const r = parseFormat(io.readText(file));
    if (!r.ok) throw new UsageError(`${file}:${r.error.line}: ${r.error.message}`);
    return { event: r.event, origin: file };
  }
  if (spec === undefined) throw new UsageError('an event is needed: --event SYS/NAME or --format FILE');
  const m = /^([^/\s]+)[/:]([^/\s]+)$/.exec(spec);
  if (!m) throw new UsageError(`--event takes SYS/NAME (e.g. sched/sched_switch), got '${spec}'`);
  const [system, name] = [m[1] as string, m[2] as string];
  let liveError = '';
  if (source !== 'bundled') {
    const stuck = existsSync(`${TRACEFS}/events/${system}/${name}`)
      ? await probeTracefs(TRACEFS, 3000)
      : null;
    const live = stuck ? { ok: false as const, error: stuck.reason } : readLiveEvent(system, name);
    if (live.ok) return { event: live.event, origin: 'live tracefs' };
    liveError = live.error;
    if (source === 'live') throw new UsageError(`event ${system}/${name}: ${liveError}`);
  }
  const b = bundledEvent(system, name);
  if (b) {
    const origin = `bundled snapshot, Linux ${bundledKernelRelease()}`;
    return liveError === '' ? { event: b, origin } : { event: b, origin, liveError };
  }
  const where =
    source === 'bundled' ? 'the bundled snapshot' : `live tracefs (${liveError}) or the bundled snapshot`;
  const known = await knownEventNames(source !== 'bundled');
  throw new UsageError(
    `event ${system}/${name} not found in ${where}; 'tfc events ${system}/' lists known events${didYouMean(`${system}/${name}`, known)}`,
  );
}

/** SYS/NAME of every event of live tracefs (when it answers a probe), or [] — for "did you mean". */
export async function liveEventNames(): Promise<string[]> {
  if (!existsSync(`${TRACEFS}/events`) || (await probeTracefs(TRACEFS, 1000)) !== null) return [];
  return readEventNames(TRACEFS);
}

/** SYS/NAME of every event under `root`/events (a tracefs the caller has probed), or what could be read. */
function readEventNames(root: string): string[] {
  const names: string[] = [];
  try {
    for (const sys of readdirSync(`${root}/events`, { withFileTypes: true })) {
      if (!sys.isDirectory()) continue;
      for (const ev of readdirSync(`${root}/events/${sys.name}`, { withFileTypes: true }))
        if (ev.isDirectory()) names.push(`${sys.name}/${ev.name}`);
    }
  } catch {
    return names;
  }
  return names;
}

/** The names an unknown event is compared with: the bundled snapshot's, and live tracefs's when asked. */
export async function knownEventNames(live: boolean): Promise<string[]> {
  return [...bundledEventNames(), ...(live ? await liveEventNames() : [])];
}

/**
 * `; did you mean 'SYS/NAME'?` for an event that is not there, against the bundled snapshot and the events of the
 * tracefs at `tracefsRoot` (which the caller has already found answering), or ''.
 */
export function eventHint(spec: string, tracefsRoot?: string): string {
  const live = tracefsRoot === undefined ? [] : readEventNames(tracefsRoot);
  return didYouMean(spec.replace(':', '/'), [...bundledEventNames(), ...live]);
}
