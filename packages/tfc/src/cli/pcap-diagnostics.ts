/*
 * How `tfc compile` reports a filter the compiler refuses: a pcap parse error with a caret under its span (the
 * filter echoed on its own line, line breaks of a -F file shown as spaces so the caret stays under its column),
 * every other diagnostic as `tfc: compile: STAGE: MESSAGE`; under --json (io.json) one object with the
 * diagnostics on stdout instead (json-output.ts). Invariant: the exit code is 2 for an unknown --dump-after pass
 * or a filter over the size limit (usage errors), else 1 (the filter is rejected).
 */
import { renderDiagnostics } from '../api/errors.ts';
import { EXIT, type Io } from './io.ts';
import { compilerDiagnostic, printRejection } from './json-output.ts';

export interface PcapDiagnostic {
  readonly stage: string;
  readonly message: string;
  readonly span?: { readonly start: number; readonly end: number };
}

const exitFor = (ds: readonly PcapDiagnostic[]) =>
  ds.some((d) => d.message.startsWith('unknown pass') || d.message.startsWith('filter too large'))
    ? EXIT.usage
    : EXIT.rejected;

/** Diagnostics as `tfc: compile: STAGE: MESSAGE` lines (or JSON); the exit code. */
export function reportCompileDiagnostics(diagnostics: readonly PcapDiagnostic[], io: Io): number {
  if (io.json) printRejection(io, diagnostics.map(compilerDiagnostic));
  else for (const d of diagnostics) io.err(`tfc: compile: ${d.stage}: ${d.message}\n`);
  return exitFor(diagnostics);
}

export function reportPcapDiagnostics(diagnostics: readonly PcapDiagnostic[], text: string, io: Io): number {
  if (io.json) return reportCompileDiagnostics(diagnostics, io);
  io.err(renderDiagnostics(text, diagnostics));
  return exitFor(diagnostics);
}
