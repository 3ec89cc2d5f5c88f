// match.ts and @tfc/ir's globMatch against the independent judge (glob-judge.ts, a second port of lib/glob.c):
// random patterns over the bytes glob_match treats specially and random strings over the bytes they name, NULs
// included, in bounded views (start, len: the 2026 bound, len 0 = empty string) and unbounded ones (len = Infinity,
// dialect globBound 'nul'). Invariant: deterministic (fixed seeds).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { globMatch } from '@tfc/ir';
import fc from 'fast-check';
import { matchString } from '../src/index.ts';
import { judgeGlobMatch } from './glob-judge.ts';

const patByte = fc.constantFrom(0x2a, 0x3f, 0x5b, 0x5d, 0x21, 0x2d, 0x5c, 0x61, 0x62, 0x63, 0x7a);
const strByte = fc.constantFrom(0x00, 0x2a, 0x5b, 0x5d, 0x2d, 0x5c, 0x61, 0x62, 0x63, 0x7a, 0xff);
const patArb = fc.array(patByte, { maxLength: 10 }).map((a) => Uint8Array.from(a));
const bufArb = fc.array(strByte, { maxLength: 14 }).map((a) => Uint8Array.from(a));
const lenArb = fc.oneof(fc.nat(16), fc.constant(Number.POSITIVE_INFINITY));

test('@tfc/ir globMatch equals the judge on whole strings', () => {
  fc.assert(
    fc.property(patArb, bufArb, (pat, buf) => {
      assert.equal(globMatch(pat, buf), judgeGlobMatch(pat, buf, 0, Number.POSITIVE_INFINITY));
    }),
    { seed: 14, numRuns: 20000 },
  );
});

test("tracefs matchString('glob') equals the judge in bounded and unbounded views", () => {
  fc.assert(
    fc.property(patArb, bufArb, fc.nat(16), lenArb, (pat, buf, start, len) => {
      assert.equal(matchString('glob', pat, buf, start, len), judgeGlobMatch(pat, buf, start, len));
    }),
    { seed: 15, numRuns: 20000 },
  );
});

test('the judge and globMatch agree on hand-picked kernel cases', () => {
  const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
  const cases: [string, string, boolean][] = [
    ['a[]b]c', 'a]c', true],
    ['a[!b]c', 'abc', false],
    ['[abc', '[abc', true],
    ['a\\', 'a', true],
    ['*b*c', 'abxbc', true],
    ['a?', 'a', false],
  ];
  for (const [p, s, want] of cases) {
    assert.equal(globMatch(enc(p), enc(s)), want, `${p} ~ ${s}`);
    assert.equal(judgeGlobMatch(enc(p), enc(s), 0, s.length), want, `judge: ${p} ~ ${s}`);
  }
});
