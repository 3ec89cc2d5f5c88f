// Linux cpulist parsing with bitmap_parselist() semantics (lib/bitmap-str.c) over nbits bits:
// regions separated by ',' or whitespace; each region is N, A-B, A-B:used/group, or `all`
// (case-insensitive, optionally with :used/group); the letter N means the last valid bit;
// decimal numbers only; start > end, group = 0, used > group, or end >= nbits is an error;
// input ending at '\0' or '\n'. Invariant: pure, iterative, never throws; the result is the sorted
// list of set bit numbers.

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}
function endOfStr(c: number | undefined): boolean {
  return c === undefined || c === 0 || c === 0x0a;
}
function endOfRegion(c: number | undefined): boolean {
  return endOfStr(c) || isSpace(c as number) || c === 0x2c;
}

export function parseCpulist(text: string, nbits: number): { ok: true; cpus: number[] } | { ok: false } {
  const s = text;
  const at = (i: number): number | undefined => (i < s.length ? s.charCodeAt(i) : undefined);
  const lastbit = nbits - 1;
  const bits = new Uint8Array(Math.max(nbits, 0));
  let p = 0;
  const getnum = (start: number): { ok: true; value: number; next: number } | { ok: false } => {
    if (at(start) === 0x4e) return { ok: true, value: lastbit, next: start + 1 };
    let i = start;
    let n = 0n;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      n = n * 10n + BigInt(c - 0x30);
      i++;
    }
    if (i === start || n > 0xffffffffn) return { ok: false };
    return { ok: true, value: Number(n), next: i };
  };
  for (;;) {
    // find region
    while (!endOfStr(at(p)) && (isSpace(at(p) as number) || at(p) === 0x2c)) p++;
    if (endOfStr(at(p))) break;
    let start: number;
    let end: number;
    let off: number;
    let group: number;
    let hasPattern = false;
    if (s.slice(p, p + 3).toLowerCase() === 'all') {
      start = 0;
      end = lastbit;
      p += 3;
    } else {
      const a = getnum(p);
      if (!a.ok) return { ok: false };
      start = a.value;
      p = a.next;
      if (endOfRegion(at(p))) {
        end = start;
      } else {
        if (at(p) !== 0x2d) return { ok: false };
        const b = getnum(p + 1);
        if (!b.ok) return { ok: false };
        end = b.value;
        p = b.next;
      }
    }
    off = end + 1;
    group = end + 1;
    if (!endOfRegion(at(p))) {
      if (at(p) !== 0x3a) return { ok: false };
      const u = getnum(p + 1);
      if (!u.ok) return { ok: false };
      if (at(u.next) !== 0x2f) return { ok: false };
      const g = getnum(u.next + 1);
      if (!g.ok) return { ok: false };
      off = u.value;
      group = g.value;
      p = g.next;
      hasPattern = true;
    }
    if (start > end || group === 0 || off > group) return { ok: false };
    if (end >= nbits || end < 0) return { ok: false };
    for (let b = start; b <= end; b += group) {
      const n = Math.min(end - b + 1, off);
      for (let k = 0; k < n; k++) bits[b + k] = 1;
    }
    if (!hasPattern && endOfStr(at(p))) break;
  }
  const cpus: number[] = [];
  for (let i = 0; i < bits.length; i++) if (bits[i] === 1) cpus.push(i);
  return { ok: true, cpus };
}
