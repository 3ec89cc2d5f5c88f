// @tfc/ir public API: IR types, constructors, text form, verifier, evaluator, op table, passes, DAG.
// Invariant: everything exported is pure (no ambient state) and deterministic.

export * from './analysis.ts';
export { benchmarkIr, benchWorkloads, type IrBenchResult } from './bench.ts';
export * from './build.ts';
export { CHAIN_BOUND, chain, walkChain } from './chain.ts';
export * from './dag.ts';
export * from './eval.ts';
export * from './intervals.ts';
export { filterFromJson, filterToJson, type JsonResult } from './json.ts';
export * from './ops.ts';
export * from './parse.ts';
export { canon } from './passes/canon.ts';
export { cse } from './passes/cse.ts';
export { factor } from './passes/factor.ts';
export { facts } from './passes/facts.ts';
export { fold, foldLeaf } from './passes/fold.ts';
export { inline } from './passes/inline.ts';
export { ranges, sets } from './passes/ranges.ts';
export { SIMPLIFY_ITERATION_CAP, simplify } from './passes/simplify.ts';
export * from './pipeline.ts';
export * from './print.ts';
export { forEachExpr, mapExpr, mapPred, mapPredExprs } from './rewrite.ts';
export * from './safety.ts';
export { globMatch, matchString } from './strmatch.ts';
export * from './types.ts';
export * from './verify.ts';
