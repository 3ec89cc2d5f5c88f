/*
 * `tfc` as a library. Invariant: this facade only re-exports; compile() is pure and never imports @tfc/kernel
 * (loading a compiled program is the caller's choice, e.g. through @tfc/kernel/sys); readLiveEvent reads a live format
 * through @tfc/kernel/tracefs (plain file reads, no native code) and parses it with @tfc/tracefs. The targets: compile()
 * (trace filter → eBPF/cBPF), compilePcapFilter() (libpcap filter → eBPF/cBPF), compileTc() (either language → a
 * `tc -b` batch: u32, flower, cls_bpf), compileP4()/compilePcapP4() (TCAM entries and P4 programs).
 */

export {
  type CompileRequest,
  type CompileResult,
  type Context,
  compile,
  compileP4,
  compilePcapFilter,
  compilePcapP4,
  compileTc,
  type Diagnostic,
  DUMP_POINTS,
  emit,
  type P4Request,
  type P4Result,
  type PcapCompileRequest,
  type PcapP4Request,
  type ProgType,
  type Target,
  type TcRequest,
  type TcResult,
  type TcSource,
  type TcTarget,
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
