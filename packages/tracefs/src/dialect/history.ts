// Where each version-dependent behaviour of the filter language comes from: the kernel version and commit that
// introduced or changed it, and the stable backports that matter for the long-term profiles. The docs table
// (docs/trace-filters.md) and `tfc check`'s notes ("CPUS{} lists arrived in Linux 6.6") are printed from it.
// Invariants: plain data; one entry per FilterDialect field that differs between profiles (a test checks that
// every such field has an entry); citations are commit ids with subjects, or the source snapshot read.

import type { FilterDialect } from './model.ts';

export interface BehaviourHistory {
  /** A FilterDialect field (dotted for nested ones), as DialectBehaviour names it. */
  readonly key: string;
  /** What the behaviour is, for the docs table. */
  readonly title: string;
  /** The value of the behaviour in a dialect, as the docs table prints it. */
  readonly value: (d: FilterDialect) => string;
  /** When it arrived, for notes: "Linux 6.6". */
  readonly since: string;
  /** The commit (or patch) behind it, and the backports. */
  readonly source: string;
  /** For a feature some kernels lack: what a user is told when a filter needs it (used by check's notes). */
  readonly missing?: string;
}

const yes = (b: boolean): string => (b ? 'yes' : 'no');

export const HISTORY: readonly BehaviourHistory[] = [
  {
    key: 'trailingOperator',
    title: 'a filter ending in `&&`, `||` or `!` (`pid == 1 &&`)',
    value: (d) =>
      d.trailingOperator === 'tolerated' ? 'ignored' : 'EINVAL, "Meaningless filter expression"',
    since: 'the December 2026 build of 6.18.44 (fc-v1272)',
    source:
      'every mainline and stable kernel since the 4.17 rewrite (80765597bc58) ignores the operator (read at 5.10 … 6.18.44); the rejection is a local patch of the fc-v1272 build, found by its probes and the differential suites',
    missing: 'this kernel build refuses a filter that ends in an operator, which mainline kernels ignore',
  },
  {
    key: 'suffixes.ustring',
    title: '`FIELD.ustring` (user-space `char *`)',
    value: (d) => yes(d.suffixes.ustring),
    since: 'Linux 5.17',
    source:
      'f37c3bbc6359 "tracing: Add ustring operation to filtering string pointers" (v5.17); backported to 5.10.84–104 and 5.15.7–27',
    missing: 'the .ustring suffix is not in this kernel; it arrived in Linux 5.17 (stable 5.10.84+, 5.15.7+)',
  },
  {
    key: 'suffixes.function',
    title: '`FIELD.function == SYMBOL` (`Function not found`)',
    value: (d) => yes(d.suffixes.function),
    since: 'Linux 6.3',
    source: 'e6745a4da964 "tracing: Add a way to filter function addresses to function names" (v6.3)',
    missing: 'the .function suffix is not in this kernel; it arrived in Linux 6.3',
  },
  {
    key: 'cpusLiterals',
    title: "`CPUS{list}` literals, cpumask fields (`Missing '{'`, `Invalid cpulist`)",
    value: (d) => yes(d.cpusLiterals),
    since: 'Linux 6.6',
    source:
      '39f7c41c908b "tracing/filters: Enable filtering a cpumask field by another cpumask", 3cbec9d7b93d "… a scalar field by a cpumask" and the rest of the series (v6.6)',
    missing: 'CPUS{...} cpumask literals are not in this kernel; they arrived in Linux 6.6',
  },
  {
    key: 'genericFields.common_cpu',
    title: '`common_cpu` as the executing CPU',
    value: (d) => yes(d.genericFields.includes('common_cpu')),
    since: 'Linux 6.0',
    source:
      'b2380577d4fe "tracing: Have filter accept "common_cpu" to be consistent" (v6.0, Cc: stable; in 5.10.84–138, 5.15.59–63)',
    missing:
      'common_cpu is not a field in this kernel (use cpu); it arrived in Linux 6.0 (stable 5.10.137, 5.15.62)',
  },
  {
    key: 'genericFields.stacktrace',
    title: '`stacktrace`/`STACKTRACE` generic fields (always false)',
    value: (d) => yes(d.genericFields.includes('stacktrace')),
    since: 'Linux 6.5',
    source: '4b512860bdbd "tracing: Rename stacktrace field to common_stacktrace" (v6.5)',
    missing: 'stacktrace is not a field in this kernel; it arrived in Linux 6.5',
  },
  {
    key: 'globBound',
    title: '`~` glob stops at the field length (zero-length locator = "")',
    value: (d) => (d.globBound === 'field-length' ? 'yes' : 'no: reads to a NUL'),
    since: 'July 2026 stable releases',
    source:
      '"tracing: Prevent out-of-bounds read in glob matching" (Rostedt, 7 Jul 2026, Fixes 60f1d5e3bac4, Cc: stable): in 5.10.261, 5.15.203–212, 6.1.y (Jul 2026), 6.12.101, 6.18.36–39; 6.6.y assumed; verified live on both 6.18.44 builds',
  },
  {
    key: 'fullMatch',
    title: '`==` on a string shorter than the pattern (no NUL within its length)',
    value: (d) => (d.fullMatch === 'length-checked' ? 'false' : 'strncmp over the length'),
    since: 'August 2026 stable releases',
    source:
      '"tracing/filters: Fix false positive match in regex_match_full()" (Aug 2026): in 5.10.262–265 and 6.18.40–44; not in 5.15.215, 6.1.166, 6.12.101',
  },
  {
    key: 'errorLog',
    title: 'error_log: caret position width, `Command:` buffer',
    value: (d) =>
      `u${d.errorLog.positionBits}, ${d.errorLog.commandBuffer === null ? 'whole filter' : `${d.errorLog.commandBuffer} bytes`}`,
    since: 'Linux 5.18',
    source: '1581a884b7ca "tracing: Remove size restriction on tracing_log_err cmd strings" (v5.18)',
  },
  {
    key: 'maxWriteBytes',
    title: 'writes of this many bytes or more are refused before parsing',
    value: (d) => String(d.maxWriteBytes),
    since: 'always',
    source: 'event_filter_write() refuses cnt >= PAGE_SIZE (read at every version; 4096 on x86-64)',
  },
];

/** The history entry of a behaviour key. */
export function historyOf(key: string): BehaviourHistory | undefined {
  return HISTORY.find((h) => h.key === key);
}

/**
 * The profile table of docs/trace-filters.md: one row per behaviour, one column per profile, then where the
 * behaviour comes from. Deterministic Markdown (a test keeps the page equal to it).
 */
export function renderDialectTable(profiles: readonly FilterDialect[]): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  const head = `| behaviour | ${profiles.map((p) => `\`${p.name}\``).join(' | ')} | since, and the source |`;
  const rule = `|---|${profiles.map(() => '---').join('|')}|---|`;
  const basis = `| *basis* | ${profiles.map((p) => (p.basis === 'verified-live' ? '**verified live**' : 'from source')).join(' | ')} | |`;
  const rows = HISTORY.map(
    (h) =>
      `| ${cell(h.title)} | ${profiles.map((p) => cell(h.value(p))).join(' | ')} | ${cell(`${h.since}: ${h.source}`)} |`,
  );
  return [head, rule, basis, ...rows].join('\n');
}
