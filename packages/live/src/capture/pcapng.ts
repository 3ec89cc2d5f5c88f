/*
 * pcapng captures: a reader for the blocks that carry packets (SHB, IDB, EPB, SPB and the obsolete OPB; every
 * other block is skipped) and a writer of one section with one interface.
 * Invariants: readPcapng never throws and never reads outside `bytes`: a block whose length is not a multiple
 * of 4, shorter than its fields or running past the end, a packet naming an unknown interface, or a record
 * larger than MAX_RECORD is an error value with the block's offset. Each SHB sets the byte order of its
 * section; interface indexes restart per section in the file but `iface` in records indexes the capture's
 * whole interface list. Timestamps honour if_tsresol (decimal or binary). writePcapng is deterministic.
 */
import {
  type ByteOrder,
  type CaptureInterface,
  type CaptureRecord,
  type CaptureResult,
  MAX_RECORD,
  type Precision,
} from './types.ts';

const SHB = 0x0a0d0d0a;
const IDB = 1;
const OPB = 2;
const SPB = 3;
const EPB = 6;
const BOM = 0x1a2b3c4d;

export function isPcapng(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 && bytes[0] === 0x0a && bytes[1] === 0x0d && bytes[2] === 0x0d && bytes[3] === 0x0a
  );
}

interface Iface extends CaptureInterface {
  /** Nanoseconds per timestamp unit as a rational num/den. */
  readonly num: bigint;
  readonly den: bigint;
}

/** if_tsresol: MSB clear → 10^-v seconds, set → 2^-(v & 0x7f) seconds. */
function resolution(v: number): { num: bigint; den: bigint; precision: Precision } {
  if ((v & 0x80) === 0) {
    const d = v;
    if (d <= 9) return { num: 10n ** BigInt(9 - d), den: 1n, precision: d >= 7 ? 'nsec' : 'usec' };
    return { num: 1n, den: 10n ** BigInt(d - 9), precision: 'nsec' };
  }
  return { num: 1_000_000_000n, den: 2n ** BigInt(v & 0x7f), precision: 'nsec' };
}

export function readPcapng(bytes: Uint8Array): CaptureResult {
  const fail = (error: string, offset: number): CaptureResult => ({ ok: false, error, offset });
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ifaces: Iface[] = [];
  const records: CaptureRecord[] = [];
  let sectionBase = 0;
  let le = true;
  let firstOrder: ByteOrder | undefined;
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < 12) return fail(`pcapng: block header truncated at byte ${at}`, at);
    const type = v.getUint32(at, le);
    if (type === SHB || (at === 0 && !isPcapng(bytes))) {
      if (!isPcapng(bytes.subarray(at))) return fail('pcapng: missing section header block', at);
      const bom = v.getUint32(at + 8, true);
      if (bom === BOM) le = true;
      else if (bom === 0x4d3c2b1a) le = false;
      else return fail(`pcapng: bad byte-order magic at byte ${at + 8}`, at);
      firstOrder ??= le ? 'le' : 'be';
      sectionBase = ifaces.length;
    }
    const total = v.getUint32(at + 4, le);
    if (total < 12 || total % 4 !== 0) return fail(`pcapng: bad block length ${total} at byte ${at}`, at);
    if (total > bytes.length - at) return fail(`pcapng: block at byte ${at} truncated`, at);
    if (v.getUint32(at + total - 4, le) !== total) {
      return fail(`pcapng: block at byte ${at}: trailing length does not match`, at);
    }
    const body = at + 8;
    const bodyLen = total - 12;
    const need = (n: number) => bodyLen >= n;
    if (type === SHB) {
      if (!need(16)) return fail(`pcapng: section header block at byte ${at} too short`, at);
    } else if (type === IDB) {
      if (!need(8)) return fail(`pcapng: interface block at byte ${at} too short`, at);
      let res = resolution(6);
      let o = body + 8;
      const end = body + bodyLen;
      while (end - o >= 4) {
        const code = v.getUint16(o, le);
        const len = v.getUint16(o + 2, le);
        if (code === 0) break;
        if (len > end - o - 4) return fail(`pcapng: option at byte ${o} runs past its block`, at);
        if (code === 9 && len >= 1) res = resolution(bytes[o + 4]!);
        o += 4 + ((len + 3) & ~3);
      }
      ifaces.push({
        linkType: v.getUint16(body, le),
        snaplen: v.getUint32(body + 4, le),
        precision: res.precision,
        num: res.num,
        den: res.den,
      });
    } else if (type === EPB || type === OPB || type === SPB) {
      const head = type === SPB ? 4 : 20;
      if (!need(head)) return fail(`pcapng: packet block at byte ${at} too short`, at);
      const local = type === EPB ? v.getUint32(body, le) : type === OPB ? v.getUint16(body, le) : 0;
      const iface = ifaces[sectionBase + local];
      if (iface === undefined || sectionBase + local >= ifaces.length) {
        return fail(`pcapng: packet block at byte ${at} names interface ${local}, not described`, at);
      }
      let caplen: number;
      let len: number;
      let units = 0n;
      if (type === SPB) {
        len = v.getUint32(body, le);
        caplen = Math.min(len, bodyLen - 4, iface.snaplen === 0 ? Number.MAX_SAFE_INTEGER : iface.snaplen);
      } else {
        units = (BigInt(v.getUint32(body + 4, le)) << 32n) | BigInt(v.getUint32(body + 8, le));
        caplen = v.getUint32(body + 12, le);
        len = v.getUint32(body + 16, le);
      }
      if (caplen > MAX_RECORD) return fail(`pcapng: packet block at byte ${at} claims ${caplen} bytes`, at);
      if (caplen > bodyLen - head)
        return fail(`pcapng: packet block at byte ${at} shorter than its data`, at);
      const start = body + head;
      records.push({
        ts: (units * iface.num) / iface.den,
        len,
        data: bytes.subarray(start, start + caplen),
        iface: sectionBase + local,
      });
    }
    at += total;
  }
  if (firstOrder === undefined) return fail('pcapng: missing section header block', 0);
  const interfaces: CaptureInterface[] = ifaces.map((i) => ({
    linkType: i.linkType,
    snaplen: i.snaplen,
    precision: i.precision,
  }));
  return { ok: true, capture: { format: 'pcapng', order: firstOrder, interfaces, records } };
}

export interface PcapngWriteOptions {
  readonly linkType: number;
  readonly snaplen?: number;
  readonly precision?: Precision;
}

/** One SHB (little-endian, section length unknown), one IDB, one EPB per record. */
export function writePcapng(
  records: readonly { readonly ts: bigint; readonly len: number; readonly data: Uint8Array }[],
  opts: PcapngWriteOptions,
): Uint8Array {
  const nsec = opts.precision === 'nsec';
  const idbLen = nsec ? 32 : 20;
  let size = 28 + idbLen;
  for (const r of records) size += 32 + ((r.data.length + 3) & ~3);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  const block = (at: number, type: number, len: number) => {
    v.setUint32(at, type, true);
    v.setUint32(at + 4, len, true);
    v.setUint32(at + len - 4, len, true);
  };
  block(0, SHB, 28);
  v.setUint32(8, BOM, true);
  v.setUint16(12, 1, true);
  v.setUint16(14, 0, true);
  v.setBigInt64(16, -1n, true);
  block(28, IDB, idbLen);
  v.setUint16(36, opts.linkType & 0xffff, true);
  v.setUint32(40, (opts.snaplen ?? 262144) >>> 0, true);
  if (nsec) {
    v.setUint16(44, 9, true); // if_tsresol
    v.setUint16(46, 1, true);
    out[48] = 9; // 10^-9 s; then padding, then opt_endofopt (4 zero bytes)
  }
  let at = 28 + idbLen;
  const div = nsec ? 1n : 1000n;
  for (const r of records) {
    const padded = (r.data.length + 3) & ~3;
    const len = 32 + padded;
    block(at, EPB, len);
    const units = BigInt.asUintN(64, (r.ts < 0n ? 0n : r.ts) / div);
    v.setUint32(at + 8, 0, true);
    v.setUint32(at + 12, Number(units >> 32n), true);
    v.setUint32(at + 16, Number(units & 0xffffffffn), true);
    v.setUint32(at + 20, r.data.length, true);
    v.setUint32(at + 24, r.len >>> 0, true);
    out.set(r.data, at + 28);
    at += len;
  }
  return out;
}
