/*
 * The length of a trace record as the kernel's ring buffer stores it, from the event's format: what the ebpf engine
 * trims perf's raw sample to, so that both engines deliver records of the same length.
 * Why: perf pads PERF_SAMPLE_RAW so that its 4-byte size word plus the data end on 8 bytes (perf_trace_buf_alloc and
 * TRACE_EVENT's perf probe both size the record as ALIGN(n + 4, 8) - 4), the ring buffer behind tracefs rounds the
 * same n up to 4 bytes. n is sizeof(struct trace_event_raw_NAME) plus the dynamic data the record carries: the struct
 * ends where its last field ends, rounded up to the largest natural alignment of its fields (4 at least: common_pid);
 * the dynamic data (`__data_loc`/`__rel_loc` payloads) follows it, so a record's n is the larger of the struct's
 * size and the furthest payload end its location words name.
 * Invariants: pure; the result is a multiple of 4, never more than the given data's length (a shorter sample is
 * returned whole) and never less than the struct's size when the data holds it; location words that point outside
 * the data are ignored.
 */
import { rawRecordSize } from '@tfc/compiler';
import type { EventFormat, FormatField } from '@tfc/tracefs';

const isDataLoc = (f: FormatField): boolean => /^__data_loc\b/.test(f.type);
const isRelLoc = (f: FormatField): boolean => /^__rel_loc\b/.test(f.type);

const roundUp = (n: number, a: number): number => Math.ceil(n / a) * a;

/** sizeof the event's struct: the end of its last field rounded up to the largest field alignment (≥ 4) — the
 *  compiler's rawRecordSize, the length a raw tracepoint program builds. */
export const structSize: (ev: EventFormat) => number = rawRecordSize;

/** The ring-buffer length of the record whose (possibly padded) bytes are `data`. */
export function ringRecordLength(ev: EventFormat, data: Uint8Array): number {
  let n = structSize(ev);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (const f of ev.fields) {
    const loc = isDataLoc(f);
    if (!loc && !isRelLoc(f)) continue;
    if (f.offset + 4 > data.byteLength) continue;
    const word = dv.getUint32(f.offset, true);
    const off = (word & 0xffff) + (loc ? 0 : f.offset + 4);
    const end = off + (word >>> 16);
    if (end <= data.byteLength) n = Math.max(n, end);
  }
  return Math.min(roundUp(n, 4), data.byteLength);
}
