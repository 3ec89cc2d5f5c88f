/*
 * Trace frames as a pcapng capture that viewers understand (docs/wireshark.md): one interface (IDB) per trace
 * device with its if_name, each frame an EPB whose opt_comment names the event (`sock:inet_sock_set_state`), and
 * one Interface Statistics Block per device after its frames: isb_ifrecv = events the kernel produced for the
 * device (frames + lost), isb_ifdrop = events the kernel reported lost, isb_osdrop = events tfc dropped itself,
 * isb_usrdeliv = frames written, isb_starttime/isb_endtime = first/last frame; opt_comment lines give the per-CPU
 * breakdown (`cpu 0: frames 12, lost 3, lost marks 1`) and the per-event counts (`event sock:x: 12`).
 * Invariants: pure and deterministic (frames keep their order per device, devices are merged by timestamp, ties
 * by device order; comment lines sorted by CPU and by event name); a frame that is not a trace frame is written
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

function statistics(dev: TraceDeviceCapture, iface: number, name: EventNamer): StatisticsDescription {
  const cpus = new Map<number, CpuCount>();
  const events = new Map<string, bigint>();
  let foreign = 0n;
  for (const f of dev.frames) {
    const h = decodeTraceFrame(f.data);
    if (!h.ok) {
      foreign++;
      continue;
    }
    const c = cpus.get(h.cpu) ?? { frames: 0n, marks: 0n };
    c.frames++;
    if (h.lost) c.marks++;
    cpus.set(h.cpu, c);
    const e = name(h.eventId) ?? `event id ${h.eventId}`;
    events.set(e, (events.get(e) ?? 0n) + 1n);
  }
  for (const cpu of dev.lost?.keys() ?? []) if (!cpus.has(cpu)) cpus.set(cpu, { frames: 0n, marks: 0n });
  const lostTotal = [...(dev.lost?.values() ?? [])].reduce((s, n) => s + n, 0n);
  const frames = BigInt(dev.frames.length);
  const first = dev.frames[0]?.ts ?? 0n;
  let last = first;
  for (const f of dev.frames) if (f.ts > last) last = f.ts;
  const comments = [
    ...[...cpus]
      .sort((a, b) => a[0] - b[0])
      .map(
        ([cpu, c]) =>
          `cpu ${cpu}: frames ${c.frames}, lost ${dev.lost?.get(cpu) ?? 0n}, lost marks ${c.marks}`,
      ),
    ...[...events]
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([e, n]) => `event ${e}: ${n}`),
    ...(foreign > 0n ? [`not trace frames: ${foreign}`] : []),
  ];
  return {
    iface,
    ts: last,
    ...(dev.frames.length > 0 ? { start: first, end: last } : {}),
    received: frames + lostTotal,
    dropped: lostTotal,
    osDropped: dev.osDropped ?? 0n,
    delivered: frames,
    comments,
  };
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
