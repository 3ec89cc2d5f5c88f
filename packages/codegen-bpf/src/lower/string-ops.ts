// The BPF lowering of string predicates: a matcher (full, front, middle, end, glob) over a known pattern becomes a
// short list of target-neutral string ops that every BPF emitter translates one by one (eBPF, cBPF, C), so the
// kernel's matcher semantics (strncmp over the view, NUL ends, zero-length __data_loc locators, glob_match) are
// restated once here.
// Invariants: plain data; ops run in order and every path ends in a `goto` (or a glob op) to one of the two labels
// the predicate's outcome goes to (negation already applied), or to a label the list itself places; `at` indexes
// the string (from its start, or with `fromEnd` from its runtime length); `window` without `miss` falls through
// to the next op when a byte differs; labels come from the emitter's `fresh`.
import type { StrPred } from '@tfc/ir';
import { type GlobAutomaton, globAutomaton, MAX_GLOB_STATES } from '../glob-automaton.ts';
import { Unsupported } from '../options.ts';

export interface ByteTest {
  readonly at: number;
  readonly byte: number;
}

export type StrOp =
  /** The byte at `at` (counted from the runtime length when `fromEnd`) is `byte`, else goto `miss`. */
  | {
      readonly op: 'expect';
      readonly at: number;
      readonly fromEnd: boolean;
      readonly byte: number;
      readonly miss: string;
    }
  /** Every test holds: goto `hit`; else goto `miss`, or fall through without one. */
  | {
      readonly op: 'window';
      readonly tests: readonly ByteTest[];
      readonly hit: string;
      readonly miss?: string;
    }
  /** The runtime length is 0 (a zero-length __data_loc locator: the string ends at its first NUL): goto `to`. */
  | { readonly op: 'len-zero'; readonly to: string }
  /** The runtime length is below `value`: goto `to`. */
  | { readonly op: 'len-lt'; readonly value: number; readonly to: string }
  /** The runtime length is at most `value`: goto `to`. */
  | { readonly op: 'len-le'; readonly value: number; readonly to: string }
  | { readonly op: 'goto'; readonly to: string }
  | { readonly op: 'label'; readonly name: string }
  /** glob_match over the N bytes of an array as an automaton (glob-automaton.ts): `T` goes to yes, `F` to no. */
  | { readonly op: 'glob'; readonly automaton: GlobAutomaton; readonly yes: string; readonly no: string };

/** The pattern's bytes (each character's low 8 bits, as the kernel compares them). */
export function patternBytes(p: Pick<StrPred, 'pattern'>): number[] {
  return [...p.pattern].map((c) => c.charCodeAt(0) & 0xff);
}

/** Where the predicate goes when its matcher says yes / no (negation applied). */
export function outcomes(p: Pick<StrPred, 'negate'>, t: string, f: string): { yes: string; no: string } {
  return p.negate ? { yes: f, no: t } : { yes: t, no: f };
}

/** A matcher over the n bytes of a fixed-size array (char[N], comm): bytes past a NUL still exist, the strncmp of
 *  `full` stops at the pattern's NUL; `end` is the plen bytes before the last byte; `middle` tries every window;
 *  `glob` is glob_match over the array, bytes past N read as 0. */
export function lowerArrayMatch(p: StrPred, n: number, t: string, f: string): StrOp[] {
  const pat = patternBytes(p);
  const plen = pat.length;
  const { yes, no } = outcomes(p, t, f);
  const ops: StrOp[] = [];
  switch (p.match) {
    case 'glob': {
      const automaton = globAutomaton(pat, n);
      if (automaton === undefined)
        throw new Unsupported(
          'string-size',
          `glob pattern over char[${n}] needs more than ${MAX_GLOB_STATES} states`,
        );
      return [{ op: 'glob', automaton, yes, no }];
    }
    case 'full':
      // strncmp(str, pat, n) == 0 (n > 0 for arrays)
      for (let i = 0; i < n; i++) {
        const c = i < plen ? pat[i]! : 0;
        ops.push({ op: 'expect', at: i, fromEnd: false, byte: c, miss: no });
        if (c === 0) break;
      }
      ops.push({ op: 'goto', to: yes });
      return ops;
    case 'front':
      if (n < plen) return [{ op: 'goto', to: no }];
      for (let i = 0; i < plen; i++)
        ops.push({ op: 'expect', at: i, fromEnd: false, byte: pat[i]!, miss: no });
      ops.push({ op: 'goto', to: yes });
      return ops;
    case 'middle':
      if (plen === 0) return [{ op: 'goto', to: yes }];
      for (let s = 0; s + plen <= n; s++)
        ops.push({ op: 'window', tests: pat.map((byte, j) => ({ at: s + j, byte })), hit: yes });
      ops.push({ op: 'goto', to: no });
      return ops;
    case 'end': {
      const last = n - 1;
      if (n === 0 || last < plen) return [{ op: 'goto', to: no }];
      return [
        { op: 'window', tests: pat.map((byte, j) => ({ at: last - plen + j, byte })), hit: yes, miss: no },
      ];
    }
  }
}

/** full / front / end over a string of runtime length len (bytes at index >= len read as 0 and are never loaded):
 *  the kernel's matchers restated for a view [0, len); len 0 (a zero-length __data_loc locator) is the string at
 *  the offset up to its NUL. undefined for the kinds that need a loop (middle, glob): each emitter has its own. */
export function lowerRuntimeMatch(
  p: StrPred,
  t: string,
  f: string,
  fresh: () => string,
): StrOp[] | undefined {
  const pat = patternBytes(p);
  const plen = pat.length;
  const { yes, no } = outcomes(p, t, f);
  const ops: StrOp[] = [];
  const expect = (at: number, byte: number, fromEnd = false) =>
    ops.push({ op: 'expect', at, fromEnd, byte, miss: no });
  switch (p.match) {
    case 'full': {
      // strncmp(str, pat, len); len == 0 is strcmp from the offset.
      const nulEnded = fresh();
      ops.push({ op: 'len-zero', to: nulEnded });
      for (let i = 0; i <= plen; i++) {
        if (i > 0) ops.push({ op: 'len-le', value: i, to: yes });
        expect(i, i < plen ? pat[i]! : 0);
      }
      ops.push({ op: 'goto', to: yes }, { op: 'label', name: nulEnded });
      for (let i = 0; i <= plen; i++) expect(i, i < plen ? pat[i]! : 0);
      ops.push({ op: 'goto', to: yes });
      return ops;
    }
    case 'front': {
      if (plen === 0) return [{ op: 'goto', to: yes }];
      // strncmp(str, pat, plen); false when 0 < len < plen (len 0: the string at the offset).
      const nulEnded = fresh();
      ops.push(
        { op: 'len-zero', to: nulEnded },
        { op: 'len-lt', value: plen, to: no },
        { op: 'goto', to: nulEnded },
        { op: 'label', name: nulEnded },
      );
      for (let i = 0; i < plen; i++) expect(i, pat[i]!);
      ops.push({ op: 'goto', to: yes });
      return ops;
    }
    case 'end':
      // The plen bytes ending just before byte len - 1 (never when len = 0).
      ops.push({ op: 'len-lt', value: plen + 1, to: no });
      for (let j = 0; j < plen; j++) expect(j - 1 - plen, pat[j]!, true);
      ops.push({ op: 'goto', to: yes });
      return ops;
    default:
      return undefined;
  }
}
