// Decoding of the records a sampling perf event writes into its ring buffer (perf_event_open(2), "MMAP layout").
// Invariants: pure and iterative; the input is a contiguous copy of the bytes between the reader's tail and the
// kernel's head (the ring's wrap-around already undone), little-endian host; every record is `struct
// perf_event_header` (u32 type, u16 misc, u16 size) and its body; a record whose size is below 8 or runs past the
// input ends the decode with an error, records before it are kept; a sample's fields are read in the order the
// kernel writes them for the `sample_type` bits this module knows (TID, TIME, CPU, RAW) and a sample_type with any
// other bit is refused up front; raw payloads are copies.

/** PERF_SAMPLE_* bits this module decodes. */
export const PERF_SAMPLE = { TID: 1 << 1, TIME: 1 << 2, CPU: 1 << 7, RAW: 1 << 10 } as const;

/** PERF_RECORD_* types. */
export const PERF_RECORD = {
  LOST: 2,
  THROTTLE: 5,
  UNTHROTTLE: 6,
  SAMPLE: 9,
  LOST_SAMPLES: 13,
} as const;

const KNOWN_SAMPLE_BITS = PERF_SAMPLE.TID | PERF_SAMPLE.TIME | PERF_SAMPLE.CPU | PERF_SAMPLE.RAW;

/** One sample: the fields its sample_type selected (absent ones are 0 / empty) and the raw payload as written. */
export interface PerfSample {
  readonly kind: 'sample';
  readonly pid: number;
  readonly tid: number;
  readonly time: bigint;
  readonly cpu: number;
  /** PERF_SAMPLE_RAW's data: the tracepoint record, padded by the kernel so that 4 + length is a multiple of 8. */
  readonly raw: Uint8Array;
}

/** PERF_RECORD_LOST (the ring was full: `lost` samples were dropped here) or PERF_RECORD_LOST_SAMPLES. */
export interface PerfLost {
  readonly kind: 'lost';
  readonly lost: bigint;
}

/** Any other record (throttling, …): its type, for statistics. */
export interface PerfOther {
  readonly kind: 'other';
  readonly type: number;
}

export type PerfRecord = PerfSample | PerfLost | PerfOther;

export interface PerfDecode {
  readonly records: PerfRecord[];
  readonly error: string | null;
}

/** Splits `chunk` into records; `sampleType` must be the PERF_SAMPLE_* bits the event was opened with. */
export function decodePerfRecords(chunk: Uint8Array, sampleType: number): PerfDecode {
  const records: PerfRecord[] = [];
  if ((sampleType & ~KNOWN_SAMPLE_BITS) !== 0)
    return { records, error: `sample_type 0x${sampleType.toString(16)} has bits this decoder does not know` };
  const dv = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  let p = 0;
  while (p + 8 <= chunk.byteLength) {
    const type = dv.getUint32(p, true);
    const size = dv.getUint16(p + 6, true);
    if (size < 8 || p + size > chunk.byteLength)
      return { records, error: `record of type ${type} at ${p}: bad size ${size}` };
    const end = p + size;
    if (type === PERF_RECORD.SAMPLE) {
      const s = decodeSample(dv, chunk, p + 8, end, sampleType);
      if (typeof s === 'string') return { records, error: `sample at ${p}: ${s}` };
      records.push(s);
    } else if (type === PERF_RECORD.LOST) {
      // u64 id, u64 lost
      if (p + 24 > end) return { records, error: `lost record at ${p}: ${size} bytes` };
      records.push({ kind: 'lost', lost: dv.getBigUint64(p + 16, true) });
    } else if (type === PERF_RECORD.LOST_SAMPLES) {
      if (p + 16 > end) return { records, error: `lost-samples record at ${p}: ${size} bytes` };
      records.push({ kind: 'lost', lost: dv.getBigUint64(p + 8, true) });
    } else records.push({ kind: 'other', type });
    p = end;
  }
  if (p !== chunk.byteLength) return { records, error: `${chunk.byteLength - p} trailing bytes` };
  return { records, error: null };
}

function decodeSample(
  dv: DataView,
  chunk: Uint8Array,
  start: number,
  end: number,
  sampleType: number,
): PerfSample | string {
  let p = start;
  const need = (n: number): boolean => p + n <= end;
  let pid = 0;
  let tid = 0;
  let time = 0n;
  let cpu = 0;
  let raw = new Uint8Array(0);
  if (sampleType & PERF_SAMPLE.TID) {
    if (!need(8)) return 'truncated tid';
    pid = dv.getInt32(p, true);
    tid = dv.getInt32(p + 4, true);
    p += 8;
  }
  if (sampleType & PERF_SAMPLE.TIME) {
    if (!need(8)) return 'truncated time';
    time = dv.getBigUint64(p, true);
    p += 8;
  }
  if (sampleType & PERF_SAMPLE.CPU) {
    if (!need(8)) return 'truncated cpu';
    cpu = dv.getUint32(p, true);
    p += 8;
  }
  if (sampleType & PERF_SAMPLE.RAW) {
    if (!need(4)) return 'truncated raw size';
    const n = dv.getUint32(p, true);
    p += 4;
    if (!need(n)) return `raw size ${n} past the record`;
    raw = chunk.slice(p, p + n);
    p += n;
  }
  return { kind: 'sample', pid, tid, time, cpu, raw };
}
