// The named kernel dialects: one complete FilterDialect per kernel (build) tfc knows, newest first.
// `6.18` is today's build (verified live by the differential suites); `6.18-v669` the earlier build of the
// same release whose kernel-verified tables are in ../shared/corpus/tracefs-kernel-6.18; the long-term
// kernels are read from the history of kernel/trace/trace_events_filter.c (docs/trace-filters.md cites
// the commit behind each behaviour, HISTORY below holds the same facts as data).
// Invariants: plain data; profiles are derived from one base with explicit overrides, so a difference
// between two kernels is visible as one line; names are unique, aliases map to names; the first profile
// is the newest (the default where the running kernel cannot be probed).

import { FILTER_MESSAGES } from '../errors.ts';
import type { FilterDialect, FilterMessages, GenericFieldName } from './model.ts';

const MESSAGES: FilterMessages = FILTER_MESSAGES;

const GENERIC_6_6: readonly GenericFieldName[] = [
  'CPU',
  'cpu',
  'common_cpu',
  'COMM',
  'comm',
  'stacktrace',
  'STACKTRACE',
];
const GENERIC_6_1: readonly GenericFieldName[] = ['CPU', 'cpu', 'common_cpu', 'COMM', 'comm'];

/** Today's build: Linux 6.18.44 as the machines run it since December 2026 (build fc-v1272). */
const V6_18: FilterDialect = {
  name: '6.18',
  kernel: 'Linux 6.18.44 (build fc-v1272, Dec 2026)',
  basis: 'verified-live',
  trailingOperator: 'rejected',
  suffixes: { ustring: true, function: true },
  cpusLiterals: true,
  genericFields: GENERIC_6_6,
  globBound: 'field-length',
  maxWriteBytes: 4096,
  messages: MESSAGES,
};

/** The earlier build of 6.18.44 (fc-v669, Nov 2026): trailing operators tolerated. */
const V6_18_V669: FilterDialect = {
  ...V6_18,
  name: '6.18-v669',
  kernel: 'Linux 6.18.44 (build fc-v669, Nov 2026)',
  trailingOperator: 'tolerated',
};

/** Mainline/LTS kernels before the 2026 glob fix, from source. */
const V6_12: FilterDialect = {
  ...V6_18_V669,
  name: '6.12',
  kernel: 'Linux 6.12 (LTS)',
  basis: 'from-source',
  globBound: 'nul',
};

const V6_6: FilterDialect = { ...V6_12, name: '6.6', kernel: 'Linux 6.6 (LTS)' };

const V6_1: FilterDialect = {
  ...V6_6,
  name: '6.1',
  kernel: 'Linux 6.1 (LTS)',
  suffixes: { ustring: true, function: false },
  cpusLiterals: false,
  genericFields: GENERIC_6_1,
};

const V5_15: FilterDialect = {
  ...V6_1,
  name: '5.15',
  kernel: 'Linux 5.15 (LTS)',
  suffixes: { ustring: false, function: false },
  genericFields: ['CPU', 'cpu', 'COMM', 'comm'],
};

const V5_10: FilterDialect = { ...V5_15, name: '5.10', kernel: 'Linux 5.10 (LTS)' };

/** Every named profile, newest first. */
export const PROFILES: readonly FilterDialect[] = [V6_18, V6_18_V669, V6_12, V6_6, V6_1, V5_15, V5_10];

/** Other spellings accepted for a profile name (full release strings of the builds we verified). */
export const PROFILE_ALIASES: Readonly<Record<string, string>> = {
  '6.18.44-fc-v1272': '6.18',
  '6.18.44': '6.18',
  '6.18.44-fc-v669': '6.18-v669',
};

/** The profile used where the running kernel cannot be probed: the newest. */
export const NEWEST: FilterDialect = V6_18;

/** The profile named `name` (or one of its aliases), or undefined. */
export function profileByName(name: string): FilterDialect | undefined {
  const canonical = Object.hasOwn(PROFILE_ALIASES, name) ? PROFILE_ALIASES[name] : name;
  return PROFILES.find((p) => p.name === canonical);
}

/** Profile names for help texts and errors, newest first. */
export function profileNames(): string[] {
  return PROFILES.map((p) => p.name);
}
