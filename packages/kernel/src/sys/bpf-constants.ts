// Numeric ABI constants of bpf(2) (include/uapi/linux/bpf.h) used by this package.
// Invariants: values are the kernel's uapi numbers; tables are `as const` and never mutated.

export const BPF_CMD = {
  MAP_CREATE: 0,
  MAP_LOOKUP_ELEM: 1,
  MAP_UPDATE_ELEM: 2,
  MAP_DELETE_ELEM: 3,
  MAP_GET_NEXT_KEY: 4,
  PROG_LOAD: 5,
  OBJ_PIN: 6,
  OBJ_GET: 7,
  PROG_TEST_RUN: 10,
  OBJ_GET_INFO_BY_FD: 15,
  RAW_TRACEPOINT_OPEN: 17,
  ENABLE_STATS: 32,
} as const;
export type BpfCommandName = keyof typeof BPF_CMD;

export const PROG_TYPE = {
  SOCKET_FILTER: 1,
  KPROBE: 2,
  SCHED_CLS: 3,
  SCHED_ACT: 4,
  TRACEPOINT: 5,
  XDP: 6,
  PERF_EVENT: 7,
  CGROUP_SKB: 8,
  RAW_TRACEPOINT: 17,
  TRACING: 26,
} as const;
export type ProgTypeName = keyof typeof PROG_TYPE;

export const MAP_TYPE = {
  HASH: 1,
  ARRAY: 2,
  PROG_ARRAY: 3,
  PERF_EVENT_ARRAY: 4,
  PERCPU_HASH: 5,
  PERCPU_ARRAY: 6,
  LRU_HASH: 9,
  RINGBUF: 27,
} as const;
export type MapTypeName = keyof typeof MAP_TYPE;

/** BPF_MAP_UPDATE_ELEM flags. */
export const UPDATE_FLAG = { ANY: 0, NOEXIST: 1, EXIST: 2 } as const;

/** enum bpf_stats_type. */
export const STATS_TYPE = { RUN_TIME: 0 } as const;

/** Selected enum bpf_attach_type values (expected_attach_type). */
export const ATTACH_TYPE = {
  NONE: 0,
  TRACE_RAW_TP: 23,
} as const;

/** Sizes of the attr prefixes this package writes (the kernel zero-extends shorter attrs). */
export const ATTR_SIZE = {
  MAP_CREATE: 72,
  MAP_ELEM: 32,
  PROG_LOAD: 144,
  OBJ: 20,
  PROG_TEST_RUN: 80,
  INFO_BY_FD: 16,
  RAW_TRACEPOINT_OPEN: 24,
  ENABLE_STATS: 4,
} as const;

/** sizeof(struct bpf_prog_info) prefix we request (through verified_insns @216). */
export const PROG_INFO_SIZE = 224;
