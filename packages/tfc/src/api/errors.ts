/*
 * The library's two kinds of failure and their renderings: a filter that does not compile is a value
 * (CompileFailure / CheckFailure with Diagnostics), options that cannot mean anything (an unknown bundled event, a
 * format text that does not parse, an unknown kernel profile, a target/context pair no command accepts) throw a
 * TfcOptionError, as a wrong argument type would. Invariants: pure; the renderings are byte-identical to what the
 * CLI prints on stderr for the same failure.
 */
import type { Diagnostic } from '@tfc/compiler';
import { type FilterError, renderFilterFile as renderFilterFileOf } from '@tfc/tracefs';

/** Options that no filter could make sense of (the CLI's usage errors, exit 2). */
export class TfcOptionError extends Error {
  /** Always `'TfcOptionError'`. */
  override readonly name = 'TfcOptionError';
}

/** Throws a TfcOptionError naming the first of `names` that `options` sets (`NAME WHY`). */
export function refuseOptions(options: object, names: readonly string[], why: string): void {
  for (const n of names)
    if ((options as Record<string, unknown>)[n] !== undefined) throw new TfcOptionError(`${n} ${why}`);
}

/**
 * What the filter file alone does not say about a rejected trace filter: a write of 4096 bytes or more fails before
 * parsing (the file keeps showing the previous filter), and some shapes hit undefined behaviour in the kernel's
 * program builder (Linux 6.18: an unresolved `||` before a trailing `&&` reads outside its program array).
 */
export function rejectionNotes(error: FilterError, text: string): string[] {
  const notes: string[] = [];
  if (error.tooLong)
    notes.push(
      `the filter is ${new TextEncoder().encode(text).length} bytes; the kernel refuses writes of 4096 bytes or more (${error.errno}) and keeps the previous filter`,
    );
  if (error.kernelUndefined)
    notes.push(
      'warning: this filter shape (an unresolved "||" before a trailing "&&") makes the kernel read outside its filter program; never write it to a live event',
    );
  return notes;
}

/**
 * Diagnostics as `tfc compile` prints them: a parse error with a span shows the filter and a caret under the span,
 * every other one is `tfc: compile: STAGE: MESSAGE`. Each line ends with a newline.
 */
export function renderDiagnostics(
  filter: string,
  diagnostics: readonly {
    readonly stage: string;
    readonly message: string;
    readonly span?: Diagnostic['span'] | undefined;
  }[],
): string {
  // line breaks of a filter read from a file are shown as spaces, so the caret stays under its column
  const shown = filter.replace(/[\n\t\r]/g, ' ');
  let out = '';
  for (const d of diagnostics) {
    if (d.span !== undefined && d.stage === 'parse') {
      const width = Math.max(1, d.span.end - d.span.start);
      out += `tfc: ${shown}\ntfc: ${' '.repeat(d.span.start)}${'^'.repeat(width)}\ntfc: ${d.message}\n`;
    } else out += `tfc: compile: ${d.stage}: ${d.message}\n`;
  }
  return out;
}

/**
 * A failure as `tfc compile`, `tfc check` or `tfc eval` print it on stderr: the kernel's own filter-file rendering
 * and tfc's notes for a trace filter the kernel rejects, else the diagnostics (renderDiagnostics).
 */
export function renderFailure(
  filter: string,
  failure: {
    readonly diagnostics: readonly Diagnostic[];
    readonly filterError?: FilterError | undefined;
    readonly notes: readonly string[];
  },
): string {
  if (failure.filterError === undefined) return renderDiagnostics(filter, failure.diagnostics);
  return renderFilterFileOf(failure.filterError) + failure.notes.map((n) => `tfc: ${n}\n`).join('');
}
