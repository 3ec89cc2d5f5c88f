/*
 * Suite `capture`: what tfc's skb capture program (compileSkbCapture, `tfc capture`'s engine) costs where the
 * kernel drops packets, and how large it is.
 *
 * Per-hit cost at skb:kfree_skb. Workload: a C sender (capture-sender.c) in a private network namespace sends UDP
 * datagrams to a closed port on its loopback, each one dropped by UDP (NO_SOCKET, one kfree_skb hit) in the
 * sender's context; it is pinned to one CPU and times each chunk of N packets by the wall clock and by its thread
 * CPU clock (which leaves out softirq time on kernels with IRQ time accounting: the wall clock is the main figure).
 * Engines, all rejecting every one of these packets:
 *   nothing             nothing attached by us;
 *   kernel-interpreter  skb:kfree_skb enabled in a private tracefs instance with the filter `protocol == 0x86dd`
 *                       (the traffic is IPv4), the kernel's filter interpreter judging each hit;
 *   tfc-skb             `udp port 9` (the traffic goes to 9999) compiled by compileSkbCapture for tp_btf/kfree_skb
 *                       against the running kernel's BTF layout, attached with BPF_RAW_TRACEPOINT_OPEN;
 *   ebpf-return-0       `r0 = 0; exit` attached the same way: the attach mechanism alone, the floor of any program;
 *   tfc-ebpf-raw        the kernel's filter text (`protocol == 0x86dd`, a trace filter) compiled by tfc for the raw
 *                       tracepoint (compileRaw, `--attach raw`: the event's fields from kfree_skb's arguments, no
 *                       record built for a rejected hit), attached per chunk through the raw session (raw-programs.ts).
 * Before timing, 64 packets check each engine: the timed filter records none of them, a control filter
 * (`udp port 9999`, `protocol == 0x800`) all of them (so the engine does see the sender's drops).
 * Per run and engine (engine order rotated between runs): PAIRS pairs of chunks (nothing, engine), the order
 * within a pair alternating; the run's marginal is the median over its pairs of (engine − nothing), its ratio the
 * median of (engine / nothing); rows are medians over runs with min and max. Then, with BPF_ENABLE_STATS held, the
 * program's run_time_ns / run_cnt over one chunk per run: its cost
 * per hit inside the program (hits per packet is reported too: other drops on the machine count as hits).
 *
 * Program sizes (pure, no root): every pcap corpus filter and a few named ones compiled for tp_btf/kfree_skb with
 * SKB_LAYOUT_SNAPSHOT, against libpcap 1.10.3's optimised cBPF count (the corpus's `opt`; libpcap through koffi
 * for filters the corpus lacks); the ratio distribution and the fixed part (the program for the empty filter).
 *
 * Invariants: every kernel object (program, link, maps, stats fd, tracefs instance) and the sender (with its
 * namespace) are released in `finally`; what cannot run (not root, no tracefs, no BTF, no gcc) is a note and no
 * live rows, never an exception (an engine failing the verdict check is one); ratios are only between chunks of
 * this run.
 */
import { fileURLToPath } from 'node:url';
import {
  compileSkbCapture,
  type EbpfProgram,
  linkMaps,
  SKB_LAYOUT_SNAPSHOT,
  SKB_RECORD_MAP,
  SKB_RINGBUF_MAP,
  type SkbHook,
} from '@tfc/compiler';
import {
  type BpfMap,
  type BpfProgram,
  createMap,
  DLT,
  enableRunTimeStats,
  loadKoffiSyscalls,
  loadLibpcap,
  loadProgram,
  locateTracefs,
  openRawTracepoint,
  possibleCpuCount,
  progInfo,
  readEventFormatText,
  type Syscalls,
  TRIVIAL_EBPF,
  TracefsInstance,
} from '@tfc/kernel';
import { type MappedRing, mapRing } from '@tfc/kernel/skb';
import { parseFormat } from '@tfc/tracefs';
import { type Row, row } from '../row.ts';
import { type Summary, summarize } from '../stats.ts';
import type { Suite, SuiteContext } from '../suite.ts';
import { perPacket, ratioDistribution } from './capture-figures.ts';
import { type LiveKfreeSkb, liveKfreeSkb } from './capture-layout.ts';
import { CaptureSender } from './capture-sender.ts';
import { PCAP_CORPUS_INDEX } from './pcap-corpus.ts';
import { kernelRawBtf, type RawProg, rawProgramFor, withRawProgram } from './raw-programs.ts';

const SUITE = 'capture';
const CACHE = fileURLToPath(new URL('../../../.tfc-cache/', import.meta.url));
const KFREE_SKB = { group: 'skb', event: 'kfree_skb' } as const;
export const TFC_FILTER = 'udp port 9';
/** Controls: filters that accept the suite's packets, to show each engine sees them before it is timed. */
export const TFC_CONTROL = 'udp port 9999';
export const KERNEL_CONTROL = 'protocol == 0x800';
export const KERNEL_FILTER = 'protocol == 0x86dd';
const DEST_PORT = 9999;
const RING_SIZE = 1 << 20;
const CHECK = 64;
const CASE = 'kfree_skb-reject';
export const NAMED = ['tcp port 80', 'ip6 protochain 17', 'vlan and tcp'] as const;

const exact = (n: number): Summary => ({ runs: 1, min: n, median: n, max: n });

type Engine = 'nothing' | 'kernel-interpreter' | 'tfc-skb' | 'ebpf-return-0' | 'tfc-ebpf-raw';

/* ---------- program sizes ---------- */

/** tp_btf/kfree_skb in the snapshot's build: sk_buff, location and reason arguments. */
const SNAPSHOT_HOOK: SkbHook = { kind: 'tp_btf', name: 'kfree_skb', skbArg: 0, locationArg: 1, reasonArg: 2 };

function tfcInstructions(filter: string): number | string {
  const r = compileSkbCapture({ filter, layout: SKB_LAYOUT_SNAPSHOT, hook: SNAPSHOT_HOOK, hookIndex: 0 });
  if (!r.ok) return r.diagnostics.map((d) => d.message).join('; ');
  return r.program.stats.instructions;
}

async function corpusCounts(): Promise<Map<string, number> | undefined> {
  try {
    const { readFileSync } = await import('node:fs');
    const index = JSON.parse(readFileSync(PCAP_CORPUS_INDEX, 'utf8')) as {
      rows: { filter: string; opt?: number | null }[];
    };
    const m = new Map<string, number>();
    for (const r of index.rows) if (typeof r.opt === 'number') m.set(r.filter, r.opt);
    return m;
  } catch {
    return undefined;
  }
}

async function sizeRows(ctx: SuiteContext): Promise<Row[]> {
  const corpus = await corpusCounts();
  if (corpus === undefined) ctx.note(`no pcap corpus at ${PCAP_CORPUS_INDEX}: corpus sizes skipped`);
  const counts = new Map(corpus ?? []);
  const pcap = loadLibpcap();
  const missing = NAMED.filter((f) => !counts.has(f));
  if (missing.length > 0) {
    if (!pcap.ok) ctx.note(`no libpcap (${pcap.reason}): ${missing.join(', ')} without libpcap's count`);
    else {
      const c = pcap.value.compiler(DLT.EN10MB, 262144);
      try {
        for (const f of missing) {
          const r = c.compile(f, { optimize: true });
          if (r.ok) counts.set(f, r.program.length / 8);
        }
      } finally {
        c.dispose();
      }
    }
  }
  const rows: Row[] = [];
  const fixed = tfcInstructions('');
  if (typeof fixed === 'number')
    rows.push(row(SUITE, 'empty-filter', 'tfc-skb', 'instructions', 'insns', exact(fixed)));
  else ctx.note(`the empty filter does not compile for the skb context (${fixed})`);
  for (const f of NAMED) {
    const t = tfcInstructions(f);
    const l = counts.get(f);
    if (typeof t === 'string') {
      ctx.note(`${f}: tfc refuses it for tp_btf/kfree_skb (${t})`);
      continue;
    }
    rows.push(row(SUITE, f, 'tfc-skb', 'instructions', 'insns', exact(t)));
    if (l !== undefined) {
      rows.push(row(SUITE, f, 'libpcap', 'instructions', 'insns', exact(l)));
      rows.push(row(SUITE, f, 'tfc-skb/libpcap', 'ratio', 'x', exact(Number((t / l).toFixed(2)))));
    }
  }
  if (corpus !== undefined) {
    const pairs: { name: string; ours: number; theirs: number }[] = [];
    const over: { name: string; ours: number; theirs: number }[] = [];
    let refused = 0;
    for (const [f, l] of corpus) {
      const t = tfcInstructions(f);
      if (typeof t === 'string') {
        refused++;
        continue;
      }
      pairs.push({ name: f, ours: t, theirs: l });
      if (typeof fixed === 'number') over.push({ name: f, ours: t - fixed, theirs: l });
    }
    const d = ratioDistribution(pairs);
    if (d !== undefined) {
      const s = { runs: d.n, min: d.min, median: d.median, max: d.max };
      rows.push(row(SUITE, 'corpus', 'tfc-skb/libpcap', 'ratio', 'x', s));
      rows.push(row(SUITE, 'corpus', 'tfc-skb/libpcap', 'ratio_p90', 'x', exact(d.p90)));
      const ts = pairs.map((p) => p.ours);
      rows.push(row(SUITE, 'corpus', 'tfc-skb', 'instructions', 'insns', summarize(ts)));
      rows.push(
        row(SUITE, 'corpus', 'libpcap', 'instructions', 'insns', summarize(pairs.map((p) => p.theirs))),
      );
      ctx.note(
        `corpus: ${d.n} filters (${refused} refused by tfc's skb context), tfc-skb/libpcap median ${d.median.toFixed(2)}, ` +
          `p90 ${d.p90.toFixed(2)}, max ${d.max.toFixed(2)} (${d.maxCase})`,
      );
    }
    const o = ratioDistribution(over);
    if (o !== undefined) {
      rows.push(
        row(SUITE, 'corpus', 'tfc-skb-minus-empty/libpcap', 'ratio', 'x', {
          runs: o.n,
          min: o.min,
          median: o.median,
          max: o.max,
        }),
      );
      rows.push(row(SUITE, 'corpus', 'tfc-skb-minus-empty/libpcap', 'ratio_p90', 'x', exact(o.p90)));
    }
  }
  return rows;
}

/* ---------- per-hit cost ---------- */

interface Live {
  readonly sys: Syscalls;
  readonly inst: TracefsInstance;
  readonly prog: BpfProgram;
  /** `r0 = 0; exit` at the same hook: the attach mechanism alone. */
  readonly floor: BpfProgram;
  readonly sender: CaptureSender;
  /** The kernel's filter as tfc's raw tracepoint program (undefined: not measured, a note says why). */
  readonly raw: RawProg | undefined;
}

async function chunk(s: Live, e: Engine, n: number): Promise<{ wall: number; cpu: number }> {
  if (e === 'nothing') return perPacket(await s.sender.send(n));
  if (e === 'kernel-interpreter') {
    const err = s.inst.setEnabled(KFREE_SKB, true);
    if (err !== null) throw new Error(`enable skb:kfree_skb in the instance: ${err}`);
    try {
      return perPacket(await s.sender.send(n));
    } finally {
      s.inst.setEnabled(KFREE_SKB, false);
    }
  }
  if (e === 'tfc-ebpf-raw') {
    if (s.raw === undefined) throw new Error('tfc-ebpf-raw: no raw program');
    const r = await withRawProgram(s.sys, s.raw, async () => perPacket(await s.sender.send(n)));
    const kept = r.records.filter(
      (d) => new DataView(d.buffer, d.byteOffset).getInt32(4, true) === s.sender.pid,
    );
    if (kept.length > 0)
      throw new Error(`tfc-ebpf-raw kept ${kept.length} of the sender's packets (expected none)`);
    return r.value;
  }
  const link = openRawTracepoint(s.sys, e === 'tfc-skb' ? s.prog : s.floor, undefined);
  if (!link.ok) throw new Error(`attach tp_btf/kfree_skb: ${link.error.message}`);
  try {
    return perPacket(await s.sender.send(n));
  } finally {
    link.value.dispose();
  }
}

/** Pairs of (nothing, engine) chunks per run, the order alternating; a run's figure is the median over its pairs. */
const PAIRS = 8;

async function timeEngines(s: Live, ctx: SuiteContext, n: number, runs: number): Promise<Row[]> {
  const all = ['kernel-interpreter', 'tfc-skb', 'ebpf-return-0', 'tfc-ebpf-raw'] as const;
  const engines = all.filter((e) => e !== 'tfc-ebpf-raw' || s.raw !== undefined);
  for (const e of ['nothing', ...engines] as const) await chunk(s, e, n);
  const base = { wall: [] as number[], cpu: [] as number[] };
  type Series = { abs: number[]; marg: number[]; ratio: number[] };
  const mk = (): Series => ({ abs: [], marg: [], ratio: [] });
  const by = {
    'kernel-interpreter': { wall: mk(), cpu: mk() },
    'tfc-skb': { wall: mk(), cpu: mk() },
    'ebpf-return-0': { wall: mk(), cpu: mk() },
    'tfc-ebpf-raw': { wall: mk(), cpu: mk() },
  };
  for (let r = 0; r < runs; r++) {
    ctx.progress(r, runs + 1, `timing run ${r + 1}/${runs}`);
    const order = engines.map((_, i) => engines[(i + r) % engines.length] as (typeof all)[number]);
    for (const e of order) {
      const pairs = { wall: mk(), cpu: mk() };
      for (let j = 0; j < PAIRS; j++) {
        const first = j % 2 === 0;
        const a = await chunk(s, first ? 'nothing' : e, n);
        const c = await chunk(s, first ? e : 'nothing', n);
        const [b, x] = first ? [a, c] : [c, a];
        for (const clock of ['wall', 'cpu'] as const) {
          base[clock].push(b[clock]);
          pairs[clock].abs.push(x[clock]);
          pairs[clock].marg.push(x[clock] - b[clock]);
          pairs[clock].ratio.push(x[clock] / b[clock]);
        }
      }
      for (const clock of ['wall', 'cpu'] as const) {
        const ser = by[e][clock];
        ser.abs.push(summarize(pairs[clock].abs).median);
        ser.marg.push(summarize(pairs[clock].marg).median);
        ser.ratio.push(summarize(pairs[clock].ratio).median);
      }
    }
  }
  const rows: Row[] = [
    row(SUITE, CASE, 'nothing', 'ns_per_packet_wall', 'ns', summarize(base.wall)),
    row(SUITE, CASE, 'nothing', 'ns_per_packet_cpu', 'ns', summarize(base.cpu)),
  ];
  for (const e of engines)
    for (const clock of ['wall', 'cpu'] as const) {
      const ser = by[e][clock];
      rows.push(row(SUITE, CASE, e, `ns_per_packet_${clock}`, 'ns', summarize(ser.abs)));
      rows.push(row(SUITE, CASE, e, `marginal_ns_per_packet_${clock}`, 'ns', summarize(ser.marg)));
      rows.push(row(SUITE, CASE, e, `ratio_to_nothing_${clock}`, 'x', summarize(ser.ratio)));
    }
  // tfc's marginal over the interpreter's: the quotient of the two medians (a per-run quotient of two small,
  // noisy differences would be meaningless when the interpreter's is near zero).
  for (const clock of ['wall', 'cpu'] as const) {
    const k = summarize(by['kernel-interpreter'][clock].marg).median;
    const t = summarize(by['tfc-skb'][clock].marg).median;
    if (k > 0) rows.push(row(SUITE, CASE, 'tfc-skb/kernel', `marginal_ratio_${clock}`, 'x', exact(t / k)));
    if (k > 0 && s.raw !== undefined) {
      const raw = summarize(by['tfc-ebpf-raw'][clock].marg).median;
      rows.push(row(SUITE, CASE, 'tfc-raw/kernel', `marginal_ratio_${clock}`, 'x', exact(raw / k)));
    }
  }
  return rows;
}

/** The program's own cost per hit (BPF_ENABLE_STATS), one chunk per run. */
async function programStats(s: Live, ctx: SuiteContext, n: number, runs: number): Promise<Row[]> {
  const stats = enableRunTimeStats(s.sys);
  if (!stats.ok) {
    ctx.note(`no BPF_ENABLE_STATS (${stats.error.message}): the program's run time not measured`);
    return [];
  }
  try {
    const perHit: number[] = [];
    const hitsPerPacket: number[] = [];
    for (let r = 0; r < runs; r++) {
      const link = openRawTracepoint(s.sys, s.prog, undefined);
      if (!link.ok) throw new Error(`attach tp_btf/kfree_skb: ${link.error.message}`);
      try {
        const a = progInfo(s.sys, s.prog);
        const c = await s.sender.send(n);
        const b = progInfo(s.sys, s.prog);
        if (!a.ok || !b.ok) throw new Error('BPF_OBJ_GET_INFO_BY_FD failed on the capture program');
        const cnt = Number(b.value.runCnt - a.value.runCnt);
        const ns = Number(b.value.runTimeNs - a.value.runTimeNs);
        if (cnt > 0) perHit.push(ns / cnt);
        hitsPerPacket.push(cnt / c.sent);
      } finally {
        link.value.dispose();
      }
    }
    const hp = summarize(hitsPerPacket);
    if (hp.median < 0.9)
      ctx.note(`only ${hp.median.toFixed(2)} kfree_skb hits per packet: the drops do not all reach the hook`);
    return [
      ...(perHit.length > 0
        ? [row(SUITE, CASE, 'tfc-skb', 'bpf_stats_ns_per_hit', 'ns', summarize(perHit))]
        : []),
      row(SUITE, CASE, 'tfc-skb', 'hits_per_packet', 'hits', hp),
    ];
  } finally {
    stats.value.dispose();
  }
}

/** A loaded program and the maps it owns (not the shared ring buffer); dispose() releases program then maps. */
interface Loaded {
  readonly prog: BpfProgram;
  dispose(): void;
}

/** Loads a tfc skb program writing into `ring` (its record map created here); released on failure. */
function loadTfc(sys: Syscalls, p: EbpfProgram, btfId: number, ring: BpfMap): Loaded | string {
  const def = p.maps.find((m) => m.name === SKB_RECORD_MAP);
  if (def === undefined || p.attach === undefined) return 'not an skb-context program';
  const rec = createMap(
    sys,
    { type: 'PERCPU_ARRAY', keySize: 4, valueSize: def.valueSize, maxEntries: 1 },
    possibleCpuCount(),
  );
  if (!rec.ok) return `record map: ${rec.error.message}`;
  const linked = linkMaps(
    p.insns,
    new Map([
      [SKB_RECORD_MAP, rec.value.fd],
      [SKB_RINGBUF_MAP, ring.fd],
    ]),
  );
  if (!linked.ok) {
    rec.value.dispose();
    return linked.message;
  }
  const prog = loadProgram(sys, {
    type: 'TRACING',
    insns: linked.bytes,
    name: 'tfc_capbench',
    license: 'GPL',
    expectedAttachType: p.attach.expectedAttachType,
    attachBtfId: btfId,
  });
  if (!prog.ok) {
    rec.value.dispose();
    return `the kernel refuses the program: ${prog.error.message}`;
  }
  return {
    prog: prog.value,
    dispose: () => {
      prog.value.dispose();
      rec.value.dispose();
    },
  };
}

function compileLoad(sys: Syscalls, live: LiveKfreeSkb, filter: string, ring: BpfMap): Loaded | string {
  const c = compileSkbCapture({ filter, layout: live.layout, hook: live.hook, hookIndex: 0 });
  if (!c.ok) return `tfc cannot compile '${filter}' for tp_btf/kfree_skb`;
  if (c.program.target !== 'ebpf') return 'not eBPF';
  return loadTfc(sys, c.program, live.btfId, ring);
}

/** Records of the sender's packets: the ring's records (tfc), the instance's records of the sender's pid. */
function drainRing(ring: MappedRing): number {
  return ring.consumer.drain(() => {});
}
function instanceRecords(inst: TracefsInstance, pid: number): number {
  let n = 0;
  for (const r of inst.drainRaw().records) {
    const d = r.data;
    if (d.length >= 8 && new DataView(d.buffer, d.byteOffset).getInt32(4, true) === pid) n++;
  }
  return n;
}

/**
 * Before timing, CHECK packets per engine and filter: the controls accept all of them (the engine sees the
 * sender's drops), the timed filters none. Throws with the counts when an engine disagrees.
 */
async function checkVerdicts(s: Live, live: LiveKfreeSkb, ring: BpfMap, mapped: MappedRing): Promise<void> {
  const control = compileLoad(s.sys, live, TFC_CONTROL, ring);
  if (typeof control === 'string') throw new Error(`control program: ${control}`);
  const tfcCount = async (prog: BpfProgram): Promise<number> => {
    drainRing(mapped);
    const link = openRawTracepoint(s.sys, prog, undefined);
    if (!link.ok) throw new Error(`attach tp_btf/kfree_skb: ${link.error.message}`);
    try {
      await s.sender.send(CHECK);
    } finally {
      link.value.dispose();
    }
    return drainRing(mapped);
  };
  const kernelCount = async (filter: string): Promise<number> => {
    const w = s.inst.writeFilter(KFREE_SKB, filter);
    if (w !== null) throw new Error(`the kernel refuses '${filter}' on skb:kfree_skb (${w})`);
    instanceRecords(s.inst, s.sender.pid);
    await chunk(s, 'kernel-interpreter', CHECK);
    return instanceRecords(s.inst, s.sender.pid);
  };
  let got: number[];
  try {
    got = [await tfcCount(control.prog), await tfcCount(s.prog)];
  } finally {
    control.dispose();
  }
  got.push(await kernelCount(KERNEL_CONTROL), await kernelCount(KERNEL_FILTER));
  const want = [CHECK, 0, CHECK, 0];
  if (got.some((g, i) => (want[i] === 0 ? g !== 0 : g < CHECK)))
    throw new Error(
      `of ${CHECK} packets: tfc '${TFC_CONTROL}' recorded ${got[0]}, '${TFC_FILTER}' ${got[1]}; ` +
        `the kernel's '${KERNEL_CONTROL}' ${got[2]}, '${KERNEL_FILTER}' ${got[3]} (expected ${want.join(', ')})`,
    );
}

/** The kernel's filter and its control on skb:kfree_skb as tfc's raw tracepoint programs, or undefined (a note). */
function rawKfreeSkb(ctx: SuiteContext): { timed: RawProg; control: RawProg } | undefined {
  const text = readEventFormatText(KFREE_SKB.group, KFREE_SKB.event);
  const ev = text.ok ? parseFormat(text.text, { system: KFREE_SKB.group, name: KFREE_SKB.event }) : text;
  if (!ev.ok) {
    ctx.note('no skb:kfree_skb format: tfc-ebpf-raw not measured');
    return undefined;
  }
  const btf = kernelRawBtf(ctx, 'tfc-ebpf-raw');
  const timed = rawProgramFor(btf, ev.event, KERNEL_FILTER);
  const control = rawProgramFor(btf, ev.event, KERNEL_CONTROL);
  const why = typeof timed === 'string' ? timed : typeof control === 'string' ? control : undefined;
  if (why !== undefined || typeof timed === 'string' || typeof control === 'string') {
    ctx.note(`tfc-ebpf-raw not measured: ${why}`);
    return undefined;
  }
  return { timed, control };
}

/** Before timing: the raw program of the control filter keeps all CHECK packets, the timed filter's none. */
async function checkRaw(s: Live, control: RawProg): Promise<void> {
  if (s.raw === undefined) return;
  const mine = (rs: readonly Uint8Array[]) =>
    rs.filter((d) => new DataView(d.buffer, d.byteOffset).getInt32(4, true) === s.sender.pid).length;
  const a = await withRawProgram(s.sys, control, () => s.sender.send(CHECK));
  const b = await withRawProgram(s.sys, s.raw, () => s.sender.send(CHECK));
  if (mine(a.records) < CHECK || mine(b.records) !== 0)
    throw new Error(
      `of ${CHECK} packets: tfc's raw '${KERNEL_CONTROL}' kept ${mine(a.records)}, '${KERNEL_FILTER}' ${mine(b.records)} (expected ${CHECK}, 0)`,
    );
}

async function liveRows(ctx: SuiteContext): Promise<Row[]> {
  if (process.getuid?.() !== 0) {
    ctx.note('not root: tracefs instances and tp_btf programs need root — per-hit cost skipped');
    return [];
  }
  const sysLoad = loadKoffiSyscalls();
  if (!sysLoad.ok) {
    ctx.note(`no syscalls (${sysLoad.reason}) — per-hit cost skipped`);
    return [];
  }
  const sys = sysLoad.value;
  const fs = await locateTracefs();
  if (!fs.ok) {
    ctx.note(`no tracefs (${fs.reason}) — per-hit cost skipped`);
    return [];
  }
  const live = liveKfreeSkb();
  if (typeof live === 'string') {
    ctx.note(`${live} — per-hit cost skipped`);
    return [];
  }
  const c = compileSkbCapture({ filter: TFC_FILTER, layout: live.layout, hook: live.hook, hookIndex: 0 });
  if (!c.ok || c.program.target !== 'ebpf') {
    ctx.note(`tfc cannot compile '${TFC_FILTER}' for tp_btf/kfree_skb — per-hit cost skipped`);
    return [];
  }
  const cleanup: (() => void)[] = [];
  try {
    const ring = createMap(sys, { type: 'RINGBUF', keySize: 0, valueSize: 0, maxEntries: RING_SIZE });
    if (!ring.ok) {
      ctx.note(`no BPF ring buffer (${ring.error.message}) — per-hit cost skipped`);
      return [];
    }
    cleanup.push(() => ring.value.dispose());
    const mapped = mapRing(sys, ring.value, RING_SIZE);
    if (!mapped.ok) {
      ctx.note(`${mapped.error} — per-hit cost skipped`);
      return [];
    }
    cleanup.push(() => mapped.ring.dispose());
    const loaded = loadTfc(sys, c.program, live.btfId, ring.value);
    if (typeof loaded === 'string') {
      ctx.note(`${loaded} — per-hit cost skipped`);
      return [];
    }
    cleanup.push(() => loaded.dispose());
    const floor = loadProgram(sys, {
      type: 'TRACING',
      insns: TRIVIAL_EBPF,
      name: 'tfc_capbench_0',
      license: 'GPL',
      expectedAttachType: c.program.attach?.expectedAttachType ?? 0,
      attachBtfId: live.btfId,
    });
    if (!floor.ok) {
      ctx.note(
        `the return-0 program does not load at tp_btf/kfree_skb (${floor.error.message}) — per-hit cost skipped`,
      );
      return [];
    }
    cleanup.push(() => floor.value.dispose());
    const inst = TracefsInstance.create(fs.path, `tfc_capbench_${process.pid}`);
    if (!(inst instanceof TracefsInstance)) {
      ctx.note(`no tracefs instance (${inst.reason}) — per-hit cost skipped`);
      return [];
    }
    cleanup.push(() => inst.dispose());
    inst.setBufferSizeKb(256);
    const cpu = inst.cpus[inst.cpus.length - 1] ?? 0;
    const sender = await CaptureSender.start({ cacheDir: CACHE, cpu, port: DEST_PORT });
    if (typeof sender === 'string') {
      ctx.note(`${sender} — per-hit cost skipped`);
      return [];
    }
    cleanup.push(() => sender.dispose());
    const raw = rawKfreeSkb(ctx);
    const s: Live = { sys, inst, prog: loaded.prog, floor: floor.value, sender, raw: raw?.timed };
    await checkVerdicts(s, live, ring.value, mapped.ring);
    if (raw !== undefined) await checkRaw(s, raw.control);
    const n = ctx.quick ? 2_500 : 5_000;
    const runs = ctx.quick ? 5 : Math.max(ctx.measure.runs, 11);
    ctx.note(
      `sender pinned to CPU ${cpu}, ${n} UDP datagrams per chunk to a closed port on the loopback of a private ` +
        `namespace; ${runs} runs, each ${PAIRS} (nothing, engine) pairs per engine (order rotated), a run's figure ` +
        `the median over its pairs; tfc '${TFC_FILTER}' (${c.program.stats.instructions} insns, layout from ` +
        `${live.layout.source}) vs the kernel's '${KERNEL_FILTER}' in a tracefs instance; checked first on ${CHECK} ` +
        `packets: both reject all, their controls ('${TFC_CONTROL}', '${KERNEL_CONTROL}') accept all`,
    );
    const rows = await timeEngines(s, ctx, n, runs);
    rows.push(...(await programStats(s, ctx, n, runs)));
    const recorded = instanceRecords(inst, sender.pid) + drainRing(mapped.ring);
    if (recorded > 0)
      ctx.note(`${recorded} of the sender's packets were recorded while timing (expected none)`);
    rows.push(row(SUITE, CASE, 'tfc-skb', 'instructions', 'insns', exact(c.program.stats.instructions)));
    return rows;
  } finally {
    for (const f of cleanup.reverse()) f();
  }
}

export const captureSuite: Suite = {
  name: SUITE,
  title: "tfc's skb capture program at skb:kfree_skb: per-hit cost vs the kernel's filter, sizes vs libpcap",
  run: async (ctx) => {
    ctx.progress(0, 2, 'program sizes');
    const rows = await sizeRows(ctx);
    ctx.progress(1, 2, 'per-hit cost');
    rows.push(...(await liveRows(ctx)));
    ctx.progress(2, 2, 'done');
    return rows;
  },
};
