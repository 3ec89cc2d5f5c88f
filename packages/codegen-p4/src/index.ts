// @tfc/codegen-p4 public API: decision lists (prioritized ternary/range entries) from the IR, the
// target-neutral entries-json form, a TCAM evaluator, and the P4 / P4Runtime / BMv2 outputs.
// Invariant: everything exported is pure and deterministic; bad input yields diagnostics.

export { compileP4, type P4CompileOptions, type P4Outputs } from './compile.ts';
export {
  buildDecisionList,
  type DecisionList,
  type DecisionListOptions,
  type DecisionListResult,
  type EntryCounts,
  entryCounts,
  type KeyInfo,
  type KeyMatch,
  type ListEntry,
  MAX_ENTRIES,
  type MatchKind,
} from './decision-list.ts';
export { emitEntriesJson, entriesJsonObject } from './entries-json.ts';
export {
  type FrameCondition,
  fieldSlices,
  type HeaderField,
  type HeaderModel,
  type HeaderSpec,
  headerBytes,
  PACKET_MODEL,
  type Placement,
  p4Ident,
  parseFrame,
  type RecordField,
  traceFrameModel,
  withinContract,
} from './headers.ts';
export { prefixCover } from './leaf.ts';
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
export { evaluateTcam, type TcamOptions } from './tcam.ts';
