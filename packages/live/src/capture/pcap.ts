/*
 * Classic libpcap savefiles (pcap): reader and writer.
 * Invariants: readPcap never throws and never reads outside `bytes`: a bad magic, a truncated header or record,
 * or a record larger than MAX_RECORD is an error value naming the byte offset; both byte orders and both
 * resolutions (0xa1b2c3d4 microseconds, 0xa1b23c4d nanoseconds) are read. writePcap is deterministic and
 * readPcap(writePcap(c)) gives back c's records (timestamps truncated to microseconds for 'usec'). The record
 * data are views into `bytes` (no copy).
 */
import { type ByteOrder, type CaptureResult, MAX_RECORD, type Precision } from './types.ts';

const MAGIC_USEC = 0xa1b2c3d4;
const MAGIC_NSEC = 0xa1b23c4d;
const HEADER = 24;
const RECORD = 16;

/** True when the bytes start like a pcap file (either byte order, either resolution). */
export function isPcap(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const v = new DataView(bytes.buffer, bytes.byteOffset, 4);
  return [v.getUint32(0, true), v.getUint32(0, false)].some((m) => m === MAGIC_USEC || m === MAGIC_NSEC);
}

export function readPcap(bytes: Uint8Array): CaptureResult {
  const fail = (error: string, offset: number): CaptureResult => ({ ok: false, error, offset });
  if (bytes.length < HEADER)
    return fail(`pcap: file header truncated (${bytes.length} of ${HEADER} bytes)`, 0);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let le = true;
  let precision: Precision;
  const mLe = v.getUint32(0, true);
  const mBe = v.getUint32(0, false);
  if (mLe === MAGIC_USEC || mLe === MAGIC_NSEC) precision = mLe === MAGIC_NSEC ? 'nsec' : 'usec';
  else if (mBe === MAGIC_USEC || mBe === MAGIC_NSEC) {
    le = false;
    precision = mBe === MAGIC_NSEC ? 'nsec' : 'usec';
  } else return fail(`pcap: bad magic 0x${mBe.toString(16).padStart(8, '0')}`, 0);
  const major = v.getUint16(4, le);
  if (major !== 2) return fail(`pcap: unsupported version ${major}.${v.getUint16(6, le)}`, 4);
  const snaplen = v.getUint32(16, le);
  const linkType = v.getUint32(20, le) & 0xffff;
  const records: { ts: bigint; len: number; data: Uint8Array; iface: number }[] = [];
  const scale = precision === 'nsec' ? 1n : 1000n;
  let at = HEADER;
  while (at < bytes.length) {
    if (bytes.length - at < RECORD) return fail(`pcap: record header truncated at byte ${at}`, at);
    const sec = v.getUint32(at, le);
    const frac = v.getUint32(at + 4, le);
    const caplen = v.getUint32(at + 8, le);
    const len = v.getUint32(at + 12, le);
    if (caplen > MAX_RECORD) return fail(`pcap: record at byte ${at} claims ${caplen} captured bytes`, at);
    const start = at + RECORD;
    if (bytes.length - start < caplen) {
      return fail(`pcap: record at byte ${at} truncated (${bytes.length - start} of ${caplen} bytes)`, at);
    }
    records.push({
      ts: BigInt(sec) * 1_000_000_000n + BigInt(frac) * scale,
      len,
      data: bytes.subarray(start, start + caplen),
      iface: 0,
    });
    at = start + caplen;
  }
  const order: ByteOrder = le ? 'le' : 'be';
  return {
    ok: true,
    capture: { format: 'pcap', order, interfaces: [{ linkType, snaplen, precision }], records },
  };
}

export interface PcapWriteOptions {
  readonly linkType: number;
  readonly snaplen?: number;
  readonly precision?: Precision;
  readonly order?: ByteOrder;
}

/** Writes a pcap file (version 2.4). Timestamps are split into seconds and micro/nanoseconds (truncating). */
export function writePcap(
  records: readonly { readonly ts: bigint; readonly len: number; readonly data: Uint8Array }[],
  opts: PcapWriteOptions,
): Uint8Array {
  const le = (opts.order ?? 'le') === 'le';
  const nsec = opts.precision === 'nsec';
  let size = HEADER;
  for (const r of records) size += RECORD + r.data.length;
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, nsec ? MAGIC_NSEC : MAGIC_USEC, le);
  v.setUint16(4, 2, le);
  v.setUint16(6, 4, le);
  v.setUint32(16, (opts.snaplen ?? 262144) >>> 0, le);
  v.setUint32(20, opts.linkType >>> 0, le);
  let at = HEADER;
  for (const r of records) {
    const ts = r.ts < 0n ? 0n : r.ts;
    v.setUint32(at, Number((ts / 1_000_000_000n) & 0xffffffffn), le);
    v.setUint32(at + 4, Number((ts % 1_000_000_000n) / (nsec ? 1n : 1000n)), le);
    v.setUint32(at + 8, r.data.length, le);
    v.setUint32(at + 12, r.len >>> 0, le);
    out.set(r.data, at + RECORD);
    at += RECORD + r.data.length;
  }
  return out;
}
