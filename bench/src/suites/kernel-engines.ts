/*
 * The kernel suite's engines and its timing: what each engine attaches around one timed loop of the workload
 * (kernel-workload.ts), and the paired-chunk measurement of its marginal cost per hit.
 * Engines: the kernel's interpreter (the event enabled in a private tracefs instance, with a filter or none);
 * a program through perf_event_open (a counting event on the workload's CPU: tfc's program, or the 2-instruction
 * floor); a raw tracepoint (tp_btf) program (tfc's, or the floor). `accepted` counts the hits of the workload's
 * pid that the engine kept: instance records, perf count, raw records.
 * Invariants: an engine is attached only around its own chunks (so a baseline chunk runs with nothing of ours
 * attached) and everything it opened is released when the chunk ends, also when the loop throws; marginals are
 * differences between paired chunks of one run, never across runs.
 */
import {
  type BpfProgram,
  type LoadedProgram,
  openRawTracepoint,
  openTracepointCounter,
  readCounter,
  type Syscalls,
  type TracefsInstance,
} from '@tfc/kernel';
import { summarize } from '../stats.ts';
import type { KernelWorkload, LoopKind } from './kernel-workload.ts';
import { type AttachedRaw, attachRawProgram, type RawProg } from './raw-programs.ts';

/** An event of the instance and its tracepoint id (the record's common_type). */
export interface EventTarget {
  readonly group: string;
  readonly event: string;
  readonly tpId: number;
}

export interface Machinery {
  readonly sys: Syscalls;
  readonly inst: TracefsInstance;
  readonly workload: KernelWorkload;
  readonly cpu: number;
}

/** An engine attached for one chunk. */
interface Armed {
  /** Hits of the workload's pid the engine kept (read once, after the loop). */
  readonly accepted: () => number;
  readonly dispose: () => void;
}

export interface Engine {
  readonly name: string;
  readonly arm: (m: Machinery) => Armed;
}

const NOTHING: Armed = { accepted: () => 0, dispose: () => {} };
export const BASELINE: Engine = { name: 'baseline', arm: () => NOTHING };

/** Records of the instance for `ev` from the workload's pid since the last drain. */
function instanceRecords(m: Machinery, ev: EventTarget): number {
  let n = 0;
  for (const r of m.inst.drainRaw().records) {
    const d = r.data;
    if (
      d.length >= 8 &&
      (d[0] ?? 0) + ((d[1] ?? 0) << 8) === ev.tpId &&
      new DataView(d.buffer, d.byteOffset).getInt32(4, true) === m.workload.pid
    )
      n++;
  }
  return n;
}

/** The kernel's interpreter: `ev` enabled in the instance with `filter` (null: no filter, every hit recorded). */
export function interpreter(name: string, ev: EventTarget, filter: string | null): Engine {
  return {
    name,
    arm: (m) => {
      const werr = m.inst.writeFilter(ev, filter ?? '0');
      if (werr !== null) throw new Error(`${name}: the kernel refuses the filter (${werr})`);
      m.inst.drainRaw();
      const e = m.inst.setEnabled(ev, true);
      if (e !== null) throw new Error(`${name}: enable ${ev.group}:${ev.event} in the instance: ${e}`);
      return {
        accepted: () => instanceRecords(m, ev),
        dispose: () => {
          m.inst.setEnabled(ev, false);
        },
      };
    },
  };
}

/** A program attached through perf_event_open as a counting event on the workload's CPU. */
export function perfProgram(name: string, tpId: number, prog: LoadedProgram): Engine {
  return {
    name,
    arm: (m) => {
      const c = openTracepointCounter(m.sys, tpId, { pid: -1, cpu: m.cpu }, prog.prog);
      if (!c.ok) throw new Error(`${name}: ${c.error.message}`);
      return {
        accepted: () => {
          const r = readCounter(c.value);
          return r.ok ? Number(r.value) : -1;
        },
        dispose: () => c.value.dispose(),
      };
    },
  };
}

/**
 * A raw tracepoint program (its records carry the hit's pid at byte 4, as the kernel's records do); `copies` > 1
 * attaches it that many times (each in its own session), to tell the tracepoint's fixed cost from each program's.
 */
export function rawProgram(name: string, raw: RawProg, copies = 1): Engine {
  return {
    name,
    arm: (m) => {
      const attached: AttachedRaw[] = [];
      try {
        for (let i = 0; i < copies; i++) attached.push(attachRawProgram(m.sys, raw));
      } catch (e) {
        for (const a of attached) a.dispose();
        throw e;
      }
      return {
        accepted: () =>
          (attached[0]?.drain() ?? []).filter(
            (d) => d.length >= 8 && new DataView(d.buffer, d.byteOffset).getInt32(4, true) === m.workload.pid,
          ).length,
        dispose: () => {
          for (const a of attached) a.dispose();
        },
      };
    },
  };
}

/** A BPF_PROG_TYPE_RAW_TRACEPOINT program attached by name (BPF_RAW_TRACEPOINT_OPEN), the pre-BTF raw path. */
export function classicRawTracepoint(name: string, tracepoint: string, prog: BpfProgram): Engine {
  return {
    name,
    arm: (m) => {
      const l = openRawTracepoint(m.sys, prog, tracepoint);
      if (!l.ok) throw new Error(`${name}: ${l.error.message}`);
      return { accepted: () => 0, dispose: () => l.value.dispose() };
    },
  };
}

/** What one chunk fires. */
export interface Load {
  readonly kind: LoopKind;
  readonly values: readonly bigint[];
}

/** One loop of `n` hits under `e`: ns per hit, and the hits it kept. */
export async function chunk(
  m: Machinery,
  e: Engine,
  load: Load,
  n: number,
): Promise<{ ns: number; accepted: number }> {
  const a = e.arm(m);
  try {
    const ns = (await m.workload.loop(load.kind, n, load.values)) / n;
    return { ns, accepted: a.accepted() };
  } finally {
    a.dispose();
  }
}

/**
 * `pairs` (baseline chunk, engine chunk) pairs, alternating which goes first; the median pair difference (robust to
 * a preemption in one chunk). Baseline chunk figures are appended to `base`.
 */
export async function pairedMarginal(
  m: Machinery,
  e: Engine,
  load: Load,
  n: number,
  pairs: number,
  base: number[],
): Promise<number> {
  const diffs: number[] = [];
  for (let j = 0; j < pairs; j++) {
    const first = j % 2 === 0;
    const a = await chunk(m, first ? BASELINE : e, load, n);
    const b = await chunk(m, first ? e : BASELINE, load, n);
    const [bl, en] = first ? [a.ns, b.ns] : [b.ns, a.ns];
    base.push(bl);
    diffs.push(en - bl);
  }
  return summarize(diffs).median;
}

/** Per run, every engine's paired marginal in an order rotated per run (so drift cancels); the samples. */
export async function measureEngines(
  m: Machinery,
  engines: readonly Engine[],
  load: Load,
  o: { readonly runs: number; readonly chunk: number; readonly pairs: number },
): Promise<{ base: number[]; marginals: Map<string, number[]> }> {
  for (const e of [BASELINE, ...engines]) await chunk(m, e, load, o.chunk); // warm-up
  const base: number[] = [];
  const marginals = new Map(engines.map((e) => [e.name, [] as number[]]));
  for (let r = 0; r < o.runs; r++)
    for (let i = 0; i < engines.length; i++) {
      const e = engines[(i + r) % engines.length] as Engine;
      marginals.get(e.name)?.push(await pairedMarginal(m, e, load, o.chunk, o.pairs, base));
    }
  return { base, marginals };
}
