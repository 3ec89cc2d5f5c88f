// Diagnostics of the pcap front end: every error a user can cause is one of these values, never a throw.
// Invariants: `span` is a half-open UTF-16 range into the filter text (start ≤ end ≤ text.length);
// `code` is stable and machine-readable; `message` is a single line without the filter text.
import type { Span } from './tokens.ts';

export type PcapErrorCode =
  | 'lex'
  | 'syntax'
  | 'number'
  | 'address'
  | 'qualifier'
  | 'name'
  | 'unsupported'
  | 'link'
  | 'range'
  | 'depth'
  /** The filter is larger than the compiler accepts (budget.ts). */
  | 'size';

export interface PcapDiagnostic {
  readonly severity: 'error';
  readonly code: PcapErrorCode;
  readonly message: string;
  readonly span: Span;
}

export function diag(code: PcapErrorCode, message: string, span: Span): PcapDiagnostic {
  return { severity: 'error', code, message, span };
}

/** Result of a front-end stage. */
export type Result<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly diagnostic: PcapDiagnostic };

/** Carrier for a diagnostic across the recursive-descent parser and the lowering; caught at the API. */
export class PcapFail {
  readonly diagnostic: PcapDiagnostic;
  constructor(diagnostic: PcapDiagnostic) {
    this.diagnostic = diagnostic;
  }
}

export function fail(code: PcapErrorCode, message: string, span: Span): never {
  throw new PcapFail(diag(code, message, span));
}
