// Probing a running kernel's dialect: the probe writes as data, and the pure function that turns the
// kernel's answers into a FilterDialect. The writes themselves (a private tracefs instance, one filter
// file) are @tfc/kernel's job; this module never touches the system.
// Invariants: pure; every probe is one write to PROBE_EVENT's filter file in an instance of its own, and
// reads one behaviour from the answer (accepted, or the parse_error message); behaviours that no probe
// reads (the glob bound) come from the matched or nearest profile, and the result says so; a kernel whose
// answers match no profile still gets a complete dialect that follows the answers.

import type { DialectBehaviour, FilterDialect } from './model.ts';
import { PROFILES } from './profiles.ts';

/** The event every probe is written to: present on every kernel tfc supports, with pid, comm and long fields. */
export const PROBE_EVENT = { system: 'sched', name: 'sched_switch' } as const;

/** A behaviour's value as a probe reads it (booleans, the trailing-operator mode, the write limit). */
export type ProbeValue = boolean | 'tolerated' | 'rejected' | number;

export interface DialectProbe {
  readonly behaviour: DialectBehaviour;
  readonly filter: string;
  /** The value when the write succeeds. */
  readonly accepted: ProbeValue;
  /** The value for each parse_error message the kernel may answer with; other answers are unexpected. */
  readonly rejected: Readonly<Record<string, ProbeValue>>;
}

/** 4,096 bytes: a predicate padded with blanks (stripped by the kernel) to exactly one page. */
const PAGE_WRITE = `prev_pid == 1${' '.repeat(4096 - 13)}`;

/** The probe writes, in the order they are made. */
export const DIALECT_PROBES: readonly DialectProbe[] = [
  {
    behaviour: 'trailingOperator',
    filter: 'prev_pid == 1 &&',
    accepted: 'tolerated',
    rejected: { 'Meaningless filter expression': 'rejected' },
  },
  {
    behaviour: 'suffixes.ustring',
    filter: 'prev_comm.ustring == "tfc"',
    accepted: true,
    rejected: { 'Invalid operator': false },
  },
  {
    behaviour: 'suffixes.function',
    // size 4 ≠ sizeof(long): a kernel with .function refuses the field, one without it the operator.
    filter: 'prev_pid.function == 1',
    accepted: true,
    rejected: { 'Illegal operation for field type': true, 'Invalid operator': false },
  },
  {
    behaviour: 'cpusLiterals',
    filter: 'cpu & CPUS{0}',
    accepted: true,
    rejected: { 'Invalid value (did you forget quotes)?': false },
  },
  {
    behaviour: 'genericFields.common_cpu',
    filter: 'common_cpu == 0',
    accepted: true,
    rejected: { 'Field not found': false },
  },
  {
    behaviour: 'genericFields.stacktrace',
    filter: 'stacktrace == 1',
    accepted: true,
    rejected: { 'Field not found': false },
  },
  {
    behaviour: 'maxWriteBytes',
    filter: PAGE_WRITE,
    // A write of one page fails before parsing (no parse_error text): the limit is that page.
    accepted: 0,
    rejected: { '': 4096 },
  },
];

/** What the kernel answered to one probe write. */
export interface ProbeAnswer {
  readonly filter: string;
  readonly accepted: boolean;
  /** The parse_error message shown in the filter file after a failed write ('' when there was none). */
  readonly message: string;
}

/** The parse_error message in a filter file's text after a failed write, or ''. */
export function parseErrorMessage(fileText: string): string {
  const m = /\nparse_error: ([^\n]*)\n/.exec(fileText);
  return m ? (m[1] as string) : '';
}

export interface ProbedDialect {
  readonly ok: true;
  readonly dialect: FilterDialect;
  /** The profile whose behaviours all equal the probed ones (the newest such), or null. */
  readonly matched: string | null;
  /** Behaviours read from the kernel. */
  readonly probed: Readonly<Partial<Record<DialectBehaviour, ProbeValue>>>;
  /** What a user should know: unexpected answers, differences from the nearest profile, unprobed behaviours. */
  readonly notes: readonly string[];
}

/** The value of `behaviour` in `d`, in the probes' terms. */
export function behaviourValue(
  d: FilterDialect,
  behaviour: DialectBehaviour,
): ProbeValue | FilterDialect['globBound'] | FilterDialect['fullMatch'] {
  switch (behaviour) {
    case 'trailingOperator':
      return d.trailingOperator;
    case 'suffixes.ustring':
      return d.suffixes.ustring;
    case 'suffixes.function':
      return d.suffixes.function;
    case 'cpusLiterals':
      return d.cpusLiterals;
    case 'genericFields.common_cpu':
      return d.genericFields.includes('common_cpu');
    case 'genericFields.stacktrace':
      return d.genericFields.includes('stacktrace');
    case 'globBound':
      return d.globBound;
    case 'maxWriteBytes':
      return d.maxWriteBytes;
    case 'fullMatch':
      return d.fullMatch;
  }
}

/** `d` with one probed behaviour set to `v` (behaviours no probe reads are left as they are). */
export function withBehaviour(d: FilterDialect, behaviour: DialectBehaviour, v: ProbeValue): FilterDialect {
  switch (behaviour) {
    case 'trailingOperator':
      return { ...d, trailingOperator: v === 'rejected' ? 'rejected' : 'tolerated' };
    case 'suffixes.ustring':
      return { ...d, suffixes: { ...d.suffixes, ustring: v === true } };
    case 'suffixes.function':
      return { ...d, suffixes: { ...d.suffixes, function: v === true } };
    case 'cpusLiterals':
      return { ...d, cpusLiterals: v === true };
    case 'genericFields.common_cpu':
      return { ...d, genericFields: toggle(d.genericFields, ['common_cpu'], v === true) };
    case 'genericFields.stacktrace':
      return { ...d, genericFields: toggle(d.genericFields, ['stacktrace', 'STACKTRACE'], v === true) };
    case 'maxWriteBytes':
      return typeof v === 'number' && v > 0 ? { ...d, maxWriteBytes: v } : d;
    case 'globBound':
    case 'fullMatch':
      return d;
  }
}

function toggle<T>(list: readonly T[], names: readonly T[], on: boolean): T[] {
  const rest = list.filter((n) => !names.includes(n));
  return on ? [...rest, ...names] : rest;
}

/**
 * The dialect the answers show. `release` is the running kernel's `uname -r`, `build` its `uname -v`
 * (both only label the result). Answers are matched to DIALECT_PROBES by filter text.
 */
export function dialectFromProbes(answers: readonly ProbeAnswer[], release: string): ProbedDialect {
  const probed: Partial<Record<DialectBehaviour, ProbeValue>> = {};
  const notes: string[] = [];
  for (const probe of DIALECT_PROBES) {
    const a = answers.find((x) => x.filter === probe.filter);
    if (!a) {
      notes.push(`${probe.behaviour}: not probed (no answer)`);
      continue;
    }
    if (a.accepted) {
      if (probe.behaviour === 'maxWriteBytes') {
        notes.push(
          'maxWriteBytes: a one-page write was accepted: the limit is larger than 4096 bytes (not measured)',
        );
        continue;
      }
      probed[probe.behaviour] = probe.accepted;
    } else if (Object.hasOwn(probe.rejected, a.message)) {
      probed[probe.behaviour] = probe.rejected[a.message] as ProbeValue;
    } else {
      notes.push(
        `${probe.behaviour}: unexpected answer to '${probe.filter.trimEnd()}': ${a.message === '' ? 'an error without message' : `"${a.message}"`}`,
      );
    }
  }
  const keys = Object.keys(probed) as DialectBehaviour[];
  const distance = (p: FilterDialect): number =>
    keys.filter((k) => behaviourValue(p, k) !== probed[k]).length;
  // The nearest profile; among equals the one named by the release's version (a 6.6 kernel matching both
  // 6.12 and 6.6 is reported as 6.6), else the newest.
  const named = (p: FilterDialect): boolean => release === p.name || release.startsWith(`${p.name}.`);
  let nearest = PROFILES[0] as FilterDialect;
  for (const p of PROFILES) {
    const dp = distance(p);
    const dn = distance(nearest);
    if (dp < dn || (dp === dn && named(p) && !named(nearest))) nearest = p;
  }
  const differs = keys.filter((k) => behaviourValue(nearest, k) !== probed[k]);
  if (differs.length === 0 && notes.length === 0) {
    return { ok: true, dialect: nearest, matched: nearest.name, probed, notes };
  }
  let d: FilterDialect = { ...nearest, name: `live:${release}`, kernel: `Linux ${release}`, basis: 'probed' };
  for (const k of keys) d = withBehaviour(d, k, probed[k] as ProbeValue);
  if (differs.length > 0) {
    notes.unshift(
      `unknown kernel build: its probes match no profile; nearest is ${nearest.name}, which differs in ${differs
        .map((k) => `${k} (kernel: ${String(probed[k])}, profile: ${String(behaviourValue(nearest, k))})`)
        .join(', ')}; tfc follows the probes`,
    );
  }
  notes.push(
    `not probed, taken from ${nearest.name}: globBound ${nearest.globBound}, fullMatch ${nearest.fullMatch}`,
  );
  return { ok: true, dialect: d, matched: differs.length === 0 ? nearest.name : null, probed, notes };
}

/** Writes filters to an event's filter file of a private instance and reads the answers (@tfc/kernel does). */
export type ProbeRunner = (
  event: typeof PROBE_EVENT,
  filters: readonly string[],
) =>
  | {
      readonly ok: true;
      readonly answers: readonly {
        readonly filter: string;
        readonly accepted: boolean;
        readonly fileText: string;
      }[];
      readonly release: string;
    }
  | { readonly ok: false; readonly reason: string };

/** The running kernel's dialect, through `run`; or why it could not be probed. */
export function probeDialect(
  run: ProbeRunner,
): ProbedDialect | { readonly ok: false; readonly reason: string } {
  const r = run(
    PROBE_EVENT,
    DIALECT_PROBES.map((p) => p.filter),
  );
  if (!r.ok) return r;
  const answers = r.answers.map((a) => ({
    filter: a.filter,
    accepted: a.accepted,
    message: a.accepted ? '' : parseErrorMessage(a.fileText),
  }));
  return dialectFromProbes(answers, r.release);
}
