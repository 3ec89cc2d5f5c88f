// Internal decision-list entries and the set algebra on them (intersection, containment, merging).
// Invariants:
//  - an entry matches a frame iff every constrained key is valid (the frame holds its bytes) and its value
//    lies in the key's cube, and the frame length lies in `len` (when given); so an entry constraining a key
//    implicitly requires the frame length ≥ the key's end (`need`);
//  - with a header model, a key of header H is valid iff H is valid (its `end` is 0, so no length applies) and
//    `validOf[k]` is H's 1-bit validity key: an entry constraining a key of H and H's validity to 0 is empty,
//    and a merge that drops a key of H keeps "H is valid" as an explicit validity match;
//  - `match` is sorted by key index and never holds an `any` cube; all functions are pure.
import type { Cube } from './leaf.ts';

export type Action = 'hit' | 'miss';
export type ConcreteCube = Exclude<Cube, { kind: 'any' }>;

export interface Entry {
  readonly match: readonly (readonly [number, ConcreteCube])[];
  /** Explicit frame length interval (exclusion entries for short frames). */
  readonly len: readonly [number, number] | undefined;
  readonly action: Action;
}

/** Largest frame length the length key can express. */
export const LEN_MAX = 0xffff;

/** Per key index: the frame length it needs (0: none), and its header's validity key (−1: none). */
export interface KeyFacts {
  readonly ends: readonly number[];
  readonly validOf: readonly number[];
}

// Math.min/max do not accept bigint.
function bigMin(a: bigint, b: bigint): bigint {
  if (a < b) return a;
  return b;
}
function bigMax(a: bigint, b: bigint): bigint {
  if (a > b) return a;
  return b;
}

export function cubeIntersect(a: ConcreteCube, b: ConcreteCube): ConcreteCube | undefined {
  if (a.kind === 'ternary' && b.kind === 'ternary') {
    if (((a.value ^ b.value) & a.mask & b.mask) !== 0n) return undefined;
    return { kind: 'ternary', value: a.value | b.value, mask: a.mask | b.mask };
  }
  if (a.kind === 'interval' && b.kind === 'interval') {
    const low = bigMax(a.low, b.low);
    const high = bigMin(a.high, b.high);
    return low <= high ? { kind: 'interval', low, high } : undefined;
  }
  // Keys never mix cube kinds (decided per key); treat a mix as disjoint-unknown conservatively.
  return a;
}

export function cubeSubset(a: ConcreteCube, b: ConcreteCube): boolean {
  if (a.kind === 'ternary' && b.kind === 'ternary')
    return (b.mask & ~a.mask) === 0n && ((a.value ^ b.value) & b.mask) === 0n;
  if (a.kind === 'interval' && b.kind === 'interval') return b.low <= a.low && a.high <= b.high;
  return false;
}

function cubeEqual(a: ConcreteCube, b: ConcreteCube): boolean {
  if (a.kind === 'ternary' && b.kind === 'ternary') return a.value === b.value && a.mask === b.mask;
  if (a.kind === 'interval' && b.kind === 'interval') return a.low === b.low && a.high === b.high;
  return false;
}

/** Conjunction of an entry with a cube on key k; undefined when empty. */
export function restrict(e: Entry, k: number, c: Cube): Entry | undefined {
  if (c.kind === 'any') return e;
  const out: (readonly [number, ConcreteCube])[] = [];
  let placed = false;
  for (const [key, cube] of e.match) {
    if (key === k) {
      const x = cubeIntersect(cube, c);
      if (x === undefined) return undefined;
      out.push([key, x]);
      placed = true;
    } else {
      if (!placed && key > k) {
        out.push([k, c]);
        placed = true;
      }
      out.push([key, cube]);
    }
  }
  if (!placed) out.push([k, c]);
  return { match: out, len: e.len, action: e.action };
}

/** Conjunction of an entry with frame length ∈ [lo, hi]; undefined when empty. */
export function restrictLen(e: Entry, lo: number, hi: number): Entry | undefined {
  const a = Math.max(lo, e.len?.[0] ?? 0);
  const b = Math.min(hi, e.len?.[1] ?? LEN_MAX);
  if (a > b) return undefined;
  return { match: e.match, len: [a, b], action: e.action };
}

/** Effective frame-length interval: explicit ∩ [need, LEN_MAX]. */
function effLen(e: Entry, kf: KeyFacts): [number, number] {
  let lo = e.len?.[0] ?? 0;
  const hi = e.len?.[1] ?? LEN_MAX;
  for (const [k] of e.match) lo = Math.max(lo, kf.ends[k]!);
  return [lo, hi];
}

/** An explicit validity match of 0 on the header of a key the entry also constrains. */
function invalidHeaderKey(e: Entry, kf: KeyFacts): boolean {
  for (const [k] of e.match) {
    const v = kf.validOf[k]!;
    if (v < 0) continue;
    const c = e.match.find(([kk]) => kk === v)?.[1];
    if (c !== undefined && c.kind === 'ternary' && (c.mask & 1n) === 1n && (c.value & 1n) === 0n) return true;
  }
  return false;
}

export function intersects(a: Entry, b: Entry, kf: KeyFacts): boolean {
  const la = effLen(a, kf);
  const lb = effLen(b, kf);
  if (Math.max(la[0], lb[0]) > Math.min(la[1], lb[1])) return false;
  let j = 0;
  for (const [k, ca] of a.match) {
    while (j < b.match.length && b.match[j]![0] < k) j++;
    const bj = b.match[j];
    if (bj !== undefined && bj[0] === k && cubeIntersect(ca, bj[1]) === undefined) return false;
  }
  return true;
}

/** a ⊆ b */
export function covers(b: Entry, a: Entry, kf: KeyFacts): boolean {
  const la = effLen(a, kf);
  if (la[0] > la[1] || invalidHeaderKey(a, kf)) return true;
  const lb = effLen(b, kf);
  if (la[0] < lb[0] || la[1] > lb[1]) return false;
  let i = 0;
  for (const [k, cb] of b.match) {
    while (i < a.match.length && a.match[i]![0] < k) i++;
    const ai = a.match[i];
    if (ai === undefined || ai[0] !== k || !cubeSubset(ai[1], cb)) return false;
  }
  return true;
}

export function isEmpty(e: Entry, kf: KeyFacts): boolean {
  const l = effLen(e, kf);
  return l[0] > l[1] || invalidHeaderKey(e, kf);
}

/**
 * Merge two entries that differ on exactly one key by one ternary bit or by adjacent intervals. When the merged cube
 * becomes don't-care the key disappears from the entry, and with it the implicit "the frame holds this key"
 * condition: the merged entry keeps it as an explicit frame-length lower bound (`ends[k]`), so short frames still
 * miss as the IR's abort demands.
 */
export function tryMerge(a: Entry, b: Entry, kf: KeyFacts): Entry | undefined {
  if (a.action !== b.action || a.match.length !== b.match.length) return undefined;
  if ((a.len?.[0] ?? -1) !== (b.len?.[0] ?? -1) || (a.len?.[1] ?? -1) !== (b.len?.[1] ?? -1))
    return undefined;
  let diff = -1;
  for (let i = 0; i < a.match.length; i++) {
    const [ka, ca] = a.match[i]!;
    const [kb, cb] = b.match[i]!;
    if (ka !== kb) return undefined;
    if (!cubeEqual(ca, cb)) {
      if (diff >= 0) return undefined;
      diff = i;
    }
  }
  if (diff < 0) return a;
  const ca = a.match[diff]![1];
  const cb = b.match[diff]![1];
  let merged: Cube | undefined;
  if (ca.kind === 'ternary' && cb.kind === 'ternary' && ca.mask === cb.mask) {
    const x = ca.value ^ cb.value;
    if (x !== 0n && (x & (x - 1n)) === 0n)
      merged = { kind: 'ternary', value: ca.value & ~x, mask: ca.mask & ~x };
  } else if (ca.kind === 'interval' && cb.kind === 'interval') {
    if (ca.low <= cb.high + 1n && cb.low <= ca.high + 1n)
      merged = {
        kind: 'interval',
        low: bigMin(ca.low, cb.low),
        high: bigMax(ca.high, cb.high),
      };
  }
  if (merged === undefined) return undefined;
  const dropped = merged.kind === 'ternary' && merged.mask === 0n;
  const match = a.match.flatMap(([k, c], i): (readonly [number, ConcreteCube])[] => {
    if (i !== diff) return [[k, c]];
    return dropped ? [] : [[k, merged as ConcreteCube]];
  });
  const droppedKey = a.match[diff]![0];
  const need = kf.ends[droppedKey]!;
  const v = kf.validOf[droppedKey]!;
  if (dropped && v >= 0) {
    const kept: Entry = { match, len: a.len, action: a.action };
    return restrict(kept, v, { kind: 'ternary', value: 1n, mask: 1n });
  }
  if (!dropped || need === 0) return { match, len: a.len, action: a.action };
  const lo = Math.max(a.len?.[0] ?? 0, need);
  const len: readonly [number, number] = [lo, a.len?.[1] ?? LEN_MAX];
  return { match, len, action: a.action };
}
