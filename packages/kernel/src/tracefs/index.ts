// @tfc/kernel/tracefs: tracefs control (locate/mount, private instances, raw filter writes with
// errno capture, error_log, raw ring-buffer reads, uprobe events) and the two kernel oracles for
// trace-event filters (uprobe records, task:task_rename). Invariants: every kernel object created
// here is released by its dispose()/remove() and, if leaked, at process exit; nothing here throws
// for a kernel refusal (those are values), only for harness failures.
export { type RawField, type RawFormat, readRawFormat } from './event-format.ts';
export { errnoOf, readText, writeRaw } from './files.ts';
export {
  cachedFilterWrites,
  type FilterProbeResult,
  type FilterWriteAnswer,
  kernelIdentity,
  probeFilterWrites,
} from './filter-probe.ts';
export { type HazardContext, kernelHazard, refuseHazard } from './hazards.ts';
export { type EventRef, type RawRecord, type TimedRecord, TracefsInstance } from './instance.ts';
export { findTracefsRoot, type LiveFormatText, readEventFormatText } from './live-format.ts';
export {
  locateTracefs,
  probeTracefs,
  TRACEFS_CANDIDATES,
  type TracefsRoot,
  type Unavailable,
  uprobesAvailable,
} from './locate.ts';
export { encodeCommand, type OracleCommand, OracleProcess, type RecValues } from './oracle-process.ts';
export { type RenameJudgement, type RenameRecord, TASK_RENAME, TaskRenameOracle } from './rename-oracle.ts';
export {
  DEFAULT_EVENT_HEADER,
  decodePage,
  decodePageTimed,
  type EventHeaderLayout,
  type PageDecode,
  type PageLayout,
  parseHeaderEvent,
  parseHeaderPage,
  type TimedEvent,
  type TimedPage,
} from './ring-buffer.ts';
export { mergeRuns, TraceSession, type TraceSessionOptions, type TraceStart } from './trace-session.ts';
export { UprobeEvent } from './uprobe-event.ts';
export {
  commonPid,
  type Judgement,
  ORACLE_PROBE_ARGS,
  type OracleRecord,
  stripLogTimestamps,
  UprobeOracle,
} from './uprobe-oracle.ts';
