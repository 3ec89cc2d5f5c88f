/*
 * `tfc` as a library. Invariant: this facade only re-exports; compile() is pure and never imports @tfc/kernel
 * (loading a compiled program is the caller's choice, e.g. through @tfc/kernel/sys); readLiveEvent reads a live format
 * through @tfc/kernel/tracefs (plain file reads, no native code) and parses it with @tfc/tracefs.
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
  recordFromJson,
  renderErrorLog,
  renderFilterFile,
} from '@tfc/tracefs';
export { readLiveEvent } from './live-event.ts';
