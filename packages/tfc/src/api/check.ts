/*
 * check() and evalRecords(): a trace event filter decided as the kernel's tracefs write would decide it (under one
 * kernel dialect profile, or every profile), and tfc's reference interpreter over records. The library form of
 * `tfc check` and `tfc eval`. Invariants: pure (bundled events and the caller's text; nothing is written to the
 * kernel); `filterFile` is byte-identical to what `tfc check` prints on stdout; a rejection is a value with the
 * kernel's FilterError, a positioned Diagnostic and tfc's notes; every record is converted before any verdict is
 * computed, so a bad record fails the call as a whole.
 */
import type { Diagnostic } from '@tfc/compiler';
import {
  type EvalContext,
  evaluate,
  explainRejection,
  type Filter,
  type FilterError,
  PROFILES,
  parseFilter,
  recordFromJson,
  renderAcceptedFilterFile,
  renderErrorLog,
  renderFilterFile,
} from '@tfc/tracefs';
import { rejectionNotes } from './errors.ts';
import type { EventOptions } from './options.ts';
import { envOf, requiredEvent } from './source.ts';

/** The kernel accepts the filter. */
export interface CheckAccepted {
  /** The kernel accepts the filter. */
  readonly ok: true;
  /** The parsed filter (null for `0`, the clearing filter), for evaluate(). */
  readonly filter: Filter | null;
  /** What the event's `filter` file shows after the write (`tfc check`'s stdout). */
  readonly filterFile: string;
  /** The dialect profile followed. */
  readonly kernel: string;
}

/** The kernel rejects the filter. */
export interface CheckFailure {
  /** The kernel rejects the filter. */
  readonly ok: false;
  /** The kernel's own error (message, position, errno). */
  readonly filterError: FilterError;
  /** What the event's `filter` file shows after the failed write (`tfc check`'s stdout). */
  readonly filterFile: string;
  /** The kernel's `error_log` entry. */
  readonly errorLog: string;
  /** The error as one Diagnostic (stage parse, span at the kernel's position). */
  readonly diagnostics: readonly Diagnostic[];
  /** What the rendering does not say: too long, kernel-undefined shapes, when the construct arrived in Linux. */
  readonly notes: readonly string[];
  /** The dialect profile followed. */
  readonly kernel: string;
}

/** The result of check(). */
export type CheckResult = CheckAccepted | CheckFailure;

/**
 * Decides a trace event filter as the kernel does when it is written to the event's tracefs `filter` file.
 *
 * @param filter The filter text.
 * @param options The event (`event` or `format`), the kernel profile (`kernel`), nr_cpu_ids.
 * @example
 * ```ts
 * const r = check('cpu & CPUS{1}', { event: 'sched/sched_switch', kernel: '5.15' });
 * if (!r.ok) process.stdout.write(r.filterFile); // the filter, a caret, "parse_error: ..."
 * ```
 */
export function check(filter: string, options: EventOptions): CheckResult {
  const event = requiredEvent(options, 'check');
  const env = envOf(options);
  const kernel = env.dialect.name;
  const r = parseFilter(filter, event, env);
  if (r.ok) return { ok: true, filter: r.filter, filterFile: renderAcceptedFilterFile(r.filter), kernel };
  const e = r.error;
  const at = Math.min(e.position, filter.length);
  return {
    ok: false,
    filterError: e,
    filterFile: renderFilterFile(e),
    errorLog: renderErrorLog(e, env.dialect),
    diagnostics: [{ stage: 'parse', message: e.message, span: { start: at, end: at } }],
    notes: [...rejectionNotes(e, filter), ...explainRejection(filter, event, env)],
    kernel,
  };
}

/**
 * Checks the filter under every kernel dialect profile, newest first (`tfc check --kernel all`).
 *
 * @returns One result per profile, each with the profile's name in `kernel`.
 */
export function checkProfiles(filter: string, options: Omit<EventOptions, 'kernel'>): readonly CheckResult[] {
  return PROFILES.map((dialect) => check(filter, { ...options, kernel: dialect }));
}

/** Verdicts of evalRecords(). */
export interface EvalVerdicts {
  /** Every record was evaluated. */
  readonly ok: true;
  /** One per record, in order: true where the kernel would keep the record. */
  readonly verdicts: readonly boolean[];
}

/** A record evalRecords() could not convert. */
export interface EvalRecordFailure {
  /** A record could not be converted; no verdict was computed. */
  readonly ok: false;
  /** The record's index in `records`. */
  readonly record: number;
  /** Why (a field the event does not have, a value out of range, …). */
  readonly message: string;
  /** No diagnostics about the filter: the filter was accepted. */
  readonly diagnostics: readonly Diagnostic[];
  /** No notes. */
  readonly notes: readonly string[];
}

/** The result of evalRecords(). */
export type EvalResult = EvalVerdicts | CheckFailure | EvalRecordFailure;

/**
 * Runs tfc's reference interpreter (the kernel's filter semantics) over records (`tfc eval`).
 *
 * @param filter The filter text; a filter the kernel rejects gives the CheckFailure check() gives.
 * @param options The event and kernel as for check(), and the records: objects as `tfc eval --records` reads them
 *   (`{ "family": 2 }` fields by name, `cpu`/`comm` of the emitting task, `{ "raw": "0a00…" }` the record's bytes;
 *   integers as numbers or strings).
 */
export function evalRecords(
  filter: string,
  options: EventOptions & { readonly records: readonly unknown[] },
): EvalResult {
  const event = requiredEvent(options, 'evalRecords');
  const checked = check(filter, options);
  if (!checked.ok) return checked;
  const converted: { record: Uint8Array; ctx: EvalContext }[] = [];
  for (const [i, json] of options.records.entries()) {
    const r = recordFromJson(event, json);
    if (!r.ok) return { ok: false, record: i, message: r.error, diagnostics: [], notes: [] };
    converted.push({ record: r.record, ctx: r.ctx });
  }
  return { ok: true, verdicts: converted.map((c) => evaluate(checked.filter, c.record, c.ctx)) };
}
