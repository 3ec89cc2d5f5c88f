/*
 * Trace frames as a pcapng capture that viewers understand (docs/wireshark.md): one interface (IDB) per trace
 * device with its if_name, each frame an EPB whose opt_comment names the event (`sock:inet_sock_set_state`), and
 * one Interface Statistics Block per device after its frames: isb_ifrecv = events the kernel produced for the
 * device (frames + lost), isb_ifdrop = events the kernel reported lost, isb_osdrop = events tfc dropped itself,
 * isb_usrdeliv = frames written, isb_starttime/isb_endtime = first/last frame; opt_comment lines give the per-CPU
 * breakdown (`cpu 0: frames 12, lost 3, lost marks 1`) and the per-event counts (`event sock:x: 12`).
 * Invariants: pure and deterministic (frames keep their order per device, devices are merged by timestamp, ties
 * by device order; comment lines sorted by CPU and by event name; TraceCounters counts the same incrementally
 * for a streaming writer); a frame that is not a trace frame is written
 * without a comment and counted under `not trace frames`; link type Ethernet (1), nanosecond timestamps.
 */
import { decodeTraceFrame } from '@tfc/tracefs';
import { writePcapngCapture } from './pcapng.ts';
import type { StatisticsDescription } from './pcapng-blocks.ts';
import { LINKTYPE } from './types.ts';

export interface TraceDeviceCapture {
  /** if_name: the trace device (`trace0`); absent for frames that never crossed a device (tfc encap). */
  readonly name?: string;
  readonly description?: string;
  readonly frames: readonly { readonly ts: bigint; readonly data: Uint8Array; readonly len?: number }[];
  /** Events the kernel reported lost, per CPU (the frames' lost flag says only that some were). */
  readonly lost?: ReadonlyMap<number, bigint>;
  /** Events tfc itself dropped (e.g. a full device queue). */
  readonly osDropped?: bigint;
}

/** `sys:name` for an event id, or undefined when the id is not known. */
export type EventNamer = (eventId: number) => string | undefined;

interface CpuCount {
  frames: bigint;
  marks: bigint;
}

/**
 * The statistics of one trace device, counted frame by frame (so a streaming writer can keep them as it goes):
 * frames per CPU, "events lost before this one" marks per CPU, frames per event, frames that are not trace frames,
 * first and last timestamp. `statistics()` makes the device's ISB from them and the tracer's loss counts.
 */
export class TraceCounters {
  readonly #name: EventNamer;
  readonly #cpus = new Map<number, CpuCount>();
  readonly #events = new Map<string, bigint>();
  #foreign = 0n;
  #frames = 0n;
  #first: bigint | undefined;
  #last: bigint | undefined;

  constructor(name: EventNamer) {
    this.#name = name;
  }

  add(frame: { readonly ts: bigint; readonly data: Uint8Array }): void {
    const h = decodeTraceFrame(frame.data);
    if (!h.ok) {
      this.#frames++;
      this.#first ??= frame.ts;
      if (this.#last === undefined || frame.ts > this.#last) this.#last = frame.ts;
      this.#foreign++;
      return;
    }
    this.count(h.cpu, h.eventId, h.lost, frame.ts);
  }

  /** add() for a trace frame whose header the caller already knows (a tracer that just encoded it). */
  count(cpu: number, eventId: number, lost: boolean, ts: bigint): void {
    this.#frames++;
    this.#first ??= ts;
    if (this.#last === undefined || ts > this.#last) this.#last = ts;
    let c = this.#cpus.get(cpu);
    if (c === undefined) {
      c = { frames: 0n, marks: 0n };
      this.#cpus.set(cpu, c);
    }
    c.frames++;
    if (lost) c.marks++;
    const e = this.#name(eventId) ?? `event id ${eventId}`;
    this.#events.set(e, (this.#events.get(e) ?? 0n) + 1n);
  }

  statistics(
    iface: number,
    loss: { readonly lost?: ReadonlyMap<number, bigint>; readonly osDropped?: bigint } = {},
  ): StatisticsDescription {
    const cpus = new Map(this.#cpus);
    for (const cpu of loss.lost?.keys() ?? []) if (!cpus.has(cpu)) cpus.set(cpu, { frames: 0n, marks: 0n });
    const lostTotal = [...(loss.lost?.values() ?? [])].reduce((s, n) => s + n, 0n);
    const comments = [
      ...[...cpus]
        .sort((a, b) => a[0] - b[0])
        .map(
          ([cpu, c]) =>
            `cpu ${cpu}: frames ${c.frames}, lost ${loss.lost?.get(cpu) ?? 0n}, lost marks ${c.marks}`,
        ),
      ...[...this.#events]
        .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .map(([e, n]) => `event ${e}: ${n}`),
      ...(this.#foreign > 0n ? [`not trace frames: ${this.#foreign}`] : []),
    ];
    const first = this.#first;
    const last = this.#last;
    return {
      iface,
      ts: last ?? 0n,
      ...(first !== undefined && last !== undefined ? { start: first, end: last } : {}),
      received: this.#frames + lostTotal,
      dropped: lostTotal,
      osDropped: loss.osDropped ?? 0n,
      delivered: this.#frames,
      comments,
    };
  }
}

function statistics(dev: TraceDeviceCapture, iface: number, name: EventNamer): StatisticsDescription {
  const counters = new TraceCounters(name);
  for (const f of dev.frames) counters.add(f);
  return counters.statistics(iface, {
    ...(dev.lost !== undefined ? { lost: dev.lost } : {}),
    ...(dev.osDropped !== undefined ? { osDropped: dev.osDropped } : {}),
  });
}

export function writeTracePcapng(devices: readonly TraceDeviceCapture[], name: EventNamer): Uint8Array {
  const merged = devices
    .flatMap((d, iface) => d.frames.map((f, k) => ({ f, iface, k })))
    .sort((a, b) => (a.f.ts < b.f.ts ? -1 : a.f.ts > b.f.ts ? 1 : a.iface - b.iface || a.k - b.k));
  return writePcapngCapture({
    precision: 'nsec',
    interfaces: devices.map((d) => ({
      linkType: LINKTYPE.ETHERNET,
      ...(d.name !== undefined ? { name: d.name } : {}),
      ...(d.description !== undefined ? { description: d.description } : {}),
    })),
    records: merged.map(({ f, iface }) => {
      const h = decodeTraceFrame(f.data);
      const comment = h.ok ? name(h.eventId) : undefined;
      return {
        iface,
        ts: f.ts,
        len: f.len ?? f.data.length,
        data: f.data,
        ...(comment !== undefined ? { comment } : {}),
      };
    }),
    statistics: devices.map((d, iface) => statistics(d, iface, name)),
  });
}
