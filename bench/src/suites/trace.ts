/*
 * Suite `trace`: live tracers on the same workload and filter in the same run — `tfc trace` (each engine of
 * TFC_ENGINES, into a pcapng file and onto a veth end in a private network namespace) against the reference,
 * `trace-cmd record` into its trace.dat. The workload (lseek-workload.c, built with gcc) pins itself to the last
 * CPU and makes N lseek(2) calls, half of them with whence == 1, paced at a few rates up to flat out; the filter is
 * `whence == 1 && common_pid == PID`, so only the workload's matching calls count.
 * Per run and tracer: recorded events per second of workload time, the tracer's CPU time per recorded event (its
 * whole process tree, user + system: rusage at exit from rusage-run.c minus /proc at "ready", so start-up is left
 * out), matching events fired vs recorded, the losses the tracer reported and the unreported rest. Ratios are
 * tfc / trace-cmd within one run, medians over runs; tracer order rotates per run.
 * trace-cmd 3.1.6 runs as `trace-cmd record -k -d -B INSTANCE -b KB -e ... -f FILTER -o FILE` with no command,
 * stopped by SIGINT: without -d it writes /proc/sys/kernel/ftrace_enabled (EPERM here, "Can't enable ftrace"),
 * with a command its forked child reads set_ftrace_pid (EPERM here) and crashes, without -k its reset at exit dies
 * on set_ftrace_filter (EPERM). Those are function-tracer files; the event path it measures is the same.
 * Invariants: a tracer that refuses to start (an engine not built yet) is a note "unavailable: <its error>" and no
 * rows; every child, tracefs instance, file and namespace made here is released on every exit path; without root,
 * tracefs or gcc the suite notes why and returns no rows.
 */
import { existsSync, mkdtempSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addVethPair, createNamespace, type Namespace, setLinkUp } from '@tfc/iproute2';
import { buildHelper, locateTracefs } from '@tfc/kernel';
import { type Row, row } from '../row.ts';
import { summarize } from '../stats.ts';
import type { Suite, SuiteContext } from '../suite.ts';
import { Child, lastLine, sleep } from '../trace/child.ts';
import { leftovers } from '../trace/leftovers.ts';
import { NS_PER_TICK, treeCpuTicks } from '../trace/proc-cpu.ts';
import {
  loss,
  parseRusageNs,
  parseTfcSummary,
  parseWorkloadDone,
  TraceCmdReportCounter,
  type TracerCounts,
} from '../trace/tracer-report.ts';

const SUITE = 'trace';
const EVENT = 'sys_enter_lseek';
/** The tfc CLI the tracers run: this checkout's, or TFC_BENCH_TFC_BIN (another checkout's bin.ts, e.g. a branch). */
const BIN =
  process.env.TFC_BENCH_TFC_BIN ??
  fileURLToPath(new URL('../../../packages/tfc/src/cli/bin.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const C = (f: string) => fileURLToPath(new URL(`../trace/${f}`, import.meta.url));
/** Per-CPU ring buffer of every tracer (tfc --buffer-kb, trace-cmd -b). */
const BUFFER_KB = 1024;
/** A tracer has drained its ring buffers when its CPU time stands still this long after the workload's end. */
const IDLE_MS = 300;
const DRAIN_MAX_MS = 60_000;

/** Waits until the tracer's process tree has used no CPU tick for IDLE_MS (at most DRAIN_MAX_MS). */
async function drained(pid: number): Promise<void> {
  const end = Date.now() + DRAIN_MAX_MS;
  let last = treeCpuTicks(pid);
  let since = Date.now();
  while (Date.now() < end && Date.now() - since < IDLE_MS) {
    await sleep(100);
    const now = treeCpuTicks(pid);
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
}

/** tfc's engines, as `--engine` names; an engine `tfc trace` refuses is reported unavailable. */
export const TFC_ENGINES = ['kernel', 'ebpf'] as const;

export type Output = 'pcapng' | 'veth' | 'trace.dat';
export interface TracerSpec {
  /** `tfc-<engine>` or `trace-cmd`. */
  readonly engine: string;
  readonly output: Output;
  readonly reference: boolean;
}

export function tracerSpecs(): TracerSpec[] {
  return [
    { engine: 'trace-cmd', output: 'trace.dat', reference: true },
    ...TFC_ENGINES.flatMap((e) =>
      (['pcapng', 'veth'] as const).map((output) => ({ engine: `tfc-${e}`, output, reference: false })),
    ),
  ];
}

export const label = (s: TracerSpec): string => `${s.engine} -> ${s.output}`;

export interface Rate {
  readonly name: string;
  /** Calls per second; 0 is flat out. */
  readonly callsPerS: number;
  readonly calls: number;
}

export function rates(quick: boolean): Rate[] {
  if (quick) return [{ name: 'flat-out', callsPerS: 0, calls: 200_000 }];
  return [
    { name: '50k-calls/s', callsPerS: 50_000, calls: 100_000 },
    { name: '100k-calls/s', callsPerS: 100_000, calls: 200_000 },
    { name: 'flat-out', callsPerS: 0, calls: 1_000_000 },
  ];
}

/** One tracer's figures in one run. */
export interface Sample {
  readonly fired: number;
  readonly elapsedNs: number;
  readonly cpuNs: number;
  readonly counts: TracerCounts;
}

class Unavailable extends Error {}

interface Env {
  readonly tracefs: string;
  readonly workload: string;
  readonly runner: string;
  readonly cpu: number;
  readonly ns: Namespace | undefined;
  readonly dir: string;
  /** trace-cmd instances that could not be removed (noted at the end). */
  readonly stuck: string[];
  seq: number;
}

/** Starts the workload and returns it once it has printed its pid (it waits for a line on stdin). */
async function startWorkload(env: Env, rate: Rate): Promise<{ w: Child; pid: number }> {
  const w = new Child([env.workload, String(rate.calls), String(rate.callsPerS), String(env.cpu)], {
    stdin: true,
  });
  const ok = await w.until(() => /^pid \d+$/m.test(w.stdout), 10_000);
  const m = /^pid (\d+)$/m.exec(w.stdout);
  if (!ok || !m) {
    await w.stop();
    throw new Error(`the workload did not start: ${lastLine(w.stderr)}`);
  }
  return { w, pid: Number(m[1]) };
}

/** The tracer's command line and how to tell it is recording. */
function tracerCommand(
  env: Env,
  s: TracerSpec,
  filter: string,
  file: string,
  instance: string,
): { argv: string[]; cwd: string; ready: (c: Child) => boolean } {
  if (s.engine === 'trace-cmd') {
    // Recording once the instance is on, the event enabled and the filter written: trace-cmd enables the event
    // before it writes the filter and turns tracing_on back on last.
    const dir = join(env.tracefs, 'instances', instance);
    const ev = join(dir, 'events', 'syscalls', EVENT);
    const ready = () =>
      readTrim(join(dir, 'tracing_on')) === '1' &&
      readTrim(join(ev, 'enable')) === '1' &&
      (readTrim(join(ev, 'filter')) ?? '').includes(`common_pid == ${filter.replace(/.*== /, '')}`);
    const argv = ['trace-cmd', 'record', '-k', '-d', '-B', instance, '-b', String(BUFFER_KB)];
    argv.push('-e', `syscalls:${EVENT}`, '-f', filter, '-o', file);
    return { argv: [env.runner, ...argv], cwd: env.dir, ready };
  }
  const out = s.output === 'veth' ? ['--dev', 'veth0'] : ['-w', file];
  const engine = s.engine.replace(/^tfc-/, '');
  // `ip netns exec` (not a bare setns): tfc looks devices up in /sys/class/net, which it remounts for the namespace.
  const netns = s.output === 'veth' && env.ns !== undefined ? ['ip', 'netns', 'exec', env.ns.name] : [];
  const argv = [env.runner, ...netns, process.execPath, '--import', 'tsx', BIN, 'trace', filter];
  argv.push('--event', `syscalls/${EVENT}`, '--engine', engine, '--buffer-kb', String(BUFFER_KB), ...out);
  return { argv, cwd: REPO, ready: (c) => c.stderr.includes('tfc: trace: recording') };
}

function readTrim(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** trace-cmd report's counts for `file` (streamed: the report of millions of events is never held whole). */
async function traceCmdCounts(file: string): Promise<TracerCounts> {
  const counter = new TraceCmdReportCounter(EVENT);
  const c = new Child(['trace-cmd', 'report', '-i', file]);
  c.proc.stdout?.removeAllListeners('data');
  c.proc.stdout?.on('data', (d: string) => counter.push(d));
  const e = await c.wait(300_000);
  if (e.code !== 0) throw new Error(`trace-cmd report failed: ${lastLine(c.stderr)}`);
  return counter.end();
}

/** One tracer on one workload run. */
async function measureOnce(env: Env, s: TracerSpec, rate: Rate): Promise<Sample> {
  const k = env.seq++;
  const file = join(env.dir, `run-${k}.${s.output === 'pcapng' ? 'pcapng' : 'dat'}`);
  const instance = `tfcbench-${process.pid}-${k}`;
  const inst = join(env.tracefs, 'instances', instance);
  leftovers.instance(inst, true);
  const { w, pid } = await startWorkload(env, rate);
  let t: Child | undefined;
  try {
    const filter = `whence == 1 && common_pid == ${pid}`;
    const cmd = tracerCommand(env, s, filter, file, instance);
    t = new Child(cmd.argv, { cwd: cmd.cwd });
    const tracer = t;
    if (!(await tracer.until(() => cmd.ready(tracer), 60_000))) {
      await tracer.stop();
      const why = lastLine(tracer.stderr, ['tfc:', 'trace-cmd:', 'usage']);
      if (tracer.exit !== undefined) throw new Unavailable(why);
      throw new Error(`${label(s)} did not start recording within 60 s: ${why}`);
    }
    if (s.engine === 'trace-cmd') await sleep(300); // its per-CPU recorders open trace_pipe_raw
    const tracerPid = tracer.pid as number;
    const cpu0 = treeCpuTicks(tracerPid) * NS_PER_TICK;
    w.proc.stdin?.end('go\n');
    const we = await w.wait(600_000);
    const done = parseWorkloadDone(w.stdout);
    if (we.code !== 0 || done === undefined) throw new Error(`the workload failed: ${lastLine(w.stderr)}`);
    await drained(tracerPid);
    tracer.signal('SIGINT');
    const te = await tracer.wait(120_000);
    const total = parseRusageNs(tracer.stderr);
    if (te.code !== 0 || total === undefined)
      throw new Error(`${label(s)} ended badly (${te.code ?? te.signal}): ${lastLine(tracer.stderr)}`);
    let counts: TracerCounts | undefined;
    if (s.engine === 'trace-cmd') counts = await traceCmdCounts(file);
    else counts = parseTfcSummary(tracer.stderr);
    if (counts === undefined) throw new Error(`${label(s)}: no summary line: ${lastLine(tracer.stderr)}`);
    return { fired: Math.ceil(done.calls / 2), elapsedNs: done.elapsedNs, cpuNs: total - cpu0, counts };
  } finally {
    await w.stop();
    await t?.stop();
    rmSync(file, { force: true });
    for (let i = 0; i < 64; i++) rmSync(`${file}.cpu${i}`, { force: true });
    let removed = true;
    if (existsSync(inst)) {
      try {
        rmdirSync(inst);
      } catch (e) {
        removed = false; // stays registered: the exit hook tries again; the suite says so
        env.stuck.push(`${inst} (${(e as Error).message})`);
      }
    }
    if (removed) leftovers.instance(inst, false);
  }
}

/**
 * Rows of one rate: each tracer's figures and the tfc / trace-cmd ratios, as median/min/max over runs. `samples`
 * holds one entry per run (undefined: that run failed); a ratio pairs the runs both tracers measured.
 */
export function rateRows(
  rate: string,
  samples: ReadonlyMap<string, readonly (Sample | undefined)[]>,
  ref: string,
): Row[] {
  const out: Row[] = [];
  const eps = (x: Sample) => x.counts.recorded / (x.elapsedNs / 1e9);
  const cpe = (x: Sample) => (x.counts.recorded > 0 ? x.cpuNs / x.counts.recorded : Number.NaN);
  const finite = (v: readonly number[]) => v.filter((x) => Number.isFinite(x));
  const add = (engine: string, metric: string, unit: string, v: readonly number[]) => {
    if (v.length > 0) out.push(row(SUITE, rate, engine, metric, unit, summarize(v)));
  };
  const defined = (l: string) => (samples.get(l) ?? []).filter((x): x is Sample => x !== undefined);
  const all = [...samples.keys()].flatMap(defined);
  add(
    'workload',
    'matching_calls_per_s',
    'events/s',
    all.map((x) => x.fired / (x.elapsedNs / 1e9)),
  );
  for (const l of samples.keys()) {
    const xs = defined(l);
    add(l, 'recorded_events_per_s', 'events/s', xs.map(eps));
    add(l, 'cpu_ns_per_event', 'ns', finite(xs.map(cpe)));
    add(
      l,
      'lost_pct',
      '%',
      xs.map((x) => loss(x.fired, x.counts).lostPct),
    );
    add(
      l,
      'reported_lost',
      'events',
      xs.map((x) => x.counts.reportedLost),
    );
    add(
      l,
      'unreported_lost',
      'events',
      xs.map((x) => loss(x.fired, x.counts).unreported),
    );
  }
  const refs = samples.get(ref) ?? [];
  for (const [l, xs] of samples) {
    if (l === ref) continue;
    const ratios = (f: (x: Sample) => number) =>
      finite(
        xs.flatMap((x, i) => {
          const y = refs[i];
          return x === undefined || y === undefined ? [] : [f(x) / f(y)];
        }),
      );
    add(`${l} / ${ref}`, 'recorded_events_per_s_ratio', 'x', ratios(eps));
    add(`${l} / ${ref}`, 'cpu_ns_per_event_ratio', 'x', ratios(cpe));
  }
  return out;
}

async function makeNamespace(ctx: SuiteContext): Promise<Namespace | undefined> {
  const ns = await createNamespace('tfcbench');
  if (!ns.ok) {
    ctx.note(`no network namespace (${ns.error.message}): the veth rows are not measured`);
    return undefined;
  }
  const name = ns.value.name;
  for (const r of [
    await addVethPair(name, 'veth0', 'veth1'),
    await setLinkUp(name, 'veth0'),
    await setLinkUp(name, 'veth1'),
  ])
    if (!r.ok) {
      ctx.note(`veth pair in ${name}: ${r.error.message}: the veth rows are not measured`);
      await ns.value.dispose();
      return undefined;
    }
  return ns.value;
}

function hasTraceCmd(): Promise<boolean> {
  const c = new Child(['trace-cmd', '--version']);
  // `trace-cmd --version` prints its version and its usage, and exits 255.
  return c.wait(10_000).then(() => /trace-cmd version \d/.test(c.stdout + c.stderr));
}

async function run(ctx: SuiteContext): Promise<readonly Row[]> {
  if (process.getuid?.() !== 0) {
    ctx.note('not root: tracefs instances need root — trace suite skipped');
    return [];
  }
  const fs = await locateTracefs({ mount: true });
  if (!fs.ok) {
    ctx.note(`no tracefs (${fs.reason}) — trace suite skipped`);
    return [];
  }
  if (!existsSync(join(fs.path, 'events', 'syscalls', EVENT))) {
    ctx.note(`no syscalls:${EVENT} event in this kernel — trace suite skipped`);
    return [];
  }
  const [workload, runner] = await Promise.all([
    buildHelper(C('lseek-workload.c'), { name: 'tfc-bench-lseek-workload' }),
    buildHelper(C('rusage-run.c'), { name: 'tfc-bench-rusage-run' }),
  ]);
  if (!workload.ok || !runner.ok) {
    ctx.note(
      `the C helpers cannot be built (${workload.ok ? '' : workload.reason}${runner.ok ? '' : runner.reason}) — trace suite skipped`,
    );
    return [];
  }
  let specs = tracerSpecs();
  const ref = specs.find((s) => s.reference) as TracerSpec;
  if (!(await hasTraceCmd())) {
    ctx.note('trace-cmd is not installed (apt-get install trace-cmd): no reference, no ratios');
    specs = specs.filter((s) => !s.reference);
  }
  const dir = mkdtempSync(join(tmpdir(), 'tfc-bench-trace-'));
  leftovers.dir(dir, true);
  const ns = await makeNamespace(ctx);
  if (ns === undefined) specs = specs.filter((s) => s.output !== 'veth');
  const env: Env = {
    tracefs: fs.path,
    workload: workload.path,
    runner: runner.path,
    cpu: Math.max(0, cpus().length - 1),
    ns,
    dir,
    stuck: [],
    seq: 0,
  };
  const runs = ctx.quick ? 3 : 5;
  const rs = rates(ctx.quick);
  const rows: Row[] = [];
  const dead = new Set<string>();
  try {
    const total = rs.length * runs * specs.length;
    let done = 0;
    for (const rate of rs) {
      const samples = new Map<string, (Sample | undefined)[]>(specs.map((s) => [label(s), []]));
      for (let r = 0; r < runs; r++) {
        const order = specs.map((_, i) => specs[(i + r) % specs.length] as TracerSpec);
        for (const s of order) {
          ctx.progress(done++, total, `${rate.name} ${label(s)}`);
          const got = samples.get(label(s)) as (Sample | undefined)[];
          got[r] = undefined;
          if (dead.has(label(s)) || dead.has(s.engine)) continue;
          try {
            got[r] = await measureOnce(env, s, rate);
          } catch (e) {
            if (e instanceof Unavailable) {
              // A refused --engine is the engine's, whatever the output; anything else is this tracer's alone.
              const key = /--engine/.test(e.message) ? s.engine : label(s);
              dead.add(key);
              ctx.note(`${key}: unavailable: ${e.message}`);
            } else ctx.note(`${rate.name} ${label(s)} run ${r + 1}: ${(e as Error).message}`);
          }
        }
      }
      rows.push(...rateRows(rate.name, samples, label(ref)));
    }
    ctx.progress(total, total, 'done');
  } finally {
    if (env.stuck.length > 0) ctx.note(`tracefs instances left behind: ${env.stuck.join(', ')}`);
    await ns?.dispose();
    rmSync(dir, { recursive: true, force: true });
    leftovers.dir(dir, false);
  }
  return rows;
}

export const traceSuite: Suite = {
  name: SUITE,
  title: 'live tracing: tfc trace (pcapng, veth) vs trace-cmd record, events/s, CPU/event, loss',
  run,
};
