/*
 * Trace filters over trace frames (docs: trace-over-ethernet): the frame layout facts the frame targets share —
 * the per-event key guard (EtherType and event id), key names by frame offset, the record's fixed part — and the
 * several-event front end of the no-event mode: a filter applies, as a subsystem filter does, to every candidate
 * event that accepts it (kernel-exact parse), each with its own offsets.
 * Invariants: `keys` guards each event by EtherType and event id only (what table keys can say; a frame that holds
 * the record's fixed part is the contract), `full` by the whole frame guard (the record-length field included);
 * the filter is parsed once per event and lowered once per event, whichever guard is asked for; at most
 * MAX_TC_EVENTS events; no event defining the fields is a `parse` diagnostic naming the closest events.
 */
import * as ir from '@tfc/ir';
import {
  type EventFormat,
  type FilterEnv,
  type FilterError,
  FRAME_HEADER,
  frameGuard,
  lowerFilter,
  type Filter as ParsedFilter,
  parseFilter,
  parseSubsystemFilter,
  TRACE_ETHERTYPE,
  TRACE_RECORD_OFFSET,
} from '@tfc/tracefs';
import { type Diagnostic, diagnosticsOf } from '../diagnostic.ts';
import type { FrontResult } from '../driver/stages.ts';
import { closestEvents } from './closest-events.ts';
import { kernelRejection } from './tracefs.ts';

/** Most events one set of rules may cover. */
export const MAX_TC_EVENTS = 256;

export interface TraceFramesSource {
  readonly filter: string;
  /** One event, or the candidates of the no-event mode (`anyEvent`). */
  readonly events: readonly EventFormat[];
  /** True when the events are candidates: cover those that accept the filter (subsystem semantics). */
  readonly anyEvent?: boolean;
  /** parseFilter's environment, passed through unchanged. */
  readonly env: FilterEnv;
}

export const eventName = (e: EventFormat): string => `${e.system}/${e.name}`;

export function fixedRecordSize(event: EventFormat): number {
  return Math.max(0, ...event.fields.map((f) => f.offset + f.size));
}

/** Table key names by frame offset: the trace header's, and (one event) the record's fields. */
export function traceKeyNames(events: readonly EventFormat[]): ReadonlyMap<number, string> {
  const names = new Map<number, string>([
    [FRAME_HEADER.ethertype, 'ethertype'],
    [FRAME_HEADER.eventId, 'event_id'],
    [FRAME_HEADER.cpu, 'cpu'],
    [FRAME_HEADER.comm, 'comm'],
  ]);
  if (events.length === 1)
    for (const f of events[0]!.fields)
      if (!names.has(TRACE_RECORD_OFFSET + f.offset)) names.set(TRACE_RECORD_OFFSET + f.offset, f.name);
  return names;
}

/** The key guard of one event's frames: EtherType and event id. */
export function keyGuard(event: EventFormat): ir.Pred[] {
  return [
    ir.cmp(
      'eq',
      2,
      false,
      ir.load('packet', FRAME_HEADER.ethertype, 2, 'be', false),
      BigInt(TRACE_ETHERTYPE),
    ),
    ir.cmp('eq', 2, false, ir.load('packet', FRAME_HEADER.eventId, 2, 'be', false), BigInt(event.id)),
  ];
}

/** One event's filter, parsed; null for an empty filter. */
interface Parsed {
  readonly event: EventFormat;
  readonly filter: ParsedFilter | null;
}

type Fail = {
  readonly ok: false;
  readonly diagnostics: readonly Diagnostic[];
  readonly filterError?: FilterError;
};

const parseOnly = (message: string): Fail => ({ ok: false, diagnostics: [{ stage: 'parse', message }] });

/** The events a trace filter covers, parsed (kernel-exact). */
function parseFor(src: TraceFramesSource): { ok: true; parsed: readonly Parsed[] } | Fail {
  if (src.anyEvent !== true) {
    const [event] = src.events;
    if (event === undefined || src.events.length !== 1) return parseOnly('one event is needed');
    const p = parseFilter(src.filter, event, src.env);
    if (!p.ok)
      return { ok: false, filterError: p.error, diagnostics: [kernelRejection(p.error, src.filter)] };
    return { ok: true, parsed: [{ event, filter: p.filter }] };
  }
  const s = parseSubsystemFilter(src.filter, src.events, src.env);
  const parsed = s.events.flatMap((x) =>
    x.error === undefined ? [{ event: x.event, filter: x.filter }] : [],
  );
  if (parsed.length === 0) {
    const close = closestEvents(src.filter, src.events);
    return parseOnly(
      `no event defines every field the filter names` +
        (close.length > 0 ? `; closest: ${close.join(', ')}` : ' (no event has any of them)'),
    );
  }
  if (parsed.length > MAX_TC_EVENTS)
    return parseOnly(
      `the filter applies to ${parsed.length} events, more than ${MAX_TC_EVENTS}; narrow it with --subsystem SYS or --event`,
    );
  return { ok: true, parsed };
}

/** A trace filter lowered for the frames of each event it covers: both guards are built from one lowering. */
export interface TraceFrames {
  readonly covered: readonly EventFormat[];
  /** The frames' smallest well-formed length: the trace header, the record's fixed part, at least 60 bytes. */
  readonly minFrameLength: number;
  /** The IR under `guard`: 'keys' (EtherType, event id) or 'full' (the whole frame guard). */
  readonly ir: (guard: 'keys' | 'full') => ir.Filter;
}

export function traceFramesFront(src: TraceFramesSource): FrontResult<{ readonly frames: TraceFrames }> {
  const p = parseFor(src);
  if (!p.ok) return p;
  const bodies: { readonly event: EventFormat; readonly body: ir.Pred; readonly empty: boolean }[] = [];
  for (const { event, filter } of p.parsed) {
    const lowered = lowerFilter(filter, event, {
      ctx: 'trace-frame',
      nrCpuIds: src.env.nrCpuIds,
      frameGuard: false,
    });
    if (!lowered.ok)
      return {
        ok: false,
        diagnostics: diagnosticsOf(
          'lower',
          lowered.diagnostics.map((d) => ({ message: `${eventName(event)}: ${d.message}` })),
        ),
      };
    bodies.push({ event, body: lowered.ir.body, empty: filter === null });
  }
  const events = p.parsed.map((x) => x.event);
  const guarded = (guard: 'keys' | 'full'): ir.Filter => {
    // As lowerFilter guards (an empty filter is the guard alone), then inlined.
    const each = bodies.map(({ event, body, empty }) =>
      guard === 'full'
        ? ir.inline(ir.filter(empty ? frameGuard(event) : ir.and(frameGuard(event), body))).body
        : ir.and(...keyGuard(event), ir.inline(ir.filter(body)).body),
    );
    return ir.filter(each.length === 1 ? each[0]! : ir.or(...each));
  };
  const frames: TraceFrames = {
    covered: events,
    minFrameLength: Math.min(...events.map((e) => Math.max(60, TRACE_RECORD_OFFSET + fixedRecordSize(e)))),
    ir: guarded,
  };
  return { ok: true, ir: guarded('keys'), frames };
}
