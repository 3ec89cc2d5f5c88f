/*
 * How `tfc compile --lang pcap` reports a filter the compiler refuses: a parse error with a caret under its span
 * (the filter echoed on its own line), every other diagnostic as `tfc: compile: STAGE: MESSAGE`. Invariant: the
 * exit code is 2 for an unknown --dump-after pass or a filter over the size limit (usage errors), else 1 (the filter
 * is rejected).
 */
import { EXIT, type Io } from './io.ts';

export interface PcapDiagnostic {
  readonly stage: string;
  readonly message: string;
  readonly span?: { readonly start: number; readonly end: number };
}

export function reportPcapDiagnostics(diagnostics: readonly PcapDiagnostic[], text: string, io: Io): number {
  for (const d of diagnostics) {
    if (d.span !== undefined && d.stage === 'parse') {
      const width = Math.max(1, d.span.end - d.span.start);
      io.err(`tfc: ${text}\n     ${' '.repeat(d.span.start)}${'^'.repeat(width)}\ntfc: ${d.message}\n`);
    } else io.err(`tfc: compile: ${d.stage}: ${d.message}\n`);
  }
  return diagnostics.some(
    (d) => d.message.startsWith('unknown pass') || d.message.startsWith('filter too large'),
  )
    ? EXIT.usage
    : EXIT.rejected;
}
