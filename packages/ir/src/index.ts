// @tfc/ir public API: IR types, constructors, text form, verifier, evaluator, op table, passes, DAG.
// Invariant: everything exported is pure (no ambient state) and deterministic.
export * from './types.ts';
export * from './build.ts';
export * from './ops.ts';
export * from './print.ts';
export * from './parse.ts';
export * from './eval.ts';
export { globMatch, matchString } from './strmatch.ts';
export * from './verify.ts';
export * from './analysis.ts';
export * from './intervals.ts';
export * from './pipeline.ts';
export * from './dag.ts';
export { canon } from './passes/canon.ts';
export { cse } from './passes/cse.ts';
export { fold } from './passes/fold.ts';
export { inline } from './passes/inline.ts';
export { ranges, sets } from './passes/ranges.ts';
export { simplify, SIMPLIFY_ITERATION_CAP } from './passes/simplify.ts';
