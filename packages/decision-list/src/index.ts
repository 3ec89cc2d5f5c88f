/*
 * @tfc/decision-list: the target-neutral decision list — an IR filter over fixed-offset loads as prioritized
 * ternary/range entries (first match wins, default miss), the header models that place its keys, the TCAM
 * evaluator that runs a list over a frame, and Refusals (why a filter has no list) as data.
 * Why a package of its own and not part of @tfc/ir: it is the shared middle of three targets (P4 tables, tc u32
 * knodes, tc flower filters) and carries what only table targets need (cube algebra, header models with their
 * parser states, key naming); @tfc/ir stays the IR and its passes. Backends import it, never each other.
 * Invariants: pure and deterministic; imports only @tfc/ir; never words a message for a target.
 */
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
export type { Refusal } from './refusal.ts';
export { evaluateTcam, type TcamOptions } from './tcam.ts';
