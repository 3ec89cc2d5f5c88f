/*
 * The trace filter front end: a tracefs filter parsed exactly as the kernel parses it, then lowered to the IR for
 * one event. The request's front-end environment (nr_cpu_ids, kallsyms, the kernel dialect) goes to parseFilter
 * as it is.
 * Invariants: a filter the kernel rejects is a `parse` diagnostic whose message is the kernel's own `parse_error:`
 * rendering (or the 4096-byte write limit) with the error position as span, and the FilterError itself; lowering
 * failures are `lower` diagnostics with spans; pure (no tracefs access).
 */

import type { FilterError } from '@tfc/tracefs';
import {
  type EventFormat,
  type FilterEnv,
  type LowerOptions,
  lowerFilter,
  type Filter as ParsedFilter,
  parseFilter,
  renderFilterFile,
} from '@tfc/tracefs';
import { type Diagnostic, diagnosticsOf } from '../diagnostic.ts';
import type { FrontResult } from '../driver/stages.ts';

export interface TraceSource {
  /** Trace event filter text, as written to a tracefs `filter` file. */
  readonly filter: string;
  readonly event: EventFormat;
  /** parseFilter's environment, passed through unchanged. */
  readonly env: FilterEnv;
  /** Largest filter text accepted (default: what the kernel accepts, 4095 bytes). */
  readonly maxFilterBytes?: number;
}

/** The kernel's rejection of a filter as the pipeline's diagnostic. */
export function kernelRejection(e: FilterError, filter: string): Diagnostic {
  const rendered =
    renderFilterFile(e)
      .split('\n')
      .find((l) => l.startsWith('parse_error: ')) ?? 'Error: (0)';
  const message = e.tooLong
    ? `the filter is ${Buffer.byteLength(filter)} bytes; the kernel refuses writes of 4096 bytes or more`
    : rendered;
  return {
    stage: 'parse',
    message: message.replace(/^parse_error: /, ''),
    span: { start: e.position, end: e.position },
  };
}

export type ParseTraceResult =
  | { readonly ok: true; readonly filter: ParsedFilter | null }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[]; readonly filterError: FilterError };

/** Parse exactly as the kernel does. */
export function parseTrace(src: TraceSource): ParseTraceResult {
  const parsed = parseFilter(
    src.filter,
    src.event,
    src.env,
    src.maxFilterBytes !== undefined ? { maxBytes: src.maxFilterBytes + 1 } : undefined,
  );
  if (!parsed.ok)
    return { ok: false, filterError: parsed.error, diagnostics: [kernelRejection(parsed.error, src.filter)] };
  return { ok: true, filter: parsed.filter };
}

/** Parse and lower one event's filter. */
export function traceFront(src: TraceSource, lower: LowerOptions): FrontResult {
  const parsed = parseTrace(src);
  if (!parsed.ok) return parsed;
  const lowered = lowerFilter(parsed.filter, src.event, lower);
  if (!lowered.ok) return { ok: false, diagnostics: diagnosticsOf('lower', lowered.diagnostics) };
  return { ok: true, ir: lowered.ir };
}
