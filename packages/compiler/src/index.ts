// @tfc/compiler: the pipeline as a driver of registered stages — front ends (tracefs, pcap), the passes (once),
// targets (registry.ts) — around one Diagnostic; the entry points below are each the list of their stages.
// Invariant: never imports @tfc/kernel; everything exported is pure and deterministic.

// The skb context's plain data and the map linker, for callers that may not import the backend (bench, tools).
export {
  type EbpfProgram,
  linkMaps,
  SKB_HOOKS_SNAPSHOT,
  SKB_LAYOUT_SNAPSHOT,
  SKB_RECORD_MAP,
  SKB_RINGBUF_MAP,
  type SkbHook,
  type SkbLayout,
} from '@tfc/codegen-bpf';
export * from './accepts-nothing.ts';
export * from './compile.ts';
export * from './compile-p4.ts';
export * from './compile-pcap.ts';
export * from './compile-raw.ts';
export * from './compile-skb.ts';
export * from './compile-tc.ts';
export { type Diagnostic, type Stage, type StageResult, summarize } from './diagnostic.ts';
export { type DriveResult, drive, type Pipeline, type Run } from './driver/drive.ts';
export { type PassRecord, runPassStage } from './driver/passes.ts';
export type { FrontEnd, FrontResult, TargetStage } from './driver/stages.ts';
export { editDistance } from './front/closest-events.ts';
export {
  type RawBtf,
  type RawBtfMember,
  type RawLayoutResult,
  rawRecordSize,
  resolveRawLayout,
} from './front/raw-layout.ts';
export { type ProvenanceEvent, type ProvenanceField, RAW_PROVENANCE } from './front/raw-provenance.ts';
export { SKB_START_OFFSET, type SkbFrontExtra, skbFront } from './front/skb.ts';
export { type OptimizationPlan, type OptLevel, optimizationPlan } from './options.ts';
export { TARGET_NAMES, TARGETS, type TargetEntry, type TargetName } from './targets/registry.ts';
export { type TcBpfOutput, tcBpfOutput } from './targets/tc-bpf.ts';
