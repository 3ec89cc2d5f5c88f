/*
 * `--json`: the option, its help line, and the documented shapes of diagnostics (docs/cli.md, "JSON output").
 * Invariants: one JSON object per invocation on stdout, on one line, keys in a fixed order (deterministic);
 * a rejected filter is reported as {"ok": false, ..., "diagnostics": [...]} on stdout with the same exit code (1)
 * as without --json; each diagnostic has `code` (a stable kebab-case name), `message` (the text a user reads)
 * and, when the position is known, `position: {start, end}` (byte offsets into the filter text; the kernel reports
 * one byte: end = start + 1 then, or start at the end of the text); usage errors stay `tfc: ...` on stderr, exit 2.
 */
import { FILTER_MESSAGES, type FilterError } from '@tfc/tracefs';
import { irInUserWords } from '../api/ir-words.ts';
import type { Io } from './io.ts';

export const jsonOption = { json: { type: 'boolean' } } as const;
export const jsonHelp = `      --json             print the result as one JSON object (a rejected filter too; shapes: docs/cli.md)`;

export interface JsonDiagnostic {
  readonly code: string;
  readonly message: string;
  readonly position?: { readonly start: number; readonly end: number };
}

/** The Io of a --json invocation: diagnostics reporters print JSON to stdout instead of text to stderr. */
export function withJson(io: Io, json: boolean): Io {
  return json ? { ...io, json: true } : io;
}

export function printJson(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value)}\n`);
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

const KERNEL_CODES = new Map<string, string>(
  Object.entries(FILTER_MESSAGES).map(([key, message]) => [message, kebab(key)]),
);

/** The kernel's rejection of a trace event filter as a diagnostic (code: the kernel's error, e.g. field-not-found). */
export function kernelDiagnostic(e: FilterError): JsonDiagnostic {
  if (e.tooLong)
    return {
      code: 'too-long',
      message: `the filter is 4096 bytes or more; the kernel refuses the write (${e.errno})`,
    };
  const len = Buffer.byteLength(e.text);
  const start = Math.min(e.position, len);
  return {
    code: e.bare ? 'error' : (KERNEL_CODES.get(e.message) ?? 'rejected'),
    message: e.bare ? 'Error: (0)' : e.message,
    position: { start, end: Math.min(start + 1, len) },
  };
}

/**
 * A compiler diagnostic (stage, message, span) as a JSON diagnostic: the code is the stage, or the code generator's
 * `[code]` suffix when it has one (then removed from the message).
 */
export function compilerDiagnostic(d: {
  readonly stage: string;
  readonly message: string;
  readonly span?: { readonly start: number; readonly end: number } | undefined;
}): JsonDiagnostic {
  const message = irInUserWords(d.message);
  const m = /^(.*) \[([a-z0-9-]+)\]$/s.exec(message);
  return {
    code: m ? (m[2] as string) : d.stage,
    message: m ? (m[1] as string) : message,
    ...(d.span ? { position: { start: d.span.start, end: d.span.end } } : {}),
  };
}

/** A rejected filter under --json: `{"ok":false,...extra,"diagnostics":[...]}` on stdout. */
export function printRejection(io: Io, diagnostics: readonly JsonDiagnostic[], extra: object = {}): void {
  printJson(io, { ok: false, ...extra, diagnostics });
}
