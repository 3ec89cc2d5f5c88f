/*
 * A compiler failure as the library's CompileFailure: the diagnostics with IR quoted in user words (ir-words.ts, as
 * the CLI shows them), plus tfc's notes on a trace filter the kernel rejects (rejectionNotes; the dialect's history
 * of the construct). Invariant: pure.
 */
import type { Diagnostic } from '@tfc/compiler';
import type { FilterError } from '@tfc/tracefs';
import { rejectionNotes } from './errors.ts';
import { irInUserWords } from './ir-words.ts';
import type { CompileFailure } from './result.ts';

/** The failure of a compiler entry point, with the notes the CLI adds. */
export function failure(
  r: { readonly diagnostics: readonly Diagnostic[]; readonly filterError?: FilterError | undefined },
  filter: string,
  more: readonly string[] = [],
): CompileFailure {
  return {
    ok: false,
    diagnostics: r.diagnostics.map((d) => ({ ...d, message: irInUserWords(d.message) })),
    ...(r.filterError !== undefined ? { filterError: r.filterError } : {}),
    notes: [...(r.filterError !== undefined ? rejectionNotes(r.filterError, filter) : []), ...more],
  };
}
