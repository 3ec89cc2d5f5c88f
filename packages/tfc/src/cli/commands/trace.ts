/*
 * `tfc trace [FILTER] --event SYS/NAME [--event ...]`: a live tracer. The kernel engine writes FILTER to each
 * event's filter file in a private tracefs instance (the kernel's interpreter decides), reads the per-CPU
 * trace_pipe_raw sub-buffers, and delivers every record as a trace frame (docs/trace-over-ethernet.md):
 * pcapng (-w FILE, or -w - for a pipe into tcpdump), one line per event (--print) or one JSON object (--json).
 * Invariants: the instance is removed on every exit path (count, duration, signal, error; at process exit if
 * leaked); losses are never silent (frame flag, sequence gap, the pcapng statistics block and the summary);
 * sequence numbers are per CPU and count lost events when the kernel stored their number, so a receiver sees
 * the gap; the signal handlers it installs are removed before it returns.
 */
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { run } from '@tfc/iproute2';
import { loadKoffiSyscalls, openPacketSocket, TapDevice } from '@tfc/kernel/sys';
import { locateTracefs, type TimedRecord, TraceSession } from '@tfc/kernel/tracefs';
import {
  type EventFormat,
  encodeTraceFrame,
  formatRecordFields,
  readLiveEvent,
  recordFields,
} from '@tfc/tracefs';
import type { Host } from '../../host/index.ts';
import { type CommandSpec, flag, int, type Parsed, parseCommandArgs, renderHelp, str } from '../args.ts';
import { filterFileHelp, filterFileOption } from '../filter-input.ts';
import { EXIT, type Io, UsageError } from '../io.ts';
import { pcapngHeader, pcapngPacket, pcapngStats } from '../trace/pcapng-stream.ts';

export const traceSpec: CommandSpec = {
  name: 'trace',
  summary:
    'Traces events live: the kernel filters them, tfc delivers them as trace frames (pcapng, text, JSON).',
  usage:
    'tfc trace [FILTER] --event SYS/NAME [--event ...] (--dev IF | -w FILE | --print | --json) [options]',
  options: {
    ...filterFileOption,
    event: { type: 'string', short: 'e', multiple: true },
    engine: { type: 'string' },
    write: { type: 'string', short: 'w' },
    print: { type: 'boolean' },
    json: { type: 'boolean' },
    count: { type: 'string', short: 'c' },
    duration: { type: 'string', short: 'd' },
    'buffer-kb': { type: 'string' },
    dev: { type: 'string' },
    'keep-dev': { type: 'boolean' },
  },
  positionals: { min: 0, max: 1 },
  help: `options:
  -e, --event SYS/NAME   an event of the running kernel (repeatable)
${filterFileHelp}
      --engine E         kernel (default): the kernel's filter interpreter decides, records come from the
                         per-CPU ring buffers of a private tracefs instance
  -w, --write FILE       write the events as trace frames to a pcapng file ('-': standard output, for
                         'tfc trace ... -w - | tcpdump -r -')
      --dev IF           deliver the frames on network interface IF: created as a TAP device when absent
                         (frames are received on it: tc ingress and 'tcpdump -i IF' see them; removed on exit
                         unless --keep-dev), else sent out of the existing IF (a veth's peer receives them)
      --keep-dev         keep the TAP device tfc created
      --print            one line per event: comm-pid [cpu] seconds: sys:event field=value ...
      --json             one JSON object per event
  -c, --count N          stop after N events
  -d, --duration S       stop after S seconds (default: until Ctrl-C / SIGTERM)
      --buffer-kb N      per-CPU ring buffer size (default 1024)

Lost events (the consumer fell behind the kernel) are flagged on the next frame (flag bit 1), leave a gap in the
per-CPU sequence numbers, are counted in the pcapng statistics block and in the summary on stderr.
Needs root and tracefs.

exit status: 0 traced, 1 the kernel rejects the filter, 2 usage error or this machine cannot trace.

examples:
  $ tfc trace 'prev_pid == 0' --event sched/sched_switch --count 5 --print
  $ tfc trace 'family == 2' --event sock/inet_sock_set_state -w - | tcpdump -r - -nn -e
`,
};

interface Output {
  readonly frame: (rec: TimedRecord, ev: EventFormat, frame: Uint8Array, comm: string, pid: number) => void;
  readonly close: (lost: bigint, received: bigint, note: string, lastTs: bigint) => void;
}

/** --dev IF: a TAP device tfc creates (frames received on it), or an existing interface (frames sent out of it). */
async function deviceOutput(p: Parsed, io: Io): Promise<Output | undefined> {
  const name = str(p, 'dev');
  if (name === undefined) {
    if (flag(p, 'keep-dev')) throw new UsageError('--keep-dev applies to --dev');
    return undefined;
  }
  if (!/^[A-Za-z0-9_.@-]{1,15}$/.test(name)) throw new UsageError(`--dev '${name}': not an interface name`);
  const sysLoad = loadKoffiSyscalls();
  if (!sysLoad.ok) throw new UsageError(`--dev: the kernel cannot be used here: ${sysLoad.reason}`);
  const sys = sysLoad.value;
  if (!existsSync(`/sys/class/net/${name}`)) {
    const tap = TapDevice.open(sys, name);
    if (!tap.ok) throw new UsageError(`--dev ${name}: cannot create a TAP device: ${tap.error.message}`);
    const keep = flag(p, 'keep-dev');
    if (keep) {
      const k = tap.value.setPersistent(true);
      if (!k.ok) io.err(`tfc: trace: --keep-dev: ${k.error.message}\n`);
    }
    const up = await run('ip', ['link', 'set', 'dev', name, 'up']);
    if (!up.ok) {
      tap.value.dispose();
      throw new UsageError(`--dev ${name}: ip link set up: ${up.error.message}`);
    }
    io.err(`tfc: trace: created TAP device ${name}${keep ? ' (kept after exit)' : ' (removed on exit)'}\n`);
    return {
      frame: (_r, _e, frame) => {
        tap.value.write(frame);
      },
      close: () => tap.value.dispose(),
    };
  }
  const ifindex = Number(readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8'));
  const sock = openPacketSocket(sys, { ifindex, protocol: 0 });
  if (!sock.ok) throw new UsageError(`--dev ${name}: ${sock.error.message}`);
  return {
    frame: (_r, _e, frame) => {
      sock.value.send(frame);
    },
    close: () => sock.value.dispose(),
  };
}

function outputs(p: Parsed, io: Io): Output[] {
  const outs: Output[] = [];
  const w = str(p, 'write');
  if (w !== undefined) {
    let write: (b: Uint8Array) => void;
    let done = (): void => {};
    if (w === '-') {
      const ob = io.outBytes;
      if (ob === undefined) throw new UsageError('-w -: this output cannot take binary data');
      if (flag(p, 'print') || flag(p, 'json'))
        throw new UsageError('-w - takes standard output: no --print/--json');
      write = ob;
    } else {
      let fd: number;
      try {
        fd = openSync(w, 'w');
      } catch (e) {
        throw new UsageError(`cannot write ${w}: ${(e as Error).message}`);
      }
      write = (b) => {
        writeSync(fd, b);
      };
      done = () => closeSync(fd);
    }
    write(pcapngHeader('trace0'));
    outs.push({
      frame: (r, ev, frame) => write(pcapngPacket(frame, r.ts, `${ev.system}:${ev.name}`)),
      close: (lost, received, note, lastTs) => {
        write(pcapngStats(lastTs, received, lost, note));
        done();
      },
    });
  }
  if (flag(p, 'print'))
    outs.push({
      frame: (r, ev, _f, comm, pid) =>
        io.out(
          `${comm}-${pid} [${String(r.cpu).padStart(3, '0')}] ${seconds(r.ts)}: ${ev.system}:${ev.name} ${formatRecordFields(ev, r.data)}\n`,
        ),
      close: () => {},
    });
  if (flag(p, 'json'))
    outs.push({
      frame: (r, ev, _f, comm, pid) =>
        io.out(
          `${JSON.stringify({
            event: `${ev.system}/${ev.name}`,
            cpu: r.cpu,
            ts: r.ts.toString(),
            pid,
            comm,
            ...(r.lostBefore !== 0 ? { lostBefore: r.lostBefore } : {}),
            fields: recordFields(ev, r.data),
          })}\n`,
        ),
      close: () => {},
    });
  return outs;
}

function seconds(ns: bigint): string {
  return `${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0').slice(0, 6)}`;
}

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
    io.out(renderHelp(traceSpec));
    return EXIT.ok;
  }
  const engine = str(p, 'engine') ?? 'kernel';
  if (engine !== 'kernel') throw new UsageError(`--engine ${engine}: only the kernel engine is available`);
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
  const refs = specs.map((s) => {
    const m = /^([^/\s]+)[/:]([^/\s]+)$/.exec(s);
    if (!m) throw new UsageError(`--event takes SYS/NAME, got '${s}'`);
    const live = readLiveEvent(m[1] as string, m[2] as string, { root: root.path });
    if (!live.ok) throw new UsageError(`event ${s}: ${live.error}`);
    byId.set(live.event.id, live.event);
    return { group: live.event.system, event: live.event.name };
  });
  const outs = outputs(p, io);
  const dev = await deviceOutput(p, io);
  if (dev !== undefined) outs.push(dev);
  if (outs.length === 0)
    throw new UsageError('trace: say where events go: --dev IF, -w FILE, -w -, --print or --json');
  const dialect = await host.liveDialect();
  const started = TraceSession.start(root.path, {
    events: refs,
    ...(filter !== undefined ? { filter } : {}),
    bufferKb,
    hazard: { trailingOperator: dialect.ok ? dialect.dialect.trailingOperator : 'tolerated' },
  });
  if (!started.ok) {
    if ('rejected' in started) {
      io.err(started.rejected.fileText);
      for (const o of outs) o.close(0n, 0n, 'the kernel rejected the filter', 0n);
      return EXIT.rejected;
    }
    throw new UsageError(`cannot trace: ${started.reason}`);
  }
  const session = started.session;
  try {
    return await loop(session, byId, outs, io, count, duration);
  } finally {
    session.dispose();
  }
}

async function loop(
  session: TraceSession,
  byId: ReadonlyMap<number, EventFormat>,
  outs: readonly Output[],
  io: Io,
  count: number | undefined,
  duration: number | undefined,
): Promise<number> {
  const seq = new Map<number, number>();
  const lostPerCpu = new Map<number, number>();
  let unknownLoss = 0;
  let received = 0;
  let lastTs = 0n;
  const t0 = Date.now();
  let stop: string | undefined;
  const handlers: [NodeJS.Signals, () => void][] = [];
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const h = () => {
      stop = sig;
    };
    handlers.push([sig, h]);
    process.on(sig, h);
  }
  try {
    while (stop === undefined) {
      const { records, error } = session.read();
      if (error !== null) io.err(`tfc: trace: ring buffer: ${error}\n`);
      for (const r of records) {
        if (r.lostBefore > 0) lostPerCpu.set(r.cpu, (lostPerCpu.get(r.cpu) ?? 0) + r.lostBefore);
        if (r.lostBefore < 0) unknownLoss++;
        const s = (seq.get(r.cpu) ?? 0) + Math.max(r.lostBefore, 0);
        if (r.data.length < 8) {
          seq.set(r.cpu, s);
          continue;
        }
        const id = r.data[0]! | (r.data[1]! << 8);
        const ev = byId.get(id);
        if (ev === undefined) continue;
        const pid = new DataView(r.data.buffer, r.data.byteOffset, r.data.byteLength).getInt32(4, true);
        const comm = session.commOf(pid);
        const frame = encodeTraceFrame(r.data, {
          eventId: id,
          cpu: r.cpu,
          timestampNs: r.ts,
          sequence: s,
          comm,
          lost: r.lostBefore !== 0,
        });
        seq.set(r.cpu, s + 1);
        for (const o of outs) o.frame(r, ev, frame, comm, pid);
        received++;
        if (r.ts > lastTs) lastTs = r.ts;
        if (count !== undefined && received >= count) {
          stop = 'count';
          break;
        }
      }
      if (stop !== undefined) break;
      if (duration !== undefined && Date.now() - t0 >= duration * 1000) stop = 'duration';
      else await new Promise((res) => setTimeout(res, 50));
      if (io.isTty) io.err(`\r${received} events, ${lostTotal(lostPerCpu)} lost`);
    }
  } finally {
    for (const [sig, h] of handlers) process.off(sig, h);
  }
  const lost = lostTotal(lostPerCpu);
  const perCpu = [...lostPerCpu].map(([cpu, n]) => `cpu${cpu}: ${n}`).join(', ');
  const note = `lost events ${lost}${perCpu ? ` (${perCpu})` : ''}${unknownLoss ? `; ${unknownLoss} losses of unknown size` : ''}`;
  for (const o of outs) o.close(BigInt(lost), BigInt(received), note, lastTs);
  if (io.isTty) io.err('\n');
  io.err(
    `tfc: trace: ${received} events in ${((Date.now() - t0) / 1000).toFixed(1)} s, ${note}${stop?.startsWith('SIG') ? ` (stopped by ${stop})` : ''}\n`,
  );
  return EXIT.ok;
}

function lostTotal(m: ReadonlyMap<number, number>): number {
  let n = 0;
  for (const v of m.values()) n += v;
  return n;
}
