// Decision list: an IR filter over constant-offset frame/packet loads → a priority-ordered list of
// (key cubes → hit|miss) entries, first match wins, default miss. Invariants:
//  - built from the IR's decision DAG (buildDag, cost order, abortSafe): a node testing leaf L on key k is
//    the block [L-cubes × list(t)] ++ list(f), or [¬L-cubes × list(f)] ++ list(t) when that is smaller
//    (an exclusion of the negated side: NOT costs no complement expansion), preceded by an exclusion
//    entry `frame_len < end(k) → miss` when the key may lie past the frame end (the IR aborts, i.e. rejects);
//  - every block is complete (ends in a catch-all), so embedding it under a cube is exact (also under
//    overlapping cubes: a frame in two cubes is decided by the first copy, which is the block itself);
//  - simplification keeps the function: an entry is dropped only when shadowed by an earlier entry or when
//    every later entry it overlaps, up to one that contains it (or the default), has its action; entries of
//    one run of equal actions are reorderable, so cubes that differ in one bit (or adjacent intervals) merge;
//  - ranges are prefix-expanded only when the target lacks range matches (≤ 2W−2 cubes per interval);
//  - first match by descending priority (N…1) evaluated over a frame equals evaluateOutcome = accept;
//  - deterministic; limits (entries, DAG size) and inexpressible leaves are Refusals (data: each target words
//    them; the builder never does).
import { buildDag, DAG_ACCEPT, type Filter, printPred } from '@tfc/ir';
import {
  type Action,
  type ConcreteCube,
  covers,
  cubeIntersect,
  type Entry,
  intersects,
  isEmpty,
  type KeyFacts,
  LEN_MAX,
  restrict,
  restrictLen,
  tryMerge,
} from './entry.ts';
import {
  type FrameCondition,
  fieldSlices,
  fixedOffset,
  type HeaderModel,
  type HeaderSpec,
  headerBytes,
} from './headers.ts';
import {
  type Cube,
  type FieldKey,
  keyId,
  type LeafShape,
  leafCubes,
  leafShape,
  prefixCover,
} from './leaf.ts';
import type { Refusal } from './refusal.ts';

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
  /** The parser the entries are for: keys become header fields (valid iff the header is extracted) and
   *  header validity bits; without it keys are frame bytes at fixed offsets. */
  readonly headers?: HeaderModel;
}

export type MatchKind = 'ternary' | 'range';

export type KeyInfo =
  | {
      readonly name: string;
      readonly kind: 'field';
      /** Byte offset in the frame; −1 for a header field whose header has no single fixed offset (a transport
       *  header after IPv4 options or IPv6: see `header` and `headerOffset`). */
      readonly offset: number;
      readonly bits: number;
      readonly byteOrder: 'little' | 'big';
      readonly match: MatchKind;
      /** With a header model: the header holding the key and the key's byte offset in it. */
      readonly header?: string;
      readonly headerOffset?: number;
    }
  /** A header's validity bit (1 = the parser extracted it), with a header model. */
  | {
      readonly name: string;
      readonly kind: 'valid';
      readonly header: string;
      readonly bits: 1;
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
  /** The parser model the keys refer to (absent: keys are frame bytes). */
  readonly headers?: HeaderModel;
}

export type DecisionListResult =
  | { readonly ok: true; readonly list: DecisionList }
  | { readonly ok: false; readonly refusals: readonly Refusal[] };

class TooMany {
  readonly what: string;
  constructor(what: string) {
    this.what = what;
  }
}

function limit(code: string, message: string): DecisionListResult {
  return { ok: false, refusals: [{ kind: 'limit', code, message }] };
}

function nameOf(opts: DecisionListOptions, offset: number): string | undefined {
  const m = opts.keyNames;
  if (m === undefined) return undefined;
  if (m instanceof Map) return m.get(offset);
  return (m as { readonly [offset: number]: string })[offset];
}

/** A table key: a frame field (byte model), a header field, or a header's validity bit. */
interface TableKey {
  readonly id: string;
  readonly kind: 'frame' | 'header' | 'valid';
  readonly bytes: number;
  readonly order: 'le' | 'be';
  /** Frame offset (frame keys; header keys whose header has one fixed placement), else −1. */
  readonly frameOffset: number;
  readonly header?: string;
  readonly headerOffset?: number;
}

class Refused {
  readonly refusal: Refusal;
  constructor(refusal: Refusal) {
    this.refusal = refusal;
  }
}

/** A path fact on a frame key (raw key id): the key's value lies in the union of a few cubes. */
type Facts = ReadonlyMap<string, readonly ConcreteCube[]>;
/** Facts with more cubes are dropped (a dropped fact only makes fewer headers known, never a wrong one). */
const MAX_FACT_CUBES = 8;

interface Ctx {
  readonly facts: Facts;
  /** Headers known valid on the path. */
  readonly valid: ReadonlySet<string>;
}

function condKeyId(c: FrameCondition): string {
  return keyId({ offset: c.offset, bytes: c.bytes, order: 'be' });
}

/** Every value in the union of the cubes satisfies the condition. */
function implies(fact: readonly ConcreteCube[] | undefined, c: FrameCondition): boolean {
  if (fact === undefined) return false;
  return fact.every((f) => {
    if (f.kind === 'ternary') return (f.mask & c.mask) === c.mask && c.values.includes(f.value & c.mask);
    if (f.high - f.low > 16n) return false;
    for (let v = f.low; v <= f.high; v++) if (!c.values.includes(v & c.mask)) return false;
    return true;
  });
}

export function buildDecisionList(ir: Filter, opts: DecisionListOptions = {}): DecisionListResult {
  const ranges = opts.ranges ?? true;
  const minLen = opts.minFrameLength ?? 0;
  const model = opts.headers;
  const dr = buildDag(ir, 'cost');
  if (!dr.ok)
    return { ok: false, refusals: dr.diagnostics.map((diagnostic) => ({ kind: 'ir', diagnostic })) };
  const dag = dr.dag;
  if (!dag.abortSafe) return limit('abort', 'decision DAG is not abort-safe');

  // Shapes of the leaves (over raw frame keys).
  const shapes: LeafShape[] = [];
  const refusals: Refusal[] = [];
  for (const leaf of dag.leaves) {
    const r = leafShape(leaf, dag.values);
    if (r.ok) shapes.push(r.shape);
    else {
      refusals.push(r.refusal);
      shapes.push({ kind: 'const', truth: false });
    }
  }
  if (refusals.length > 0) return { ok: false, refusals };

  // Candidate table keys of a raw key: the frame key itself (no model), or the header fields holding it.
  const candidates = (
    raw: FieldKey,
  ): { key: TableKey; header: HeaderSpec; when: readonly FrameCondition[] }[] => {
    if (model === undefined) return [];
    const out: { key: TableKey; header: HeaderSpec; when: readonly FrameCondition[] }[] = [];
    for (const h of model.headers) {
      const size = headerBytes(h);
      for (const p of h.placements) {
        let hoff: number;
        if (p.at === 'fixed') {
          if (raw.ihl !== undefined) continue;
          hoff = raw.offset - p.offset;
        } else {
          if (raw.ihl !== p.ipv4) continue;
          hoff = raw.offset - p.ipv4;
        }
        if (hoff < 0 || hoff + raw.bytes > size) continue;
        const at = fixedOffset(h);
        const fixed = at === undefined ? -1 : at + hoff;
        out.push({
          key: {
            id: `${h.name}+${hoff}:${raw.bytes}:${raw.order}`,
            kind: 'header',
            bytes: raw.bytes,
            order: raw.order,
            frameOffset: fixed,
            header: h.name,
            headerOffset: hoff,
          },
          header: h,
          when: p.when,
        });
      }
    }
    return out;
  };

  const keyIndex = new Map<string, number>();
  const keys: TableKey[] = [];
  const intervalKey: boolean[] = [];
  const ends: number[] = [];
  const validOf: number[] = [];
  const fitEnds: number[] = [];
  const kf: KeyFacts = { ends, validOf };
  const fit: KeyFacts = { ends: fitEnds, validOf };
  const addKey = (key: TableKey, interval: boolean): number => {
    let k = keyIndex.get(key.id);
    if (k !== undefined) return k;
    k = keys.length;
    keyIndex.set(key.id, k);
    keys.push(key);
    intervalKey.push(interval);
    const end = key.kind === 'frame' ? key.frameOffset + key.bytes : 0;
    ends.push(end);
    // Frames are at least minLen long: a key ending within that length always fits, so simplification treats it
    // as needing no length at all (and never adds a length condition for it when it merges the key away).
    fitEnds.push(end <= minLen ? 0 : end);
    validOf.push(-1);
    if (key.kind === 'header') {
      const v = addKey(
        {
          id: `valid:${key.header}`,
          kind: 'valid',
          bytes: 1,
          order: 'be',
          frameOffset: -1,
          header: key.header!,
        },
        false,
      );
      validOf[k] = v;
    }
    return k;
  };
  // Interval keys: every leaf on the key (in any context) is an interval shape. Decided before building, since
  // cubes of one key never mix kinds.
  const rawInterval = new Map<string, boolean>();
  for (const sh of shapes) {
    if (sh.kind === 'const' || sh.kind === 'length') continue;
    const id = keyId(sh.key);
    rawInterval.set(id, (rawInterval.get(id) ?? ranges) && sh.kind === 'interval');
  }
  const tableInterval = new Map<string, boolean>();
  for (const sh of shapes) {
    if (sh.kind === 'const' || sh.kind === 'length') continue;
    const iv = rawInterval.get(keyId(sh.key))!;
    if (model === undefined) tableInterval.set(keyId(sh.key), iv);
    else
      for (const c of candidates(sh.key))
        tableInterval.set(c.key.id, (tableInterval.get(c.key.id) ?? true) && iv);
  }
  const conditionKeys = new Set<string>();
  const conditionRaw = new Map<string, FieldKey>();
  for (const h of model?.headers ?? [])
    for (const p of h.placements)
      for (const c of p.when) {
        conditionKeys.add(condKeyId(c));
        conditionRaw.set(condKeyId(c), { offset: c.offset, bytes: c.bytes, order: 'be' });
      }
  const headerWithin = (h: HeaderSpec): boolean =>
    h.placements.every((p) => p.at === 'fixed' && p.offset + headerBytes(h) <= minLen);
  const initialValid = new Set<string>();
  for (const h of model?.headers ?? [])
    if (h.placements.length === 1 && h.placements[0]!.when.length === 0 && headerWithin(h))
      initialValid.add(h.name);

  /** The table key a raw key maps to on a path, and whether a validity guard is needed first. */
  const mapKey = (raw: FieldKey, ctx: Ctx, leaf: number): { k: number; guard: number; header?: string } => {
    if (model === undefined) {
      if (raw.ihl !== undefined)
        throw new Refused({
          kind: 'unplaced-offset',
          code: 'computed-offset',
          leaf: printPred(dag.leaves[leaf]!),
        });
      const key: TableKey = {
        id: keyId(raw),
        kind: 'frame',
        bytes: raw.bytes,
        order: raw.order,
        frameOffset: raw.offset,
      };
      return { k: addKey(key, tableInterval.get(key.id) ?? false), guard: -1 };
    }
    const cs = candidates(raw);
    const established = cs.filter((c) => c.when.every((w) => implies(ctx.facts.get(condKeyId(w)), w)));
    const pick = established[0] ?? (model.guarded ? cs[0] : undefined);
    if (pick === undefined) {
      const where =
        raw.ihl === undefined
          ? `frame bytes ${raw.offset}..${raw.offset + raw.bytes - 1}`
          : `IPv4-relative bytes ${raw.offset - raw.ihl}..${raw.offset - raw.ihl + raw.bytes - 1}`;
      if (cs.length === 0)
        throw new Refused({
          kind: 'unparsed',
          code: 'unparsed',
          where,
          model: model.name,
          headers: model.headers.map((h) => h.name),
          leaf: printPred(dag.leaves[leaf]!),
        });
      throw new Refused({
        kind: 'parse-context',
        code: 'parse-context',
        where,
        holders: [...new Set(cs.map((c) => c.header.name))],
        leaf: printPred(dag.leaves[leaf]!),
      });
    }
    const k = addKey(pick.key, tableInterval.get(pick.key.id) ?? false);
    const h = pick.header;
    const known = ctx.valid.has(h.name) || (established.includes(pick) && headerWithin(h));
    return { k, guard: known ? -1 : validOf[k]!, header: h.name };
  };

  const isEstablished = (raw: FieldKey, ctx: Ctx): boolean =>
    candidates(raw).some((c) => c.when.every((w) => implies(ctx.facts.get(condKeyId(w)), w)));
  /**
   * A path that knows a condition key only as a union of cubes (`ether proto ∈ {0x806 0x8035}`, `ip proto ∈ {6 17}`
   * after the IR's sets and factor passes) may establish a different header for each cube (arp by either EtherType;
   * tcp.src_port or udp.src_port): the split is that fact, when no header is established for `raw` as it is but
   * one is under each of its cubes alone.
   */
  const splitOf = (raw: FieldKey, ctx: Ctx): { id: string; cubes: readonly ConcreteCube[] } | undefined => {
    if (model === undefined || isEstablished(raw, ctx)) return undefined;
    for (const [id, cubes] of [...ctx.facts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (!conditionKeys.has(id) || cubes.length < 2) continue;
      const each = cubes.every((c) => {
        const facts = new Map(ctx.facts);
        facts.set(id, [c]);
        return isEstablished(raw, { facts, valid: ctx.valid });
      });
      if (each) return { id, cubes };
    }
    return undefined;
  };

  const ctxKey = (ctx: Ctx): string => {
    if (model === undefined) return '';
    const f = [...ctx.facts]
      .filter(([id]) => conditionKeys.has(id))
      .map(
        ([id, cs]) =>
          `${id}=${cs.map((c) => (c.kind === 'ternary' ? `${c.value}/${c.mask}` : `${c.low}-${c.high}`)).join('|')}`,
      )
      .sort();
    return `${f.join(',')}|${[...ctx.valid].sort().join(',')}`;
  };
  const withFact = (ctx: Ctx, raw: FieldKey, cubes: readonly Cube[], header: string | undefined): Ctx => {
    const valid = header === undefined || ctx.valid.has(header) ? ctx.valid : new Set([...ctx.valid, header]);
    const id = keyId(raw);
    const keep = (): Ctx => (valid === ctx.valid ? ctx : { facts: ctx.facts, valid });
    if (model === undefined || !conditionKeys.has(id) || cubes.some((c) => c.kind === 'any')) return keep();
    const now = cubes as readonly ConcreteCube[];
    const prev = ctx.facts.get(id);
    const x: ConcreteCube[] = [];
    if (prev === undefined) x.push(...now);
    else
      for (const a of prev)
        for (const b of now) {
          const i = cubeIntersect(a, b);
          if (i !== undefined) x.push(i);
        }
    const facts = new Map(ctx.facts);
    if (x.length > MAX_FACT_CUBES || x.length === 0) facts.delete(id);
    else facts.set(id, x);
    return { facts, valid };
  };

  const memo = new Map<string, Entry[]>();
  let total = 0;
  const catchAll = (action: Action): Entry[] => [{ match: [], len: undefined, action }];
  const block = (u: number, known: number, ctx: Ctx): Entry[] => {
    if (u < 3) return catchAll(u === DAG_ACCEPT ? 'hit' : 'miss');
    const mk = `${u}:${known}:${ctxKey(ctx)}`;
    const hit = memo.get(mk);
    if (hit !== undefined) return hit;
    const n = dag.nodes[u - 3]!;
    const shape = shapes[n.leaf]!;
    let out: Entry[];
    if (shape.kind === 'const') out = block(shape.truth ? n.t : n.f, known, ctx);
    else if (shape.kind === 'length') {
      // The frame length is always known: no guard; its cubes restrict the entries' length interval.
      const t = block(n.t, known, ctx);
      const f = block(n.f, known, ctx);
      const under = (list: readonly Entry[], set: readonly (readonly [bigint, bigint])[]): Entry[] => {
        const r: Entry[] = [];
        for (const [lo, hi] of set)
          for (const e of list) {
            const x = restrictLen(e, Number(lo), Number(hi));
            if (x !== undefined && !isEmpty(x, kf)) r.push(x);
          }
        return r;
      };
      const local = (l: Entry[]): Entry[] =>
        l.length <= LOCAL_SIMPLIFY_LIMIT ? simplifyComplete(l, fit) : l;
      out = cheaper(
        shape.set.length * t.length + f.length,
        shape.notSet.length * f.length + t.length,
        () => local([...under(t, shape.set), ...f]),
        () => local([...under(f, shape.notSet), ...t]),
      );
    } else if (splitOf(shape.key, ctx) !== undefined) {
      // One block per cube of the fact, each restricted to its cube on the condition key's table key (the path
      // holds the key in the union, so the blocks cover it; the trailing catch-all is for frames off the path).
      const { id, cubes } = splitOf(shape.key, ctx)!;
      const { k: kc, guard } = mapKey(conditionRaw.get(id)!, ctx, n.leaf);
      if (guard >= 0)
        throw new Refused({
          kind: 'limit',
          code: 'parse-context',
          message: `internal: split on ${id} needs a validity guard`,
        });
      const parts: Entry[] = [];
      for (const c of cubes) {
        const facts = new Map(ctx.facts);
        facts.set(id, [c]);
        for (const e of block(u, known, { facts, valid: ctx.valid })) {
          const x = restrict(e, kc, c);
          if (x !== undefined && !isEmpty(x, kf)) parts.push(x);
        }
      }
      parts.push(...catchAll('miss'));
      out = parts.length <= LOCAL_SIMPLIFY_LIMIT ? simplifyComplete(parts, fit) : parts;
    } else {
      const { k, guard: vk, header } = mapKey(shape.key, ctx, n.leaf);
      const end = ends[k]!;
      const childKnown = Math.max(known, end);
      const iv = intervalKey[k]!;
      const pos = leafCubes(shape, true, iv);
      const neg = leafCubes(shape, false, iv);
      const t = block(n.t, childKnown, withFact(ctx, shape.key, pos, header));
      const f = block(n.f, childKnown, withFact(ctx, shape.key, neg, header));
      const under = (list: readonly Entry[], cubes: readonly Cube[]): Entry[] => {
        const r: Entry[] = [];
        for (const c of cubes)
          for (const e of list) {
            const x = restrict(e, k, c);
            if (x !== undefined && !isEmpty(x, kf)) r.push(x);
          }
        return r;
      };
      // The IR aborts (rejects) where the key cannot be read: a frame too short for it, or (header model) its
      // header not extracted — under the model's contract the frame then holds none of the header's bytes, or
      // (guarded models) the filter rejects the frame anyway.
      const guard: Entry[] = [];
      if (end > known && end > minLen) guard.push({ match: [], len: [0, end - 1], action: 'miss' });
      if (vk >= 0)
        guard.push({
          match: [[vk, { kind: 'ternary', value: 0n, mask: 1n }]],
          len: undefined,
          action: 'miss',
        });
      const local = (l: Entry[]): Entry[] =>
        l.length <= LOCAL_SIMPLIFY_LIMIT ? simplifyComplete(l, fit) : l;
      out = cheaper(
        pos.length * t.length + f.length,
        neg.length * f.length + t.length,
        () => local([...guard, ...under(t, pos), ...f]),
        () => local([...guard, ...under(f, neg), ...t]),
      );
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
    entries = simplifyComplete(block(dag.root, 0, { facts: new Map(), valid: initialValid }), fit);
  } catch (e) {
    if (e instanceof TooMany) return limit('too-many-entries', e.what);
    if (e instanceof Refused) return { ok: false, refusals: [e.refusal] };
    throw e;
  }
  // The table's default is miss: a trailing miss catch-all is implicit.
  const last = entries[entries.length - 1];
  if (last !== undefined && last.action === 'miss' && last.match.length === 0 && last.len === undefined)
    entries = simplifyTail(entries.slice(0, -1), 'miss', fit);
  return finish(keys, intervalKey, entries, ranges, opts);
}

/** Both forms of a node's block are built when both are small (the smaller wins); otherwise only the one whose
 *  size estimate (cubes × child entries) is smaller — a string's complement is up to 8 cubes per byte, and
 *  building it under a large child list only to discard it would dominate the work. */
const BOTH_FORMS_LIMIT = 2000;
function cheaper(estA: number, estB: number, a: () => Entry[], b: () => Entry[]): Entry[] {
  if (estA <= BOTH_FORMS_LIMIT && estB <= BOTH_FORMS_LIMIT) {
    const x = a();
    const y = b();
    return y.length < x.length ? y : x;
  }
  return estB < estA ? b() : a();
}

/** Simplify a complete list (its last entry is a catch-all that acts as its default). */
function simplifyComplete(list: readonly Entry[], ends: KeyFacts): Entry[] {
  const last = list[list.length - 1]!;
  return [...simplifyTail(list.slice(0, -1), last.action, ends), last];
}

/** Simplification is quadratic: longer lists are left as built. */
const SIMPLIFY_LIMIT = 1500;
const MERGE_RUN_LIMIT = 1000;

function simplifyTail(list: readonly Entry[], dflt: Action, ends: KeyFacts): Entry[] {
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

function removeRedundant(list: readonly Entry[], dflt: Action, ends: KeyFacts): Entry[] {
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
function mergeRuns(list: readonly Entry[], ends: KeyFacts): Entry[] {
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
  keys: readonly TableKey[],
  intervalKey: readonly boolean[],
  given: readonly Entry[],
  ranges: boolean,
  opts: DecisionListOptions,
): DecisionListResult {
  const bitsOf = (k: number): number => (k < 0 ? 16 : keys[k]!.bytes * 8);
  // A full-domain interval on a frame key is printed as don't care, but it still says "the key's bytes are in the
  // frame" (a key past the end matches nothing): that becomes a frame-length bound, unless frames are known long
  // enough (regression: `x != 0 || x == 0` on a byte past a short frame hit where the IR aborts).
  const minLen = opts.minFrameLength ?? 0;
  const entries = given.flatMap((e): Entry[] => {
    let need = 0;
    for (const [k, c] of e.match) {
      const key = keys[k]!;
      if (c.kind !== 'interval' || c.low !== 0n || c.high !== (1n << BigInt(bitsOf(k))) - 1n) continue;
      if (key.kind === 'frame' && key.frameOffset + key.bytes > minLen)
        need = Math.max(need, key.frameOffset + key.bytes);
    }
    if (need === 0) return [e];
    const len: readonly [number, number] = [Math.max(e.len?.[0] ?? 0, need), e.len?.[1] ?? LEN_MAX];
    return len[0] > len[1] ? [] : [{ ...e, len }]; // an entry no frame can match is dropped
  });
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
  // Key order: headers in parse order, then by offset, width, byte order (the key table is in build order);
  // a header's validity bit right after its fields.
  const headerRank = new Map((opts.headers?.headers ?? []).map((h, i) => [h.name, i]));
  const sortKey = (t: TableKey): [number, number, number, number, string] => [
    t.header === undefined ? -1 : headerRank.get(t.header)!,
    t.kind === 'valid' ? 1 : 0,
    t.kind === 'frame' ? t.frameOffset : (t.headerOffset ?? 0),
    t.bytes,
    t.order,
  ];
  const order = [...used].sort((a, b) => {
    const x = sortKey(keys[a]!);
    const y = sortKey(keys[b]!);
    for (let i = 0; i < 4; i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
    return x[4] < y[4] ? -1 : x[4] > y[4] ? 1 : 0;
  });
  const model = opts.headers;
  const names = new Map<number, string>();
  const taken = new Set<string>();
  for (const k of order) {
    const key = keys[k]!;
    let name: string;
    if (key.kind === 'valid') name = `${key.header}_valid`;
    else if (key.frameOffset >= 0 && nameOf(opts, key.frameOffset) !== undefined)
      name = nameOf(opts, key.frameOffset)!;
    else if (key.kind === 'header') {
      const h = model!.headers.find((x) => x.name === key.header)!;
      const sl = fieldSlices(h, key.headerOffset! * 8, (key.headerOffset! + key.bytes) * 8);
      const whole = sl.every((x) => x.hi === x.bits - 1 && x.lo === 0);
      name = whole
        ? `${key.header}.${sl.map((x) => x.field).join('_')}`
        : sl.length === 1
          ? `${key.header}.${sl[0]!.field}_${sl[0]!.hi}_${sl[0]!.lo}`
          : `${key.header}.b${key.headerOffset}_${key.bytes * 8}`;
    } else name = `f${key.frameOffset}`;
    if (taken.has(name)) name = `${name}_${key.bytes * 8}${key.order}`;
    taken.add(name);
    names.set(k, name);
  }
  let lenName = 'frame_len';
  while (taken.has(lenName)) lenName = `_${lenName}`;
  const rangeKey = new Map(order.map((k) => [k, needsRange(k)]));
  const lenRange = lenUsed && needsRange(-1);
  const infos: KeyInfo[] = order.map((k): KeyInfo => {
    const key = keys[k]!;
    const match: MatchKind = rangeKey.get(k) ? 'range' : 'ternary';
    if (key.kind === 'valid')
      return { name: names.get(k)!, kind: 'valid', header: key.header!, bits: 1, match };
    const base = {
      name: names.get(k)!,
      kind: 'field' as const,
      offset: key.frameOffset,
      bits: key.bytes * 8,
      byteOrder: key.order === 'le' ? ('little' as const) : ('big' as const),
      match,
    };
    return key.kind === 'header' ? { ...base, header: key.header!, headerOffset: key.headerOffset! } : base;
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
    // A full-domain length interval is don't care (P4Runtime rejects a full-domain range or a zero mask).
    if (e.len !== undefined && (e.len[0] > 0 || e.len[1] < LEN_MAX)) {
      const lo = BigInt(e.len[0]);
      const hi = BigInt(Math.min(e.len[1], LEN_MAX));
      cols.push({
        name: lenName,
        options: lenRange
          ? [{ kind: 'range', low: lo, high: hi }]
          : prefixCover(lo, hi, 16).map((p) => ({ kind: 'ternary' as const, ...p })),
      });
    }
    // The entry's rows are the product of its columns' options: bounded before it is built (prefix expansions of
    // several wide keys multiply: 126^4 rows for four 64-bit intervals).
    const product = cols.reduce((n, col) => n * Math.max(1, col.options.length), 1);
    if (rows.length + product > MAX_ENTRIES)
      return limit('too-many-entries', `the decision list exceeds ${MAX_ENTRIES} entries`);
    for (const col of cols) {
      if (col.options.length === 0) continue;
      const next: (readonly [string, KeyMatch])[][] = [];
      for (const p of partial) for (const o of col.options) next.push([...p, [col.name, o]]);
      partial = next;
    }
    for (const m of partial) rows.push({ match: m, action: e.action });
    if (rows.length > MAX_ENTRIES)
      return limit('too-many-entries', `the decision list exceeds ${MAX_ENTRIES} entries`);
  }
  const n = rows.length;
  return {
    ok: true,
    list: {
      keys: infos,
      entries: rows.map((r, i) => ({ priority: n - i, match: r.match, action: r.action })),
      default: 'miss',
      minFrameLength: opts.minFrameLength ?? 0,
      ...(model === undefined ? {} : { headers: model }),
    },
  };
}

export interface EntryCounts {
  /** Entries when the target has range matches. */
  readonly withRanges: number;
  /** Entries when ranges must be prefix-expanded into ternary matches. */
  readonly withoutRanges: number;
}

/** Entry counts with and without range support (for bench); the refusals when either build fails. */
export function entryCounts(
  ir: Filter,
  opts: Omit<DecisionListOptions, 'ranges'> = {},
):
  | { readonly ok: true; readonly counts: EntryCounts }
  | { readonly ok: false; readonly refusals: readonly Refusal[] } {
  const a = buildDecisionList(ir, { ...opts, ranges: true });
  if (!a.ok) return a;
  const b = buildDecisionList(ir, { ...opts, ranges: false });
  if (!b.ok) return b;
  return { ok: true, counts: { withRanges: a.list.entries.length, withoutRanges: b.list.entries.length } };
}
