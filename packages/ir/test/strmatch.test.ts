// strmatch.ts: the kernel's string matchers on hand-picked cases that pin each rule of its header — full is strncmp
// over len (strcmp when len = 0), front fails when 0 < len < plen, middle is strnstr over len (a NUL does not stop
// it) or strstr when len = 0, end looks at the bytes before byte len-1, glob ends at the first NUL or after len
// bytes (len 0 = the empty string) — and zeroLenExtent's byte counts. globMatch against an independent port on
// random input is packages/tracefs/test/match.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StrMatch } from '../src/index.ts';
import { globMatch, matchString, patternBytes, zeroLenExtent } from '../src/strmatch.ts';

const b = (s: string) => patternBytes(s);

test('matchString follows the kernel rule of each matcher', () => {
  const cases: [StrMatch, string, string, number, boolean][] = [
    ['full', 'abc', 'abc\0xyz', 8, true],
    ['full', 'abc', 'abcd', 4, false],
    ['full', 'ab', 'abc', 2, true],
    ['full', '', '\0', 0, true],
    ['full', 'abc', 'abc', 0, true],
    ['front', 'ab', 'abc', 3, true],
    ['front', 'ab', 'abc', 1, false],
    ['front', 'ab', 'abc', 0, true],
    ['middle', 'bc', 'abcd', 4, true],
    ['middle', 'bc', 'ab\0bc', 5, true],
    ['middle', 'bc', 'ab\0bc', 0, false],
    ['middle', '', 'xyz', 3, true],
    ['end', 'cd', 'abcd\0', 5, true],
    ['end', 'cd', 'abcd', 4, false],
    ['end', 'cd', 'abcd', 0, false],
    ['glob', 'a*d', 'abcd', 4, true],
    ['glob', 'a*d', 'abcd', 3, false],
    ['glob', 'a*d', 'ab\0d', 4, false],
    ['glob', '*', 'abc', 0, true],
    ['glob', 'a*', 'abc', 0, false],
  ];
  for (const [m, pat, data, len, want] of cases) {
    assert.equal(
      matchString(m, b(data), len, b(pat)),
      want,
      `${m} "${pat}" on ${JSON.stringify(data)} len ${len}`,
    );
  }
});

test('bytes past the data read as NUL', () => {
  assert.equal(matchString('full', b('ab'), 8, b('ab')), true);
  assert.equal(matchString('front', b('a'), 8, b('ab')), false);
  assert.equal(globMatch(b('ab?'), b('ab')), false);
  assert.equal(globMatch(b('ab*'), b('ab')), true);
});

test('zeroLenExtent counts the bytes the matcher reads when len = 0', () => {
  assert.equal(zeroLenExtent('full', b('abd\0'), b('abc')), 3);
  assert.equal(zeroLenExtent('full', b('abc\0'), b('abc')), 4);
  assert.equal(zeroLenExtent('front', b('abcdef'), b('abc')), 3);
  assert.equal(zeroLenExtent('middle', b('ab\0'), b('x')), 3);
  assert.equal(zeroLenExtent('middle', b('ab\0'), b('')), 0);
  assert.equal(zeroLenExtent('end', b('ab\0'), b('b')), 0);
  assert.equal(zeroLenExtent('glob', b('ab\0'), b('a*')), 0);
});

test('patternBytes keeps the low byte of each char code', () => {
  assert.deepEqual([...patternBytes('a\u00ff\u0141')], [0x61, 0xff, 0x41]);
});
