// Public API of @tfc/tracefs: tracefs event formats (parse, bundled snapshot; reading a live one is @tfc/kernel/tracefs's job), the
// trace-event filter language front end (parse, errors, canonical printing) and the reference
// interpreter. Invariant: re-exports only; no logic and no state here.

export type {
  CpuPredicate,
  CpusPredicate,
  FieldRef,
  Filter,
  FilterNode,
  FunctionPredicate,
  IntOp,
  IntPredicate,
  Predicate,
  ProgramEntry,
  Span,
  StringPredicate,
} from './ast.ts';
export { bundledEvent, bundledEventNames, bundledKernelRelease } from './bundled.ts';
export { classifyType, isStringKind } from './classify.ts';
export { parseCpulist } from './cpulist.ts';
export * from './dialect/index.ts';
export * from './encap.ts';
export {
  FILTER_MESSAGES,
  type FilterErrno,
  type FilterError,
  renderAcceptedFilterFile,
  renderErrorLog,
  renderFilterFile,
} from './errors.ts';
export { compileFilter, compileLeaf, type EvalContext, evaluate } from './evaluate.ts';
export { type FormatParseResult, parseFormat, splitDeclaration } from './format.ts';
export { formatFilter, formatPredicate } from './format-filter.ts';
export * from './frame.ts';
export { type SymbolLookup, symbolLookupFromKallsyms } from './kallsyms.ts';
export { kstrtoll, kstrtoull } from './kstrtox.ts';
export * from './lower/index.ts';
export { type ClassifiedPattern, classifyPattern, type MatchKind, matchString } from './match.ts';
export { type FilterEnv, type ParseOptions, type ParseResult, parseFilter } from './parse-filter.ts';
export { findField } from './parse-pred.ts';
export { ELEMENT_SIZES, type RecordResult, recordFromJson } from './records.ts';
export {
  parseSubsystemFilter,
  SUBSYSTEM_MESSAGE,
  type SubsystemEventResult,
  type SubsystemResult,
} from './subsystem.ts';
export type { EventFormat, FieldKind, FormatField } from './types.ts';
