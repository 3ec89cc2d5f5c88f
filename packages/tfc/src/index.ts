/*
 * `tfc` as a library. Invariant: this facade only re-exports; compile() is pure and never imports @tfc/kernel
 * (loading a compiled program is the caller's choice, e.g. through @tfc/kernel/sys).
 */

export {
  type CompileRequest,
  type CompileResult,
  type Context,
  compile,
  type Diagnostic,
  DUMP_POINTS,
  emit,
  type ProgType,
  type Target,
} from '@tfc/compiler';
export {
  bundledEvent,
  bundledEventNames,
  bundledKernelRelease,
  decodeTraceFrame,
  type EvalContext,
  type EventFormat,
  encodeTraceFrame,
  evaluate,
  type FilterDialect,
  type FilterEnv,
  type FilterError,
  type FormatField,
  NEWEST,
  type ParseResult,
  PROFILES,
  parseFilter,
  parseFormat,
  profileByName,
  readLiveEvent,
  recordFromJson,
  renderErrorLog,
  renderFilterFile,
} from '@tfc/tracefs';
