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
 *                       against the running kernel's BTF layout, attached with BPF_RAW_TRACEPOINT_OPEN.
 * Per run and engine: PAIRS pairs of chunks (nothing, engine), the order alternating within and between runs; the
 * run's marginal is the median over its pairs of (engine − nothing), its ratio the median of (engine / nothing);
 * rows are medians over runs with min and max. Then, with BPF_ENABLE_STATS held, the program's run_time_ns / run_cnt over one chunk per run: its cost
 * per hit inside the program (hits per packet is reported too: other drops on the machine count as hits).
 *
 * Program sizes (pure, no root): every pcap corpus filter and a few named ones compiled for tp_btf/kfree_skb with
 * SKB_LAYOUT_SNAPSHOT, against libpcap 1.10.3's optimised cBPF count (the corpus's `opt`; libpcap through koffi
 * for filters the corpus lacks); the ratio distribution and the fixed part (the program for the empty filter).
 *
 * Invariants: every kernel object (program, link, maps, stats fd, tracefs instance) and the sender (with its
 * namespace) are released in `finally`; what cannot run (not root, no tracefs, no BTF, no gcc) is a note and no
 * live rows, never an exception; ratios are only between chunks of this run.
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
  type Syscalls,
  TracefsInstance,
} from '@tfc/kernel';
import { type Row, row } from '../row.ts';
import { type Summary, summarize } from '../stats.ts';
import type { Suite, SuiteContext } from '../suite.ts';
import { perPacket, ratioDistribution } from './capture-figures.ts';
import { liveKfreeSkb } from './capture-layout.ts';
import { CaptureSender } from './capture-sender.ts';
import { PCAP_CORPUS_INDEX } from './pcap-corpus.ts';

const SUITE = 'capture';
const CACHE = fileURLToPath(new URL('../../../.tfc-cache/', import.meta.url));
const KFREE_SKB = { group: 'skb', event: 'kfree_skb' } as const;
export const TFC_FILTER = 'udp port 9';
export const KERNEL_FILTER = 'protocol == 0x86dd';
const DEST_PORT = 9999;
const CASE = 'kfree_skb-reject';
export const NAMED = ['tcp port 80', 'ip6 protochain 17', 'vlan and tcp'] as const;

const exact = (n: number): Summary => ({ runs: 1, min: n, median: n, max: n });

type Engine = 'nothing' | 'kernel-interpreter' | 'tfc-skb';

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
  readonly sender: CaptureSender;
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
  const link = openRawTracepoint(s.sys, s.prog, undefined);
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
  const engines = ['kernel-interpreter', 'tfc-skb'] as const;
  for (const e of ['nothing', ...engines] as const) await chunk(s, e, n);
  const base = { wall: [] as number[], cpu: [] as number[] };
  type Series = { abs: number[]; marg: number[]; ratio: number[] };
  const mk = (): Series => ({ abs: [], marg: [], ratio: [] });
  const by = {
    'kernel-interpreter': { wall: mk(), cpu: mk() },
    'tfc-skb': { wall: mk(), cpu: mk() },
  };
  for (let r = 0; r < runs; r++) {
    ctx.progress(r, runs + 1, `timing run ${r + 1}/${runs}`);
    const order = r % 2 === 0 ? engines : ([...engines].reverse() as (typeof engines)[number][]);
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

/** Loads the tfc program (maps created and linked); everything made here is released on failure. */
function loadTfc(
  sys: Syscalls,
  p: EbpfProgram,
  btfId: number,
): { prog: BpfProgram; maps: BpfMap[] } | string {
  const def = p.maps.find((m) => m.name === SKB_RECORD_MAP);
  if (def === undefined || p.attach === undefined) return 'not an skb-context program';
  const maps: BpfMap[] = [];
  const release = () => {
    for (const m of maps) m.dispose();
  };
  const rec = createMap(
    sys,
    { type: 'PERCPU_ARRAY', keySize: 4, valueSize: def.valueSize, maxEntries: 1 },
    possibleCpuCount(),
  );
  if (!rec.ok) return `record map: ${rec.error.message}`;
  maps.push(rec.value);
  const ring = createMap(sys, { type: 'RINGBUF', keySize: 0, valueSize: 0, maxEntries: 1 << 16 });
  if (!ring.ok) {
    release();
    return `ring buffer: ${ring.error.message}`;
  }
  maps.push(ring.value);
  const linked = linkMaps(
    p.insns,
    new Map([
      [SKB_RECORD_MAP, rec.value.fd],
      [SKB_RINGBUF_MAP, ring.value.fd],
    ]),
  );
  if (!linked.ok) {
    release();
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
    release();
    return `the kernel refuses the program: ${prog.error.message}`;
  }
  return { prog: prog.value, maps };
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
  const loaded = loadTfc(sys, c.program, live.btfId);
  if (typeof loaded === 'string') {
    ctx.note(`${loaded} — per-hit cost skipped`);
    return [];
  }
  let inst: TracefsInstance | undefined;
  let sender: CaptureSender | undefined;
  try {
    const i = TracefsInstance.create(fs.path, `tfc_capbench_${process.pid}`);
    if (!(i instanceof TracefsInstance)) {
      ctx.note(`no tracefs instance (${i.reason}) — per-hit cost skipped`);
      return [];
    }
    inst = i;
    const werr = inst.writeFilter(KFREE_SKB, KERNEL_FILTER);
    if (werr !== null) {
      ctx.note(`the kernel refuses '${KERNEL_FILTER}' on skb:kfree_skb (${werr}) — per-hit cost skipped`);
      return [];
    }
    const cpu = inst.cpus[inst.cpus.length - 1] ?? 0;
    const sd = await CaptureSender.start({ cacheDir: CACHE, cpu, port: DEST_PORT });
    if (typeof sd === 'string') {
      ctx.note(`${sd} — per-hit cost skipped`);
      return [];
    }
    sender = sd;
    const n = ctx.quick ? 2_500 : 5_000;
    const runs = ctx.quick ? 5 : Math.max(ctx.measure.runs, 11);
    ctx.note(
      `sender pinned to CPU ${cpu}, ${n} UDP datagrams per chunk to a closed port on the loopback of a private ` +
        `namespace; ${runs} runs, each ${PAIRS} (nothing, engine) pairs per engine (order alternated), a run's figure the median over its pairs; tfc '${TFC_FILTER}' (${c.program.stats.instructions} ` +
        `insns, layout from ${live.layout.source}) vs the kernel's '${KERNEL_FILTER}' in a tracefs instance`,
    );
    const s: Live = { sys, inst, prog: loaded.prog, sender };
    const rows = await timeEngines(s, ctx, n, runs);
    rows.push(...(await programStats(s, ctx, n, runs)));
    const leaked = inst.drainRaw().records.length;
    if (leaked > 0)
      ctx.note(`the instance recorded ${leaked} kfree_skb events (IPv6 drops elsewhere on the machine)`);
    rows.push(row(SUITE, CASE, 'tfc-skb', 'instructions', 'insns', exact(c.program.stats.instructions)));
    return rows;
  } finally {
    sender?.dispose();
    inst?.dispose();
    loaded.prog.dispose();
    for (const m of loaded.maps) m.dispose();
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
