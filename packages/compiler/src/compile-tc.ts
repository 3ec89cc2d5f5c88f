/*
 * compileTc() and the trace-frame entry points of the no-event mode: trace event filters (carried as trace frames)
 * and libpcap filters → tc rules as a `tc -b` batch (targets/tc-select.ts picks the backend), or → one BPF program
 * or TCAM entries over the frames of every event that accepts the filter. Each is the list of its stages: front
 * end, passes (once), target.
 * Invariants: pure and deterministic; never touches the kernel. A trace filter given several events applies, as a
 * subsystem filter does, to every event that accepts it (kernel-exact parse), each with its own field offsets, the
 * rules keyed on the frame's event id; u32 rules decide what the IR decides for well-formed trace frames
 * (EtherType, event id, and a frame that holds the record's fixed part) and for packets whose keys lie in whole
 * 32-bit words; cls_bpf rules carry the full frame guard (record-length field included). The filter is parsed and
 * lowered once whichever backend is chosen. Failures are Diagnostics naming the stage.
 */
import type { BpfFeatures, ProgramSpec } from '@tfc/codegen-bpf';
import type { P4Outputs } from '@tfc/codegen-p4';
import type { FlowerProfile, TcDirection } from '@tfc/codegen-tc';
import type * as ir from '@tfc/ir';
import type { EventFormat, FilterDialect, FilterError, SymbolLookup } from '@tfc/tracefs';
import { frontEnv } from './compile.ts';
import type { PcapEnv } from './compile-pcap.ts';
import type { Diagnostic, StageResult } from './diagnostic.ts';
import { runPassStage } from './driver/passes.ts';
import { pcapFront } from './front/pcap.ts';
import { eventName, type TraceFrames, traceFramesFront, traceKeyNames } from './front/trace-frames.ts';
import { optimizationPlan } from './options.ts';
import { bpfTarget } from './targets/bpf.ts';
import { p4Target } from './targets/p4.ts';
import type { TcInput } from './targets/tc-input.ts';
import { selectTc, type TcResult, type TcTarget } from './targets/tc-select.ts';

export { closestEvents } from './front/closest-events.ts';
export { MAX_TC_EVENTS } from './front/trace-frames.ts';
export { expandIhl } from './targets/expand-ihl.ts';
export { TC_U32_RULE_LIMIT, type TcBackend, type TcResult, type TcTarget } from './targets/tc-select.ts';

export type TcSource =
  | {
      readonly lang: 'tracefs';
      readonly filter: string;
      /** One event (--event), or the candidates of the no-event mode (snapshot, live tracefs, --subsystem). */
      readonly events: readonly EventFormat[];
      /** True when the events are candidates: cover those that accept the filter (subsystem semantics). */
      readonly anyEvent?: boolean;
      readonly nrCpuIds: number;
      readonly lookupSymbol?: SymbolLookup;
      /** The kernel's filter dialect; default the newest profile. */
      readonly dialect?: FilterDialect;
    }
  | { readonly lang: 'pcap'; readonly filter: string; readonly env?: PcapEnv };

type TraceSource = Extract<TcSource, { lang: 'tracefs' }>;

export interface TcRequest {
  readonly source: TcSource;
  readonly target: TcTarget;
  readonly dev: string;
  readonly direction: TcDirection;
  readonly prio: number;
  /** Appended to each matching rule. */
  readonly action?: string;
  /** `classid MAJ:MIN` of each matching rule: the class of a classful qdisc it selects. */
  readonly classid?: string;
  /** Attach to this classful qdisc or class (`1:`) instead of the clsact hook of `direction`. */
  readonly parent?: string;
  /** flower: limit keys to what a driver offloads (default portable). */
  readonly flowerProfile?: FlowerProfile;
}

type Failure = {
  readonly ok: false;
  readonly diagnostics: readonly Diagnostic[];
  readonly filterError?: FilterError;
};

/** The trace front end over the frames of the source's events. */
function framesFront(src: TraceSource) {
  return traceFramesFront({
    filter: src.filter,
    events: src.events,
    ...(src.anyEvent !== undefined ? { anyEvent: src.anyEvent } : {}),
    env: frontEnv(src),
  });
}

/** The passes, once, memoised: a stage read by several backends runs when the first one reads it. */
function optimizedOnce(lowered: ir.Filter): () => StageResult<ir.Filter> {
  let r: StageResult<ir.Filter> | undefined;
  return () => {
    if (r === undefined) {
      const p = runPassStage(lowered, optimizationPlan(2));
      r = p.ok ? { ok: true, value: p.value.optimized } : p;
    }
    return r;
  };
}

const asInput = (r: StageResult<ir.Filter>, frames?: TraceFrames): StageResult<TcInput> =>
  r.ok
    ? {
        ok: true,
        value: {
          ir: r.value,
          covered: frames?.covered ?? [],
          minFrameLength: frames?.minFrameLength ?? 0,
        },
      }
    : r;

export function compileTc(req: TcRequest): TcResult {
  const place = {
    dev: req.dev,
    direction: req.direction,
    prio: req.prio,
    ...(req.action !== undefined ? { action: req.action } : {}),
    ...(req.classid !== undefined ? { classid: req.classid } : {}),
    ...(req.parent !== undefined ? { parent: req.parent } : {}),
  };
  const common = { target: req.target, place, flowerProfile: req.flowerProfile ?? 'portable' } as const;
  if (req.source.lang === 'pcap') {
    // 1. The pcap front end; 2. the passes, once, read by every backend (cls_bpf included).
    const front = pcapFront({
      filter: req.source.filter,
      options: { linktype: 'ethernet', ...req.source.env },
    });
    if (!front.ok) return front;
    const optimized = optimizedOnce(front.ir);
    return selectTc({
      ...common,
      lang: 'pcap',
      covered: [],
      tables: () => asInput(optimized()),
      classic: optimized,
    });
  }
  // 1. The trace front end: parsed and lowered once per event; 2. the passes on the key-guarded IR (u32) and,
  //    when cls_bpf is reached, on the full-guard IR of the same lowering.
  const front = framesFront(req.source);
  if (!front.ok) return front;
  const { frames } = front;
  const keys = optimizedOnce(front.ir);
  return selectTc({
    ...common,
    lang: 'tracefs',
    covered: frames.covered.map(eventName),
    tables: () => asInput(keys(), frames),
    classic: optimizedOnce(frames.ir('full')),
  });
}

/** A trace filter over trace frames of its events as a BPF program (the no-event mode of cbpf/ebpf). */
export function compileTraceFrameBpf(
  src: TraceSource,
  o: {
    readonly target: 'cbpf' | 'ebpf';
    readonly progType?: 'socket' | 'tc' | 'xdp';
    readonly onMatch?: number;
    readonly onMiss?: number;
    /** eBPF: the target kernel's features (may_goto loops for middle/glob on frame strings). */
    readonly bpfFeatures?: BpfFeatures;
  },
): { readonly ok: true; readonly program: ProgramSpec; readonly covered: readonly string[] } | Failure {
  const front = framesFront(src);
  if (!front.ok) return front;
  const optimized = optimizedOnce(front.frames.ir('full'))();
  if (!optimized.ok) return optimized;
  const code = bpfTarget.run(optimized.value, {
    target: o.target,
    ctx: 'trace-frame',
    plan: optimizationPlan(2),
    progType: o.progType,
    onMatch: o.onMatch,
    onMiss: o.onMiss,
    bpfFeatures: o.bpfFeatures,
  });
  if (!code.ok) return code;
  return { ok: true, program: code.value, covered: front.frames.covered.map(eventName) };
}

/** A trace filter over trace frames of its events as TCAM entries and P4 (the no-event mode of p4). */
export function compileP4Frames(
  src: TraceSource,
  o: { readonly ranges: boolean },
): { readonly ok: true; readonly outputs: P4Outputs; readonly covered: readonly string[] } | Failure {
  const front = framesFront(src);
  if (!front.ok) return front;
  const optimized = optimizedOnce(front.ir)();
  if (!optimized.ok) return optimized;
  const { covered, minFrameLength } = front.frames;
  const r = p4Target.run(optimized.value, {
    keyNames: traceKeyNames(covered),
    minFrameLength,
    ranges: o.ranges,
    title: `${covered.length === 1 ? eventName(covered[0]!) : `${covered.length} events`}: ${src.filter.trim()}`,
  });
  if (!r.ok) return r;
  return { ok: true, outputs: r.value, covered: covered.map(eventName) };
}
