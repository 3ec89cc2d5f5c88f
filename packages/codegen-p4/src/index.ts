// @tfc/codegen-p4 public API: the P4 target — a decision list (@tfc/decision-list) as entries-json, a P4_16 program,
// P4Runtime and BMv2 outputs, and the list's refusals in P4's words. The decision list's own API (lists, header
// models, the TCAM evaluator) is re-exported because P4Outputs and P4CompileOptions expose it.
// Invariant: everything exported is pure and deterministic; bad input yields diagnostics.

export {
  type DecisionList,
  type DecisionListOptions,
  evaluateTcam,
  type FrameCondition,
  fieldSlices,
  type HeaderField,
  type HeaderModel,
  type HeaderSpec,
  headerBytes,
  type KeyInfo,
  type KeyMatch,
  type ListEntry,
  type MatchKind,
  PACKET_MODEL,
  type Placement,
  p4Ident,
  parseFrame,
  prefixCover,
  type RecordField,
  type TcamOptions,
  traceFrameModel,
  withinContract,
} from '@tfc/decision-list';
export { compileP4, type P4CompileOptions, type P4Outputs } from './compile.ts';
export { emitEntriesJson, entriesJsonObject } from './entries-json.ts';
export { emitP4Program } from './p4-program.ts';
export {
  emitBmv2Commands,
  HIT_ACTION_ID,
  MISS_ACTION_ID,
  type P4Entry,
  type P4Field,
  type P4Table,
  p4Table,
  TABLE_ID,
} from './p4-table.ts';
export {
  base64,
  canonicalBytes,
  emitP4Info,
  emitWriteRequestJson,
  emitWriteRequestText,
  type P4RuntimeOptions,
  tableEntryToJson,
  tableEntryToText,
  textEscape,
} from './p4runtime.ts';
export { type P4Diagnostic, p4Diagnostic } from './refusal-words.ts';
