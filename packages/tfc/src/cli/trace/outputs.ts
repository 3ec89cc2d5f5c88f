/*
 * Where `tfc trace` delivers events: pcapng (-w FILE, or -w - to standard output), one text line (--print) or one
 * JSON object (--json) per event, and a network interface (--dev: a TAP device tfc creates, or an existing one).
 * Invariants: every output takes the same delivered event (record, cpu, timestamp, frame, comm, pid) in delivery
 * order; close() runs once per output, last, with the totals (the pcapng statistics block is written there);
 * a TAP device tfc created disappears with its fd unless --keep-dev made it persistent; frames sent out of an
 * existing interface pass its egress qdisc and what it drops is counted, never fatal (device-send.ts), and said in
 * the summary line.
 */
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { run } from '@tfc/iproute2';
import { loadKoffiSyscalls, TapDevice } from '@tfc/kernel/sys';
import {
  concatBlocks,
  type DecodedField,
  decodeRecord,
  formatValue,
  interfaceBlock,
  LINKTYPE,
  PacketBlockBuffer,
  sectionHeaderBlock,
  statisticsBlock,
  TraceCounters,
} from '@tfc/live';
import type { EventFormat } from '@tfc/tracefs';
import { flag, type Parsed, str } from '../args.ts';
import { type Io, UsageError } from '../io.ts';
import { DeviceSender } from './device-send.ts';

/** What a trace knows when it stops: the events lost per CPU (kernel marks, or sequence gaps at a receiver). */
export interface TraceEnd {
  readonly lostPerCpu: ReadonlyMap<number, bigint>;
}

/** One delivered event: the record with its CPU, timestamp (ns) and the events lost on that CPU before it. */
export interface Delivered {
  readonly cpu: number;
  readonly data: Uint8Array;
  readonly ts: bigint;
  readonly lostBefore: number;
}

export interface Output {
  /** A frame of an event without a known format (a remote sender's): only outputs that need no format take it. */
  readonly raw?: (rec: Delivered, frame: Uint8Array, comment: string) => void;
  /** `frame` (and `rec.data`) are valid only during the call: an output copies what it keeps. */
  readonly frame: (rec: Delivered, ev: EventFormat, frame: Uint8Array, comm: string, pid: number) => void;
  readonly close: (end: TraceEnd) => void;
  /** Words for the trace's summary line, after close (a device's sent and dropped frames). */
  readonly summary?: () => string;
  /** Writes out what the output buffers; called after every batch of records and before close. */
  readonly flush?: () => void;
}

/** --dev IF: a TAP device tfc creates (frames received on it), or an existing interface (frames sent out of it). */
export async function deviceOutput(p: Parsed, io: Io): Promise<Output | undefined> {
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
  const opened = await DeviceSender.open(sys, name, ifindex);
  if (!opened.ok) throw new UsageError(`--dev ${name}: ${opened.message}`);
  const sender = opened.sender;
  return {
    frame: (_r, _e, frame) => sender.send(frame),
    close: () => sender.close(),
    summary: () => sender.summary(),
  };
}

export function outputs(p: Parsed, io: Io, ifName = 'trace0'): Output[] {
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
    const buf = new PacketBlockBuffer(write, 'nsec');
    buf.appendBlock(
      concatBlocks([
        sectionHeaderBlock(),
        interfaceBlock({
          linkType: LINKTYPE.ETHERNET,
          name: ifName,
          description: 'tfc trace',
          precision: 'nsec',
        }),
      ]),
    );
    const names = new Map<number, string>();
    const counters = new TraceCounters((id) => names.get(id));
    outs.push({
      frame: (r, ev, frame) => {
        let name = names.get(ev.id);
        if (name === undefined) {
          name = `${ev.system}:${ev.name}`;
          names.set(ev.id, name);
        }
        buf.append({ iface: 0, ts: r.ts, len: frame.length, data: frame, comment: name });
        counters.count(r.cpu, ev.id, ((frame[15] ?? 0) & 2) !== 0, r.ts);
      },
      raw: (r, frame, comment) => {
        buf.append({ iface: 0, ts: r.ts, len: frame.length, data: frame, comment });
        counters.add({ ts: r.ts, data: frame });
      },
      flush: () => buf.flush(),
      close: (end) => {
        buf.appendBlock(statisticsBlock(counters.statistics(0, { lost: end.lostPerCpu }), 'nsec'));
        done();
      },
    });
  }
  if (flag(p, 'print'))
    outs.push({
      frame: (r, ev, _f, comm, pid) =>
        io.out(
          `${comm}-${pid} [${String(r.cpu).padStart(3, '0')}] ${seconds(r.ts)}: ${ev.system}:${ev.name} ${printFields(ev, r.data)}\n`,
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
            fields: jsonFields(ev, r.data),
          })}\n`,
        ),
      close: () => {},
    });
  return outs;
}

export function seconds(ns: bigint): string {
  return `${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0').slice(0, 6)}`;
}

/** `name=value` for every event (non-common) field, decoded by @tfc/live as the dissector shows it. */
function printFields(ev: EventFormat, rec: Uint8Array): string {
  const d = decodeRecord(ev, rec);
  const shown = d.fields
    .filter((f) => !f.field.common)
    .map((f) => {
      const v = f.values.map((x) => formatValue(f.layout, x));
      return `${f.field.name}=${f.layout.kind === 'array' ? `{${v.join(',')}}` : (v[0] ?? '')}`;
    });
  return [...shown, ...d.errors.map((e) => `${e.field}=?`)].join(' ');
}

/** Every field as JSON: safe integers as numbers, larger ones and pointers as text, arrays as lists. */
function jsonFields(ev: EventFormat, rec: Uint8Array): Record<string, unknown> {
  const one = (f: DecodedField, v: DecodedField['values'][number]): unknown =>
    typeof v === 'bigint' && !(f.layout.kind === 'int' && f.layout.hex) && Number.isSafeInteger(Number(v))
      ? Number(v)
      : formatValue(f.layout, v);
  const out: Record<string, unknown> = {};
  const d = decodeRecord(ev, rec);
  for (const f of d.fields)
    out[f.field.name] =
      f.layout.kind === 'array' ? f.values.map((v) => one(f, v)) : one(f, f.values[0] ?? 0n);
  for (const e of d.errors) out[e.field] = null;
  return out;
}
