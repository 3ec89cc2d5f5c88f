// A glob pattern (lib/glob.c glob_match, as restated in @tfc/ir strmatch.ts) as star-separated segments of
// one-byte elements, for strings whose length is only known at run time (__data_loc, char *).
// Invariants:
//  - every element consumes exactly one byte of the string: a literal (also `\x`), `?` (any byte; inside the
//    string no byte is NUL), or a class `[...]` / `[!...]` of inclusive ranges; a malformed class is the
//    literal `[` followed by the rest, as glob.c reads it; a trailing `\` is glob.c's literal NUL, which
//    matches only where the string ends — what the last segment's anchoring at the end already requires (after
//    a star: the star absorbs the rest) — so it adds no element;
//  - with S0 * S1 * … * Sk: k = 0 → the string is exactly S0; else S0 matches at 0, each middle segment at its
//    leftmost position at or after the end of the previous one, and Sk ends at the end of the string — which is
//    what glob.c's single backtrack point computes (a star absorbs anything, so committing to the leftmost
//    occurrence of a middle segment never loses a match); `matchSegments` is that algorithm, checked against
//    the IR's globMatch by property test.

export type GlobElement =
  | { readonly kind: 'byte'; readonly value: number }
  | { readonly kind: 'any' }
  | {
      readonly kind: 'class';
      readonly inverted: boolean;
      readonly ranges: readonly (readonly [number, number])[];
    };

export type GlobSegments = readonly (readonly GlobElement[])[];

/** The segments of a pattern (bytes); undefined only for a pattern holding a NUL byte (the IR has none). */
export function globSegments(pat: readonly number[]): GlobSegments | undefined {
  const at = (i: number) => (i < pat.length ? pat[i]! : 0);
  const segs: GlobElement[][] = [[]];
  let p = 0;
  while (p < pat.length) {
    const d = at(p++);
    const cur = segs[segs.length - 1]!;
    if (d === 0) return undefined;
    if (d === 0x2a) {
      segs.push([]);
      continue;
    }
    if (d === 0x3f) {
      cur.push({ kind: 'any' });
      continue;
    }
    if (d === 0x5b) {
      const inverted = at(p) === 0x21;
      let cls = p + (inverted ? 1 : 0);
      let a = at(cls++);
      const ranges: [number, number][] = [];
      let malformed = false;
      do {
        let b = a;
        if (a === 0) {
          malformed = true;
          break;
        }
        if (at(cls) === 0x2d && at(cls + 1) !== 0x5d) {
          b = at(cls + 1);
          if (b === 0) {
            malformed = true;
            break;
          }
          cls += 2;
        }
        ranges.push([a, b]);
        a = at(cls++);
      } while (a !== 0x5d);
      if (!malformed) {
        cur.push({ kind: 'class', inverted, ranges });
        p = cls;
        continue;
      }
      cur.push({ kind: 'byte', value: 0x5b });
      continue;
    }
    if (d === 0x5c) {
      const e = at(p++);
      if (e === 0) break;
      cur.push({ kind: 'byte', value: e });
      continue;
    }
    cur.push({ kind: 'byte', value: d });
  }
  return segs;
}

/** Whether element e accepts the (non-NUL) byte c. */
export function elementAccepts(e: GlobElement, c: number): boolean {
  if (e.kind === 'any') return true;
  if (e.kind === 'byte') return c === e.value;
  const inside = e.ranges.some(([a, b]) => a <= c && c <= b);
  return inside !== e.inverted;
}

/** The segment algorithm over a string without NUL bytes (the reference for the generated code). */
export function matchSegments(segs: GlobSegments, str: Uint8Array): boolean {
  const m = str.length;
  const fits = (seg: readonly GlobElement[], pos: number) =>
    pos >= 0 && pos + seg.length <= m && seg.every((e, j) => elementAccepts(e, str[pos + j]!));
  const first = segs[0]!;
  if (segs.length === 1) return m === first.length && fits(first, 0);
  if (!fits(first, 0)) return false;
  let cur = first.length;
  for (let i = 1; i < segs.length - 1; i++) {
    const seg = segs[i]!;
    let pos = cur;
    while (pos + seg.length <= m && !fits(seg, pos)) pos++;
    if (pos + seg.length > m) return false;
    cur = pos + seg.length;
  }
  const last = segs[segs.length - 1]!;
  return m - last.length >= cur && fits(last, m - last.length);
}
