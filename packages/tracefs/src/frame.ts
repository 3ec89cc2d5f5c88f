/*
 * Trace events carried as Ethernet frames (tfc trace frame, version 1; ../shared/docs/trace-over-ethernet.md is the
 * contract). Invariants: header fields are big-endian; the record is carried unchanged after the 40-byte header, at
 * frame offset 54 and followed by at least one zero byte (the NUL the kernel's string compare reads when a zero-length
 * __data_loc locator points at the record's end); frames shorter than 60 bytes are zero-padded; the record length
 * field says where the record ends;
 * decode never reads past the frame and reports a malformed frame as a value.
 */

/** Frame offsets of the header fields. */
export const FRAME_HEADER = {
  dst: 0,
  src: 6,
  ethertype: 12,
  version: 14,
  flags: 15,
  headerLength: 16,
  eventId: 18,
  cpu: 20,
  timestamp: 22,
  recordLength: 30,
  sequence: 34,
  comm: 38,
} as const;

export const TRACE_ETHERTYPE = 0x88b5;
export const TRACE_FRAME_VERSION = 1;
export const TRACE_HEADER_LENGTH = 40;
/** Frame offset of the record: Ethernet header (14) + trace header (40). */
export const TRACE_RECORD_OFFSET = 54;
export const FLAG_LITTLE_ENDIAN = 1;
export const FLAG_LOST_BEFORE = 2;

export interface TraceFrameHeader {
  readonly eventId: number;
  readonly cpu: number;
  /** Up to 16 bytes; NUL-padded in the frame. */
  readonly comm: Uint8Array | string;
  readonly timestampNs?: bigint;
  readonly sequence?: number;
  /** Events were lost before this one (flag bit 1). */
  readonly lost?: boolean;
  /** Byte order of the record (flag bit 0); default little-endian, the order of x86-64 and arm64. */
  readonly littleEndian?: boolean;
  readonly dst?: Uint8Array;
  readonly src?: Uint8Array;
}

const DEFAULT_DST = Uint8Array.of(0x02, 0, 0, 0, 0, 0);
const DEFAULT_SRC = Uint8Array.of(0x02, 0, 0, 0, 0, 1);

const utf8 = new TextEncoder();

function be16(out: Uint8Array, o: number, v: number): void {
  out[o] = (v >>> 8) & 0xff;
  out[o + 1] = v & 0xff;
}

function be32(out: Uint8Array, o: number, v: number): void {
  out[o] = (v >>> 24) & 0xff;
  out[o + 1] = (v >>> 16) & 0xff;
  out[o + 2] = (v >>> 8) & 0xff;
  out[o + 3] = v & 0xff;
}

/** Bytes of a trace frame carrying `recordLength` record bytes: the record, one zero byte after it (a string that
 *  starts at the record's end reads as empty, as in the kernel), padded to the Ethernet minimum of 60. */
export function traceFrameLength(recordLength: number): number {
  return Math.max(60, TRACE_RECORD_OFFSET + recordLength + 1);
}

export function encodeTraceFrame(record: Uint8Array, h: TraceFrameHeader): Uint8Array {
  const frame = new Uint8Array(traceFrameLength(record.length));
  encodeTraceFrameInto(frame, 0, record, h);
  return frame;
}

/**
 * Writes the frame of `record` into `out` at `at` (traceFrameLength(record.length) bytes, padding zeroed) and returns
 * its length: the allocation-free form for streaming writers, which reuse one buffer for many frames.
 */
export function encodeTraceFrameInto(
  out: Uint8Array,
  at: number,
  record: Uint8Array,
  h: TraceFrameHeader,
): number {
  const len = traceFrameLength(record.length);
  out.set((h.dst ?? DEFAULT_DST).subarray(0, 6), at + FRAME_HEADER.dst);
  out.set((h.src ?? DEFAULT_SRC).subarray(0, 6), at + FRAME_HEADER.src);
  be16(out, at + FRAME_HEADER.ethertype, TRACE_ETHERTYPE);
  out[at + FRAME_HEADER.version] = TRACE_FRAME_VERSION;
  out[at + FRAME_HEADER.flags] =
    (h.littleEndian === false ? 0 : FLAG_LITTLE_ENDIAN) | (h.lost ? FLAG_LOST_BEFORE : 0);
  be16(out, at + FRAME_HEADER.headerLength, TRACE_HEADER_LENGTH);
  be16(out, at + FRAME_HEADER.eventId, h.eventId & 0xffff);
  be16(out, at + FRAME_HEADER.cpu, h.cpu & 0xffff);
  const ts = BigInt.asUintN(64, h.timestampNs ?? 0n);
  be32(out, at + FRAME_HEADER.timestamp, Number(ts >> 32n));
  be32(out, at + FRAME_HEADER.timestamp + 4, Number(ts & 0xffffffffn));
  be32(out, at + FRAME_HEADER.recordLength, record.length);
  be32(out, at + FRAME_HEADER.sequence, (h.sequence ?? 0) >>> 0);
  const comm = typeof h.comm === 'string' ? utf8.encode(h.comm) : h.comm;
  const n = Math.min(comm.length, 16);
  out.set(n === comm.length ? comm : comm.subarray(0, n), at + FRAME_HEADER.comm);
  out.fill(0, at + FRAME_HEADER.comm + n, at + FRAME_HEADER.comm + 16);
  out.set(record, at + TRACE_RECORD_OFFSET);
  out.fill(0, at + TRACE_RECORD_OFFSET + record.length, at + len);
  return len;
}

export type DecodedTraceFrame =
  | {
      readonly ok: true;
      readonly eventId: number;
      readonly cpu: number;
      readonly comm: Uint8Array;
      readonly timestampNs: bigint;
      readonly sequence: number;
      readonly lost: boolean;
      readonly littleEndian: boolean;
      readonly record: Uint8Array;
    }
  | { readonly ok: false; readonly error: string };

export function decodeTraceFrame(frame: Uint8Array): DecodedTraceFrame {
  if (frame.length < TRACE_RECORD_OFFSET)
    return {
      ok: false,
      error: `frame of ${frame.length} bytes is shorter than the ${TRACE_RECORD_OFFSET}-byte headers`,
    };
  const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const type = v.getUint16(FRAME_HEADER.ethertype);
  if (type !== TRACE_ETHERTYPE) return { ok: false, error: `EtherType 0x${type.toString(16)} is not 0x88b5` };
  const version = frame[FRAME_HEADER.version] as number;
  if (version !== TRACE_FRAME_VERSION) return { ok: false, error: `trace frame version ${version} is not 1` };
  const headerLength = v.getUint16(FRAME_HEADER.headerLength);
  if (headerLength !== TRACE_HEADER_LENGTH)
    return { ok: false, error: `header length ${headerLength} is not 40` };
  const length = v.getUint32(FRAME_HEADER.recordLength);
  if (length > frame.length - TRACE_RECORD_OFFSET)
    return { ok: false, error: `record length ${length} runs past the frame's end` };
  const flags = frame[FRAME_HEADER.flags] as number;
  return {
    ok: true,
    eventId: v.getUint16(FRAME_HEADER.eventId),
    cpu: v.getUint16(FRAME_HEADER.cpu),
    comm: frame.slice(FRAME_HEADER.comm, FRAME_HEADER.comm + 16),
    timestampNs: v.getBigUint64(FRAME_HEADER.timestamp),
    sequence: v.getUint32(FRAME_HEADER.sequence),
    lost: (flags & FLAG_LOST_BEFORE) !== 0,
    littleEndian: (flags & FLAG_LITTLE_ENDIAN) !== 0,
    record: frame.slice(TRACE_RECORD_OFFSET, TRACE_RECORD_OFFSET + length),
  };
}
