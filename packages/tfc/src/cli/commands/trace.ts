/*
 * `tfc trace [FILTER] --event SYS/NAME [--event ...]`: a live tracer. The kernel engine writes FILTER to each
 * event's filter file in a private tracefs instance (the kernel's interpreter decides) and reads the per-CPU
 * trace_pipe_raw sub-buffers; the ebpf engine (trace/ebpf-engine.ts) compiles FILTER into a tracepoint program that
 * decides which hits reach per-CPU perf rings. Both deliver every record as a trace frame
 * (docs/trace-over-ethernet.md): pcapng (-w FILE, or -w - for a pipe into tcpdump), one line per event (--print) or
 * one JSON object (--json), and to a device (--dev).
 * Invariants: the instance, or the programs, perf events and rings, are released on every exit path (count,
 * duration, signal, error; at process exit if leaked); both engines accept exactly the filters the running kernel
 * accepts (the ebpf engine compiles under the probed dialect and prints the kernel's filter-file text when it
 * refuses); a duration's end delivers what was recorded until then; losses are never silent (frame flag, sequence
 * gap, the pcapng statistics block and the summary);
 * sequence numbers are per CPU and count lost events when the kernel stored their number, so a receiver sees
 * the gap; the signal handlers it installs are removed before it returns.
 */
import { locateTracefs, type TimedRecord, TraceSession } from '@tfc/kernel/tracefs';
import { type EventFormat, encodeTraceFrameInto, traceFrameLength } from '@tfc/tracefs';
import type { Host } from '../../host/index.ts';
import { readLiveEvent } from '../../live-event.ts';
import { type CommandSpec, int, type Parsed, parseCommandArgs, renderHelp, str } from '../args.ts';
import { eventHint } from '../event-source.ts';
import { filterFileHelp, filterFileOption } from '../filter-input.ts';
import { EXIT, type Io, UsageError } from '../io.ts';
import { stopper } from '../stopper.ts';
import { startEbpfEngine, type TraceSource } from '../trace/ebpf-engine.ts';
import { listen } from '../trace/listen.ts';
import { deviceOutput, type Output, outputs } from '../trace/outputs.ts';
import { attachMode } from '../trace/raw-program.ts';

export const traceSpec: CommandSpec = {
  name: 'trace',
  summary:
    'Traces events live: the kernel (or tfc’s compiled program) filters them, tfc delivers them as trace frames.',
  usage:
    'tfc trace [FILTER] --event SYS/NAME [--event ...] [--engine kernel|ebpf] (--dev IF | -w FILE | --print | --json) [options]',
  options: {
    ...filterFileOption,
    event: { type: 'string', short: 'e', multiple: true },
    engine: { type: 'string' },
    attach: { type: 'string' },
    write: { type: 'string', short: 'w' },
    print: { type: 'boolean' },
    json: { type: 'boolean' },
    count: { type: 'string', short: 'c' },
    duration: { type: 'string', short: 'd' },
    'buffer-kb': { type: 'string' },
    dev: { type: 'string' },
    listen: { type: 'string' },
    format: { type: 'string', short: 'f', multiple: true },
    'keep-dev': { type: 'boolean' },
  },
  positionals: { min: 0, max: 1 },
  help: `options:
  -e, --event SYS/NAME   an event of the running kernel (repeatable)
${filterFileHelp}
      --engine E         kernel (default): the kernel's filter interpreter decides, records come from the
                         per-CPU ring buffers of a private tracefs instance;
                         ebpf: FILTER compiled by tfc (as 'tfc apply' compiles it) into a tracepoint program that
                         decides, records come from per-CPU perf ring buffers. Both accept the filters this
                         kernel accepts and deliver the same records (docs/tracing.md says what may differ:
                         common_flags/common_preempt_count, timestamps, stale padding bytes)
      --attach A         with --engine ebpf: perf (default): the program runs on the record perf built; raw: on
                         the raw tracepoint's arguments, building records only for the events it keeps
                         (docs/raw-tracepoints.md); auto: raw where every field of the records is covered
  -w, --write FILE       write the events as trace frames to a pcapng file ('-': standard output, for
                         'tfc trace ... -w - | tcpdump -r -')
      --dev IF           deliver the frames on network interface IF: created as a TAP device when absent
                         (frames are received on it: tc ingress and 'tcpdump -i IF' see them; removed on exit
                         unless --keep-dev), else sent out of the existing IF (a veth's peer receives them)
      --keep-dev         keep the TAP device tfc created
      --listen IF        the remote end: receive trace frames on IF (e.g. a veth from the tracing host's
                         namespace), decode them with --format FILE / --event SYS/NAME formats or, by event
                         id, the bundled snapshot, deliver them to -w/--print/--json, report sequence gaps
  -f, --format FILE      (with --listen) an event format file the sender's kernel has (repeatable)
      --print            one line per event: comm-pid [cpu] seconds: sys:event field=value ...
      --json             one JSON object per event
  -c, --count N          stop after N events
  -d, --duration S       stop after S seconds (default: until Ctrl-C / SIGTERM)
      --buffer-kb N      per-CPU ring buffer size (default 1024; the ebpf engine rounds it up to a power-of-two
                         number of pages)

Lost events (the consumer fell behind the kernel) are flagged on the next frame (flag bit 1), leave a gap in the
per-CPU sequence numbers, are counted in the pcapng statistics block and in the summary on stderr.
With --engine ebpf, other BPF programs on the same tracepoint also veto events: tfc names them on stderr.
Needs root and tracefs (and, for --engine ebpf, CAP_BPF and CAP_PERFMON).

exit status: 0 traced, 1 the kernel rejects the filter (or tfc cannot compile it, or the verifier rejects the
program), 2 usage error or this machine cannot trace.

examples:
  $ tfc trace 'prev_pid == 0' --event sched/sched_switch --count 5 --print
  $ tfc trace 'whence == 2' --event syscalls/sys_enter_lseek --engine ebpf --count 5 --json
  $ tfc trace 'family == 2' --event sock/inet_sock_set_state -w - | tcpdump -r - -nn -e
  $ tfc trace --event sock/inet_sock_set_state --dev trace0      # then: tcpdump -i trace0, tc on trace0
  $ tfc trace --listen veth1 --print                               # on the receiving side of a veth
`,
};

function positive(p: Parsed, name: string, max: number): number | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!(n > 0 && n <= max)) throw new UsageError(`--${name} takes a number > 0, got '${v}'`);
  return n;
}

export async function runTrace(argv: readonly string[], io: Io, host: Host): Promise<number> {
  const p = parseCommandArgs(traceSpec, argv);
  if (p.help) {
    io.out(renderHelp(traceSpec, io.columns));
    return EXIT.ok;
  }
  if (str(p, 'listen') !== undefined) return runListen(p, io);
  const engine = str(p, 'engine') ?? 'kernel';
  if (engine !== 'kernel' && engine !== 'ebpf')
    throw new UsageError(`--engine takes kernel or ebpf, got '${engine}'`);
  const attach = attachMode(str(p, 'attach'));
  if (engine === 'kernel' && p.values.attach !== undefined)
    throw new UsageError('--attach applies to --engine ebpf');
  const file = str(p, 'filter-file');
  const filter = file !== undefined ? io.readText(file, { strictUtf8: true }) : p.positionals[0];
  const specs = (p.values.event as string[] | undefined) ?? [];
  if (specs.length === 0) throw new UsageError('trace: an event is needed: --event SYS/NAME');
  const count = positive(p, 'count', Number.MAX_SAFE_INTEGER);
  const duration = positive(p, 'duration', 31_536_000);
  const bufferKb = int(p, 'buffer-kb', { min: 4, max: 1 << 20 }) ?? 1024;
  if (process.getuid?.() !== 0) throw new UsageError('trace needs root (tracefs instances)');
  const root = await locateTracefs({ mount: true });
  if (!root.ok) throw new UsageError(`cannot trace: ${root.reason}`);
  const byId = new Map<number, EventFormat>();
  const formats: EventFormat[] = [];
  const refs = specs.map((s) => {
    const m = /^([^/\s]+)[/:]([^/\s]+)$/.exec(s);
    if (!m) throw new UsageError(`--event takes SYS/NAME, got '${s}'`);
    const live = readLiveEvent(m[1] as string, m[2] as string, { root: root.path });
    if (!live.ok) throw new UsageError(`event ${s}: ${live.error}${eventHint(s, root.path)}`);
    byId.set(live.event.id, live.event);
    formats.push(live.event);
    return { group: live.event.system, event: live.event.name };
  });
  const outs = outputs(p, io);
  const dev = await deviceOutput(p, io);
  if (dev !== undefined) outs.push(dev);
  if (outs.length === 0)
    throw new UsageError('trace: say where events go: --dev IF, -w FILE, -w -, --print or --json');
  const dialect = await host.liveDialect();
  const rejected = (text: string): number => {
    io.err(text);
    for (const o of outs) o.close({ lostPerCpu: new Map() });
    return EXIT.rejected;
  };
  /** A usage-level failure after the outputs exist: they are closed (a TAP device tfc made goes away) first. */
  const unusable = (message: string): never => {
    for (const o of outs) o.close({ lostPerCpu: new Map() });
    throw new UsageError(message);
  };
  let source: TraceSource;
  let foreign: () => number[] = () => [];
  let path: 'perf' | 'raw' = 'perf';
  if (engine === 'ebpf') {
    if (!dialect.ok)
      return unusable(`--engine ebpf: cannot probe the running kernel's filter dialect: ${dialect.reason}`);
    const started = startEbpfEngine({
      events: formats,
      ...(filter !== undefined ? { filter } : {}),
      dialect: dialect.dialect,
      host,
      bufferKb,
      root: root.path,
      attach,
    });
    if (!started.ok) {
      if ('rejected' in started) return rejected(started.rejected);
      return unusable(`cannot trace: ${started.reason}`);
    }
    for (const n of started.notes) io.err(`tfc: note: ${n}\n`);
    path = started.path;
    source = started.session;
    foreign = () => started.session.foreignPrograms();
  } else {
    const started = TraceSession.start(root.path, {
      events: refs,
      ...(filter !== undefined ? { filter } : {}),
      bufferKb,
      hazard: { trailingOperator: dialect.ok ? dialect.dialect.trailingOperator : 'tolerated' },
    });
    if (!started.ok) {
      if ('rejected' in started) return rejected(started.rejected.fileText);
      return unusable(`cannot trace: ${started.reason}`);
    }
    source = started.session;
  }
  const names = refs.map((r) => `${r.group}/${r.event}`).join(', ');
  // Every BPF program on a tracepoint vetoes its perf samples: the ebpf engine names the ones that are not its own.
  const warned = new Set<number>();
  const others = (): void => {
    const ids = foreign().filter((id) => !warned.has(id));
    for (const id of ids) warned.add(id);
    if (ids.length > 0)
      io.err(`tfc: trace: other BPF programs on ${names} (ids ${ids.join(', ')}) also veto events\n`);
  };
  others();
  const how = engine === 'ebpf' ? ` (engine ebpf${path === 'raw' ? ', raw tracepoint' : ''})` : '';
  io.err(`tfc: trace: recording ${names}${how}\n`);
  try {
    return await loop(source, byId, outs, io, count, duration, others);
  } finally {
    source.dispose();
  }
}

async function loop(
  session: TraceSource,
  byId: ReadonlyMap<number, EventFormat>,
  outs: readonly Output[],
  io: Io,
  count: number | undefined,
  duration: number | undefined,
  others: () => void,
): Promise<number> {
  const seq = new Map<number, number>();
  const lostPerCpu = new Map<number, number>();
  /** CPUs whose next frame carries the lost flag (a loss reported without a record of its own). */
  const flagged = new Set<number>();
  let unknownLoss = 0;
  let received = 0;
  let lastTs = 0n;
  const t0 = Date.now();
  /** What a signal's handler read from the engine before the exit cleanup released it. */
  let atSignal: { records: TimedRecord[]; error: string | null } | undefined;
  const st = stopper(duration, () => {
    atSignal = session.finish ? session.finish() : session.read();
  });
  /** One frame buffer reused for every record (outputs copy what they keep), and comm bytes by comm. */
  let scratch = new Uint8Array(4096);
  const commCache = new Map<string, Uint8Array>();
  const utf8 = new TextEncoder();
  /** Delivers records in order; true once --count is reached. */
  const deliver = (records: readonly TimedRecord[]): boolean => {
    for (const r of records) {
      if (r.lostBefore > 0) lostPerCpu.set(r.cpu, (lostPerCpu.get(r.cpu) ?? 0) + r.lostBefore);
      if (r.lostBefore < 0) unknownLoss++;
      if (r.lostBefore !== 0) flagged.add(r.cpu);
      const s = (seq.get(r.cpu) ?? 0) + Math.max(r.lostBefore, 0);
      if (r.data.length < 8) {
        seq.set(r.cpu, s);
        continue;
      }
      const id = r.data[0]! | (r.data[1]! << 8);
      const ev = byId.get(id);
      if (ev === undefined) continue;
      const d = r.data;
      const pid = d[4]! | (d[5]! << 8) | (d[6]! << 16) | (d[7]! << 24) | 0;
      const comm = session.commOf(pid);
      let commBytes = commCache.get(comm);
      if (commBytes === undefined) {
        commBytes = utf8.encode(comm);
        commCache.set(comm, commBytes);
      }
      const lost = flagged.size > 0 && flagged.delete(r.cpu);
      const need = traceFrameLength(r.data.length);
      if (need > scratch.length) scratch = new Uint8Array(need);
      const frame = scratch.subarray(
        0,
        encodeTraceFrameInto(scratch, 0, r.data, {
          eventId: id,
          cpu: r.cpu,
          timestampNs: r.ts,
          sequence: s,
          comm: commBytes,
          lost,
        }),
      );
      seq.set(r.cpu, s + 1);
      for (const o of outs) o.frame(r, ev, frame, comm, pid);
      received++;
      if (r.ts > lastTs) lastTs = r.ts;
      if (count !== undefined && received >= count) {
        st.reason = 'count';
        return true;
      }
    }
    return false;
  };
  try {
    while (!st.stop()) {
      const { records, error } = session.read();
      if (error !== null) io.err(`tfc: trace: ring buffer: ${error}\n`);
      const done = deliver(records);
      for (const o of outs) o.flush?.();
      if (done) break;
      if (st.stop()) break;
      // Busy buffers are drained again at once; idle ones every 10 ms (a 1 MiB per-CPU buffer fills in about
      // 50 ms at 450k lseek records per second, so a longer nap loses events).
      await new Promise((res) => (records.length > 0 ? setImmediate(res) : setTimeout(res, 10)));
      if (io.isTty) io.err(`\r${received} events, ${lostTotal(lostPerCpu)} lost`);
    }
    // Stopped by time or a signal: what was recorded until then is delivered too (the ebpf engine stops recording
    // first and settles its loss count with the kernel's); a signal's handler has read it already.
    const rest =
      st.reason === 'duration'
        ? session.finish
          ? session.finish()
          : session.read()
        : st.reason?.startsWith('SIG')
          ? atSignal
          : undefined;
    if (rest !== undefined) {
      if (rest.error !== null) io.err(`tfc: trace: ring buffer: ${rest.error}\n`);
      deliver(rest.records);
    }
  } finally {
    st.dispose();
  }
  others();
  const lost = lostTotal(lostPerCpu);
  const perCpu = [...lostPerCpu].map(([cpu, n]) => `cpu${cpu}: ${n}`).join(', ');
  const note = `lost events ${lost}${perCpu ? ` (${perCpu})` : ''}${unknownLoss ? `; ${unknownLoss} losses of unknown size` : ''}`;
  const lostPerCpuBig = new Map([...lostPerCpu].map(([cpu, n]) => [cpu, BigInt(n)] as const));
  for (const o of outs) o.close({ lostPerCpu: lostPerCpuBig });
  const sends = outs.flatMap((o) => (o.summary !== undefined ? [`; ${o.summary()}`] : [])).join('');
  if (io.isTty) io.err('\n');
  io.err(
    `tfc: trace: ${received} events in ${((Date.now() - t0) / 1000).toFixed(1)} s, ${note}${sends}${st.reason?.startsWith('SIG') ? ` (stopped by ${st.reason})` : ''}\n`,
  );
  return EXIT.ok;
}

function lostTotal(m: ReadonlyMap<number, number>): number {
  let n = 0;
  for (const v of m.values()) n += v;
  return n;
}

async function runListen(p: Parsed, io: Io): Promise<number> {
  for (const o of ['dev', 'keep-dev', 'engine', 'attach', 'buffer-kb', 'filter-file'])
    if (p.values[o] !== undefined) throw new UsageError(`--${o} does not apply to --listen`);
  if (p.positionals.length > 0)
    throw new UsageError('--listen takes no filter (filter on the sender, or with tc)');
  const ifName = str(p, 'listen') as string;
  const outs = outputs(p, io, ifName);
  if (outs.length === 0)
    throw new UsageError('trace --listen: say where events go: -w FILE, -w -, --print or --json');
  const count = positive(p, 'count', Number.MAX_SAFE_INTEGER);
  const st = stopper(positive(p, 'duration', 31_536_000));
  const t0 = Date.now();
  let stats: Awaited<ReturnType<typeof listen>>;
  try {
    stats = await listen(p, io, outs, st.stop, count);
  } finally {
    st.dispose();
  }
  const g = stats.gaps;
  const note = `sequence gaps ${g.gaps} (${g.missing} events missing)${g.late ? `, ${g.late} arrived late (reordered)` : ''}${stats.flaggedLost ? `, ${stats.flaggedLost} frames flag a loss` : ''}${stats.unknownEvent ? `, ${stats.unknownEvent} of unknown events` : ''}${stats.undecodable ? `, ${stats.undecodable} not trace frames` : ''}`;
  for (const o of outs) o.close({ lostPerCpu: g.missingPerCpu });
  io.err(
    `tfc: trace: received ${stats.received} events on ${ifName} in ${((Date.now() - t0) / 1000).toFixed(1)} s, ${note}\n`,
  );
  return EXIT.ok;
}
