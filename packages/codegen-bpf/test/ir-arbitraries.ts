// Re-export of the IR package's random generators (packages/ir/test/arbitraries.ts). Invariant: loaded
// by URL at run time, because a relative import across project boundaries cannot be rewritten by tsc;
// the declared shape keeps the generators typed.
import type { EvalInput, Filter } from '@tfc/ir';
import type fc from 'fast-check';

interface IrArbitraries {
  readonly filterArb: fc.Arbitrary<Filter>;
  readonly inputArb: fc.Arbitrary<EvalInput>;
}

const url = new URL('../../ir/test/arbitraries.ts', import.meta.url).href;
const mod = (await import(url)) as IrArbitraries;
export const { filterArb, inputArb } = mod;
