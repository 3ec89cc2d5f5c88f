// The lowering of string predicates (src/lower/string-ops.ts): small exact op lists for each matcher, and a
// property that the op lists, run by a tiny interpreter, decide what the IR evaluator decides — over char[N]
// arrays (lowerArrayMatch) and over __data_loc strings of a runtime length, zero-length locators included
// (lowerRuntimeMatch). No emitter is involved: this is the semantics every BPF emitter translates.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluate, filter, type StrMatch, type StrPred, type StrSource, str as strPred } from '@tfc/ir';
import fc from 'fast-check';
import { runGlobAutomaton } from '../src/glob-automaton.ts';
import {
  lowerArrayMatch,
  lowerRuntimeMatch,
  outcomes,
  patternBytes,
  type StrOp,
} from '../src/lower/string-ops.ts';

/** A string leaf (the builder's type is any predicate). */
const str = (match: StrMatch, pattern: string, source: StrSource, negate = false) =>
  strPred(match, pattern, source, negate) as StrPred;

const Y = 'yes';
const N = 'no';

/** Runs an op list: true when it reaches `yes`. `byteAt(at, fromEnd)` reads the string, `len` is its runtime
 *  length, `data` the array a glob op reads. */
function runOps(
  ops: readonly StrOp[],
  byteAt: (at: number, fromEnd: boolean) => number,
  len: number,
  data: Uint8Array,
): boolean {
  const labels = new Map<string, number>();
  ops.forEach((op, i) => {
    if (op.op === 'label') labels.set(op.name, i);
  });
  let pc = 0;
  const jump = (to: string): boolean | undefined => {
    if (to === Y) return true;
    if (to === N) return false;
    const at = labels.get(to);
    assert.ok(at !== undefined && at > pc, `forward jump to ${to}`);
    pc = at;
    return undefined;
  };
  for (let steps = 0; steps < 10_000; steps++) {
    const op = ops[pc];
    assert.ok(op !== undefined, 'the op list falls off its end');
    let r: boolean | undefined;
    switch (op.op) {
      case 'expect':
        if (byteAt(op.at, op.fromEnd) !== op.byte) r = jump(op.miss);
        else pc++;
        break;
      case 'window':
        if (op.tests.every((t) => byteAt(t.at, false) === t.byte)) r = jump(op.hit);
        else if (op.miss !== undefined) r = jump(op.miss);
        else pc++;
        break;
      case 'len-zero':
        if (len === 0) r = jump(op.to);
        else pc++;
        break;
      case 'len-lt':
        if (len < op.value) r = jump(op.to);
        else pc++;
        break;
      case 'len-le':
        if (len <= op.value) r = jump(op.to);
        else pc++;
        break;
      case 'goto':
        r = jump(op.to);
        break;
      case 'label':
        pc++;
        break;
      case 'glob':
        return runGlobAutomaton(op.automaton, data) ? op.yes === Y : op.no === Y;
    }
    if (r !== undefined) return r;
  }
  assert.fail('no end');
}

test('lowerArrayMatch: full over char[4] compares up to the pattern NUL, then says yes', () => {
  const ops = lowerArrayMatch(str('full', 'ab', { kind: 'comm' }), 4, Y, N);
  assert.deepEqual(ops, [
    { op: 'expect', at: 0, fromEnd: false, byte: 0x61, miss: N },
    { op: 'expect', at: 1, fromEnd: false, byte: 0x62, miss: N },
    { op: 'expect', at: 2, fromEnd: false, byte: 0, miss: N },
    { op: 'goto', to: Y },
  ]);
});

test('lowerArrayMatch: front longer than the array is no; end is one window; middle one window per place', () => {
  assert.deepEqual(lowerArrayMatch(str('front', 'abcde', { kind: 'comm' }), 4, Y, N), [
    { op: 'goto', to: N },
  ]);
  assert.deepEqual(lowerArrayMatch(str('end', 'b', { kind: 'comm' }), 4, Y, N), [
    { op: 'window', tests: [{ at: 2, byte: 0x62 }], hit: Y, miss: N },
  ]);
  const mid = lowerArrayMatch(str('middle', 'ab', { kind: 'comm' }), 5, Y, N);
  assert.equal(mid.filter((o) => o.op === 'window' && o.miss === undefined).length, 4);
  assert.deepEqual(mid.at(-1), { op: 'goto', to: N });
  // negation swaps the outcomes, not the ops
  assert.deepEqual(outcomes({ negate: true }, Y, N), { yes: N, no: Y });
  assert.deepEqual(lowerArrayMatch(str('front', 'abcde', { kind: 'comm' }, true), 4, Y, N), [
    { op: 'goto', to: Y },
  ]);
  assert.deepEqual(patternBytes({ pattern: 'a\u0162' }), [0x61, 0x62]);
});

test('lowerArrayMatch: glob is one automaton op; one with too many states is a string-size diagnostic', () => {
  const [op] = lowerArrayMatch(str('glob', 'a*b', { kind: 'comm' }), 16, Y, N);
  assert.equal(op?.op, 'glob');
  assert.throws(
    () => lowerArrayMatch(str('glob', '*a*b*c*d*e*f*g*h*', { kind: 'comm' }), 4000, Y, N),
    (e: unknown) => (e as { code?: string }).code === 'string-size',
  );
});

test('lowerRuntimeMatch: the ops of full, front and end; middle and glob are left to each emitter', () => {
  let n = 0;
  const fresh = () => `L${n++}`;
  assert.deepEqual(lowerRuntimeMatch(str('end', 'b', { kind: 'comm' }), Y, N, fresh), [
    { op: 'len-lt', value: 2, to: N },
    { op: 'expect', at: -2, fromEnd: true, byte: 0x62, miss: N },
    { op: 'goto', to: Y },
  ]);
  assert.deepEqual(lowerRuntimeMatch(str('front', 'a', { kind: 'comm' }), Y, N, fresh), [
    { op: 'len-zero', to: 'L0' },
    { op: 'len-lt', value: 1, to: N },
    { op: 'goto', to: 'L0' },
    { op: 'label', name: 'L0' },
    { op: 'expect', at: 0, fromEnd: false, byte: 0x61, miss: N },
    { op: 'goto', to: Y },
  ]);
  const full = lowerRuntimeMatch(str('full', 'a', { kind: 'comm' }), Y, N, fresh)!;
  assert.deepEqual(full.slice(0, 4), [
    { op: 'len-zero', to: 'L1' },
    { op: 'expect', at: 0, fromEnd: false, byte: 0x61, miss: N },
    { op: 'len-le', value: 1, to: Y },
    { op: 'expect', at: 1, fromEnd: false, byte: 0, miss: N },
  ]);
  assert.equal(lowerRuntimeMatch(str('middle', 'a', { kind: 'comm' }), Y, N, fresh), undefined);
  assert.equal(lowerRuntimeMatch(str('glob', 'a', { kind: 'comm' }), Y, N, fresh), undefined);
});

const byteArb = fc.constantFrom(0, 0x61, 0x62, 0x63);
const wordArb = fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 4 }).map((a) => a.join(''));
const globArb = fc
  .array(fc.constantFrom('a', 'b', '*', '?', '[a-b]', '[!a]'), { maxLength: 5 })
  .map((a) => a.join(''));

test('property: array op lists decide what the IR evaluator decides (char[N], every matcher, negated too)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8 }),
      fc.constantFrom<StrMatch>('full', 'front', 'middle', 'end', 'glob'),
      wordArb,
      globArb,
      fc.boolean(),
      fc.array(byteArb, { minLength: 8, maxLength: 8 }),
      (n, match, word, glob, negate, bytes) => {
        const pattern = match === 'glob' ? glob : word;
        const p = str(match, pattern, { kind: 'fixed', base: 'record', offset: 16, size: n }, negate);
        const data = Uint8Array.from(bytes.slice(0, n));
        const record = new Uint8Array(16 + n);
        record.set(data, 16);
        const want = evaluate(filter(p), { record }) === 'accept';
        const got = runOps(lowerArrayMatch(p, n, Y, N), (at) => data[at] ?? 0, n, data);
        assert.equal(got, want, `${match} '${pattern}'${negate ? ' negated' : ''} over [${[...data]}]`);
      },
    ),
    { numRuns: 3000 },
  );
});

test('property: runtime-length op lists decide what the IR evaluator decides (__data_loc, len 0 included)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 6 }),
      fc.constantFrom<StrMatch>('full', 'front', 'end'),
      wordArb,
      fc.boolean(),
      fc.array(byteArb, { minLength: 16, maxLength: 16 }),
      (len, match, pattern, negate, bytes) => {
        const p = str(
          match,
          pattern,
          { kind: 'dataloc', base: 'record', offset: 8, order: 'le', rel: false },
          negate,
        );
        const start = 16;
        const record = new Uint8Array(32);
        record.set(bytes, start);
        new DataView(record.buffer).setUint32(8, (len << 16) | start, true);
        const want = evaluate(filter(p), { record }) === 'accept';
        let n = 0;
        const ops = lowerRuntimeMatch(p, Y, N, () => `L${n++}`)!;
        const got = runOps(ops, (at, fromEnd) => record[start + (fromEnd ? len : 0) + at] ?? 0, len, record);
        assert.equal(
          got,
          want,
          `${match} '${pattern}'${negate ? ' negated' : ''} len ${len} over [${bytes}]`,
        );
      },
    ),
    { numRuns: 3000 },
  );
});
