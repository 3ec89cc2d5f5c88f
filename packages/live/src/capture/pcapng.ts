/*
 * pcapng captures: a reader for the blocks that carry packets (SHB, IDB, EPB, SPB and the obsolete OPB) and
 * interface statistics (ISB); every other block is skipped. Writers of one section: writePcapng (one interface)
 * and writePcapngCapture (several interfaces, EPB comments, ISBs), built from pcapng-blocks.ts.
 * Invariants: readPcapng never throws and never reads outside `bytes`: a block whose length is not a multiple
 * of 4, shorter than its fields or running past the end, an option running past its block, a packet or statistics
 * block naming an unknown interface, or a record larger than MAX_RECORD is an error value with the block's
 * offset. Each SHB sets the byte order of its section; interface indexes restart per section in the file but
 * `iface` in records indexes the capture's whole interface list. Timestamps honour if_tsresol (decimal or
 * binary). Options read: if_name, if_description, if_tsresol; an EPB's first opt_comment; every ISB counter and
 * comment. Writers are deterministic; read(write(c)) gives c back (timestamps truncated to the resolution).
 */
import {
  BLOCK,
  concatBlocks,
  type InterfaceDescription,
  interfaceBlock,
  packetBlock,
  type StatisticsDescription,
  sectionHeaderBlock,
  statisticsBlock,
} from './pcapng-blocks.ts';
import {
  type ByteOrder,
  type CaptureInterface,
  type CaptureRecord,
  type CaptureResult,
  type InterfaceStatistics,
  MAX_RECORD,
  type Precision,
} from './types.ts';

const SHB = BLOCK.SHB;
const IDB = BLOCK.IDB;
const OPB = BLOCK.OPB;
const SPB = BLOCK.SPB;
const EPB = BLOCK.EPB;
const ISB = BLOCK.ISB;
const BOM = 0x1a2b3c4d;
const utf8 = new TextDecoder('utf-8');

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

/** The options in [from, end): code and value range each, or the offset of an option that runs past its block. */
function readOptions(
  v: DataView,
  from: number,
  end: number,
  le: boolean,
): { code: number; at: number; len: number }[] | number {
  const out: { code: number; at: number; len: number }[] = [];
  let o = from;
  while (end - o >= 4) {
    const code = v.getUint16(o, le);
    const len = v.getUint16(o + 2, le);
    if (code === 0) break;
    if (len > end - o - 4) return o;
    out.push({ code, at: o + 4, len });
    o += 4 + ((len + 3) & ~3);
  }
  return out;
}

export function readPcapng(bytes: Uint8Array): CaptureResult {
  const fail = (error: string, offset: number): CaptureResult => ({ ok: false, error, offset });
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ifaces: Iface[] = [];
  const records: CaptureRecord[] = [];
  const statistics: InterfaceStatistics[] = [];
  const text = (o: { at: number; len: number }) => utf8.decode(bytes.subarray(o.at, o.at + o.len));
  const u64 = (o: { at: number; len: number }) =>
    o.len === 8
      ? (BigInt(v.getUint32(o.at + (le ? 4 : 0), le)) << 32n) | BigInt(v.getUint32(o.at + (le ? 0 : 4), le))
      : undefined;
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
      const opts = readOptions(v, body + 8, body + bodyLen, le);
      if (typeof opts === 'number') return fail(`pcapng: option at byte ${opts} runs past its block`, at);
      let name: string | undefined;
      let description: string | undefined;
      for (const o of opts) {
        if (o.code === 9 && o.len >= 1) res = resolution(bytes[o.at] as number);
        if (o.code === 2) name = text(o);
        if (o.code === 3) description = text(o);
      }
      ifaces.push({
        linkType: v.getUint16(body, le),
        snaplen: v.getUint32(body + 4, le),
        precision: res.precision,
        ...(name !== undefined ? { name } : {}),
        ...(description !== undefined ? { description } : {}),
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
      let comment: string | undefined;
      const epb: { flags?: number; dropCount?: bigint | undefined; packetId?: bigint | undefined } = {};
      if (type === EPB) {
        const opts = readOptions(v, start + ((caplen + 3) & ~3), body + bodyLen, le);
        if (typeof opts === 'number') return fail(`pcapng: option at byte ${opts} runs past its block`, at);
        const c = opts.find((o) => o.code === 1);
        if (c) comment = text(c);
        const f = opts.find((o) => o.code === 2 && o.len === 4);
        if (f) epb.flags = v.getUint32(f.at, le);
        const d = opts.find((o) => o.code === 4);
        if (d) epb.dropCount = u64(d);
        const id = opts.find((o) => o.code === 5);
        if (id) epb.packetId = u64(id);
      }
      records.push({
        ts: (units * iface.num) / iface.den,
        len,
        data: bytes.subarray(start, start + caplen),
        iface: sectionBase + local,
        ...(comment !== undefined ? { comment } : {}),
        ...(epb.flags !== undefined ? { flags: epb.flags } : {}),
        ...(epb.dropCount !== undefined ? { dropCount: epb.dropCount } : {}),
        ...(epb.packetId !== undefined ? { packetId: epb.packetId } : {}),
      });
    } else if (type === ISB) {
      if (!need(12)) return fail(`pcapng: statistics block at byte ${at} too short`, at);
      const local = v.getUint32(body, le);
      const iface = ifaces[sectionBase + local];
      if (iface === undefined)
        return fail(`pcapng: statistics block at byte ${at} names interface ${local}, not described`, at);
      const scale = (units: bigint) => (units * iface.num) / iface.den;
      const words = (o: number) => (BigInt(v.getUint32(o, le)) << 32n) | BigInt(v.getUint32(o + 4, le));
      const opts = readOptions(v, body + 12, body + bodyLen, le);
      if (typeof opts === 'number') return fail(`pcapng: option at byte ${opts} runs past its block`, at);
      const st: { -readonly [K in keyof InterfaceStatistics]: InterfaceStatistics[K] } = {
        iface: sectionBase + local,
        ts: scale(words(body + 4)),
        comments: [],
      };
      const comments: string[] = [];
      for (const o of opts) {
        if (o.code === 1) comments.push(text(o));
        else if ((o.code === 2 || o.code === 3) && o.len === 8) {
          if (o.code === 2) st.start = scale(words(o.at));
          else st.end = scale(words(o.at));
        } else {
          const n = u64(o);
          if (n === undefined) continue;
          if (o.code === 4) st.received = n;
          if (o.code === 5) st.dropped = n;
          if (o.code === 6) st.accepted = n;
          if (o.code === 7) st.osDropped = n;
          if (o.code === 8) st.delivered = n;
        }
      }
      statistics.push({ ...st, comments });
    }
    at += total;
  }
  if (firstOrder === undefined) return fail('pcapng: missing section header block', 0);
  const interfaces: CaptureInterface[] = ifaces.map(({ num: _n, den: _d, ...i }) => i);
  return {
    ok: true,
    capture: {
      format: 'pcapng',
      order: firstOrder,
      interfaces,
      records,
      ...(statistics.length > 0 ? { statistics } : {}),
    },
  };
}

export interface PcapngWriteOptions {
  readonly linkType: number;
  readonly snaplen?: number;
  readonly precision?: Precision;
  /** if_name and if_description of the one interface. */
  readonly name?: string;
  readonly description?: string;
  /** Interface Statistics Blocks written after the packets (their `iface` is 0). */
  readonly statistics?: readonly Omit<StatisticsDescription, 'iface'>[];
}

/** One SHB (little-endian, section length unknown), one IDB, one EPB per record (with its comment), then ISBs. */
export function writePcapng(
  records: readonly {
    readonly ts: bigint;
    readonly len: number;
    readonly data: Uint8Array;
    readonly comment?: string;
  }[],
  opts: PcapngWriteOptions,
): Uint8Array {
  const { statistics, ...iface } = opts;
  return writePcapngCapture({
    interfaces: [iface],
    records: records.map((r) => ({ ...r, iface: 0 })),
    statistics: (statistics ?? []).map((s) => ({ ...s, iface: 0 })),
    precision: opts.precision ?? 'usec',
  });
}

export interface PcapngCaptureDescription {
  readonly interfaces: readonly InterfaceDescription[];
  readonly records: readonly {
    readonly iface: number;
    readonly ts: bigint;
    readonly len: number;
    readonly data: Uint8Array;
    readonly comment?: string;
  }[];
  readonly statistics?: readonly StatisticsDescription[];
  /** The resolution of every interface (if_tsresol 9 for 'nsec'; microseconds by default). */
  readonly precision: Precision;
}

/** One section: the IDBs, the EPBs in the order given, then the ISBs. */
export function writePcapngCapture(c: PcapngCaptureDescription): Uint8Array {
  return concatBlocks([
    sectionHeaderBlock(),
    ...c.interfaces.map((i) => interfaceBlock({ ...i, precision: c.precision })),
    ...c.records.map((r) => packetBlock(r, c.precision)),
    ...(c.statistics ?? []).map((s) => statisticsBlock(s, c.precision)),
  ]);
}
