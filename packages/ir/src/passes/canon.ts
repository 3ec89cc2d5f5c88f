// Pass `canon`: constants go right. A compare `c OP x` with a constant left operand and a non-constant
// right operand becomes `x SWAPPED(OP) c` (op table `swapped`). Rules policy: directional (only
// const-left is rewritten, never general commutativity), cost-neutral, and it cannot change which loads
// abort first because a constant never aborts. One sweep is a fixpoint.
import { OPS } from '../ops.ts';
import { mapPred } from '../rewrite.ts';
import type { Filter, Pred } from '../types.ts';

export function canon(ir: Filter): Filter {
  const body = mapPred(ir.body, swapConstLeft);
  return body === ir.body ? ir : { ...ir, body };
}

function swapConstLeft(p: Pred): Pred {
  return p.kind === 'cmp' && p.left.kind === 'const' && p.right.kind !== 'const'
    ? { ...p, op: OPS[p.op].swapped, left: p.right, right: p.left }
    : p;
}
