/*
 * `tfc trace --listen IF`: the receiving end of remote tracing. Trace frames (EtherType 0x88B5) arriving on IF
 * are decoded with the event formats the receiver is given (--format FILE, --event SYS/NAME from this host's
 * tracefs) or, by event id, the bundled snapshot, and delivered to the same outputs as a local trace. Gaps are
 * reported from the per-CPU sequence numbers (docs/trace-over-ethernet.md): a frame whose sequence is ahead of the
 * next expected one on its CPU means events were lost on the way or by the sender's kernel.
 * The socket's receive buffer is raised (socket-buffer.ts). Reordered frames (classes on the way) fill the holes they left and are counted as late, not missing.
 * Invariants: frames of another EtherType or that do not decode are counted, never delivered; a frame of an
 * unknown event id is counted and delivered to pcapng only (no format to print it with); the packet socket is
 * closed on every exit path.
 */
import { existsSync, readFileSync } from 'node:fs';
import { loadKoffiSyscalls, openPacketSocket } from '@tfc/kernel/sys';
import {
  bundledEvent,
  bundledEventNames,
  decodeTraceFrame,
  type EventFormat,
  parseFormat,
} from '@tfc/tracefs';
import { readLiveEvent } from '../../live-event.ts';
import { type Parsed, str } from '../args.ts';
import { type Io, UsageError } from '../io.ts';
import type { Output } from './outputs.ts';
import { raiseSocketBuffer } from './socket-buffer.ts';

/** Holes remembered per CPU for frames that may still arrive late (older holes stay counted as missing). */
const MAX_HOLES = 4096;

/**
 * Per-CPU sequence tracking: the gaps seen so far. A frame ahead of the next expected one opens a hole (its
 * sequences count as missing); a frame that arrives later inside a hole (reordered on the way: a qdisc with classes
 * sends a high class's frames before the low class's older ones) fills it again and is counted as late, not
 * missing; a frame older than every remembered hole (a duplicate, a restarted sender) changes nothing.
 */
export class SequenceGaps {
  readonly #next = new Map<number, number>();
  /** Per CPU: holes as [first, end) in sequence space (end exclusive, mod 2^32), oldest first. */
  readonly #holes = new Map<number, [number, number][]>();
  readonly missingPerCpu = new Map<number, bigint>();
  gaps = 0;
  missing = 0;
  /** Frames that arrived after a later frame of their CPU (they filled a hole). */
  late = 0;

  /** Records frame `seq` of `cpu`; returns how many events are missing just before it (0: none). */
  see(cpu: number, seq: number): number {
    const want = this.#next.get(cpu);
    if (want === undefined || seq === want) {
      this.#next.set(cpu, (seq + 1) >>> 0);
      return 0;
    }
    const ahead = (seq - want) >>> 0;
    if (ahead >= 0x80000000) {
      this.#fill(cpu, seq);
      return 0; // an older frame: a reordered one fills its hole; never a gap
    }
    this.#next.set(cpu, (seq + 1) >>> 0);
    this.gaps++;
    this.missing += ahead;
    this.missingPerCpu.set(cpu, (this.missingPerCpu.get(cpu) ?? 0n) + BigInt(ahead));
    const holes = this.#holes.get(cpu) ?? [];
    holes.push([want, seq]);
    if (holes.length > MAX_HOLES) holes.shift();
    this.#holes.set(cpu, holes);
    return ahead;
  }

  #fill(cpu: number, seq: number): void {
    const holes = this.#holes.get(cpu);
    if (holes === undefined) return;
    const i = holes.findIndex(([lo, end]) => (seq - lo) >>> 0 < (end - lo) >>> 0);
    if (i < 0) return;
    const [lo, end] = holes[i] as [number, number];
    const parts: [number, number][] = [];
    if (seq !== lo) parts.push([lo, seq]);
    if ((seq + 1) >>> 0 !== end) parts.push([(seq + 1) >>> 0, end]);
    holes.splice(i, 1, ...parts);
    this.late++;
    this.missing--;
    this.missingPerCpu.set(cpu, (this.missingPerCpu.get(cpu) ?? 1n) - 1n);
  }
}

/** The formats a receiver decodes with: given files, this host's events, then the bundled snapshot by id. */
export function formatsFor(p: Parsed, io: Io): (id: number) => EventFormat | undefined {
  const byId = new Map<number, EventFormat>();
  for (const file of (p.values.format as string[] | undefined) ?? []) {
    const r = parseFormat(io.readText(file));
    if (!r.ok) throw new UsageError(`${file}:${r.error.line}: ${r.error.message}`);
    byId.set(r.event.id, r.event);
  }
  for (const spec of (p.values.event as string[] | undefined) ?? []) {
    const m = /^([^/\s]+)[/:]([^/\s]+)$/.exec(spec);
    if (!m) throw new UsageError(`--event takes SYS/NAME, got '${spec}'`);
    const live = readLiveEvent(m[1] as string, m[2] as string);
    if (!live.ok) throw new UsageError(`event ${spec}: ${live.error}`);
    byId.set(live.event.id, live.event);
  }
  let bundled: Map<number, EventFormat> | undefined;
  return (id) => {
    const hit = byId.get(id);
    if (hit !== undefined) return hit;
    if (bundled === undefined) {
      bundled = new Map();
      for (const name of bundledEventNames()) {
        const [sys, ev] = name.split('/') as [string, string];
        const f = bundledEvent(sys, ev);
        if (f !== undefined) bundled.set(f.id, f);
      }
    }
    return bundled.get(id);
  };
}

export interface ListenStats {
  received: number;
  undecodable: number;
  unknownEvent: number;
  flaggedLost: number;
  readonly gaps: SequenceGaps;
}

/**
 * Receives frames on `ifName` until `stop()` says so, delivering each to `outs`. Resolves with the statistics.
 * `count` stops after that many delivered events.
 */
export async function listen(
  p: Parsed,
  io: Io,
  outs: readonly Output[],
  stop: () => boolean,
  count: number | undefined,
): Promise<ListenStats> {
  const ifName = str(p, 'listen') as string;
  if (!/^[A-Za-z0-9_.@-]{1,15}$/.test(ifName) || !existsSync(`/sys/class/net/${ifName}`))
    throw new UsageError(`--listen ${ifName}: no such interface`);
  const formatOf = formatsFor(p, io);
  const sysLoad = loadKoffiSyscalls();
  if (!sysLoad.ok) throw new UsageError(`--listen: the kernel cannot be used here: ${sysLoad.reason}`);
  const ifindex = Number(readFileSync(`/sys/class/net/${ifName}/ifindex`, 'utf8'));
  const sock = openPacketSocket(sysLoad.value, { ifindex, protocol: 0x88b5 });
  if (!sock.ok) throw new UsageError(`--listen ${ifName}: ${sock.error.message}`);
  // Bursts (a qdisc draining, a receiver not scheduled for a moment) wait in the socket instead of being dropped.
  raiseSocketBuffer(sysLoad.value, sock.value.fd, 'receive');
  io.err(`tfc: trace: listening on ${ifName}\n`);
  const stats: ListenStats = {
    received: 0,
    undecodable: 0,
    unknownEvent: 0,
    flaggedLost: 0,
    gaps: new SequenceGaps(),
  };
  try {
    while (!stop()) {
      const f = sock.value.receive();
      if (!f.ok) throw new UsageError(`--listen ${ifName}: ${f.error.message}`);
      if (f.value === undefined) {
        for (const o of outs) o.flush?.();
        await new Promise((res) => setTimeout(res, 20));
        continue;
      }
      const d = decodeTraceFrame(f.value);
      if (!d.ok) {
        stats.undecodable++;
        continue;
      }
      const missing = stats.gaps.see(d.cpu, d.sequence);
      if (d.lost) stats.flaggedLost++;
      const ev = formatOf(d.eventId);
      if (ev === undefined) stats.unknownEvent++;
      const pid =
        d.record.length >= 8 ? new DataView(d.record.buffer, d.record.byteOffset).getInt32(4, true) : 0;
      const comm = new TextDecoder().decode(
        d.comm.subarray(0, Math.max(d.comm.indexOf(0), 0) || d.comm.length),
      );
      const delivered = { cpu: d.cpu, data: d.record, ts: d.timestampNs, lostBefore: missing };
      const frame = f.value;
      for (const o of outs) {
        if (ev !== undefined) o.frame(delivered, ev, frame, comm, pid);
        else if (o.raw) o.raw(delivered, frame, `event id ${d.eventId}`);
      }
      stats.received++;
      if (count !== undefined && stats.received >= count) break;
    }
  } finally {
    sock.value.dispose();
  }
  return stats;
}
