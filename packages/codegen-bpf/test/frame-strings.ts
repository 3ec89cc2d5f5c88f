// Test generators for middle/glob (and full/front/end) on __data_loc / __rel_loc strings inside trace frames:
// filters of one to three string leaves (negations, and/or) over locators at record offsets 8 and 12, and frames
// whose locators are zero-length (NUL-terminated strings, some without a NUL before the frame's end), point past
// the frame, or carry lengths up to `maxLen`. Invariants: patterns never hold a NUL (the IR's rule), string bytes
// come from a small alphabet (with NULs) so that matches happen; frames are 54 header bytes (EtherType 0x88B5) +
// the record.
import { and, type Filter, filter, not, or, type Pred, type StrMatch, str } from '@tfc/ir';
import fc from 'fast-check';

const LOC_OFFSETS = [8, 12] as const;

const patternChar = fc.constantFrom(
  'a',
  'b',
  'c',
  'a',
  'b',
  '*',
  '?',
  '[a-b]',
  '[!a]',
  '\\a',
  '\\*',
  'ab',
  '\\',
);

export const patternArb = fc.array(patternChar, { minLength: 0, maxLength: 6 }).map((xs) => xs.join(''));

const leafArb: fc.Arbitrary<Pred> = fc
  .record({
    match: fc.constantFrom<StrMatch>('middle', 'glob', 'middle', 'glob', 'full', 'front', 'end'),
    pattern: patternArb,
    at: fc.constantFrom(...LOC_OFFSETS),
    rel: fc.boolean(),
    negate: fc.boolean(),
  })
  .map((x) => {
    // Non-glob matches see the metacharacters as bytes; keep them ASCII.
    const pattern = x.match === 'glob' ? x.pattern : x.pattern.replace(/[*?[\]!\\]/g, 'b').slice(0, 8);
    return str(
      x.match,
      pattern,
      { kind: 'dataloc', base: 'frame', offset: x.at, rel: x.rel, order: 'le' },
      x.negate,
    );
  });

export const frameStringFilterArb: fc.Arbitrary<Filter> = fc
  .tuple(fc.array(leafArb, { minLength: 1, maxLength: 3 }), fc.constantFrom('and', 'or', 'mixed'))
  .map(([leaves, how]) => {
    if (leaves.length === 1) return filter(leaves[0]!);
    if (how === 'and') return filter(and(...leaves));
    if (how === 'or') return filter(or(...leaves));
    return filter(or(and(leaves[0]!, not(leaves[1]!)), ...leaves.slice(2)));
  });

const stringByte = fc.constantFrom(0x61, 0x62, 0x63, 0x61, 0x62, 0x2a, 0x00);

/** A locator: [kind, offset, len]. */
const locArb = (maxLen: number) =>
  fc.oneof(
    fc.record({ off: fc.integer({ min: 16, max: 64 }), len: fc.constant(0) }),
    fc.record({ off: fc.integer({ min: 16, max: 64 }), len: fc.integer({ min: 1, max: 24 }) }),
    fc.record({ off: fc.integer({ min: 16, max: 64 }), len: fc.integer({ min: 1, max: maxLen }) }),
    fc.record({ off: fc.integer({ min: 0, max: 0xffff }), len: fc.integer({ min: 0, max: 0xffff }) }),
  );

/** A frame: the header, the two locators (plain values at 8 and 12; a rel locator is taken relative to its
 *  word's end by the IR), string bytes, cut at `cut` (or whole). */
export const frameArb = (maxLen: number): fc.Arbitrary<Uint8Array> =>
  fc
    .record({
      head: fc.uint8Array({ minLength: 54, maxLength: 54 }),
      locs: fc.tuple(locArb(maxLen), locArb(maxLen)),
      fill: fc.array(stringByte, { minLength: 1, maxLength: 32 }),
      size: fc.oneof(
        { weight: 1, arbitrary: fc.integer({ min: 16, max: maxLen + 80 }) },
        { weight: 3, arbitrary: fc.constant(undefined) },
      ),
      extra: fc.integer({ min: 0, max: 24 }),
      cut: fc.oneof(
        { weight: 1, arbitrary: fc.integer({ min: 14, max: maxLen + 134 }) },
        { weight: 4, arbitrary: fc.constant(undefined) },
      ),
    })
    .map(({ head, locs, fill, size: given, extra, cut }) => {
      // Mostly a record that holds both strings (plus a tail that may hold the NUL of a zero-length one).
      const fits = Math.max(16, ...locs.map((l) => (l.off + l.len <= maxLen + 64 ? l.off + l.len + 16 : 0)));
      const size = given ?? fits + extra;
      const rec = new Uint8Array(size);
      for (let i = 16; i < size; i++) rec[i] = fill[(i * 7 + (i >> 3)) % fill.length]!;
      const dv = new DataView(rec.buffer);
      locs.forEach((l, i) => {
        const at = LOC_OFFSETS[i]!;
        if (at + 4 <= size) dv.setUint32(at, ((l.len << 16) | l.off) >>> 0, true);
      });
      const f = new Uint8Array(54 + size);
      f.set(head);
      f[12] = 0x88;
      f[13] = 0xb5;
      f.set(rec, 54);
      return cut === undefined ? f : f.subarray(0, Math.min(cut, f.length));
    });
