// match.ts and @tfc/ir's globMatch against the independent judge (glob-judge.ts, a second port of lib/glob.c):
// random patterns over the bytes glob_match treats specially and random strings over the bytes they name, NULs
// included, in bounded views (start, len: the 2026 bound, len 0 = empty string) and unbounded ones (len = Infinity,
// dialect globBound 'nul'); and ~ pattern classification (filter_parse_regex) with glob corner cases.
// Invariant: deterministic (fixed seeds).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { globMatch } from '@tfc/ir';
import fc from 'fast-check';
import { classifyPattern, matchString } from '../src/index.ts';
import { judgeGlobMatch } from './glob-judge.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
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

test('pattern classification (filter_parse_regex) and glob corner cases', () => {
  const c = (s: string) => {
    const r = classifyPattern(enc(s));
    return [r.kind, Buffer.from(r.needle).toString(), r.negate];
  };
  assert.deepEqual(c('*'), ['end', '', false]);
  assert.deepEqual(c('**'), ['middle', '', false]);
  assert.deepEqual(c('***'), ['glob', '***', false]);
  assert.deepEqual(c('ab*'), ['front', 'ab', false]);
  assert.deepEqual(c('*ab'), ['end', 'ab', false]);
  assert.deepEqual(c('*ab*'), ['middle', 'ab', false]);
  assert.deepEqual(c('a*b'), ['glob', 'a*b', false]);
  assert.deepEqual(c('!1*'), ['full', '1*', true]);
  assert.deepEqual(c('!'), ['full', '', true]);
  assert.deepEqual(c('a\\b'), ['glob', 'a\\b', false]);
  const g = (pat: string, s: string, len = 0) =>
    matchString('glob', enc(pat), enc(`${s}\0`), 0, len === 0 ? s.length + 1 : len);
  assert.equal(g('a[]b]c', 'a]c'), true);
  assert.equal(g('a[!b]c', 'abc'), false);
  assert.equal(g('a[z-a]c', 'abc'), false);
  assert.equal(g('[abc', '[abc'), true);
  assert.equal(g('a?', 'a'), false);
  assert.equal(g('*b*c', 'abxbc'), true);
  assert.equal(g('a\\', 'a'), true, 'a trailing backslash escapes the NUL: matches end of string');
  assert.equal(g('a[', 'a['), true);
  // bounded: a len-0 string is empty even if bytes follow (kernel 6.18.44, 2026 glob fix)
  assert.equal(matchString('glob', enc('a\\*'), enc('a*\0'), 0, 0), false);
  assert.equal(matchString('glob', enc('*'), enc('abc'), 0, 2), true);
  assert.equal(matchString('glob', enc('abc'), enc('abcd'), 0, 3), true);
});
