// The size budget of a compiled pcap filter: every primitive's IR is counted once as it is lowered, and
// a filter whose IR passes MAX_IR_NODES is refused with a `size` diagnostic before the rest is built.
// Why a limit: no target holds such a program (cBPF stops at 4,096 instructions, eBPF at 1,000,000,
// and a `port` primitive alone is ~130 IR nodes), while the passes over it would take minutes; the
// limit makes a 100,000-term `or` chain a quick, clear refusal instead.
// Invariants: counting is iterative (no recursion over wide or deep IR) and linear in the nodes counted.
import type { Pred } from '@tfc/ir';

export const MAX_IR_NODES = 1_000_000;

/** Number of IR nodes (predicates and expressions) in `p`. */
export function irSize(p: Pred): number {
  let n = 0;
  const stack: unknown[] = [p];
  while (stack.length > 0) {
    const x = stack.pop() as Record<string, unknown>;
    n++;
    for (const k of ['offset', 'left', 'right', 'arg', 'value', 'expr']) {
      const c = x[k];
      if (typeof c === 'object' && c !== null) stack.push(c);
    }
    const args = x.args;
    if (Array.isArray(args)) for (const a of args) stack.push(a);
  }
  return n;
}
