import { fileURLToPath } from 'node:url';
import { encode, type Insn } from '@tfc/bpf/ebpf';
import { compile } from '@tfc/compiler';
import {
  FirerProcess,
  kernelHazard,
  LoadedProgram,
  loadKoffiSyscalls,
  loadProgram,
  loadWithMaps,
  locateTracefs,
  nrCpuIds,
  openTracepointCounter,
  type RawBtfView,
  readCounter,
  readEventFormatText,
  SYS_ENTER_LSEEK,
  type Syscalls,
  TRIVIAL_EBPF,
  TracefsInstance,
  tracepointId,
} from '@tfc/kernel';
import { type EventFormat, parseFormat } from '@tfc/tracefs';
import { type Row, row } from '../row.ts';
import { summarize } from '../stats.ts';
import type { Suite, SuiteContext } from '../suite.ts';
import { kernelRawBtf, type RawProg, rawProgramFor, withRawProgram } from './raw-programs.ts';

const SUITE = 'kernel';
const CACHE = fileURLToPath(new URL('../../../.tfc-cache/', import.meta.url));

type Args = { readonly fd: bigint; readonly offset: bigint; readonly whence: bigint };

/** The hit every reject-all case sees: a bad fd (lseek fails fast with EBADF), offset 0, SEEK_SET. */
const MISS: Args = { fd: 1000n, offset: 0n, whence: 0n };

/** The i-th offset of the OR series (never 0). */
const orValue = (i: number): bigint => BigInt(1 + i * 13);

export function orFilter(n: number): string {
  return Array.from({ length: n }, (_, i) => `offset==${orValue(i)}`).join('||');
}

export interface KernelCase {
  readonly name: string;
  readonly filter: string;
  readonly hits: readonly Args[];
  /** Hits of a 64-hit check loop each engine must accept. */
  readonly accepts: number;
}

export function kernelCases(): KernelCase[] {
  const ors = [1, 4, 16, 64, 256].map((n) => ({
    name: `or-${n}`,
    filter: orFilter(n),
    hits: [MISS],
    accepts: 0,
  }));
  return [
    ...ors,
    {
      name: 'range',
      filter: '(offset >= 4096 && offset < 1048576) || (fd > 100 && fd <= 200) || whence > 4',
      hits: [MISS],
      accepts: 0,
    },
    {
      name: 'mixed',
      filter:
        '(fd == 3 && whence == 2) || (offset > 1000000 && comm == "nosuch") || common_pid == 1 || ' +
        '(whence & 8 && comm ~ "tfc*") || fd < 3',
      hits: [MISS],
      accepts: 0,
    },
    {
      name: 'or-64-accept-half',
      filter: orFilter(64),
      hits: [MISS, { ...MISS, offset: orValue(40) }],
      accepts: 32,
    },
  ];
}

/** Hits per engine per run (quick / full), split into PAIRS chunks interleaved with baseline chunks. */
const QUICK_HITS = 40_000;
const FULL_HITS = 200_000;
const PAIRS = 4;

type Engine =
  | 'baseline'
  | 'kernel-interpreter'
  | 'tfc-ebpf'
  | 'other-syscall-event'
  | 'tfc-ebpf-raw'
  | 'raw-return-0'
  | 'raw-other-syscall';

/** An event of another syscall: enabled, it puts every syscall on the tracing slow path without judging lseek. */
const OTHER_SYSCALL = { group: 'syscalls', event: 'sys_enter_getppid' } as const;
const ENGINES: readonly Engine[] = ['baseline', 'kernel-interpreter', 'tfc-ebpf', 'tfc-ebpf-raw'];
const MEASURED = ['kernel-interpreter', 'tfc-ebpf', 'tfc-ebpf-raw'] as const;
type Measured = (typeof MEASURED)[number];

interface Setup {
  readonly sys: Syscalls;
  readonly firer: FirerProcess;
  readonly inst: TracefsInstance;
  readonly tpId: number;
  readonly event: EventFormat;
  readonly cpu: number;
  /** The running kernel's BTF for raw layouts (undefined: no BTF, raw rows not measured). */
  readonly btf: RawBtfView | undefined;
  /** The raw program of the case being measured (tfc-ebpf-raw) and of the floors. */
  raw?: RawProg;
  rawFloor?: RawProg;
  rawOther?: RawProg;
}

/** Attaches a raw program for the duration of `run`; the records it output of the firer's pid are counted. */
async function withRaw(
  s: Setup,
  raw: RawProg,
  run: () => Promise<number>,
): Promise<{ ns: number; records: number }> {
  const r = await withRawProgram(s.sys, raw, run);
  const records = r.records.filter(
    (d) => new DataView(d.buffer, d.byteOffset).getInt32(4, true) === s.firer.pid,
  ).length;
  return { ns: r.value, records };
}

/** One loop of `n` hits under `engine`; ns per hit, and how many hits the engine accepted (tfc: perf count). */
async function loop(
  s: Setup,
  engine: Engine,
  prog: LoadedProgram,
  hits: readonly Args[],
  n: number,
): Promise<{ ns: number; tfcAccepted: bigint }> {
  if (engine === 'baseline') return { ns: (await s.firer.lseekLoop(s.cpu, n, hits)) / n, tfcAccepted: 0n };
  if (engine === 'tfc-ebpf-raw' || engine === 'raw-return-0' || engine === 'raw-other-syscall') {
    const raw = engine === 'tfc-ebpf-raw' ? s.raw : engine === 'raw-return-0' ? s.rawFloor : s.rawOther;
    if (raw === undefined) throw new Error(`${engine}: no raw program`);
    const r = await withRaw(s, raw, () => s.firer.lseekLoop(s.cpu, n, hits));
    return { ns: r.ns / n, tfcAccepted: BigInt(r.records) };
  }
  if (engine === 'kernel-interpreter' || engine === 'other-syscall-event') {
    const ev = engine === 'kernel-interpreter' ? SYS_ENTER_LSEEK : OTHER_SYSCALL;
    const e = s.inst.setEnabled(ev, true);
    if (e !== null) throw new Error(`enable ${ev.group}:${ev.event} in the instance: ${e}`);
    try {
      return { ns: (await s.firer.lseekLoop(s.cpu, n, hits)) / n, tfcAccepted: 0n };
    } finally {
      s.inst.setEnabled(ev, false);
    }
  }
  const c = openTracepointCounter(s.sys, s.tpId, { pid: -1, cpu: s.cpu }, prog.prog);
  if (!c.ok) throw new Error(c.error.message);
  try {
    const ns = (await s.firer.lseekLoop(s.cpu, n, hits)) / n;
    const r = readCounter(c.value);
    return { ns, tfcAccepted: r.ok ? r.value : -1n };
  } finally {
    c.value.dispose();
  }
}

/** Our hits the instance recorded since the last drain. */
function instanceRecords(s: Setup): number {
  const { records } = s.inst.drainRaw();
  let n = 0;
  for (const r of records) {
    const d = r.data;
    if (
      d.length >= 8 &&
      (d[0] ?? 0) + ((d[1] ?? 0) << 8) === s.tpId &&
      new DataView(d.buffer, d.byteOffset).getInt32(4, true) === s.firer.pid
    )
      n++;
  }
  return n;
}

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

function compileFor(s: Setup, filter: string): LoadedProgram | string {
  const r = compile({
    filter,
    event: s.event,
    target: 'ebpf',
    ctx: 'tracepoint',
    nrCpuIds: nrCpuIds(),
  });
  if (!r.ok) return r.diagnostics.map((d) => d.message).join('; ');
  const spec = r.program;
  if (spec.target !== 'ebpf') return 'not eBPF';
  const l = loadWithMaps(s.sys, {
    type: spec.progType,
    maps: spec.maps,
    link: (fds) => link(spec.insns, fds),
  });
  return l.ok ? l.value : `${l.error.message}\n${l.error.log ?? ''}`;
}

/**
 * PAIRS (baseline chunk, engine chunk) pairs, alternating which goes first; the median pair difference (robust to a
 * preemption in one chunk). Baseline chunk figures are appended to `base`.
 */
async function pairedMarginal(
  s: Setup,
  e: Engine,
  prog: LoadedProgram,
  hits: readonly Args[],
  chunk: number,
  base: number[],
): Promise<number> {
  const diffs: number[] = [];
  for (let j = 0; j < PAIRS; j++) {
    const first = j % 2 === 0;
    const a = await loop(s, first ? 'baseline' : e, prog, hits, chunk);
    const b = await loop(s, first ? e : 'baseline', prog, hits, chunk);
    const [bl, en] = first ? [a.ns, b.ns] : [b.ns, a.ns];
    base.push(bl);
    diffs.push(en - bl);
  }
  return summarize(diffs).median;
}

/**
 * The floors: the attach mechanism alone (a 2-instruction program, r0 = 0, attached like tfc's programs) and the
 * syscall tracing slow path alone (another syscall's event enabled: every syscall takes the traced path, lseek is
 * not judged) — the part of both engines' cost that no filter compiler can remove.
 */
async function measureFloor(s: Setup, ctx: SuiteContext): Promise<Row[]> {
  const p = loadProgram(s.sys, { type: 'TRACEPOINT', insns: TRIVIAL_EBPF });
  if (!p.ok) {
    ctx.note(`attach-floor: the empty program does not load (${p.error.message})`);
    return [];
  }
  const prog = new LoadedProgram(p.value, []);
  try {
    const chunk = (ctx.quick ? QUICK_HITS : FULL_HITS) / PAIRS;
    const runs = ctx.quick ? 5 : Math.max(ctx.measure.runs, 11);
    await loop(s, 'tfc-ebpf', prog, [MISS], chunk);
    const other = s.inst.setEnabled(OTHER_SYSCALL, false) === null;
    if (!other)
      ctx.note(
        `attach-floor: no ${OTHER_SYSCALL.group}:${OTHER_SYSCALL.event} event — slow path not measured`,
      );
    else await loop(s, 'other-syscall-event', prog, [MISS], chunk);
    const raws = (['raw-return-0', 'raw-other-syscall'] as const).filter((e) =>
      e === 'raw-return-0' ? s.rawFloor !== undefined : s.rawOther !== undefined,
    );
    for (const e of raws) await loop(s, e, prog, [MISS], chunk);
    const base: number[] = [];
    const marg: number[] = [];
    const slow: number[] = [];
    const rawMarg: Record<string, number[]> = { 'raw-return-0': [], 'raw-other-syscall': [] };
    for (let r = 0; r < runs; r++) {
      marg.push(await pairedMarginal(s, 'tfc-ebpf', prog, [MISS], chunk, base));
      if (other) slow.push(await pairedMarginal(s, 'other-syscall-event', prog, [MISS], chunk, base));
      for (const e of raws) rawMarg[e]?.push(await pairedMarginal(s, e, prog, [MISS], chunk, base));
    }
    return [
      row(SUITE, 'attach-floor', 'baseline', 'ns_per_event', 'ns', summarize(base)),
      row(SUITE, 'attach-floor', 'ebpf-return-0', 'marginal_ns_per_event', 'ns', summarize(marg)),
      ...(other
        ? [row(SUITE, 'attach-floor', 'other-syscall-event', 'marginal_ns_per_event', 'ns', summarize(slow))]
        : []),
      ...raws.map((e) =>
        row(SUITE, 'attach-floor', e, 'marginal_ns_per_event', 'ns', summarize(rawMarg[e] ?? [])),
      ),
    ];
  } finally {
    prog.dispose();
  }
}

async function measureCase(s: Setup, ctx: SuiteContext, k: KernelCase, prog: LoadedProgram): Promise<Row[]> {
  // Check: both engines accept exactly the hits they should (64 hits each).
  const werr = s.inst.writeFilter(SYS_ENTER_LSEEK, k.filter);
  if (werr !== null) throw new Error(`${k.name}: the kernel refuses the filter (${werr})`);
  instanceRecords(s);
  await loop(s, 'kernel-interpreter', prog, k.hits, 64);
  const kAcc = instanceRecords(s);
  const tAcc = (await loop(s, 'tfc-ebpf', prog, k.hits, 64)).tfcAccepted;
  const rAcc =
    s.raw === undefined ? BigInt(k.accepts) : (await loop(s, 'tfc-ebpf-raw', prog, k.hits, 64)).tfcAccepted;
  if (kAcc !== k.accepts || tAcc !== BigInt(k.accepts) || rAcc !== BigInt(k.accepts))
    throw new Error(
      `${k.name}: of 64 hits the interpreter accepted ${kAcc}, tfc ${tAcc}, tfc on the raw tracepoint ${rAcc}; expected ${k.accepts}`,
    );
  const n = ctx.quick ? QUICK_HITS : FULL_HITS;
  const chunk = n / PAIRS;
  const runs = ctx.quick ? 5 : Math.max(ctx.measure.runs, 11);
  // Warm-up: one short loop per engine.
  const engines = MEASURED.filter((e) => e !== 'tfc-ebpf-raw' || s.raw !== undefined);
  for (const e of ENGINES.filter((x) => x !== 'tfc-ebpf-raw' || s.raw !== undefined))
    await loop(s, e, prog, k.hits, chunk);
  const base: number[] = [];
  const marg: Record<Measured, number[]> = { 'kernel-interpreter': [], 'tfc-ebpf': [], 'tfc-ebpf-raw': [] };
  const ratios: number[] = [];
  const rawRatios: number[] = [];
  for (let r = 0; r < runs; r++) {
    // rotated order per run, so drift cancels
    const order = engines.map((_, i) => engines[(i + r) % engines.length] as Measured);
    for (const e of order) marg[e].push(await pairedMarginal(s, e, prog, k.hits, chunk, base));
    const kern = marg['kernel-interpreter'][r] as number;
    ratios.push((marg['tfc-ebpf'][r] as number) / kern);
    if (s.raw !== undefined) rawRatios.push((marg['tfc-ebpf-raw'][r] as number) / kern);
    instanceRecords(s);
  }
  return [
    row(SUITE, k.name, 'baseline', 'ns_per_event', 'ns', summarize(base)),
    row(
      SUITE,
      k.name,
      'kernel-interpreter',
      'marginal_ns_per_event',
      'ns',
      summarize(marg['kernel-interpreter']),
    ),
    row(SUITE, k.name, 'tfc-ebpf', 'marginal_ns_per_event', 'ns', summarize(marg['tfc-ebpf'])),
    row(SUITE, k.name, 'tfc/kernel', 'marginal_ratio', 'x', summarize(ratios)),
    ...(s.raw === undefined
      ? []
      : [
          row(SUITE, k.name, 'tfc-ebpf-raw', 'marginal_ns_per_event', 'ns', summarize(marg['tfc-ebpf-raw'])),
          row(SUITE, k.name, 'tfc-raw/kernel', 'marginal_ratio', 'x', summarize(rawRatios)),
        ]),
  ];
}

async function setUp(ctx: SuiteContext): Promise<Setup | undefined> {
  if (process.getuid?.() !== 0) {
    ctx.note('not root: tracefs instances and tracepoint programs need root — kernel suite skipped');
    return undefined;
  }
  const sysLoad = loadKoffiSyscalls();
  if (!sysLoad.ok) {
    ctx.note(`no syscalls (${sysLoad.reason}) — kernel suite skipped`);
    return undefined;
  }
  const fs = await locateTracefs();
  if (!fs.ok) {
    ctx.note(`no tracefs (${fs.reason}) — kernel suite skipped`);
    return undefined;
  }
  const text = readEventFormatText(SYS_ENTER_LSEEK.group, SYS_ENTER_LSEEK.event);
  const live = text.ok
    ? parseFormat(text.text, { system: SYS_ENTER_LSEEK.group, name: SYS_ENTER_LSEEK.event })
    : text;
  const id = tracepointId(SYS_ENTER_LSEEK.group, SYS_ENTER_LSEEK.event, fs.path);
  if (!live.ok || !id.ok) {
    ctx.note('no syscalls:sys_enter_lseek event in this kernel — kernel suite skipped');
    return undefined;
  }
  const firer = await FirerProcess.start({ cacheDir: CACHE });
  if ('ok' in firer) {
    ctx.note(`the C firer cannot run (${firer.reason}) — kernel suite skipped`);
    return undefined;
  }
  const inst = TracefsInstance.create(fs.path, `tfc_bench_${process.pid}_${firer.pid}`);
  if (!(inst instanceof TracefsInstance)) {
    await firer.dispose();
    ctx.note(`no tracefs instance (${inst.reason}) — kernel suite skipped`);
    return undefined;
  }
  inst.setBufferSizeKb(256);
  const cpu = inst.cpus[inst.cpus.length - 1] ?? 0;
  const s: Setup = {
    sys: sysLoad.value,
    firer,
    inst,
    tpId: id.value,
    event: { ...live.event, system: SYS_ENTER_LSEEK.group },
    cpu,
    btf: kernelRawBtf(ctx, 'tfc-ebpf-raw'),
  };
  if (s.btf !== undefined) {
    const btfId = s.btf.btfId('sys_enter');
    if (btfId !== undefined) s.rawFloor = { spec: undefined, btfId, tracepoint: 'sys_enter' };
    const other = readEventFormatText(OTHER_SYSCALL.group, OTHER_SYSCALL.event);
    const ev = other.ok
      ? parseFormat(other.text, { system: OTHER_SYSCALL.group, name: OTHER_SYSCALL.event })
      : other;
    const raw = ev.ok ? rawProgramFor(s.btf, ev.event, '') : `no ${OTHER_SYSCALL.event} event`;
    if (typeof raw === 'string') ctx.note(`raw-other-syscall: not measured (${raw})`);
    else s.rawOther = raw;
  }
  return s;
}

export const kernelSuite: Suite = {
  name: SUITE,
  title:
    'in-kernel cost of filtering a tracepoint hit: kernel interpreter vs tfc eBPF on the record (perf) and on the raw tracepoint (sys_enter_lseek)',
  run: async (ctx) => {
    const s = await setUp(ctx);
    if (s === undefined) return [];
    const rows: Row[] = [];
    const cases = kernelCases();
    try {
      ctx.note(
        `firer pinned to CPU ${s.cpu}; per run and engine ${ctx.quick ? QUICK_HITS : FULL_HITS} lseeks in ${PAIRS} chunks, ` +
          'each paired with a baseline chunk (order alternated); marginal = the median pair difference; tfc-ebpf attached with perf_event_open (counting event), ' +
          'kernel-interpreter = filter in a private tracefs instance, event enabled there',
      );
      ctx.progress(0, cases.length + 1, 'attach-floor');
      rows.push(...(await measureFloor(s, ctx)));
      for (const [i, k] of cases.entries()) {
        ctx.progress(i + 1, cases.length + 1, k.name);
        if (kernelHazard(k.filter) !== null) throw new Error(`${k.name}: hazardous filter`);
        const prog = compileFor(s, k.filter);
        if (typeof prog === 'string') {
          ctx.note(`${k.name}: tfc cannot compile or load it (${prog}) — not measured`);
          continue;
        }
        const raw = rawProgramFor(s.btf, s.event, k.filter);
        if (typeof raw === 'string') {
          ctx.note(`${k.name}: tfc-ebpf-raw not measured (${raw})`);
          delete s.raw;
        } else s.raw = raw;
        try {
          rows.push(...(await measureCase(s, ctx, k, prog)));
        } finally {
          prog.dispose();
        }
      }
      ctx.progress(cases.length + 1, cases.length + 1, 'done');
    } finally {
      s.inst.dispose();
      await s.firer.dispose();
    }
    return rows;
  },
};
