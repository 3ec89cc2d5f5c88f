// The BPF lowering of set membership (`in` leaves): a chain of equality tests for small sets, a binary search over
// the sorted set from `binarySearchMin` values (ranges of fewer than five values end in a chain), as plain ops
// every BPF emitter translates one by one.
// Invariants: ops name values by their index in the IR's set (sorted ascending, as buildDag leaves it), so each
// target normalizes the values its own way; every path ends in a jump to t (found) or f (not found); the search
// uses an explicit work stack (no recursion) and each range is placed after the jump that names it.
export type SetOp =
  /** value == set[index]: goto `to` (else the next op). */
  | { readonly op: 'eq'; readonly index: number; readonly to: string }
  /** value > set[index] (unsigned): goto `to` (else the next op). */
  | { readonly op: 'gt'; readonly index: number; readonly to: string }
  | { readonly op: 'goto'; readonly to: string }
  | { readonly op: 'label'; readonly name: string };

export function lowerSetSearch(
  size: number,
  t: string,
  f: string,
  binarySearchMin: number,
  fresh: () => string,
): SetOp[] {
  const ops: SetOp[] = [];
  const linear = (lo: number, hi: number) => {
    for (let i = lo; i <= hi; i++) ops.push({ op: 'eq', index: i, to: t });
    ops.push({ op: 'goto', to: f });
  };
  if (size < binarySearchMin) {
    linear(0, size - 1);
    return ops;
  }
  const work: { lo: number; hi: number; label?: string }[] = [{ lo: 0, hi: size - 1 }];
  while (work.length > 0) {
    const w = work.pop()!;
    if (w.label !== undefined) ops.push({ op: 'label', name: w.label });
    if (w.hi - w.lo < 4) {
      linear(w.lo, w.hi);
      continue;
    }
    const mid = (w.lo + w.hi) >> 1;
    const right = fresh();
    ops.push({ op: 'eq', index: mid, to: t }, { op: 'gt', index: mid, to: right });
    work.push({ lo: mid + 1, hi: w.hi, label: right });
    work.push({ lo: w.lo, hi: mid - 1 });
  }
  return ops;
}
