/*
 * The one Diagnostic of the pipeline: every stage (front end, passes, target) returns these, with the stage that
 * failed and, where the front end knows it, the span of the filter text.
 * Invariants: plain data; `message` is what the user reads after `tfc: compile: STAGE: `; a code generator's code is
 * appended once, here (`coded`), as `message [code]`; at most five diagnostics reach the user (`summarize`).
 */

export type Stage = 'parse' | 'lower' | 'passes' | 'codegen';

export interface Diagnostic {
  readonly stage: Stage;
  readonly message: string;
  /** Byte offsets into the filter text, when known. */
  readonly span?: { readonly start: number; readonly end: number };
}

/** A stage's outcome: its product, or why not. */
export type StageResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** Messages of one stage, with spans where they have them. */
export function diagnosticsOf(
  stage: Stage,
  ds: readonly { readonly message: string; readonly span?: Diagnostic['span'] | undefined }[],
): Diagnostic[] {
  return ds.map((d) => ({ stage, message: d.message, ...(d.span ? { span: d.span } : {}) }));
}

/** A code generator's diagnostics (message and code), as the user reads them: `message [code]`. */
export function coded(ds: readonly { readonly message: string; readonly code: string }[]): Diagnostic[] {
  return ds.map((d) => ({ stage: 'codegen', message: `${d.message} [${d.code}]` }));
}

/** At most five diagnostics, then one line counting the rest (a huge program can fail in thousands of places). */
export function summarize(ds: readonly Diagnostic[]): Diagnostic[] {
  if (ds.length <= 5) return [...ds];
  const last = ds[ds.length - 1] as Diagnostic;
  return [...ds.slice(0, 4), { stage: last.stage, message: `… and ${ds.length - 4} more like these` }];
}

/** A stage's result with its diagnostics summarized. */
export function summarized<T>(r: StageResult<T>): StageResult<T> {
  return r.ok ? r : { ok: false, diagnostics: summarize(r.diagnostics) };
}
