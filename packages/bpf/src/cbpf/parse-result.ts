// Shared result type of every listing parser. Invariant: parsers never throw on any input string; `line` is
// 1-based in the parsed text (0 when the fault is not tied to a line, e.g. a count mismatch at end of input).
import type { RawInsn } from './insn.ts';

export type ParseResult = { ok: true; program: RawInsn[] } | { ok: false; error: string; line: number };

export function fail(error: string, line: number): { ok: false; error: string; line: number } {
  return { ok: false, error, line };
}

/** Parse a C-style unsigned/signed integer literal (decimal, 0x hex); undefined if malformed or out of range. */
export function parseInteger(s: string, min: number, max: number): number | undefined {
  let v: number;
  if (/^[-+]?\d+$/.test(s)) v = Number(s);
  else if (/^0[xX][0-9a-fA-F]+$/.test(s)) v = Number.parseInt(s.slice(2), 16);
  else return undefined;
  if (!Number.isSafeInteger(v) || v < min || v > max) return undefined;
  return v;
}
