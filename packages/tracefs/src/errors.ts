// Filter errors as values, and their two renderings: the text read back from the event's `filter`
// file after a failed write (and, for completeness, after an accepted one) (append_filter_err: caret clamped to the
// string length; lines that do not fit its trace_seq dropped, as the kernel drops them) and the
// error_log entry (tracing_log_err: caret 11 + position columns, unclamped), both byte-exact with
// Linux 6.18 apart from the error_log "[timestamp] " prefix. Invariant: pure string functions.

import type { Filter } from './ast.ts';
import type { FilterDialect } from './dialect/model.ts';
import { NEWEST } from './dialect/profiles.ts';

export type FilterErrno = 'EINVAL' | 'EPERM' | 'ENOENT' | 'ESRCH';

export interface FilterError {
  readonly message: string;
  /** Error position P (spec §10.4) in bytes of the stored string. */
  readonly position: number;
  readonly errno: FilterErrno;
  /** The stored filter string (trailing whitespace stripped). */
  readonly text: string;
  /** No specific message: the filter file shows `Error: (0)`, error_log shows `Error` at column 0. */
  readonly bare: boolean;
  /** The write was >= 4096 bytes: rejected before parsing, the previous filter stays installed. */
  readonly tooLong?: true;
  /**
   * The kernel's program construction reads or writes outside its array for this filter (shapes like
   * `A || B && C &&`: an unresolved `||` before a trailing `&&`). Linux 6.18 then WARNs and usually
   * fails with EINVAL (what we report), but may install a corrupt program that oopses the kernel when
   * it runs: never write such a filter to a live kernel.
   */
  readonly kernelUndefined?: true;
}

export { FILTER_MESSAGES } from './dialect/messages.ts';

export const PAGE_SIZE = 4096;

function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/**
 * What reading events/<sys>/<event>/filter returns after the failed write. For a too-long write the
 * file is unchanged (it shows the previous filter, unknown here): the empty string is returned.
 */
export function renderFilterFile(error: FilterError): string {
  if (error.tooLong) return '';
  if (error.bare) return traceSeqRender(error.text, ['\nError: (0)\n']);
  const len = byteLength(error.text);
  const pos = Math.min(error.position, len);
  return traceSeqRender(error.text, [`\n${' '.repeat(pos)}^`, `\nparse_error: ${error.message}\n`]);
}

/**
 * Usable bytes of the kernel's trace_seq (two pages minus its bookkeeping). Measured on Linux 6.18 x86-64 with a
 * live kernel: an unknown field of n letters keeps all three lines up to n = 4060, the caret line alone up to 4075.
 */
export const TRACE_SEQ_SIZE = 8154;

/**
 * append_filter_err builds the new filter string in a trace_seq: the filter (trace_seq_puts; at most 4095 bytes, it
 * always fits), then each line with trace_seq_printf, which writes all or nothing — it fits while the bytes used stay
 * below the size — and once one does not fit, no later one is written. Reading the file prints that string and a
 * newline through a fresh trace_seq, again all or nothing (an empty read when it does not fit).
 */
function traceSeqRender(text: string, lines: readonly string[]): string {
  let used = byteLength(text);
  let out = text;
  for (const line of lines) {
    const n = byteLength(line);
    if (used + n >= TRACE_SEQ_SIZE) break;
    used += n;
    out += line;
  }
  return used + 1 < TRACE_SEQ_SIZE ? `${out}\n` : '';
}

/**
 * What reading events/<sys>/<event>/filter returns after an accepted write: the stored filter (cut at
 * the first NUL, trailing whitespace stripped), or "none" after "0" cleared it.
 */
export function renderAcceptedFilterFile(filter: Filter | null): string {
  return filter === null ? 'none\n' : `${filter.text}\n`;
}

/**
 * The error_log entry without its leading "[timestamp] ". Empty for a too-long write (nothing logged). Kernels
 * before 5.18 (dialect errorLog) keep the caret position in a u8 and print the command lines into a 256-byte
 * buffer, so long filters lose their tail (and the newline before the caret line).
 */
export function renderErrorLog(error: FilterError, dialect: FilterDialect = NEWEST): string {
  if (error.tooLong) return '';
  const msg = error.bare ? dialect.messages.bare : error.message;
  const pos = (error.bare ? 0 : error.position) % 2 ** dialect.errorLog.positionBits;
  let command = `\n  Command: ${error.text}\n`;
  const cap = dialect.errorLog.commandBuffer;
  if (cap !== null && Buffer.byteLength(command) > cap - 1)
    command = Buffer.from(command)
      .subarray(0, cap - 1)
      .toString('utf8');
  return `event filter parse error: error: ${msg}${command}${' '.repeat(11 + pos)}^\n`;
}
