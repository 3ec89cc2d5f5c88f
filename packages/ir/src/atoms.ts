// Atoms of a sequence of interval sets over one compared value, for abstracting what a path knows about
// that value to what the rest of the path can observe. The atoms of sets S_j..S_m are the classes of
// values with the same membership in every one of them; `closure(known, j)` is the union of the atoms of
// S_j..S_m that meet `known`. Invariants: closure(known, j) ⊇ known; for every k ≥ j, closure meets S_k
// (resp. its complement) exactly when known does, and closure(closure(K, j) ∩ S_k, k') = closure(K ∩ S_k, k')
// for k' > k, so deciding later sets from the closure gives the same answers as from `known` itself;
// facts that differ only in values no later set tells apart become equal (the decision DAG's path facts
// stay few: `not (port 1 or … or port n)` no longer remembers which earlier ports a path excluded).
// Tables larger than MAX_ATOM_CELLS fall back to the identity (exact, just without the merging).
import type { ISet } from './intervals.ts';

/** Upper bound on (number of sets + 1) × (number of elementary intervals) kept in one table. */
export const MAX_ATOM_CELLS = 4_000_000;

export interface AtomTable {
  /** The union of the atoms of sets[from..] that meet `known` (normalised). */
  closure(known: ISet, from: number): ISet;
}

const IDENTITY: AtomTable = { closure: (known) => known };

export function atomTable(sets: readonly ISet[], max: bigint): AtomTable {
  const points = new Set<bigint>([0n]);
  for (const s of sets)
    for (const [lo, hi] of s) {
      points.add(lo);
      if (hi < max) points.add(hi + 1n);
    }
  const starts = [...points].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const cells = starts.length;
  if ((sets.length + 1) * cells > MAX_ATOM_CELLS) return IDENTITY;
  /** Index of the elementary interval holding v. */
  const at = (v: bigint): number => {
    let lo = 0;
    let hi = cells - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= v) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  // sigs[j][e]: the atom of S_j..S_m holding elementary interval e (ids are per j); sigs[m] is all 0.
  const sigs: Int32Array[] = new Array(sets.length + 1);
  sigs[sets.length] = new Int32Array(cells);
  const member = new Uint8Array(cells);
  for (let j = sets.length - 1; j >= 0; j--) {
    member.fill(0);
    for (const [lo, hi] of sets[j]!) for (let e = at(lo), end = at(hi); e <= end; e++) member[e] = 1;
    const next = sigs[j + 1]!;
    const sig = new Int32Array(cells);
    const ids = new Map<number, number>();
    for (let e = 0; e < cells; e++) {
      const k = next[e]! * 2 + member[e]!;
      let id = ids.get(k);
      if (id === undefined) {
        id = ids.size;
        ids.set(k, id);
      }
      sig[e] = id;
    }
    sigs[j] = sig;
  }
  return {
    closure(known: ISet, from: number): ISet {
      const sig = sigs[Math.min(from, sets.length)]!;
      const hit = new Set<number>();
      for (const [lo, hi] of known) for (let e = at(lo), end = at(hi); e <= end; e++) hit.add(sig[e]!);
      const out: [bigint, bigint][] = [];
      for (let e = 0; e < cells; e++) {
        if (!hit.has(sig[e]!)) continue;
        const lo = starts[e]!;
        const hi = e + 1 < cells ? starts[e + 1]! - 1n : max;
        const last = out[out.length - 1];
        if (last !== undefined && last[1] + 1n === lo) last[1] = hi;
        else out.push([lo, hi]);
      }
      return out;
    },
  };
}
