// String matchers with the kernel's exact semantics (trace_events_filter.c regex_match_* and
// lib/glob.c glob_match), over a byte view (buf, start, len). Reads at or beyond buf.length yield 0
// (a record shorter than its format reads as zero-filled), so no matcher ever throws or reads out of
// bounds. `len` is what the kernel passes: array size for char[N], the locator length for
// __data_loc/__rel_loc, strlen+1 for copied pointer strings, 16 for comm; 0 means NUL-terminated
// for full/front/middle but the empty string for glob (see boundedGlob; glob_match itself is @tfc/ir's globMatch,
// the one port for the language). Also the ~ pattern classification (filter_parse_regex). All loops are iterative;
// `start` is never negative.

import { globMatch } from '@tfc/ir';

export type MatchKind = 'full' | 'front' | 'middle' | 'end' | 'glob';

export interface ClassifiedPattern {
  readonly kind: MatchKind;
  /** The processed needle (leading '!' and '*' / trailing '*' removed as the kernel does). */
  readonly needle: Uint8Array;
  readonly negate: boolean;
}

const STAR = 0x2a;

/** filter_parse_regex for `~`; `==`/`!=` always use 'full' with the literal as is. */
export function classifyPattern(pattern: Uint8Array): ClassifiedPattern {
  let buf = pattern;
  let negate = false;
  if (buf[0] === 0x21) {
    negate = true;
    buf = buf.subarray(1);
  }
  const c0 = buf[0];
  if (c0 !== undefined && c0 >= 0x30 && c0 <= 0x39) return { kind: 'full', needle: buf, negate };
  let kind: MatchKind = 'full';
  let end = buf.length;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (c === STAR) {
      if (i === 0) {
        kind = 'end';
      } else if (i === buf.length - 1) {
        kind = kind === 'end' ? 'middle' : 'front';
        end = i;
        break;
      } else {
        return { kind: 'glob', needle: buf, negate };
      }
    } else if (c === 0x5b || c === 0x3f || c === 0x5c) {
      return { kind: 'glob', needle: buf, negate };
    }
  }
  const start = buf[0] === STAR ? 1 : 0;
  return { kind, needle: buf.subarray(start, Math.max(start, end)), negate };
}

function byteAt(buf: Uint8Array, i: number): number {
  return i < buf.length && i >= 0 ? (buf[i] as number) : 0;
}

/** strncmp(buf+start, pat, n) === 0 with pat NUL-terminated after its length; n < 0 = unbounded. */
function strncmpEq(buf: Uint8Array, start: number, pat: Uint8Array, n: number): boolean {
  // n < 0: unbounded strcmp. Bytes past the record read as 0, so comparing up to the pattern's NUL beyond the
  // record's end suffices (and the bound never goes negative for a start past the end).
  const limit = n < 0 ? Math.max(buf.length - start, 0) + pat.length + 1 : n;
  for (let k = 0; k < limit; k++) {
    const a = byteAt(buf, start + k);
    const b = k < pat.length ? (pat[k] as number) : 0;
    if (a !== b) return false;
    if (a === 0) return true;
  }
  return true;
}

function memEq(buf: Uint8Array, start: number, pat: Uint8Array): boolean {
  for (let k = 0; k < pat.length; k++) if (byteAt(buf, start + k) !== pat[k]) return false;
  return true;
}

function strlenAt(buf: Uint8Array, start: number): number {
  let k = start;
  while (k < buf.length && buf[k] !== 0) k++;
  return k - start;
}

/**
 * lib/glob.c glob_match(pat, str) with the 2026 bound (kernel "Prevent out-of-bounds read in glob
 * matching", present in 6.18.44): str ends at its NUL or after `len` bytes, whichever comes first;
 * len 0 (e.g. a __data_loc whose fetch failed) is the empty string; len = Infinity is the unbounded glob of
 * older kernels (reads to the NUL). Verified against the kernel by the differential oracle (`str ~ "a\*"` with a
 * zero-length locator pointing at "a*" is false). The matcher itself is @tfc/ir's globMatch, the one port of
 * glob_match for the language; this only cuts the view (bytes past `buf` read as 0 there too).
 */
function boundedGlob(pat: Uint8Array, buf: Uint8Array, start: number, len: number): boolean {
  const from = Math.min(start, buf.length);
  return globMatch(pat, buf.subarray(from, Math.max(from, Math.min(start + Math.max(len, 0), buf.length))));
}

/** regex->match(str, r, len) for the given kind; needle has no NUL bytes. */
export function matchString(
  kind: MatchKind,
  needle: Uint8Array,
  buf: Uint8Array,
  start: number,
  len: number,
): boolean {
  const plen = needle.length;
  switch (kind) {
    case 'full':
      return strncmpEq(buf, start, needle, len === 0 ? -1 : len);
    case 'front':
      if (len !== 0 && len < plen) return false;
      return strncmpEq(buf, start, needle, plen);
    case 'middle': {
      if (plen === 0) return true;
      if (len === 0) {
        const n = strlenAt(buf, start);
        for (let k = 0; k + plen <= n; k++) if (memEq(buf, start + k, needle)) return true;
        return false;
      }
      for (let rem = len, k = 0; rem >= plen; rem--, k++) if (memEq(buf, start + k, needle)) return true;
      return false;
    }
    case 'end': {
      const sl = len - 1;
      return sl >= plen && memEq(buf, start + sl - plen, needle);
    }
    case 'glob':
      return boundedGlob(needle, buf, start, len);
  }
}
