/*
 * `tfc-filter`, the library: everything the `tfc` CLI does that needs no kernel, as pure functions.
 *
 *  - compile(filter, options): trace event filters and libpcap filters to eBPF/cBPF (tracepoint, trace-frame,
 *    packet and skb contexts; every emit form, ELF objects included), tc batches (tc, u32, flower, tc-bpf) and P4
 *    entries and programs, one options object per `tfc compile` command line;
 *  - check / checkProfiles / evalRecords: a trace filter decided as the kernel would decide it, under a kernel
 *    dialect profile (`kernel: '6.18'`, …), and the reference interpreter over records (`tfc check`, `tfc eval`);
 *  - the trace frame encoder and decoder (`tfc trace`'s frames, `tfc encap`), the pcap/pcapng readers and writers
 *    (`tfc capture`, `tfc trace -w`) and the Wireshark dissector generator (`tfc dissector`);
 *  - the bundled event snapshot and format parser, the filter language's parser and renderings.
 *
 * Why compile() is one function and check/evalRecords two more: `tfc compile` is one command whose flags are the
 * options (changing target or language changes a field), while checking and evaluating have other products (a
 * filter file's text, verdicts). Failures of a filter are values with the compiler's Diagnostic (stage, message,
 * span); options that cannot mean anything throw TfcOptionError.
 * Invariant: re-exports only; nothing here or below it imports @tfc/kernel or koffi, reads tracefs or loads
 * programs (test/index.test.ts checks the module graph) — that is `tfc-filter/live` (src/live.ts).
 * The 0.1 exports (compile's request form, compileTc, compilePcapFilter, compileP4, compilePcapP4, emit) stay.
 */

export {
  EMIT_FORMS,
  type EmitForm,
  type ProgramSpec,
  SKB_HOOKS_SNAPSHOT,
  type SkbHook,
  type SkbLayout,
  type SkbMode,
} from '@tfc/codegen-bpf';
export type { P4Outputs } from '@tfc/codegen-p4';
export type { FlowerProfile, TcActName, TcBpfMode } from '@tfc/codegen-tc';
export {
  type CompileRequest,
  type CompileResult,
  type Context,
  compileP4,
  compilePcapFilter,
  compilePcapP4,
  compileTc,
  type Diagnostic,
  DUMP_POINTS,
  emit,
  type OptLevel,
  type P4Request,
  type P4Result,
  type PcapCompileRequest,
  type PcapP4Request,
  type ProgType,
  SKB_LAYOUT_SNAPSHOT,
  type Stage,
  type Target,
  type TcBackend,
  type TcRequest,
  type TcResult,
  type TcSource,
  type TcTarget,
} from '@tfc/compiler';
export {
  type Capture,
  type CaptureFormat,
  type CaptureInterface,
  type CaptureRecord,
  type CaptureResult,
  type DecodedField,
  type DecodedRecord,
  type DissectorOptions,
  type DissectorResult,
  decodeRecord,
  type EventNamer,
  type FieldValue,
  generateDissector,
  type InterfaceStatistics,
  LINKTYPE,
  type PcapngCaptureDescription,
  type PcapngWriteOptions,
  type PcapWriteOptions,
  type Precision,
  readCapture,
  readPcap,
  readPcapng,
  type TraceDeviceCapture,
  writePcap,
  writePcapng,
  writePcapngCapture,
  writeTracePcapng,
} from '@tfc/live';
export {
  bundledEvent,
  bundledEventNames,
  bundledKernelRelease,
  type DecodedTraceFrame,
  decodeTraceFrame,
  type EncapFrame,
  type EncapResult,
  type EvalContext,
  type EventFormat,
  encapJsonLines,
  encodeTraceFrame,
  evaluate,
  type Filter,
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
  profileNames,
  recordFromJson,
  renderErrorLog,
  renderFilterFile,
  type SymbolLookup,
  TRACE_ETHERTYPE,
  TRACE_RECORD_OFFSET,
  type TraceFrameHeader,
} from '@tfc/tracefs';
export {
  type CheckAccepted,
  type CheckFailure,
  type CheckResult,
  check,
  checkProfiles,
  type EvalRecordFailure,
  type EvalResult,
  type EvalVerdicts,
  evalRecords,
} from './api/check.ts';
export { compile } from './api/entry.ts';
export { renderDiagnostics, renderFailure, TfcOptionError } from './api/errors.ts';
export type {
  BpfTargetOptions,
  CompileOptions,
  EventOptions,
  P4Emit,
  P4TargetOptions,
  PcapSource,
  SkbContextOptions,
  TargetOptions,
  TcBpfTargetOptions,
  TcPlaceOptions,
  TcTargetOptions,
  TraceSource,
} from './api/options.ts';
export type { BpfCompiled, Compiled, CompileFailure, P4Compiled, TcCompiled } from './api/result.ts';
export { DEFAULT_TRACE_DEV } from './api/tc-place.ts';
