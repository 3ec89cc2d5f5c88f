// Lowering of parsed tracefs filters into the IR. Invariant: re-exports only.
export {
  type LeafEnv,
  type LeafResult,
  type LowerCtx,
  type LowerDiagnostic,
  lowerPredicate,
} from './leaf.ts';
export { frameGuard, type LowerOptions, type LowerResult, lowerFilter } from './lower.ts';
