// Evaluator unit tests drawn from the kernel-verified worked examples (tracefs-filter-spec.md §13) and
// libpcap's abort rule: truncation, bit-pattern equality, signed compares, `&`, every string matcher
// with the char[N] quirks, pointer strings that fault, comm, glob corner cases, and abort under not/or.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  and,
  arith,
  classifyPattern,
  cmp,
  cpusPredicate,
  type EvalInput,
  evaluate,
  evaluateOutcome,
  fieldPredicate,
  filter,
  konst,
  LEN,
  load,
  not,
  or,
  type Pred,
  type StrSource,
  str,
} from '../src/index.ts';

function rec(value: bigint, size = 8): Uint8Array {
  const b = new Uint8Array(16);
  for (let i = 0; i < size; i++) b[i] = Number((value >> BigInt(8 * i)) & 0xffn);
  return b;
}
const field = (size: number, signed: boolean) => ({ base: 'record' as const, offset: 0, size, signed });
function run(p: Pred, input: EvalInput): 'accept' | 'reject' {
  return evaluate(filter(p), input);
}
const M = (v: bigint) => BigInt.asUintN(64, v);

test('integer truncation and signedness (spec §13 rows 1–14)', () => {
  const cases: [Pred, bigint, 'accept' | 'reject'][] = [
    [fieldPredicate('eq', field(1, false), 256n), 0n, 'accept'],
    [fieldPredicate('eq', field(1, false), 256n), 1n, 'reject'],
    [fieldPredicate('lt', field(1, false), 256n), 0n, 'reject'],
    [fieldPredicate('lt', field(1, false), 256n), 255n, 'reject'],
    [fieldPredicate('le', field(1, false), 0x1ffn), 255n, 'accept'],
    [fieldPredicate('gt', field(1, true), 200n), 0n, 'accept'],
    [fieldPredicate('gt', field(1, true), 200n), M(-64n), 'reject'],
    [fieldPredicate('gt', field(1, true), 200n), M(-48n), 'accept'],
    [fieldPredicate('eq', field(1, true), 0xffn), M(-1n), 'accept'],
    [fieldPredicate('ge', field(1, true), 0xffn), M(-128n), 'reject'],
    [fieldPredicate('eq', field(4, true), 0xffffffffn), M(-1n), 'accept'],
    [fieldPredicate('lt', field(4, true), 0xffffffffn), M(-2n), 'accept'],
    [fieldPredicate('lt', field(4, true), 0xffffffffn), M(-1n), 'reject'],
    [fieldPredicate('eq', field(8, true), M(-9223372036854775808n)), 1n << 63n, 'accept'],
    [fieldPredicate('set', field(4, false), 0x100000000n), 0xffffffffn, 'reject'],
    [fieldPredicate('set', field(4, false), 3n), 4n, 'reject'],
    [fieldPredicate('set', field(4, false), 3n), 5n, 'accept'],
    [fieldPredicate('ne', field(16, false), 0n), 5n, 'reject'],
    [fieldPredicate('eq', field(16, false), 0n), 0n, 'reject'],
  ];
  for (const [p, v, want] of cases)
    assert.equal(
      run(p, { record: rec(v) }),
      want,
      `${JSON.stringify(p, (_k, x) => (typeof x === 'bigint' ? String(x) : x))} on ${v}`,
    );
});

function dyn(s: string): EvalInput {
  // __data_loc word at 0 → data at 8, len = strlen + 1.
  const r = new Uint8Array(64);
  const bytes = Buffer.from(s, 'latin1');
  new DataView(r.buffer).setUint32(0, ((bytes.length + 1) << 16) | 8, true);
  r.set(bytes, 8);
  return { record: r };
}
const DL: StrSource = { kind: 'dataloc', base: 'record', offset: 0, rel: false, order: 'le' };

test('string matchers on __data_loc strings (spec §13 rows 27–38, 61–64)', () => {
  const cases: [Pred, string, 'accept' | 'reject'][] = [
    [str('full', 'hello', DL), 'hello', 'accept'],
    [str('full', 'hello', DL), 'hell', 'reject'],
    [str('full', 'hello', DL), 'hello2', 'reject'],
    [str('full', 'hello', DL, true), '', 'accept'],
    [str('front', 'hel', DL), 'hello2', 'accept'],
    [str('front', 'hel', DL), 'xhello', 'reject'],
    [str('end', 'llo', DL), 'xhello', 'accept'],
    [str('end', 'llo', DL), 'hell', 'reject'],
    [str('glob', 'h?llo', DL), 'h*llo', 'accept'],
    [str('glob', 'h?llo', DL), 'hell', 'reject'],
    [str('glob', 'h[!e]llo', DL), 'hello', 'reject'],
    [str('glob', 'h[!e]llo', DL), 'h*llo', 'accept'],
    [str('front', 'hel', DL, true), '', 'accept'],
    [str('end', '', DL), '', 'accept'],
    [str('middle', '', DL), '', 'accept'],
    [str('glob', '**', DL), '', 'accept'],
    [str('full', '', DL, true), '', 'reject'],
    [str('full', '', DL, true), 'hello', 'accept'],
    [str('glob', '[abc', DL), '[abc', 'accept'],
    [str('glob', '[abc', DL), 'abc', 'reject'],
    [str('glob', 'hell?', DL), 'hell', 'reject'],
    [str('glob', 'hell?', DL), 'hello', 'accept'],
    [str('glob', 'a[]b]c', DL), 'a]c', 'accept'],
    [str('glob', 'a[]b]c', DL), 'a[c', 'reject'],
    [str('glob', 'a[b-]c', DL), 'a-c', 'accept'],
    [str('glob', 'a[b-]c', DL), 'aac', 'reject'],
    [str('glob', '*\\\\', DL), 'a\\', 'accept'],
    [str('glob', '*\\\\', DL), 'ab', 'reject'],
    [str('glob', 'h\\*llo', DL), 'h*llo', 'accept'],
    [str('glob', 'h\\*llo', DL), 'hello', 'reject'],
  ];
  for (const [p, s, want] of cases) assert.equal(run(p, dyn(s)), want, `${JSON.stringify(p)} on '${s}'`);
});

/** A record whose __data_loc word at 0 has length 0 and offset 8, with `at` written from byte 8 (no
 *  NUL added: the record's end ends the string, as bytes past it read 0). */
function zeroLen(at: string, size = 8 + at.length): Uint8Array {
  const r = new Uint8Array(size);
  new DataView(r.buffer).setUint32(0, 8, true);
  r.set(Buffer.from(at, 'latin1').subarray(0, Math.max(0, size - 8)), 8);
  return r;
}
const REL: StrSource = { kind: 'dataloc', base: 'record', offset: 0, rel: true, order: 'le' };
const FRAME_DL: StrSource = { kind: 'dataloc', base: 'frame', offset: 0, rel: false, order: 'le' };

test('zero-length __data_loc/__rel_loc locators: the kernel reads the NUL-terminated string at the offset', () => {
  // Linux 6.18 regex_match_*: len 0 → full strcmp, front strncmp over plen, middle strstr, end never
  // (strlen = -1), glob the empty string (6.18.44 bounds glob_match by len). Pinned live by
  // packages/tracefs/test/kernel/data-loc.test.ts.
  const cases: [Pred, string, 'accept' | 'reject'][] = [
    [str('full', 'tfc-dl', DL), 'tfc-dl\0zz', 'accept'],
    [str('full', 'tfc-dl', DL), 'tfc-dl', 'accept'],
    [str('full', 'tfc', DL), 'tfc-dl\0', 'reject'],
    [str('full', 'tfc-dl', DL, true), 'tfc-dl\0', 'reject'],
    [str('full', '', DL), '\0abc', 'accept'],
    [str('full', '', DL), 'abc', 'reject'],
    [str('front', 'tfc', DL), 'tfc-dl\0', 'accept'],
    [str('front', 'tfc-dlx', DL), 'tfc-dl\0', 'reject'],
    [str('front', 'tfc', DL, true), 'tfc-dl\0', 'reject'],
    [str('front', '', DL), '', 'accept'],
    [str('middle', 'c-d', DL), 'tfc-dl\0', 'accept'],
    [str('middle', 'zz', DL), 'tfc-dl\0zz', 'reject'],
    [str('middle', 'dl', DL), 'tfc-dl', 'accept'],
    [str('middle', '', DL), '', 'accept'],
    [str('end', 'dl', DL), 'tfc-dl\0', 'reject'],
    [str('end', '', DL), 'tfc-dl\0', 'reject'],
    [str('end', 'dl', DL, true), 'tfc-dl\0', 'accept'],
    [str('glob', 't?c-dl', DL), 'tfc-dl\0', 'reject'],
    [str('glob', '\\', DL), 'tfc-dl\0', 'accept'],
    [str('glob', '*\\', DL), 'a\\', 'accept'],
    [str('glob', '[t]*', DL), 'tfc', 'reject'],
  ];
  for (const [p, s, want] of cases) {
    const r = zeroLen(s);
    assert.equal(run(p, { record: r }), want, `${JSON.stringify(p)} on '${s}'`);
    // __rel_loc: the same word read relative to the field's end (offset 8 - 4 = 4).
    const rel = r.slice();
    new DataView(rel.buffer).setUint32(0, 4, true);
    assert.equal(
      run({ ...p, source: REL } as Pred, { record: rel }),
      want,
      `rel ${JSON.stringify(p)} on '${s}'`,
    );
  }
  // An offset at or past the record's end is the empty string.
  const past = new Uint8Array(8);
  new DataView(past.buffer).setUint32(0, 200, true);
  assert.equal(run(str('full', '', DL), { record: past }), 'accept');
  assert.equal(run(str('front', 'a', DL), { record: past }), 'reject');
});

test('zero-length locators in frames: a matcher that reads past the frame aborts, one that stops before does not', () => {
  const frame = (at: string): Uint8Array => {
    const f = new Uint8Array(54 + 8 + at.length);
    new DataView(f.buffer).setUint32(54, 8, true);
    f.set(Buffer.from(at, 'latin1'), 62);
    return f;
  };
  const cases: [Pred, string, 'accept' | 'reject' | 'abort'][] = [
    [str('full', 'ab', FRAME_DL), 'ab\0', 'accept'],
    [str('full', 'ab', FRAME_DL), 'ab', 'abort'], // strcmp reads byte 2, past the frame
    [str('full', 'ab', FRAME_DL), 'ax', 'reject'], // the difference at byte 1 ends strcmp
    [str('full', 'ab', FRAME_DL, true), 'a', 'abort'],
    [str('front', 'ab', FRAME_DL), 'ab', 'accept'], // strncmp over 2 bytes
    [str('front', 'abc', FRAME_DL), 'ab', 'abort'],
    [str('front', 'abc', FRAME_DL), 'xb', 'reject'],
    [str('front', '', FRAME_DL), '', 'accept'],
    [str('middle', 'b', FRAME_DL), 'ab\0', 'accept'],
    [str('middle', 'b', FRAME_DL), 'ab', 'abort'], // strstr's strlen runs off the frame
    [str('middle', '', FRAME_DL), '', 'accept'],
    [str('end', 'b', FRAME_DL), 'ab', 'reject'],
    [str('glob', '\\', FRAME_DL), '', 'accept'],
  ];
  for (const [p, s, want] of cases)
    assert.equal(evaluateOutcome(filter(p), { packet: frame(s) }), want, `${JSON.stringify(p)} on '${s}'`);
  // An offset past the frame's end aborts (start + len inside the frame, len = 0), even for matchers
  // that read nothing; at the end it does not.
  const beyond = frame('');
  new DataView(beyond.buffer).setUint32(54, 9, true);
  assert.equal(evaluateOutcome(filter(str('front', '', FRAME_DL)), { packet: beyond }), 'abort');
  new DataView(beyond.buffer).setUint32(54, 8, true);
  assert.equal(evaluateOutcome(filter(str('front', '', FRAME_DL)), { packet: beyond }), 'accept');
  assert.equal(evaluateOutcome(filter(str('full', '', FRAME_DL)), { packet: beyond }), 'abort');
  // Under not, an abort stays an abort.
  assert.equal(evaluateOutcome(filter(not(str('full', 'ab', FRAME_DL))), { packet: frame('ab') }), 'abort');
});

test('char[N] quirks: suffix window before the last byte, middle scans past NUL (spec §6.8)', () => {
  const arr: StrSource = { kind: 'fixed', base: 'record', offset: 0, size: 16 };
  const mk = (s: string, stale = ''): EvalInput => {
    const r = new Uint8Array(16);
    r.set(Buffer.from(stale, 'latin1'));
    r.set(Buffer.from(s + '\0', 'latin1'));
    return { record: r };
  };
  assert.equal(run(str('end', 'bc', arr), mk('abc')), 'reject');
  assert.equal(run(str('glob', '*b[c]', arr), mk('abc')), 'accept');
  assert.equal(run(str('end', 'xyz', arr), mk('ab', 'abcdefghijklxyz')), 'accept');
  assert.equal(run(str('middle', 'kl', arr), mk('ab', 'abcdefghijklxyz')), 'accept');
  assert.equal(run(str('full', 'abcdefghijklmnoXYZ', arr), mk('abcdefghijklmno')), 'reject');
  assert.equal(run(str('front', 'abcdefghijklmnopq', arr), mk('abcdefghijklmno')), 'reject');
  const comm = Buffer.from('fspecabc', 'latin1');
  assert.equal(run(str('end', 'abc', { kind: 'comm' }), { comm }), 'reject');
  assert.equal(run(str('glob', '*ab[c]', { kind: 'comm' }), { comm }), 'accept');
  assert.equal(
    run(str('end', 'xyz', { kind: 'comm' }), { comm: Buffer.from('abcdefghijklxyz', 'latin1') }),
    'accept',
  );
});

test('pointer strings: a faulting copy is false for == and != alike, but an outer not inverts it', () => {
  const ptr = (space: 'kernel' | 'user'): StrSource => ({
    kind: 'ptr',
    base: 'record',
    offset: 0,
    order: 'le',
    space,
  });
  const r = new Uint8Array(8);
  new DataView(r.buffer).setBigUint64(0, 0x7000n, true);
  const input: EvalInput = {
    record: r,
    memory: [{ space: 'user', address: 0x7000n, bytes: Buffer.from('/tmp/x\0', 'latin1') }],
  };
  assert.equal(run(str('full', 'nomatch', ptr('kernel'), true), input), 'reject');
  assert.equal(run(str('full', 'nomatch', ptr('kernel')), input), 'reject');
  assert.equal(run(not(str('full', 'nomatch', ptr('kernel'))), input), 'accept');
  assert.equal(run(str('full', 'nomatch', ptr('user'), true), input), 'accept');
  assert.equal(run(str('middle', 'tmp', ptr('user')), input), 'accept');
  assert.equal(run(str('end', '/x', ptr('user')), input), 'accept');
});

test('abort: an out-of-bounds packet load rejects the whole filter, even under not and or', () => {
  const far = cmp('eq', 1, false, load('packet', 100, 1, 'be'), 1);
  const short: EvalInput = { packet: new Uint8Array(20) };
  assert.equal(evaluateOutcome(filter(far), short), 'abort');
  assert.equal(run(not(far), short), 'reject');
  assert.equal(run(or(far, { kind: 'true' }), short), 'reject');
  // Short-circuit: a load that is not reached does not abort.
  assert.equal(run(or({ kind: 'true' }, far), short), 'accept');
  assert.equal(run(and(cmp('gt', 4, false, LEN, 100), far), short), 'reject');
  assert.equal(evaluateOutcome(filter(and(cmp('gt', 4, false, LEN, 100), far)), short), 'reject');
  // Division by zero aborts; shifts ≥ 32 give 0; arithmetic wraps at 32 bits.
  const div = cmp('eq', 4, false, arith('/', konst(6), load('packet', 0, 1, 'be')), 0);
  assert.equal(evaluateOutcome(filter(not(div)), short), 'abort');
  assert.equal(run(cmp('eq', 4, false, arith('<<', konst(1), konst(32)), 0), {}), 'accept');
  assert.equal(run(cmp('eq', 4, false, arith('+', konst(0xffffffff), konst(2)), 1), {}), 'accept');
  // Frame loads read the record inside a trace frame (packet offset 54).
  const frame = new Uint8Array(60);
  frame[54] = 7;
  assert.equal(run(cmp('eq', 1, false, load('frame', 0, 1), 7), { packet: frame }), 'accept');
  assert.equal(
    evaluateOutcome(filter(cmp('eq', 1, false, load('frame', 6, 1), 7)), { packet: frame }),
    'abort',
  );
  // Record reads past the end read zero and never abort.
  assert.equal(evaluateOutcome(filter(cmp('eq', 4, false, load('record', 100, 4), 0)), {}), 'accept');
});

test('CPUS{} masks (spec §13 rows 45–47, 49; nr_cpu_ids = 2)', () => {
  const a32 = { kind: 'field' as const, value: load('record', 0, 4), width: 4 as const };
  const a64 = { kind: 'field' as const, value: load('record', 0, 8), width: 8 as const };
  const vals = [0n, 1n, 2n, 0x1_00000001n, 0xffffffffn];
  const table = (p: Pred) => vals.map((v) => run(p, { record: rec(v) }));
  const P = 'accept';
  const D = 'reject';
  assert.deepEqual(table(cpusPredicate('set', a32, [0, 1], 2)), [P, P, D, P, D]);
  assert.deepEqual(table(cpusPredicate('ne', a32, [0, 1], 2)), [P, P, D, P, D]);
  assert.deepEqual(table(cpusPredicate('eq', a32, [0, 1], 2)), [D, D, D, D, D]);
  assert.deepEqual(table(cpusPredicate('ne', a32, [], 2)), [P, P, D, P, D]);
  assert.equal(run(cpusPredicate('eq', a64, [1], 2), { record: rec(1n) }), 'accept');
  assert.equal(run(cpusPredicate('eq', a64, [1], 2), { record: rec(0x1_00000001n) }), 'reject');
  const cpu = { kind: 'cpu' as const };
  assert.deepEqual(
    [0, 1].map((c) => run(cpusPredicate('set', cpu, [1], 2), { cpu: c })),
    [D, P],
  );
  assert.deepEqual(
    [0, 1].map((c) => run(cpusPredicate('eq', cpu, [0, 1], 2), { cpu: c })),
    [D, D],
  );
  assert.deepEqual(
    [0, 1].map((c) => run(cpusPredicate('ne', cpu, [0, 1], 2), { cpu: c })),
    [P, P],
  );
});

test('tracefs ~ pattern classification (spec §6.6) and its verdicts (rows 29–38)', () => {
  const cases: [string, string, string, boolean][] = [
    ['hel*', 'front', 'hel', false],
    ['*llo', 'end', 'llo', false],
    ['*ll*', 'middle', 'll', false],
    ['h?llo', 'glob', 'h?llo', false],
    ['*a?', 'glob', '*a?', false],
    ['a*b', 'glob', 'a*b', false],
    ['!hel*', 'front', 'hel', true],
    ['1*', 'full', '1*', false],
    ['!1*', 'full', '1*', true],
    ['*', 'end', '', false],
    ['**', 'middle', '', false],
    ['***', 'glob', '***', false],
    ['', 'full', '', false],
    ['!', 'full', '', true],
    ['h\\*llo', 'glob', 'h\\*llo', false],
  ];
  for (const [text, match, pattern, negate] of cases)
    assert.deepEqual(classifyPattern(text), { match, pattern, negate }, text);
  const tilde = (text: string) => {
    const c = classifyPattern(text);
    return str(c.match, c.pattern, DL, c.negate);
  };
  const verdicts = (text: string, inputs: string[]) => inputs.map((s) => run(tilde(text), dyn(s)));
  assert.deepEqual(verdicts('!hel*', ['hello', 'xhello', '']), ['reject', 'accept', 'accept']);
  assert.deepEqual(verdicts('1*', ['1*', '1x', '12']), ['accept', 'reject', 'reject']);
  assert.deepEqual(verdicts('*', ['', 'x']), ['accept', 'accept']);
  assert.deepEqual(verdicts('!*', ['', 'x']), ['reject', 'reject']);
  assert.deepEqual(verdicts('!', ['', 'hello']), ['reject', 'accept']);
});
