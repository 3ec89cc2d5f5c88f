/*
 * `tfc` as a library. Invariant: this facade only re-exports; the compiler pipeline (compile()) arrives with the
 * IR/codegen work and will never import @tfc/kernel.
 */
export {
  bundledEvent,
  bundledEventNames,
  bundledKernelRelease,
  type EvalContext,
  type EventFormat,
  evaluate,
  type FilterEnv,
  type FilterError,
  type FormatField,
  type ParseResult,
  parseFilter,
  parseFormat,
  readLiveEvent,
  recordFromJson,
  renderErrorLog,
  renderFilterFile,
} from '@tfc/tracefs';
