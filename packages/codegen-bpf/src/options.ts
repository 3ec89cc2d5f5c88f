// Compile options, diagnostics and the ProgramSpec a compile returns (plain data, no kernel access).
// Invariants: defaults follow the issue text (socket 0xFFFFFFFF/0, tc TC_ACT_OK/TC_ACT_SHOT, xdp
// XDP_PASS/XDP_DROP, tracepoint 1/0); a ProgramSpec is deterministic for equal inputs and never holds
// functions or kernel handles; every user-causable problem is a CodegenDiagnostic, never an exception.
import type { RawInsn } from '@tfc/bpf/cbpf';
import type { Insn } from '@tfc/bpf/ebpf';
import type { Dag } from '@tfc/ir';
import type { RawMode, RawOptions } from './raw/options.ts';
import type { SkbMode, SkbOptions } from './skb/options.ts';

export type {
  RawEventLayout,
  RawField,
  RawMember,
  RawMode,
  RawOptions,
  RawSource,
  RawSwitchStateConstants,
  RawValue,
} from './raw/options.ts';
export type { SkbField, SkbHook, SkbLayout, SkbMode, SkbOptions } from './skb/options.ts';

export type Target = 'ebpf' | 'cbpf';
export type Ctx = 'tracepoint' | 'trace-frame' | 'packet' | 'skb';
export type ProgType = 'socket' | 'tc' | 'xdp';

export interface RecordLayout {
  /** The event id (`common_type`), when record loads of bytes 0..1 must be served as a constant. */
  readonly commonType?: number;
  /** Tracepoint "SYS/EVENT" for the ELF section name `tracepoint/SYS/EVENT`. */
  readonly event?: string;
}

/** eBPF features of the kernel a program is for: plain data the caller fills (from a probe, a profile or an option);
 *  the compiler never probes. */
export interface BpfFeatures {
  /** may_goto (Linux 6.9+, commit 011832b97b31 "bpf: Introduce may_goto instruction"): protochain walks and frame
   *  string middle/glob matches as loops. Without it a protochain walk is unrolled CBPF_CHAIN_DEPTH steps (a longer
   *  walk rejects the packet, as cBPF) and frame string loops are refused (diagnostic `needs-may-goto`). */
  readonly mayGoto: boolean;
}

/** The features assumed when none are given: the newest kernels' (may_goto), as the newest dialect profile is. */
export const NEWEST_BPF_FEATURES: BpfFeatures = { mayGoto: true };

/** The first release with may_goto (Linux 6.9). */
export const MAY_GOTO_SINCE = [6, 9] as const;

/** The features a release number (`6.1.0-28-amd64`, a profile name `6.12`) has, by MAY_GOTO_SINCE; undefined when it
 *  does not parse. Builds can differ from their release: a probe of the running kernel is better where there is one. */
export function bpfFeaturesOfRelease(release: string): BpfFeatures | undefined {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (m === null) return undefined;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return {
    mayGoto: major > MAY_GOTO_SINCE[0] || (major === MAY_GOTO_SINCE[0] && minor >= MAY_GOTO_SINCE[1]),
  };
}

export interface CompileOptions {
  readonly target: Target;
  readonly ctx: Ctx;
  /** Packet contexts only (default socket). */
  readonly progType?: ProgType;
  readonly onMatch?: number;
  readonly onMiss?: number;
  /** Decision DAG leaf order (default 'cost'). */
  readonly order?: 'cost' | 'source';
  /** Run the IR pass pipeline first (default true). */
  readonly optimize?: boolean;
  /** Sets with at least this many values become a binary search (default 8). */
  readonly binarySearchMin?: number;
  /** eBPF only: large sets (binarySearchMin+) as a binary search (default) or a hash map lookup. */
  readonly setLookup?: 'search' | 'map';
  readonly record?: RecordLayout;
  /** eBPF packet programs (ctx packet / trace-frame, no set maps) as the optimised classic program translated
   *  instruction by instruction (cbpf-to-ebpf.ts; default true): socket filters with miss value 0 through
   *  LD_ABS/LD_IND, tc and xdp with direct packet access. Falls back to the eBPF generator where the classic one
   *  does not cover the filter; false always uses the eBPF generator (one bpf_skb_load_bytes per socket load). */
  readonly ebpfFromCbpf?: boolean;
  /** Run the code passes on the generated instructions (cBPF: CBPF_PASSES; default true). */
  readonly codePasses?: boolean;
  /** ctx skb only: the hook, the sk_buff layout and the capture mode (skb/options.ts). */
  readonly skb?: SkbOptions;
  /** ctx tracepoint on the raw tracepoint (tp_btf): the event's field provenance and the mode (raw/options.ts). */
  readonly raw?: RawOptions;
  /** eBPF: the kernel's features (default NEWEST_BPF_FEATURES). */
  readonly bpfFeatures?: BpfFeatures;
}

export interface CodegenDiagnostic {
  readonly severity: 'error';
  readonly code: string;
  readonly message: string;
  readonly at: string;
}

export interface ProgramStats {
  readonly instructions: number;
  readonly dagNodes: number;
  readonly dagLeaves: number;
}

/** A map the program refers to by name (Insn.map); the loader creates it, fills `entries`, and
 *  patches the ld_imm64 with its fd (linkMaps). */
export interface MapDef {
  readonly name: string;
  readonly type: 'hash' | 'percpu_array';
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly entries: readonly { readonly key: Uint8Array; readonly value: Uint8Array }[];
}

export interface EbpfProgram {
  readonly target: 'ebpf';
  readonly insns: readonly Insn[];
  /** uapi program type number: TRACEPOINT 5, SOCKET_FILTER 1, SCHED_CLS 3, XDP 6, TRACING 26. */
  readonly progType: number;
  readonly progTypeName: 'TRACEPOINT' | 'SOCKET_FILTER' | 'SCHED_CLS' | 'XDP' | 'TRACING';
  /** TRACING programs (ctx skb): the expected attach type (BPF_TRACE_RAW_TP 23, BPF_TRACE_FENTRY 24) and the BTF
   *  name the loader resolves to attach_btf_id (`btf_trace_NAME` typedef for tp_btf, the FUNC for fentry). */
  readonly attach?: {
    readonly kind: 'tp_btf' | 'fentry';
    readonly name: string;
    readonly expectedAttachType: number;
  };
  /** ctx skb: the capture record's shape and the BPF_MAP_TYPE_RINGBUF map the program outputs into by name (the
   *  loader creates it, sized as it likes, and passes its fd to linkMaps with the other maps' fds). */
  readonly capture?: {
    readonly ringbuf: string | undefined;
    /** countLost: the per-CPU lost-record counter (PERCPU_ARRAY, key u32, value u64) the loader creates. */
    readonly lost?: string;
    /** follow: the followed skb addresses (LRU hash, key u64, value u64), one map shared by every hook's program. */
    readonly follow?: string;
    readonly snaplen: number;
    readonly recordHeader: number;
    readonly hookIndex: number;
    readonly mode: SkbMode;
  };
  /** ctx tracepoint with `raw`: the event built and output (RAW_HDR header + record) into the ring buffer named
   *  `ringbuf`, refused outputs counted in `lost` (both created by the loader and shared; absent in mode return). */
  readonly raw?: {
    readonly event: string;
    readonly eventId: number;
    readonly tracepoint: string;
    readonly recordSize: number;
    readonly ringbuf: string | undefined;
    readonly lost: string | undefined;
    /** Mode count: the per-CPU counters (key 0 hits, 1 accepted; the loader creates the map). */
    readonly count?: string;
    readonly mode: RawMode;
  };
  readonly section: string;
  readonly license: string;
  /** Maps to create and fill before loading (empty unless setLookup 'map'). */
  readonly maps: readonly MapDef[];
  /** What the C form is generated from when asked for (emitProgram 'c'): the decision DAG walked and
   *  the context; restricted C is text a compile does not need, so it is not produced eagerly. */
  readonly source: {
    readonly dag: Dag;
    readonly ctx: Ctx;
    readonly progType: ProgType;
    readonly record: RecordLayout;
  };
  /** Encoded instructions; map references carry fd 0 until linkMaps patches them. */
  readonly bytes: Uint8Array;
  readonly listing: string;
  readonly stats: ProgramStats;
  readonly onMatch: number;
  readonly onMiss: number;
}

export interface CbpfProgram {
  readonly target: 'cbpf';
  readonly insns: readonly RawInsn[];
  readonly bytes: Uint8Array;
  readonly listing: string;
  readonly stats: ProgramStats;
  readonly onMatch: number;
  readonly onMiss: number;
}

export type ProgramSpec = EbpfProgram | CbpfProgram;

export type CompileResult =
  | { readonly ok: true; readonly program: ProgramSpec }
  | { readonly ok: false; readonly diagnostics: readonly CodegenDiagnostic[] };

export const TC_ACT_OK = 0;
export const TC_ACT_SHOT = 2;
export const XDP_DROP = 1;
export const XDP_PASS = 2;

export function defaultReturns(ctx: Ctx, progType: ProgType): { onMatch: number; onMiss: number } {
  if (ctx === 'tracepoint' || ctx === 'skb') return { onMatch: 1, onMiss: 0 };
  if (progType === 'tc') return { onMatch: TC_ACT_OK, onMiss: TC_ACT_SHOT };
  if (progType === 'xdp') return { onMatch: XDP_PASS, onMiss: XDP_DROP };
  return { onMatch: 0xffffffff, onMiss: 0 };
}

/** Thrown only inside a code generator and turned into a diagnostic at its boundary. */
export class Unsupported {
  readonly code: string;
  readonly message: string;
  constructor(code: string, message: string) {
    this.code = code;
    this.message = message;
  }
}

export function diag(code: string, message: string, at = 'codegen'): CodegenDiagnostic {
  return { severity: 'error', code, message, at };
}
