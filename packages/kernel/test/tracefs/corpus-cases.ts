// Kernel verdicts recorded by the researchers on Linux 6.18.44 (../shared/corpus/tracefs-kernel-6.18,
// results_*.json, uprobe event fspecr/pv), selected from the data and re-expressed for the oracle event.
// Invariants: reads only the shared corpus; an entry is selected only when it means the same on both
// events: every name outside quotes is a pv field with an oracle twin of the same type and value
// (a8/a16/a32/a64 → u8/u16/u32/u64, same lengths, so caret columns are unchanged; s8…s64, x32, str
// unchanged; all integer members carry the case's `a`), a generic field (comm, cpu, …), a keyword, a
// name that is a field of neither event, or — for entries without records — a field both events declare
// alike (ptr, arr, common_pid, …); filters of 4096+ bytes (the file then shows whatever filter was
// installed before) and kernel hazards are left out. Renames are applied at the filter's own byte
// positions inside the recorded filter-file and error_log texts, and checked there; error_log text is
// returned without its "[timestamp] " prefix. Every exclusion is returned with its reason.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { kernelHazard, ORACLE_PROBE_ARGS } from '@tfc/kernel/tracefs';

export const CORPUS_DIR = fileURLToPath(
  new URL('../../../../../shared/corpus/tracefs-kernel-6.18', import.meta.url),
);

/** The corpus files whose entries use fspecr/pv as a JSON array of {filter, errno, filter_file, …}. */
export const PV_FILES = [
  'results_numeric.json',
  'results_strings.json',
  'results_syntax.json',
  'results_extra.json',
  'results_extra2.json',
] as const;

export type CorpusCase = {
  readonly source: string;
  /** The filter as written to the oracle event (renamed). */
  readonly filter: string;
  /** The filter as the researchers wrote it to fspecr/pv. */
  readonly original: string;
  readonly errno: string | null;
  readonly filterFile: string;
  readonly errorLog: string;
  /** current->comm while firing: the case's `-n` option, else fspec_t (the researchers' process). */
  readonly comm: string;
  readonly cases: readonly {
    readonly a: string;
    readonly str: string;
    readonly cpu?: number;
    readonly kept: boolean;
  }[];
};

export type Excluded = { readonly source: string; readonly filter: string; readonly reason: string };

/** pv field → oracle field of the same type, size and signedness, filled from the same argument. */
const RENAME: Readonly<Record<string, string>> = { a8: 'u8', a16: 'u16', a32: 'u32', a64: 'u64' };
/** Names that mean the same on both events: same-named twins filled alike, generic pseudo-fields. */
const SAME = new Set(['s8', 's16', 's32', 's64', 'x32', 'str', 'comm', 'COMM', 'cpu', 'CPU', 'common_cpu']);
/** Fields of the same name, type, size and signedness on both events but other values: parse only. */
const TYPE_TWINS = new Set([
  'ptr',
  'arr',
  '__probe_ip',
  'common_type',
  'common_flags',
  'common_preempt_count',
  'common_pid',
]);
const COMMON = ['common_type', 'common_flags', 'common_preempt_count', 'common_pid', '__probe_ip'];
/** The fields of fspecr/pv (spec Appendix A; packages/tracefs/test/fixtures/fspecr_pv.format). */
const PV_FIELDS = new Set([
  ...COMMON,
  ...['a8', 's8', 'a16', 's16', 'a32', 's32', 'a64', 's64', 'x32', 'b', 'str', 'arr', 'ptr', 'c'],
]);
const ORACLE_FIELDS = new Set([...COMMON, ...ORACLE_PROBE_ARGS.map((a) => a.slice(0, a.indexOf('=')))]);

/** Why `name` keeps an entry from being replayed on the oracle event, or null when it does not. */
function nameProblem(name: string, hasRecords: boolean): string | null {
  if (Object.hasOwn(RENAME, name) || SAME.has(name)) return null;
  if (TYPE_TWINS.has(name)) {
    return hasRecords
      ? `records depend on ${name}, whose value differs between fspecr/pv and the oracle event`
      : null;
  }
  if (PV_FIELDS.has(name) || ORACLE_FIELDS.has(name)) {
    return `names ${name}, a field of ${PV_FIELDS.has(name) ? 'fspecr/pv' : 'the oracle event'} only`;
  }
  return null; // a keyword (CPUS, ustring, …) or a field of neither event: "Field not found" on both
}

type Entry = {
  readonly filter: string;
  readonly errno: string;
  readonly filter_file: string;
  readonly error_log: string;
  readonly cases: readonly (readonly [string, boolean])[];
  readonly opts?: readonly string[];
};

/** Names outside quotes: maximal [A-Za-z0-9_] runs that start with a letter or '_', with their offsets. */
export function namesOf(filter: string): { name: string; at: number }[] {
  const out: { name: string; at: number }[] = [];
  let quote = '';
  for (let i = 0; i < filter.length; ) {
    const ch = filter[i] as string;
    if (quote) {
      if (ch === quote) quote = '';
      i++;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      i++;
      continue;
    }
    if (/[A-Za-z0-9_]/.test(ch)) {
      const start = i;
      while (i < filter.length && /[A-Za-z0-9_]/.test(filter[i] as string)) i++;
      if (/[A-Za-z_]/.test(ch)) out.push({ name: filter.slice(start, i), at: start });
      continue;
    }
    i++;
  }
  return out;
}

type Edit = { readonly at: number; readonly from: string; readonly to: string };

/** Applies the filter's edits to the copy of the filter text that starts at `base` in `text`. */
function applyAt(text: string, base: number, edits: readonly Edit[], limit: number): string {
  let out = text;
  for (const e of edits) {
    if (e.at + e.from.length > limit) continue;
    const p = base + e.at;
    if (out.slice(p, p + e.from.length) !== e.from) {
      throw new Error(`corpus text does not show ${e.from} at ${p}: ${JSON.stringify(text)}`);
    }
    out = out.slice(0, p) + e.to + out.slice(p + e.from.length);
  }
  return out;
}

function optionsOf(opts: readonly string[] | undefined): { cpu?: number; comm?: string } {
  const out: { cpu?: number; comm?: string } = {};
  for (let i = 0; opts && i + 1 < opts.length; i += 2) {
    if (opts[i] === '-c') out.cpu = Number(opts[i + 1]);
    if (opts[i] === '-n') out.comm = String(opts[i + 1]);
  }
  return out;
}

const stripTs = (log: string): string => log.replace(/^\[\s*\d+\.\d+\] /gm, '');

/** The pv entries of the corpus that the oracle event can replay, and the others with reasons. */
export function loadCorpusCases(dir = CORPUS_DIR): { cases: CorpusCase[]; excluded: Excluded[] } {
  const cases: CorpusCase[] = [];
  const excluded: Excluded[] = [];
  for (const source of PV_FILES) {
    const entries = JSON.parse(readFileSync(`${dir}/${source}`, 'utf8')) as Entry[];
    for (const e of entries) {
      const skip = (reason: string) => excluded.push({ source, filter: e.filter, reason });
      if (Buffer.byteLength(e.filter) >= 4096) {
        skip('4096+ bytes: the filter file shows the previously installed filter');
        continue;
      }
      const hazard = kernelHazard(e.filter);
      if (hazard !== null) {
        skip(`kernel hazard: ${hazard}`);
        continue;
      }
      const names = namesOf(e.filter);
      const problem = names.map((n) => nameProblem(n.name, e.cases.length > 0)).find((p) => p !== null);
      if (problem) {
        skip(problem);
        continue;
      }
      const edits: Edit[] = [];
      for (const n of names) {
        const to = RENAME[n.name];
        if (to !== undefined) edits.push({ at: n.at, from: n.name, to });
      }
      const filter = applyAt(e.filter, 0, edits, e.filter.length);
      // Both texts show the stored filter (NUL-truncated, trailing blanks stripped) at a known offset.
      const stored = e.filter.split('\0')[0]?.trimEnd().length ?? 0;
      const filterFile = applyAt(e.filter_file, 0, edits, stored);
      const log = stripTs(e.error_log);
      const cmd = log.indexOf('\n  Command: ');
      const errorLog = cmd < 0 ? log : applyAt(log, cmd + 12, edits, stored);
      const o = optionsOf(e.opts);
      cases.push({
        source,
        filter,
        original: e.filter,
        errno: e.errno === 'OK' ? null : e.errno,
        filterFile,
        errorLog,
        comm: o.comm ?? 'fspec_t',
        cases: e.cases.map(([args, kept]) => {
          const cpuArg = /^cpu(\d+)$/.exec(args);
          if (cpuArg) return { a: '0', str: 'hello', cpu: Number(cpuArg[1]), kept };
          const parts = args.split(' ');
          if (parts.length !== 5 || parts[0] !== 'p') throw new Error(`unexpected case ${args} in ${source}`);
          return {
            a: parts[1] as string,
            str: parts[3] as string,
            ...(o.cpu === undefined ? {} : { cpu: o.cpu }),
            kept,
          };
        }),
      });
    }
  }
  return { cases, excluded };
}
