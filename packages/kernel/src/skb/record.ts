// The capture record a capture program writes into its BPF ring buffer (the contract shared with the compiler's
// skb programs), decoded: 88 header bytes, little-endian, then the captured packet bytes.
// Invariants: pure; a record shorter than its header or claiming more captured bytes than it holds is an error
// value; captured bytes are copied out (the ring buffer's memory is reused once the consumer advances).

export const RECORD_HEADER_SIZE = 88;

/** Byte offsets of the record's fields. */
export const RECORD = {
  skb: 0,
  time: 8,
  hook: 16,
  reason: 20,
  location: 24,
  ifindex: 32,
  netns: 36,
  tgid: 40,
  tid: 44,
  comm: 48,
  len: 64,
  caplen: 68,
  protocol: 72,
  pktType: 74,
  start: 75,
  mark: 76,
  vlanTci: 80,
  vlanProto: 82,
  /** The filter's verdict with --path (1 accepted here, 0 only followed); 0 otherwise. */
  verdict: 84,
  data: 88,
} as const;

/** Where the packet bytes begin: 0 = Ethernet header, 1 = network header. */
export const START = { L2: 0, L3: 1 } as const;

export interface CaptureRecord {
  readonly skb: bigint;
  /** bpf_ktime_get_ns (CLOCK_MONOTONIC). */
  readonly timeNs: bigint;
  readonly hook: number;
  readonly reason: number;
  readonly location: bigint;
  readonly ifindex: number;
  readonly netns: number;
  readonly tgid: number;
  readonly tid: number;
  readonly comm: string;
  /** Packet length as a tap would see it. */
  readonly len: number;
  /** `skb->protocol` as an EtherType number (host order). */
  readonly protocol: number;
  readonly pktType: number;
  readonly start: number;
  readonly mark: number;
  readonly vlanTci: number;
  /** Host-order TPID of an out-of-band tag, 0 when none. */
  readonly vlanProto: number;
  /** Word 84: with --path 1 when the filter accepted the packet at this hook, 0 when its skb is only followed. */
  readonly verdict?: number;
  readonly data: Uint8Array;
}

export type RecordResult =
  | { readonly ok: true; readonly record: CaptureRecord }
  | { readonly ok: false; readonly error: string };

/** Decodes one record (a ring buffer sample). */
export function decodeRecord(bytes: Uint8Array): RecordResult {
  if (bytes.length < RECORD_HEADER_SIZE)
    return {
      ok: false,
      error: `record of ${bytes.length} bytes is shorter than its ${RECORD_HEADER_SIZE}-byte header`,
    };
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const caplen = v.getUint32(RECORD.caplen, true);
  if (RECORD_HEADER_SIZE + caplen > bytes.length)
    return {
      ok: false,
      error: `record claims ${caplen} captured bytes but holds ${bytes.length - RECORD_HEADER_SIZE}`,
    };
  const commBytes = bytes.subarray(RECORD.comm, RECORD.comm + 16);
  const nul = commBytes.indexOf(0);
  return {
    ok: true,
    record: {
      skb: v.getBigUint64(RECORD.skb, true),
      timeNs: v.getBigUint64(RECORD.time, true),
      hook: v.getUint32(RECORD.hook, true),
      reason: v.getUint32(RECORD.reason, true),
      location: v.getBigUint64(RECORD.location, true),
      ifindex: v.getUint32(RECORD.ifindex, true),
      netns: v.getUint32(RECORD.netns, true),
      tgid: v.getUint32(RECORD.tgid, true),
      tid: v.getUint32(RECORD.tid, true),
      comm: new TextDecoder().decode(nul < 0 ? commBytes : commBytes.subarray(0, nul)),
      len: v.getUint32(RECORD.len, true),
      protocol: v.getUint16(RECORD.protocol, false),
      pktType: v.getUint8(RECORD.pktType),
      start: v.getUint8(RECORD.start),
      mark: v.getUint32(RECORD.mark, true),
      vlanTci: v.getUint16(RECORD.vlanTci, true),
      vlanProto: v.getUint16(RECORD.vlanProto, false),
      verdict: v.getUint32(RECORD.verdict, true),
      data: bytes.slice(RECORD_HEADER_SIZE, RECORD_HEADER_SIZE + caplen),
    },
  };
}

/** Encodes a record (tests and fixtures): the inverse of decodeRecord. */
export function encodeRecord(r: CaptureRecord): Uint8Array {
  const out = new Uint8Array(RECORD_HEADER_SIZE + r.data.length);
  const v = new DataView(out.buffer);
  v.setBigUint64(RECORD.skb, r.skb, true);
  v.setBigUint64(RECORD.time, r.timeNs, true);
  v.setUint32(RECORD.hook, r.hook, true);
  v.setUint32(RECORD.reason, r.reason, true);
  v.setBigUint64(RECORD.location, r.location, true);
  v.setUint32(RECORD.ifindex, r.ifindex, true);
  v.setUint32(RECORD.netns, r.netns, true);
  v.setUint32(RECORD.tgid, r.tgid, true);
  v.setUint32(RECORD.tid, r.tid, true);
  out.set(new TextEncoder().encode(r.comm).subarray(0, 15), RECORD.comm);
  v.setUint32(RECORD.len, r.len, true);
  v.setUint32(RECORD.caplen, r.data.length, true);
  v.setUint16(RECORD.protocol, r.protocol, false);
  v.setUint8(RECORD.pktType, r.pktType);
  v.setUint8(RECORD.start, r.start);
  v.setUint32(RECORD.mark, r.mark, true);
  v.setUint16(RECORD.vlanTci, r.vlanTci, true);
  v.setUint16(RECORD.vlanProto, r.vlanProto, false);
  v.setUint32(RECORD.verdict, r.verdict ?? 0, true);
  out.set(r.data, RECORD_HEADER_SIZE);
  return out;
}
