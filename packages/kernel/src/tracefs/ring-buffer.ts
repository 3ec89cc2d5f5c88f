// Decoding of the binary ring-buffer sub-buffers read from per_cpu/cpuN/trace_pipe_raw.
// Invariants: pure and iterative (no recursion); the page layout (offsets of `commit` and `data`)
// comes from events/header_page; the event headers follow the kernel's compressed entry header
// (5-bit type_len, 27-bit time delta): type_len 1..28 = data of type_len*4 bytes after the header,
// 0 = length word then data, 29 = padding (a zero time delta ends the page), 30/31 = 8-byte
// time extend/stamp; returned payloads are copies, in buffer order, and never run past `commit`.

export type PageLayout = {
  readonly commitOffset: number;
  readonly commitSize: number;
  readonly dataOffset: number;
};

/** Commit word flag bits (missed events) that are not part of the length. */
const COMMIT_FLAG_MASK = 0xc0000000;

const HP_FIELD_RE = /field:\s*(?:[\w ]+?)\s+(\w+);\s*offset:(\d+);\s*size:(\d+);/g;

/** Reads `events/header_page`; null if it lacks the `commit` or `data` field. */
export function parseHeaderPage(text: string): PageLayout | null {
  let commit: [number, number] | null = null;
  let data: number | null = null;
  for (const m of text.matchAll(HP_FIELD_RE)) {
    const name = m[1];
    const off = Number(m[2]);
    const size = Number(m[3]);
    if (name === 'commit' && commit === null) commit = [off, size];
    else if (name === 'data') data = off;
  }
  if (commit === null || data === null) return null;
  return { commitOffset: commit[0], commitSize: commit[1], dataOffset: data };
}

export type PageDecode = { readonly events: Uint8Array[]; readonly error: string | null };

/** Splits one sub-buffer into event payloads (the trace entries, starting with common_type). */
export function decodePage(page: Uint8Array, layout: PageLayout): PageDecode {
  const dv = new DataView(page.buffer, page.byteOffset, page.byteLength);
  const events: Uint8Array[] = [];
  if (page.byteLength < layout.dataOffset) return { events, error: 'short page' };
  const commitWord = dv.getUint32(layout.commitOffset, true);
  const len = (commitWord & ~COMMIT_FLAG_MASK) >>> 0;
  const end = layout.dataOffset + len;
  if (end > page.byteLength) return { events, error: `commit ${len} beyond page size ${page.byteLength}` };
  let p = layout.dataOffset;
  while (p + 4 <= end) {
    const h = dv.getUint32(p, true);
    const typeLen = h & 0x1f;
    const delta = h >>> 5;
    if (typeLen === 29) {
      if (delta === 0) break;
      if (p + 8 > end) return { events, error: 'truncated padding' };
      p += 4 + dv.getUint32(p + 4, true);
    } else if (typeLen === 30 || typeLen === 31) {
      p += 8;
    } else if (typeLen === 0) {
      if (p + 8 > end) return { events, error: 'truncated length word' };
      const l = dv.getUint32(p + 4, true);
      if (l < 4 || p + 4 + l > end) return { events, error: `bad event length ${l}` };
      events.push(new Uint8Array(page.subarray(p + 8, p + 4 + l)));
      p += 4 + l;
    } else {
      const l = typeLen * 4;
      if (p + 4 + l > end) return { events, error: 'truncated event' };
      events.push(new Uint8Array(page.subarray(p + 4, p + 4 + l)));
      p += 4 + l;
    }
  }
  return { events, error: null };
}

/** The compressed entry header's type_len values, as events/header_event describes them. */
export type EventHeaderLayout = {
  readonly padding: number;
  readonly timeExtend: number;
  readonly timeStamp: number;
  readonly dataMax: number;
};

/** The layout of this kernel's entry headers (5.x–6.x: padding 29, time_extend 30, time_stamp 31, data 1–28). */
export const DEFAULT_EVENT_HEADER: EventHeaderLayout = {
  padding: 29,
  timeExtend: 30,
  timeStamp: 31,
  dataMax: 28,
};

/** Reads `events/header_event`; null if one of its four type values is missing. */
export function parseHeaderEvent(text: string): EventHeaderLayout | null {
  const num = (re: RegExp): number | null => {
    const m = re.exec(text);
    return m ? Number(m[1]) : null;
  };
  const padding = num(/padding\s*:\s*type\s*==\s*(\d+)/);
  const timeExtend = num(/time_extend\s*:\s*type\s*==\s*(\d+)/);
  const timeStamp = num(/time_stamp\s*:\s*type\s*==\s*(\d+)/);
  const dataMax = num(/data max type_len\s*==\s*(\d+)/);
  if (padding === null || timeExtend === null || timeStamp === null || dataMax === null) return null;
  return { padding, timeExtend, timeStamp, dataMax };
}

/** One event of a sub-buffer with its trace-clock timestamp. */
export type TimedEvent = { readonly data: Uint8Array; readonly ts: bigint };

export type TimedPage = {
  readonly events: TimedEvent[];
  /**
   * Events the writer lost before this sub-buffer: 0 none, a count when the kernel stored it, -1 when it only
   * flagged the loss (no room left on the page for the count).
   */
  readonly lost: number;
  readonly error: string | null;
};

const RB_MISSED_EVENTS = 0x80000000;
const RB_MISSED_STORED = 0x40000000;
const TS_SHIFT = 27n;
const TS_MSB = 0xf8n << 56n;

/**
 * Splits one sub-buffer into events with their timestamps: the page's base timestamp (header_page `timestamp`,
 * offset 0) plus each entry's 27-bit delta; a time extend adds `array[0] << 27 | delta`; a time stamp sets the
 * absolute time (its top 5 bits carried over from the time before, as the kernel stores only 59); padding adds its
 * delta (a discarded event's time) and a zero-delta padding ends the page. The commit word's flags say whether
 * events were lost before the page, and whether their count (an 8-byte word) follows the data. The events' bytes
 * are views of one copy of the page's data (the caller may reuse `page`).
 */
export function decodePageTimed(
  page: Uint8Array,
  layout: PageLayout,
  header: EventHeaderLayout = DEFAULT_EVENT_HEADER,
): TimedPage {
  const dv = new DataView(page.buffer, page.byteOffset, page.byteLength);
  const events: TimedEvent[] = [];
  if (page.byteLength < layout.dataOffset) return { events, lost: 0, error: 'short page' };
  const commitWord = dv.getUint32(layout.commitOffset, true);
  const len = (commitWord & ~COMMIT_FLAG_MASK) >>> 0;
  const end = layout.dataOffset + len;
  if (end > page.byteLength)
    return { events, lost: 0, error: `commit ${len} beyond page size ${page.byteLength}` };
  let lost = 0;
  if (commitWord & RB_MISSED_EVENTS) {
    lost = -1;
    if (commitWord & RB_MISSED_STORED && end + 8 <= page.byteLength)
      lost = Number(dv.getBigUint64(end, true));
  }
  let ts = dv.getBigUint64(0, true);
  let p = layout.dataOffset;
  const copy = new Uint8Array(page.subarray(0, end)); // a copy (Buffer#slice would be a view)
  while (p + 4 <= end) {
    const h = dv.getUint32(p, true);
    const typeLen = h & 0x1f;
    const delta = BigInt(h >>> 5);
    if (typeLen === header.padding) {
      if (delta === 0n) break;
      if (p + 8 > end) return { events, lost, error: 'truncated padding' };
      ts += delta;
      p += 4 + dv.getUint32(p + 4, true);
    } else if (typeLen === header.timeExtend || typeLen === header.timeStamp) {
      if (p + 8 > end) return { events, lost, error: 'truncated time entry' };
      const v = (BigInt(dv.getUint32(p + 4, true)) << TS_SHIFT) + delta;
      if (typeLen === header.timeExtend) ts += v;
      else {
        let abs = v;
        if (ts & TS_MSB) {
          abs |= ts & TS_MSB;
          if (abs < ts) abs += 1n << 59n;
        }
        ts = abs;
      }
      p += 8;
    } else if (typeLen === 0) {
      if (p + 8 > end) return { events, lost, error: 'truncated length word' };
      const l = dv.getUint32(p + 4, true);
      if (l < 4 || p + 4 + l > end) return { events, lost, error: `bad event length ${l}` };
      ts += delta;
      events.push({ data: copy.subarray(p + 8, p + 4 + l), ts });
      p += 4 + l;
    } else if (typeLen <= header.dataMax) {
      const l = typeLen * 4;
      if (p + 4 + l > end) return { events, lost, error: 'truncated event' };
      ts += delta;
      events.push({ data: copy.subarray(p + 4, p + 4 + l), ts });
      p += 4 + l;
    } else return { events, lost, error: `unknown entry type ${typeLen}` };
  }
  return { events, lost, error: null };
}
