/*
 * pcapng block encoders (little-endian sections): SHB, IDB, EPB and ISB with their options, one block per call, so
 * a live writer can stream them and a file writer can concatenate them.
 * Invariants: every block is a multiple of 4 bytes with matching leading and trailing lengths; options are padded
 * to 4 bytes and end with opt_endofopt; an options list is written only when it has an option; strings are UTF-8;
 * timestamps are nanoseconds scaled to the interface's resolution (truncating); pure and deterministic.
 */
import type { Precision } from './types.ts';

export const BLOCK = { SHB: 0x0a0d0d0a, IDB: 1, OPB: 2, SPB: 3, EPB: 6, ISB: 5 } as const;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** Option codes used here (pcapng spec §3.5, §4.2, §4.3, §4.6). */
export const OPT = {
  endofopt: 0,
  comment: 1,
  if_name: 2,
  if_description: 3,
  if_tsresol: 9,
  isb_starttime: 2,
  isb_endtime: 3,
  isb_ifrecv: 4,
  isb_ifdrop: 5,
  isb_filteraccept: 6,
  isb_osdrop: 7,
  isb_usrdeliv: 8,
} as const;

type Option = readonly [code: number, value: Uint8Array];

const enc = new TextEncoder();
const pad4 = (n: number) => (n + 3) & ~3;

function u64(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
  return b;
}

/** Timestamp as pcapng writes it: high 32 bits first, then low 32 bits (each little-endian here). */
function tsWords(ts: bigint, precision: Precision): Uint8Array {
  const units = BigInt.asUintN(64, (ts < 0n ? 0n : ts) / (precision === 'nsec' ? 1n : 1000n));
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setUint32(0, Number(units >> 32n), true);
  v.setUint32(4, Number(units & 0xffffffffn), true);
  return b;
}

function options(list: readonly Option[]): Uint8Array {
  if (list.length === 0) return new Uint8Array(0);
  const size = list.reduce((s, [, v]) => s + 4 + pad4(v.length), 4);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  let at = 0;
  for (const [code, value] of list) {
    dv.setUint16(at, code, true);
    dv.setUint16(at + 2, value.length, true);
    out.set(value, at + 4);
    at += 4 + pad4(value.length);
  }
  return out; // the last 4 bytes are zero: opt_endofopt
}

function block(type: number, body: Uint8Array): Uint8Array {
  const total = 12 + pad4(body.length);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, type, true);
  dv.setUint32(4, total, true);
  out.set(body, 8);
  dv.setUint32(total - 4, total, true);
  return out;
}

const concat = (parts: readonly Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

const str = (code: number, s: string | undefined): Option[] =>
  s === undefined || s === '' ? [] : [[code, enc.encode(s).subarray(0, 0xffff)]];
const num = (code: number, v: bigint | undefined): Option[] => (v === undefined ? [] : [[code, u64(v)]]);

/** Section Header Block, version 1.0, section length unknown. */
export function sectionHeaderBlock(): Uint8Array {
  const body = new Uint8Array(16);
  const dv = new DataView(body.buffer);
  dv.setUint32(0, BYTE_ORDER_MAGIC, true);
  dv.setUint16(4, 1, true);
  dv.setUint16(6, 0, true);
  dv.setBigInt64(8, -1n, true);
  return block(BLOCK.SHB, body);
}

export interface InterfaceDescription {
  readonly linkType: number;
  readonly snaplen?: number;
  readonly precision?: Precision;
  /** if_name: the trace device (`trace0`). */
  readonly name?: string;
  readonly description?: string;
}

export function interfaceBlock(i: InterfaceDescription): Uint8Array {
  const head = new Uint8Array(8);
  const dv = new DataView(head.buffer);
  dv.setUint16(0, i.linkType & 0xffff, true);
  dv.setUint32(4, (i.snaplen ?? 262144) >>> 0, true);
  const opts: Option[] = [
    ...str(OPT.if_name, i.name),
    ...str(OPT.if_description, i.description),
    ...(i.precision === 'nsec' ? ([[OPT.if_tsresol, Uint8Array.of(9)]] as Option[]) : []),
  ];
  return block(BLOCK.IDB, concat([head, options(opts)]));
}

export interface PacketDescription {
  readonly iface: number;
  readonly ts: bigint;
  readonly len: number;
  readonly data: Uint8Array;
  readonly comment?: string;
}

export function packetBlock(p: PacketDescription, precision: Precision): Uint8Array {
  const head = new Uint8Array(20);
  const dv = new DataView(head.buffer);
  dv.setUint32(0, p.iface >>> 0, true);
  head.set(tsWords(p.ts, precision), 4);
  dv.setUint32(12, p.data.length, true);
  dv.setUint32(16, p.len >>> 0, true);
  const data = new Uint8Array(pad4(p.data.length));
  data.set(p.data);
  return block(BLOCK.EPB, concat([head, data, options(str(OPT.comment, p.comment))]));
}

export interface StatisticsDescription {
  readonly iface: number;
  readonly ts: bigint;
  readonly start?: bigint;
  readonly end?: bigint;
  readonly received?: bigint;
  readonly dropped?: bigint;
  readonly accepted?: bigint;
  readonly osDropped?: bigint;
  readonly delivered?: bigint;
  readonly comments?: readonly string[];
}

export function statisticsBlock(s: StatisticsDescription, precision: Precision): Uint8Array {
  const head = new Uint8Array(12);
  new DataView(head.buffer).setUint32(0, s.iface >>> 0, true);
  head.set(tsWords(s.ts, precision), 4);
  const time = (code: number, v: bigint | undefined): Option[] =>
    v === undefined ? [] : [[code, tsWords(v, precision)]];
  const opts: Option[] = [
    ...(s.comments ?? []).flatMap((c) => str(OPT.comment, c)),
    ...time(OPT.isb_starttime, s.start),
    ...time(OPT.isb_endtime, s.end),
    ...num(OPT.isb_ifrecv, s.received),
    ...num(OPT.isb_ifdrop, s.dropped),
    ...num(OPT.isb_filteraccept, s.accepted),
    ...num(OPT.isb_osdrop, s.osDropped),
    ...num(OPT.isb_usrdeliv, s.delivered),
  ];
  return block(BLOCK.ISB, concat([head, options(opts)]));
}

export { concat as concatBlocks };

/**
 * EPBs appended into 1 MiB chunks handed to `sink` when full and on `flush()`: the allocation-free form of
 * packetBlock for live writers (a chunk is never written to again once handed over, so the sink may keep it).
 * The bytes equal packetBlock's for the same packet.
 */
export class PacketBlockBuffer {
  readonly #sink: (bytes: Uint8Array) => void;
  readonly #precision: Precision;
  readonly #size: number;
  readonly #comments = new Map<string, Uint8Array>();
  #buf: Uint8Array;
  #dv: DataView;
  #at = 0;

  constructor(sink: (bytes: Uint8Array) => void, precision: Precision, chunkBytes = 1 << 20) {
    this.#sink = sink;
    this.#precision = precision;
    this.#size = chunkBytes;
    this.#buf = new Uint8Array(chunkBytes);
    this.#dv = new DataView(this.#buf.buffer);
  }

  /** Appends one packet (`data` is copied, so the caller may reuse its buffer). */
  append(p: PacketDescription): void {
    let comment = p.comment === undefined || p.comment === '' ? undefined : this.#comments.get(p.comment);
    if (p.comment !== undefined && p.comment !== '' && comment === undefined) {
      comment = enc.encode(p.comment).subarray(0, 0xffff);
      if (this.#comments.size < 4096) this.#comments.set(p.comment, comment);
    }
    const opts = comment === undefined ? 0 : 4 + pad4(comment.length) + 4;
    const total = 32 + pad4(p.data.length) + opts;
    if (this.#at + total > this.#buf.length) {
      this.flush();
      if (total > this.#buf.length) {
        this.#buf = new Uint8Array(total);
        this.#dv = new DataView(this.#buf.buffer);
      }
    }
    const b = this.#buf;
    const v = this.#dv;
    const at = this.#at;
    const units = BigInt.asUintN(64, (p.ts < 0n ? 0n : p.ts) / (this.#precision === 'nsec' ? 1n : 1000n));
    v.setUint32(at, BLOCK.EPB, true);
    v.setUint32(at + 4, total, true);
    v.setUint32(at + 8, p.iface >>> 0, true);
    v.setUint32(at + 12, Number(units >> 32n), true);
    v.setUint32(at + 16, Number(units & 0xffffffffn), true);
    v.setUint32(at + 20, p.data.length, true);
    v.setUint32(at + 24, p.len >>> 0, true);
    b.set(p.data, at + 28);
    let o = at + 28 + p.data.length;
    b.fill(0, o, at + 28 + pad4(p.data.length));
    o = at + 28 + pad4(p.data.length);
    if (comment !== undefined) {
      v.setUint16(o, OPT.comment, true);
      v.setUint16(o + 2, comment.length, true);
      b.set(comment, o + 4);
      b.fill(0, o + 4 + comment.length, o + 4 + pad4(comment.length) + 4);
      o += 4 + pad4(comment.length) + 4;
    }
    v.setUint32(o, total, true);
    this.#at = at + total;
  }

  /** Appends a whole block made elsewhere (an SHB, IDB or ISB), keeping the order. */
  appendBlock(block: Uint8Array): void {
    this.flush();
    this.#sink(block);
  }

  /** Hands the appended blocks to the sink (nothing when empty). */
  flush(): void {
    if (this.#at === 0) return;
    const out = this.#buf.subarray(0, this.#at);
    this.#buf = new Uint8Array(this.#size);
    this.#dv = new DataView(this.#buf.buffer);
    this.#at = 0;
    this.#sink(out);
  }
}
