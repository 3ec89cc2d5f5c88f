// Subsystem-wide filter writes (events/<sys>/filter), Linux 4.17+ semantics (spec §9): the string is
// compiled independently for every event of the subsystem; an event that rejects it is left
// unfiltered and its filter file shows the string with a caret at column 0 and "Couldn't find or set
// field in one of a subsystem's events"; the write itself succeeds whenever the subsystem has an
// event; "0" clears every event. Invariant: pure; results in the order of the given events.

import type { Filter } from './ast.ts';
import type { FilterError } from './errors.ts';
import { type FilterEnv, parseFilter } from './parse-filter.ts';
import type { EventFormat } from './types.ts';

export const SUBSYSTEM_MESSAGE = "Couldn't find or set field in one of a subsystem's events";

export interface SubsystemEventResult {
  readonly event: EventFormat;
  /** The filter installed on the event; null = unfiltered (cleared, or rejected). */
  readonly filter: Filter | null;
  /** Present when the event rejected the string: what its filter file / error_log show. */
  readonly error?: FilterError;
  /** The event's own parse error (what a direct write would have reported). */
  readonly cause?: FilterError;
}

export interface SubsystemResult {
  /** errno of the write to the subsystem file: null = success. */
  readonly errno: 'EINVAL' | 'ENODEV' | null;
  readonly events: readonly SubsystemEventResult[];
}

export function parseSubsystemFilter(
  text: string,
  events: readonly EventFormat[],
  env: FilterEnv,
): SubsystemResult {
  if (events.length === 0) return { errno: 'ENODEV', events: [] };
  const out: SubsystemEventResult[] = [];
  for (const event of events) {
    const r = parseFilter(text, event, env);
    if (r.ok) {
      out.push({ event, filter: r.filter });
      continue;
    }
    if (r.error.tooLong) return { errno: 'EINVAL', events: [] };
    const error: FilterError = {
      message: SUBSYSTEM_MESSAGE,
      position: 0,
      errno: r.error.errno,
      text: r.error.text,
      bare: false,
    };
    out.push({ event, filter: null, error, cause: r.error });
  }
  return { errno: null, events: out };
}
