/*
 * Suite `kernel`: the in-kernel cost of filtering a trace event hit, per engine, as marginal ns per hit over the
 * same loop with nothing attached: the kernel's filter interpreter, tfc's program through perf (it runs after perf
 * built the record: `tfc-ebpf`) and tfc's program on the raw tracepoint (tp_btf, deciding on the tracepoint's
 * arguments before any record exists: `tfc-ebpf-raw`, `--attach raw`).
 * Events (kernel-cases.ts): syscalls:sys_enter_lseek (every syscall takes the tracing slow path while any syscall
 * event is on, and every syscall runs the raw `sys_enter` programs) and skb:kfree_skb (frames dropped on a private
 * loopback, no slow path). Per event: OR series of 1–256 predicates accepting nothing or half of the hits; floors
 * (2-instruction programs through perf and raw, the event recording every hit); on lseek also the syscall slow path
 * alone (`other-syscall-event`: getppid's event on, lseek loop), a raw program of another syscall on the lseek loop
 * (`raw-other-syscall`), and `getppid-pass-over`: an lseek filter attached per engine, a getppid loop (what the
 * filter costs the syscalls it must pass over).
 * Invariants: each engine is first checked to accept exactly the hits it should (64-hit loops); every comparison
 * is between chunks of the same run; all kernel objects and the workload are released on every path; what cannot
 * run (not root, no tracefs, no BTF, no gcc, an event missing) is a note and no rows, never an exception.
 */
import { fileURLToPath } from 'node:url';
import { encode, type Insn } from '@tfc/bpf/ebpf';
import { compile } from '@tfc/compiler';
import {
  kernelHazard,
  LoadedProgram,
  loadKoffiSyscalls,
  loadProgram,
  loadWithMaps,
  locateTracefs,
  nrCpuIds,
  type RawBtfView,
  readEventFormatText,
  type Syscalls,
  TRIVIAL_EBPF,
  TracefsInstance,
  tracepointId,
} from '@tfc/kernel';
import { type EventFormat, parseFormat } from '@tfc/tracefs';
import { type Row, row } from '../row.ts';
import { summarize } from '../stats.ts';
import type { Suite, SuiteContext } from '../suite.ts';
import {
  type KernelCase,
  KFREE_SKB,
  kernelCases,
  LSEEK,
  orFilter,
  type SeriesEvent,
} from './kernel-cases.ts';
import {
  classicRawTracepoint,
  type Engine,
  type EventTarget,
  interpreter,
  type Load,
  type Machinery,
  measureEngines,
  chunk as oneChunk,
  perfProgram,
  rawProgram,
} from './kernel-engines.ts';
import { KernelWorkload, type LoopKind } from './kernel-workload.ts';
import { kernelRawBtf, rawProgramFor } from './raw-programs.ts';

export { kernelCases, orFilter };

const SUITE = 'kernel';
const CACHE = fileURLToPath(new URL('../../../.tfc-cache/', import.meta.url));
/** The syscall whose event is the lseek hits' "other" one, and whose loop the lseek filters pass over. */
const GETPPID = { group: 'syscalls', event: 'sys_enter_getppid' } as const;
/**
 * Per loop kind: hits per engine per run (quick / full), split into `pairs` chunks each paired with a baseline
 * chunk. Frames get more, shorter pairs: a dropped frame costs ~4× an lseek and varies more (softirq work).
 */
const HITS: Readonly<Record<LoopKind, { quick: number; full: number; pairs: number }>> = {
  lseek: { quick: 40_000, full: 200_000, pairs: 4 },
  getppid: { quick: 40_000, full: 200_000, pairs: 4 },
  frames: { quick: 16_000, full: 80_000, pairs: 8 },
};
const CHECK = 64;

/** A timed event, resolved on the running kernel. */
interface LiveEvent {
  readonly series: SeriesEvent;
  readonly target: EventTarget;
  readonly format: EventFormat;
  readonly kind: LoopKind;
}

interface Setup extends Machinery {
  readonly btf: RawBtfView | undefined;
  readonly events: ReadonlyMap<string, LiveEvent>;
  readonly getppid: EventTarget | undefined;
  readonly getppidFormat: EventFormat | undefined;
}

const timing = (ctx: SuiteContext, kind: LoopKind) => ({
  runs: ctx.quick ? 5 : Math.max(ctx.measure.runs, 11),
  chunk: (ctx.quick ? HITS[kind].quick : HITS[kind].full) / HITS[kind].pairs,
  pairs: HITS[kind].pairs,
});

/** The program's instructions with each named map reference set to its fd (as codegen-bpf's linkMaps does). */
function link(insns: readonly Insn[], fds: ReadonlyMap<string, number>) {
  const out: Insn[] = [];
  for (const i of insns) {
    if (i.map === undefined) out.push(i);
    else {
      const fd = fds.get(i.map);
      if (fd === undefined) return { ok: false as const, message: `no fd for map '${i.map}'` };
      out.push({ ...i, imm: fd, imm64: BigInt(fd >>> 0) });
    }
  }
  return { ok: true as const, bytes: encode(out) };
}

/** tfc's program for the perf path, loaded; or why not. */
function perfProgramFor(sys: Syscalls, event: EventFormat, filter: string): LoadedProgram | string {
  const r = compile({ filter, event, target: 'ebpf', ctx: 'tracepoint', nrCpuIds: nrCpuIds() });
  if (!r.ok) return r.diagnostics.map((d) => d.message).join('; ');
  const spec = r.program;
  if (spec.target !== 'ebpf') return 'not eBPF';
  const l = loadWithMaps(sys, { type: spec.progType, maps: spec.maps, link: (fds) => link(spec.insns, fds) });
  return l.ok ? l.value : `${l.error.message}\n${l.error.log ?? ''}`;
}

/** The three engines of a filter on `ev` (the raw one left out, with a note, when it cannot be built). */
function filterEngines(
  s: Setup,
  ctx: SuiteContext,
  label: string,
  ev: LiveEvent,
  filter: string,
  owned: LoadedProgram[],
) {
  const prog = perfProgramFor(s.sys, ev.format, filter);
  if (typeof prog === 'string') {
    ctx.note(`${label}: tfc cannot compile or load it (${prog}) — not measured`);
    return undefined;
  }
  owned.push(prog);
  const engines: Engine[] = [
    interpreter('kernel-interpreter', ev.target, filter),
    perfProgram('tfc-ebpf', ev.target.tpId, prog),
  ];
  const raw = rawProgramFor(s.btf, ev.format, filter);
  if (typeof raw === 'string') ctx.note(`${label}: tfc-ebpf-raw not measured (${raw})`);
  else engines.push(rawProgram('tfc-ebpf-raw', raw));
  return engines;
}

/** Each engine keeps exactly `accepts` of CHECK hits, or the case fails. */
async function check(s: Setup, label: string, engines: readonly Engine[], load: Load, accepts: number) {
  const got: string[] = [];
  for (const e of engines) {
    const a = (await oneChunk(s, e, load, CHECK)).accepted;
    if (a !== accepts) got.push(`${e.name} ${a}`);
  }
  if (got.length > 0)
    throw new Error(`${label}: of ${CHECK} hits ${got.join(', ')} accepted; expected ${accepts} from each`);
}

/** Rows of a measurement: the baseline, each engine's marginal, and per-run ratios of tfc's engines to the kernel's. */
function caseRows(name: string, base: number[], marg: Map<string, number[]>, ratios: boolean): Row[] {
  const out = [row(SUITE, name, 'baseline', 'ns_per_event', 'ns', summarize(base))];
  for (const [e, v] of marg) out.push(row(SUITE, name, e, 'marginal_ns_per_event', 'ns', summarize(v)));
  const kern = marg.get('kernel-interpreter');
  if (!ratios || kern === undefined) return out;
  for (const [e, label] of [
    ['tfc-ebpf', 'tfc/kernel'],
    ['tfc-ebpf-raw', 'tfc-raw/kernel'],
  ] as const) {
    const v = marg.get(e);
    if (v !== undefined)
      out.push(
        row(SUITE, name, label, 'marginal_ratio', 'x', summarize(v.map((x, i) => x / (kern[i] as number)))),
      );
  }
  return out;
}

async function measureCase(s: Setup, ctx: SuiteContext, k: KernelCase): Promise<Row[]> {
  const ev = s.events.get(k.event.name);
  if (ev === undefined) return [];
  if (kernelHazard(k.filter) !== null) throw new Error(`${k.name}: hazardous filter`);
  const owned: LoadedProgram[] = [];
  try {
    const engines = filterEngines(s, ctx, k.name, ev, k.filter, owned);
    if (engines === undefined) return [];
    const load: Load = { kind: ev.kind, values: k.hits };
    await check(s, k.name, engines, load, k.accepts);
    const r = await measureEngines(s, engines, load, timing(ctx, ev.kind));
    return caseRows(k.name, r.base, r.marginals, true);
  } finally {
    for (const p of owned) p.dispose();
  }
}

/** An lseek filter attached per engine while the workload loops on getppid: what it costs the hits it passes over. */
async function measurePassOver(s: Setup, ctx: SuiteContext): Promise<Row[]> {
  const ev = s.events.get(LSEEK.name);
  if (ev === undefined) return [];
  const owned: LoadedProgram[] = [];
  try {
    const engines = filterEngines(s, ctx, 'getppid-pass-over', ev, orFilter(LSEEK, 64), owned);
    if (engines === undefined) return [];
    const load: Load = { kind: 'getppid', values: [] };
    await check(s, 'getppid-pass-over', engines, load, 0);
    const r = await measureEngines(s, engines, load, timing(ctx, 'getppid'));
    return caseRows('getppid-pass-over', r.base, r.marginals, false);
  } finally {
    for (const p of owned) p.dispose();
  }
}

/** The floors at `ev`: the event recording every hit, and 2-instruction programs through perf and raw. */
async function measureFloor(s: Setup, ctx: SuiteContext, ev: LiveEvent): Promise<Row[]> {
  const p = loadProgram(s.sys, { type: 'TRACEPOINT', insns: TRIVIAL_EBPF });
  if (!p.ok) {
    ctx.note(`${ev.series.name}-floor: the 2-instruction program does not load (${p.error.message})`);
    return [];
  }
  const trivial = new LoadedProgram(p.value, []);
  const rawTp = loadProgram(s.sys, { type: 'RAW_TRACEPOINT', insns: TRIVIAL_EBPF });
  try {
    const engines: Engine[] = [
      interpreter('kernel-record-all', ev.target, null),
      perfProgram('ebpf-return-0', ev.target.tpId, trivial),
    ];
    const raw = rawProgramFor(s.btf, ev.format, '');
    if (typeof raw === 'string') ctx.note(`${ev.series.name}-floor: raw-return-0 not measured (${raw})`);
    else {
      engines.push(rawProgram('raw-return-0', { ...raw, spec: undefined }));
      engines.push(rawProgram('raw-return-0-x2', { ...raw, spec: undefined }, 2));
      if (rawTp.ok) engines.push(classicRawTracepoint('raw-tp-return-0', raw.tracepoint, rawTp.value));
      else ctx.note(`${ev.series.name}-floor: raw-tp-return-0 not measured (${rawTp.error.message})`);
    }
    if (ev.series === LSEEK) engines.push(...otherSyscallEngines(s, ctx));
    const load: Load = { kind: ev.kind, values: [ev.series.miss] };
    // The workload's hits reach the event: recording everything, the interpreter keeps every one of them.
    await check(s, `${ev.series.name}-floor`, engines.slice(0, 1), load, CHECK);
    const r = await measureEngines(s, engines, load, timing(ctx, ev.kind));
    return caseRows(`${ev.series.name}-floor`, r.base, r.marginals, false);
  } finally {
    trivial.dispose();
    if (rawTp.ok) rawTp.value.dispose();
  }
}

/** On the lseek loop: getppid's event on (the syscall slow path alone), and a raw getppid program (no filter). */
function otherSyscallEngines(s: Setup, ctx: SuiteContext): Engine[] {
  if (s.getppid === undefined || s.getppidFormat === undefined) {
    ctx.note(`lseek-floor: no ${GETPPID.group}:${GETPPID.event} event — slow path not measured`);
    return [];
  }
  const out = [interpreter('other-syscall-event', s.getppid, null)];
  const raw = rawProgramFor(s.btf, s.getppidFormat, '');
  if (typeof raw === 'string') ctx.note(`lseek-floor: raw-other-syscall not measured (${raw})`);
  else out.push(rawProgram('raw-other-syscall', raw));
  return out;
}

/** The event's live format and tracepoint id, or undefined (with a note). */
function liveEvent(ctx: SuiteContext, root: string, ev: { group: string; event: string }) {
  const text = readEventFormatText(ev.group, ev.event);
  const live = text.ok ? parseFormat(text.text, { system: ev.group, name: ev.event }) : text;
  const id = tracepointId(ev.group, ev.event, root);
  if (!live.ok || !id.ok) {
    ctx.note(`no ${ev.group}:${ev.event} event in this kernel — its rows are not measured`);
    return undefined;
  }
  return { target: { ...ev, tpId: id.value }, format: { ...live.event, system: ev.group } };
}

async function setUp(ctx: SuiteContext): Promise<Setup | undefined> {
  if (process.getuid?.() !== 0) {
    ctx.note('not root: tracefs instances and tracepoint programs need root — kernel suite skipped');
    return undefined;
  }
  const sys = loadKoffiSyscalls();
  if (!sys.ok) {
    ctx.note(`no syscalls (${sys.reason}) — kernel suite skipped`);
    return undefined;
  }
  const fs = await locateTracefs();
  if (!fs.ok) {
    ctx.note(`no tracefs (${fs.reason}) — kernel suite skipped`);
    return undefined;
  }
  const events = new Map<string, LiveEvent>();
  for (const [series, kind] of [
    [LSEEK, 'lseek'],
    [KFREE_SKB, 'frames'],
  ] as const) {
    const l = liveEvent(ctx, fs.path, series);
    if (l !== undefined) events.set(series.name, { series, kind, ...l });
  }
  const other = liveEvent(ctx, fs.path, GETPPID);
  const inst = TracefsInstance.create(fs.path, `tfc_bench_${process.pid}`);
  if (!(inst instanceof TracefsInstance)) {
    ctx.note(`no tracefs instance (${inst.reason}) — kernel suite skipped`);
    return undefined;
  }
  inst.setBufferSizeKb(256);
  const cpu = inst.cpus[inst.cpus.length - 1] ?? 0;
  const workload = await KernelWorkload.start({ cacheDir: CACHE, cpu });
  if (typeof workload === 'string') {
    inst.dispose();
    ctx.note(`the workload cannot run (${workload}) — kernel suite skipped`);
    return undefined;
  }
  return {
    sys: sys.value,
    inst,
    workload,
    cpu,
    btf: kernelRawBtf(ctx, 'tfc-ebpf-raw'),
    events,
    getppid: other?.target,
    getppidFormat: other?.format,
  };
}

export const kernelSuite: Suite = {
  name: SUITE,
  title:
    'in-kernel cost of filtering a trace event hit: kernel interpreter vs tfc eBPF on the record (perf) and on the raw tracepoint (sys_enter_lseek, kfree_skb)',
  run: async (ctx) => {
    const s = await setUp(ctx);
    if (s === undefined) return [];
    const rows: Row[] = [];
    const steps: { label: string; run: () => Promise<Row[]> }[] = [
      ...[...s.events.values()].map((ev) => ({
        label: `${ev.series.name}-floor`,
        run: () => measureFloor(s, ctx, ev),
      })),
      { label: 'getppid-pass-over', run: () => measurePassOver(s, ctx) },
      ...kernelCases().map((k) => ({ label: k.name, run: () => measureCase(s, ctx, k) })),
    ];
    try {
      ctx.note(
        `workload pinned to CPU ${s.cpu}; per run and engine ${HITS.lseek.full} lseeks in ${HITS.lseek.pairs} ` +
          `chunks or ${HITS.frames.full} frames in ${HITS.frames.pairs} (a fifth with --quick), each paired with a ` +
          'baseline chunk (order alternated); marginal = the median pair difference',
      );
      for (const [i, st] of steps.entries()) {
        ctx.progress(i, steps.length, st.label);
        rows.push(...(await st.run()));
      }
      ctx.progress(steps.length, steps.length, 'done');
    } finally {
      s.inst.dispose();
      s.workload.dispose();
    }
    return rows;
  },
};
