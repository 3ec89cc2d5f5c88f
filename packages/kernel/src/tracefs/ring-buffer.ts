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
