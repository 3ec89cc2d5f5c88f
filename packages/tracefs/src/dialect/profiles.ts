// The named kernel dialects: one complete FilterDialect per kernel (build) tfc knows, newest first.
// `6.18` is today's build (verified live by the differential suites); `6.18-v669` the earlier build of the
// same release whose kernel-verified tables are in ../shared/corpus/tracefs-kernel-6.18; the long-term
// kernels come from reading kernel/trace/trace_events_filter.c, trace_events.c, trace.c and lib/glob.c at
// each version: `X.Y` is the latest stable point release read (backports included), `X.Y.0` the release
// itself. history.ts holds the commit behind every difference; docs/trace-filters.md prints both.
// Invariants: plain data; profiles derive from one base with explicit overrides, so a difference between
// two kernels is one visible line; names are unique, aliases map to names; the first profile is the newest
// (the default where the running kernel cannot be probed).

import { FILTER_MESSAGES } from './messages.ts';
import type { FilterDialect, GenericFieldName } from './model.ts';

const GENERIC_6_5: readonly GenericFieldName[] = [
  'CPU',
  'cpu',
  'common_cpu',
  'COMM',
  'comm',
  'stacktrace',
  'STACKTRACE',
];
const GENERIC_6_0: readonly GenericFieldName[] = ['CPU', 'cpu', 'common_cpu', 'COMM', 'comm'];
const GENERIC_4_1: readonly GenericFieldName[] = ['CPU', 'cpu', 'COMM', 'comm'];
const ERROR_LOG_5_18 = { positionBits: 16, commandBuffer: null } as const;
const ERROR_LOG_5_2 = { positionBits: 8, commandBuffer: 256 } as const;

/** Today's build: Linux 6.18.44 as the machines run it since December 2026 (build fc-v1272). */
const V6_18: FilterDialect = {
  name: '6.18',
  kernel: 'Linux 6.18.44 (build fc-v1272, Dec 2026)',
  basis: 'verified-live',
  trailingOperator: 'rejected',
  suffixes: { ustring: true, function: true },
  cpusLiterals: true,
  genericFields: GENERIC_6_5,
  globBound: 'field-length',
  maxWriteBytes: 4096,
  fullMatch: 'length-checked',
  errorLog: ERROR_LOG_5_18,
  messages: FILTER_MESSAGES,
};

/** The earlier build of 6.18.44 (fc-v669, Nov 2026), as upstream 6.18.44: trailing operators ignored. */
const V6_18_V669: FilterDialect = {
  ...V6_18,
  name: '6.18-v669',
  kernel: 'Linux 6.18.44 (build fc-v669, Nov 2026)',
  trailingOperator: 'tolerated',
};

const V6_12: FilterDialect = {
  ...V6_18_V669,
  name: '6.12',
  kernel: 'Linux 6.12.101 (LTS, latest stable read)',
  basis: 'from-source',
  fullMatch: 'strncmp',
};
const V6_12_0: FilterDialect = { ...V6_12, name: '6.12.0', kernel: 'Linux 6.12.0', globBound: 'nul' };

/** 6.6.87 was the newest 6.6 read; the glob fix (Cc: stable, July 2026) is assumed to have reached 6.6.y. */
const V6_6: FilterDialect = { ...V6_12, name: '6.6', kernel: 'Linux 6.6.y (LTS, after July 2026)' };
const V6_6_0: FilterDialect = { ...V6_6, name: '6.6.0', kernel: 'Linux 6.6.0', globBound: 'nul' };

const V6_1: FilterDialect = {
  ...V6_6,
  name: '6.1',
  kernel: 'Linux 6.1.y (LTS, after July 2026)',
  suffixes: { ustring: true, function: false },
  cpusLiterals: false,
  genericFields: GENERIC_6_0,
};
const V6_1_0: FilterDialect = { ...V6_1, name: '6.1.0', kernel: 'Linux 6.1.0', globBound: 'nul' };

const V5_15: FilterDialect = {
  ...V6_1,
  name: '5.15',
  kernel: 'Linux 5.15.215 (LTS, latest stable read)',
  errorLog: ERROR_LOG_5_2,
};
const V5_15_0: FilterDialect = {
  ...V5_15,
  name: '5.15.0',
  kernel: 'Linux 5.15.0',
  suffixes: { ustring: false, function: false },
  genericFields: GENERIC_4_1,
  globBound: 'nul',
};

const V5_10: FilterDialect = {
  ...V5_15,
  name: '5.10',
  kernel: 'Linux 5.10.265 (LTS, latest stable read)',
  fullMatch: 'length-checked',
};
const V5_10_0: FilterDialect = { ...V5_15_0, name: '5.10.0', kernel: 'Linux 5.10.0' };

/** Every named profile, newest first. */
export const PROFILES: readonly FilterDialect[] = [
  V6_18,
  V6_18_V669,
  V6_12,
  V6_12_0,
  V6_6,
  V6_6_0,
  V6_1,
  V6_1_0,
  V5_15,
  V5_15_0,
  V5_10,
  V5_10_0,
];

/** Other spellings accepted for a profile name (full release strings of the builds we verified). */
export const PROFILE_ALIASES: Readonly<Record<string, string>> = {
  '6.18.44-fc-v1272': '6.18',
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
