// Decision list: an IR filter over constant-offset frame/packet loads → a priority-ordered list of
// (key cubes → hit|miss) entries, first match wins, default miss. Invariants:
//  - built from the IR's decision DAG (buildDag, cost order, abortSafe): a node testing leaf L on key k is
//    the block [L-cubes × list(t)] ++ list(f), or [¬L-cubes × list(f)] ++ list(t) when that is smaller
//    (an exclusion of the negated side: NOT costs no complement expansion), preceded by an exclusion
//    entry `frame_len < end(k) → miss` when the key may lie past the frame end (the IR aborts, i.e. rejects);
//  - every block is complete (ends in a catch-all), so embedding it under a cube is exact;
//  - simplification keeps the function: an entry is dropped only when shadowed by an earlier entry or when
//    every later entry it overlaps, up to one that contains it (or the default), has its action; entries of
//    one run of equal actions are reorderable, so cubes that differ in one bit (or adjacent intervals) merge;
//  - ranges are prefix-expanded only when the target lacks range matches (≤ 2W−2 cubes per interval);
//  - first match by descending priority (N…1) evaluated over a frame equals evaluateOutcome = accept;
//  - deterministic; limits (entries, DAG size) and inexpressible leaves are diagnostics.
import { buildDag, DAG_ACCEPT, type Filter, type IrDiagnostic } from '@tfc/ir';
import {
  type Action,
  covers,
  type Entry,
  intersects,
  isEmpty,
  LEN_MAX,
  restrict,
  tryMerge,
} from './entry.ts';
import {
  type Cube,
  type FieldKey,
  keyId,
  type LeafShape,
  leafCubes,
  leafShape,
  prefixCover,
} from './leaf.ts';

export const MAX_ENTRIES = 100_000;
/** Work limit: total entries built over all DAG nodes. */
export const MAX_WORK = 2_000_000;
/** Lists up to this size are simplified at every DAG node (larger ones only at the end). */
const LOCAL_SIMPLIFY_LIMIT = 200;

export interface DecisionListOptions {
  /** Target has range matches (P4 v1model `range`); otherwise ranges are prefix-expanded ternaries. */
  readonly ranges?: boolean;
  /** Key names by frame offset (default `f<offset>`). */
  readonly keyNames?: ReadonlyMap<number, string> | { readonly [offset: number]: string };
  /** Frames are known to be at least this long: keys ending within it need no length check. */
  readonly minFrameLength?: number;
}

export type MatchKind = 'ternary' | 'range';

export type KeyInfo =
  | {
      readonly name: string;
      readonly kind: 'field';
      /** Byte offset in the frame. */
      readonly offset: number;
      readonly bits: number;
      readonly byteOrder: 'little' | 'big';
      readonly match: MatchKind;
    }
  | { readonly name: string; readonly kind: 'length'; readonly bits: 16; readonly match: MatchKind };

export type KeyMatch =
  | { readonly kind: 'ternary'; readonly value: bigint; readonly mask: bigint }
  | { readonly kind: 'range'; readonly low: bigint; readonly high: bigint };

export interface ListEntry {
  /** Higher wins; entries are listed in descending priority N…1. */
  readonly priority: number;
  /** Constrained keys only (by key name, in key order); absent = don't care. */
  readonly match: readonly (readonly [string, KeyMatch])[];
  readonly action: Action;
}

export interface DecisionList {
  readonly keys: readonly KeyInfo[];
  readonly entries: readonly ListEntry[];
  readonly default: 'miss';
  /** Frames are at least this long (keys ending within it are always valid). */
  readonly minFrameLength: number;
}

export type DecisionListResult =
  | { readonly ok: true; readonly list: DecisionList }
  | { readonly ok: false; readonly diagnostics: readonly IrDiagnostic[] };

class TooMany {
  readonly what: string;
  constructor(what: string) {
    this.what = what;
  }
}

function diag(code: string, message: string): DecisionListResult {
  return { ok: false, diagnostics: [{ severity: 'error', code, message, at: 'decision-list' }] };
}

function nameOf(opts: DecisionListOptions, offset: number): string | undefined {
  const m = opts.keyNames;
  if (m === undefined) return undefined;
  if (m instanceof Map) return m.get(offset);
  return (m as { readonly [offset: number]: string })[offset];
}

export function buildDecisionList(ir: Filter, opts: DecisionListOptions = {}): DecisionListResult {
  const ranges = opts.ranges ?? true;
  const minLen = opts.minFrameLength ?? 0;
  const dr = buildDag(ir, 'cost');
  if (!dr.ok) return { ok: false, diagnostics: dr.diagnostics };
  const dag = dr.dag;
  if (!dag.abortSafe) return diag('p4-abort', 'decision DAG is not abort-safe');

  // Shapes of the leaves and the key table.
  const shapes: LeafShape[] = [];
  const diags: IrDiagnostic[] = [];
  for (const leaf of dag.leaves) {
    const r = leafShape(leaf, dag.values);
    if (r.ok) shapes.push(r.shape);
    else {
      diags.push(r.diagnostic);
      shapes.push({ kind: 'const', truth: false });
    }
  }
  if (diags.length > 0) return { ok: false, diagnostics: diags };
  const keyIndex = new Map<string, number>();
  const keys: FieldKey[] = [];
  const intervalKey: boolean[] = [];
  for (const s of shapes) {
    if (s.kind === 'const') continue;
    const id = keyId(s.key);
    let k = keyIndex.get(id);
    if (k === undefined) {
      k = keys.length;
      keyIndex.set(id, k);
      keys.push(s.key);
      intervalKey.push(ranges);
    }
    if (s.kind !== 'interval') intervalKey[k] = false;
  }
  const ends = keys.map((k) => k.offset + k.bytes);
  // Frames are at least minLen long: a key ending within that length always fits, so simplification treats it as
  // needing no length at all (and never adds a length condition for it when it merges the key away).
  const fitEnds = ends.map((e) => (e <= minLen ? 0 : e));

  const memo = new Map<string, Entry[]>();
  let total = 0;
  const catchAll = (action: Action): Entry[] => [{ match: [], len: undefined, action }];
  const block = (u: number, known: number): Entry[] => {
    if (u < 3) return catchAll(u === DAG_ACCEPT ? 'hit' : 'miss');
    const mk = `${u}:${known}`;
    const hit = memo.get(mk);
    if (hit !== undefined) return hit;
    const n = dag.nodes[u - 3]!;
    const shape = shapes[n.leaf]!;
    let out: Entry[];
    if (shape.kind === 'const') out = block(shape.truth ? n.t : n.f, known);
    else {
      const k = keyIndex.get(keyId(shape.key))!;
      const end = ends[k]!;
      const childKnown = Math.max(known, end);
      const t = block(n.t, childKnown);
      const f = block(n.f, childKnown);
      const iv = intervalKey[k]!;
      const pos = leafCubes(shape, true, iv);
      const neg = leafCubes(shape, false, iv);
      const under = (list: readonly Entry[], cubes: readonly Cube[]): Entry[] => {
        const r: Entry[] = [];
        for (const c of cubes)
          for (const e of list) {
            const x = restrict(e, k, c);
            if (x !== undefined && !isEmpty(x, ends)) r.push(x);
          }
        return r;
      };
      const guard: Entry[] =
        end > known && end > minLen ? [{ match: [], len: [0, end - 1], action: 'miss' }] : [];
      const local = (l: Entry[]): Entry[] =>
        l.length <= LOCAL_SIMPLIFY_LIMIT ? simplifyComplete(l, fitEnds) : l;
      const a = local([...guard, ...under(t, pos), ...f]);
      const b = local([...guard, ...under(f, neg), ...t]);
      out = b.length < a.length ? b : a;
    }
    total += out.length;
    if (out.length > MAX_ENTRIES) throw new TooMany(`the decision list exceeds ${MAX_ENTRIES} entries`);
    if (total > MAX_WORK)
      throw new TooMany(
        `building the decision list exceeds its work limit (${MAX_WORK} entries over all DAG nodes)`,
      );
    memo.set(mk, out);
    return out;
  };
  let entries: Entry[];
  try {
    entries = simplifyComplete(block(dag.root, 0), fitEnds);
  } catch (e) {
    if (e instanceof TooMany) return diag('p4-too-many-entries', e.what);
    throw e;
  }
  // The table's default is miss: a trailing miss catch-all is implicit.
  const last = entries[entries.length - 1];
  if (last !== undefined && last.action === 'miss' && last.match.length === 0 && last.len === undefined)
    entries = simplifyTail(entries.slice(0, -1), 'miss', fitEnds);
  return finish(keys, intervalKey, entries, ranges, opts);
}

/** Simplify a complete list (its last entry is a catch-all that acts as its default). */
function simplifyComplete(list: readonly Entry[], ends: readonly number[]): Entry[] {
  const last = list[list.length - 1]!;
  return [...simplifyTail(list.slice(0, -1), last.action, ends), last];
}

/** Simplification is quadratic: longer lists are left as built. */
const SIMPLIFY_LIMIT = 1500;
const MERGE_RUN_LIMIT = 1000;

function simplifyTail(list: readonly Entry[], dflt: Action, ends: readonly number[]): Entry[] {
  let cur = [...list];
  if (cur.length > SIMPLIFY_LIMIT) return cur;
  for (let iter = 0; iter < 8; iter++) {
    const a = removeRedundant(cur, dflt, ends);
    const b = mergeRuns(a, ends);
    if (b.length === cur.length) return b;
    cur = b;
  }
  return cur;
}

function removeRedundant(list: readonly Entry[], dflt: Action, ends: readonly number[]): Entry[] {
  const keep = list.map(() => true);
  for (let i = list.length - 1; i >= 0; i--) {
    const e = list[i]!;
    if (isEmpty(e, ends)) {
      keep[i] = false;
      continue;
    }
    let redundant: boolean | undefined;
    for (let j = i + 1; j < list.length && redundant === undefined; j++) {
      if (!keep[j]) continue;
      const o = list[j]!;
      if (!intersects(e, o, ends)) continue;
      if (o.action !== e.action) redundant = false;
      else if (covers(o, e, ends)) redundant = true;
    }
    if (redundant === undefined) redundant = e.action === dflt;
    if (!redundant)
      for (let j = 0; j < i; j++)
        if (keep[j] && covers(list[j]!, e, ends)) {
          redundant = true;
          break;
        }
    if (redundant) keep[i] = false;
  }
  return list.filter((_, i) => keep[i]);
}

/** Merge entries inside runs of equal action (order within a run does not matter). */
function mergeRuns(list: readonly Entry[], ends: readonly number[]): Entry[] {
  const out: Entry[] = [];
  let i = 0;
  while (i < list.length) {
    let j = i;
    while (j < list.length && list[j]!.action === list[i]!.action) j++;
    const run = list.slice(i, j);
    if (run.length <= MERGE_RUN_LIMIT) {
      // Passes of pairwise merging until a pass merges nothing (each merge removes an entry).
      let changed = true;
      for (let pass = 0; changed && pass < 16; pass++) {
        changed = false;
        for (let a = 0; a < run.length; a++)
          for (let b = a + 1; b < run.length; b++) {
            const m = tryMerge(run[a]!, run[b]!, ends);
            if (m !== undefined) {
              run[a] = m;
              run.splice(b, 1);
              b--;
              changed = true;
            }
          }
      }
    }
    out.push(...run);
    i = j;
  }
  return out;
}

function singlePrefix(low: bigint, high: bigint, bits: number): { value: bigint; mask: bigint } | undefined {
  const c = prefixCover(low, high, bits);
  return c.length === 1 ? c[0] : undefined;
}

function finish(
  keys: readonly FieldKey[],
  intervalKey: readonly boolean[],
  entries: readonly Entry[],
  ranges: boolean,
  opts: DecisionListOptions,
): DecisionListResult {
  const bitsOf = (k: number): number => (k < 0 ? 16 : keys[k]!.bytes * 8);
  // A key (or the length, index −1) is a range key when ranges are allowed and some interval on it
  // is not a single prefix.
  const needsRange = (k: number): boolean => {
    if (!ranges || (k >= 0 && !intervalKey[k])) return false;
    for (const e of entries) {
      if (k < 0) {
        if (e.len !== undefined && singlePrefix(BigInt(e.len[0]), BigInt(e.len[1]), 16) === undefined)
          return true;
      } else
        for (const [kk, c] of e.match)
          if (kk === k && c.kind === 'interval' && singlePrefix(c.low, c.high, bitsOf(k)) === undefined)
            return true;
    }
    return false;
  };
  const used = new Set<number>();
  let lenUsed = false;
  for (const e of entries) {
    for (const [k] of e.match) used.add(k);
    if (e.len !== undefined) lenUsed = true;
  }
  // Key order: by frame offset, width, byte order (the key table is in DAG leaf order).
  const order = [...used].sort((a, b) => {
    const x = keys[a]!;
    const y = keys[b]!;
    return x.offset - y.offset || x.bytes - y.bytes || (x.order < y.order ? -1 : x.order > y.order ? 1 : 0);
  });
  const names = new Map<number, string>();
  const taken = new Set<string>();
  for (const k of order) {
    const key = keys[k]!;
    let name = nameOf(opts, key.offset) ?? `f${key.offset}`;
    if (taken.has(name)) name = `${name}_${key.bytes * 8}${key.order}`;
    taken.add(name);
    names.set(k, name);
  }
  let lenName = 'frame_len';
  while (taken.has(lenName)) lenName = `_${lenName}`;
  const rangeKey = new Map(order.map((k) => [k, needsRange(k)]));
  const lenRange = lenUsed && needsRange(-1);
  const infos: KeyInfo[] = order.map((k) => {
    const key = keys[k]!;
    return {
      name: names.get(k)!,
      kind: 'field',
      offset: key.offset,
      bits: key.bytes * 8,
      byteOrder: key.order === 'le' ? 'little' : 'big',
      match: rangeKey.get(k) ? 'range' : 'ternary',
    };
  });
  if (lenUsed) infos.push({ name: lenName, kind: 'length', bits: 16, match: lenRange ? 'range' : 'ternary' });

  // Each entry → one or more output rows (intervals on ternary keys are prefix-expanded).
  const rows: { match: (readonly [string, KeyMatch])[]; action: Action }[] = [];
  const position = new Map(order.map((k, i) => [k, i]));
  for (const e of entries) {
    let partial: (readonly [string, KeyMatch])[][] = [[]];
    const fields = [...e.match].sort((a, b) => position.get(a[0])! - position.get(b[0])!);
    const cols: { name: string; options: KeyMatch[] }[] = fields.map(([k, c]) => {
      const bits = bitsOf(k);
      const full = (1n << BigInt(bits)) - 1n;
      if (c.kind === 'ternary') return { name: names.get(k)!, options: [c] };
      if (c.low === 0n && c.high === full) return { name: names.get(k)!, options: [] };
      if (rangeKey.get(k))
        return { name: names.get(k)!, options: [{ kind: 'range', low: c.low, high: c.high }] };
      return {
        name: names.get(k)!,
        options: prefixCover(c.low, c.high, bits).map((p) => ({ kind: 'ternary' as const, ...p })),
      };
    });
    if (e.len !== undefined) {
      const lo = BigInt(e.len[0]);
      const hi = BigInt(Math.min(e.len[1], LEN_MAX));
      cols.push({
        name: lenName,
        options: lenRange
          ? [{ kind: 'range', low: lo, high: hi }]
          : prefixCover(lo, hi, 16).map((p) => ({ kind: 'ternary' as const, ...p })),
      });
    }
    for (const col of cols) {
      if (col.options.length === 0) continue;
      const next: (readonly [string, KeyMatch])[][] = [];
      for (const p of partial) for (const o of col.options) next.push([...p, [col.name, o]]);
      partial = next;
    }
    for (const m of partial) rows.push({ match: m, action: e.action });
    if (rows.length > MAX_ENTRIES)
      return diag('p4-too-many-entries', `the decision list exceeds ${MAX_ENTRIES} entries`);
  }
  const n = rows.length;
  return {
    ok: true,
    list: {
      keys: infos,
      entries: rows.map((r, i) => ({ priority: n - i, match: r.match, action: r.action })),
      default: 'miss',
      minFrameLength: opts.minFrameLength ?? 0,
    },
  };
}

export interface EntryCounts {
  /** Entries when the target has range matches. */
  readonly withRanges: number;
  /** Entries when ranges must be prefix-expanded into ternary matches. */
  readonly withoutRanges: number;
}

/** Entry counts with and without range support (for bench); a diagnostic when either build fails. */
export function entryCounts(
  ir: Filter,
  opts: Omit<DecisionListOptions, 'ranges'> = {},
):
  | { readonly ok: true; readonly counts: EntryCounts }
  | { readonly ok: false; readonly diagnostics: readonly IrDiagnostic[] } {
  const a = buildDecisionList(ir, { ...opts, ranges: true });
  if (!a.ok) return a;
  const b = buildDecisionList(ir, { ...opts, ranges: false });
  if (!b.ok) return b;
  return { ok: true, counts: { withRanges: a.list.entries.length, withoutRanges: b.list.entries.length } };
}
