/*
 * Failures of the hostile-input audit (robustness.test.ts) in code the audit does not own, as reported to the
 * owners (the entry ids are those of the audit's report). Each entry says how to recognise the failure in a fuzzed
 * call and gives one concrete reproduction, which robustness-known.test.ts runs as a t.todo test: it fails today
 * and passes once fixed (then the entry is deleted). Invariant: an entry matches only the failure it describes
 * (command, options and symptom), so a new failure of the same command is still reported as new.
 */

export interface CallResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  readonly ms: number;
  readonly hang: boolean;
}

/** Text that must never reach the user: a stack frame line, an exception class, node's stack overflow. */
export const STACK_TEXT =
  /^ {4}at \S.*$|\b(?:TypeError|RangeError|ReferenceError|Maximum call stack size exceeded|internal error)\b.*$/m;

export interface KnownIssue {
  readonly id: string;
  readonly owner: string;
  readonly summary: string;
  /** Does this fuzzed call show this failure? */
  readonly matches: (argv: readonly string[], r: CallResult, problem: string) => boolean;
}

/** Empty while no failure is known: the audit's K1–K3 and P1 are fixed and their reproductions are plain tests. */
export const KNOWN: readonly KnownIssue[] = [];

export function knownIssue(argv: readonly string[], r: CallResult, problem: string): string | undefined {
  return KNOWN.find((k) => k.matches(argv, r, problem))?.id;
}
