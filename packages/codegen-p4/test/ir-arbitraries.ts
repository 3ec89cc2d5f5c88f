// The IR package's random generators (packages/ir/test/arbitraries.ts), loaded by URL at run time because
// tsc cannot rewrite a relative import across project boundaries. Invariant: the declared shape keeps the
// generators typed; nothing else is re-exported.
import type { EvalInput, Filter } from '@tfc/ir';
import type fc from 'fast-check';

interface IrArbitraries {
  readonly filterArb: fc.Arbitrary<Filter>;
  readonly inputArb: fc.Arbitrary<EvalInput>;
}

const url = new URL('../../ir/test/arbitraries.ts', import.meta.url).href;
const mod = (await import(url)) as IrArbitraries;
export const { filterArb, inputArb } = mod;
