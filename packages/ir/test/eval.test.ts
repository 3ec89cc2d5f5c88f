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
