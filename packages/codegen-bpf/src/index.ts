// @tfc/codegen-bpf: IR → classic and extended BPF (a backend: never imports a front end or the kernel).
// Invariants: this file only re-exports; everything exported is pure and deterministic.

export { CBPF_PASS_NAMES, CBPF_PASSES } from './cbpf-opt.ts';
export { CBPF_MAX_INSNS, compileBpf, linkMaps, prepareDag } from './compile.ts';
export { topoOrder } from './dag-order.ts';
export { STRBUF_MAP_DEF } from './ebpf/string-buffer.ts';
export {
  bpftoolBatch,
  cForm,
  EMIT_FORMS,
  type EmitForm,
  type EmitResult,
  emitProgram,
  PIN_ROOT,
  programJson,
} from './emit.ts';
export * from './options.ts';
export {
  RAW_COUNT_MAP,
  RAW_CURRENT_TASK,
  RAW_HDR,
  RAW_LOST_MAP,
  RAW_MODES,
  RAW_RECORD_MAX,
  RAW_RINGBUF_MAP,
} from './raw/options.ts';
export { coveringField } from './raw/program.ts';
export { SKB_HOOKS_SNAPSHOT, SKB_LAYOUT_SNAPSHOT } from './skb/layout-snapshot.ts';
export {
  DEFAULT_SNAPLEN,
  ETHERNET_ARPHRD,
  FOLLOW_IDLE_NS,
  MAX_SNAPLEN,
  REC,
  SKB_FOLLOW_MAP,
  SKB_LOST_MAP,
  SKB_MODES,
  SKB_RECORD_MAP,
  SKB_RINGBUF_MAP,
} from './skb/options.ts';
export { recordValueSize } from './skb/program.ts';
