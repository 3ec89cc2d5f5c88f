// Unit tests of the front end as a whole: zero-length __data_loc strings under glob and full compares, error
// positions and both error renderings, program quirks (trailing operators) and canonical printing. The pieces
// have their own files: kstrtox, cpulist, match (pattern classification, glob), kallsyms, records.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  evaluate,
  type FilterEnv,
  formatFilter,
  parseFilter,
  recordFromJson,
  renderErrorLog,
  renderFilterFile,
} from '../src/index.ts';
import { CORPUS_DIALECT, fixtureEvent } from './corpus-helpers.ts';

const pv = fixtureEvent('fspecr_pv.format', 'fspecr', 'pv');
const env: FilterEnv = { nrCpuIds: 2 };
/** The earlier 6.18.44 build, which tolerated a trailing operator. */
const early: FilterEnv = { nrCpuIds: 2, dialect: CORPUS_DIALECT };
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

test('zero-length __data_loc string: glob sees "", full compare reads the NUL-terminated bytes', () => {
  const rec = recordFromJson(pv, { str: null });
  assert.ok(rec.ok);
  const glob = parseFilter('str ~ "a\\*"', pv, env);
  assert.ok(glob.ok);
  // Data after the fixed part is what the locator points at; place "a*" there by hand.
  const bytes = new Uint8Array(rec.record.length + 3);
  bytes.set(rec.record);
  bytes.set(enc('a*\0'), rec.record.length);
  assert.equal(evaluate(glob.filter, bytes, rec.ctx), false);
  const full = parseFilter('str == "a*"', pv, env);
  assert.ok(full.ok);
  assert.equal(evaluate(full.filter, bytes, rec.ctx), true);
});

test('error positions and renderings (filter file clamps, error_log does not)', () => {
  const e = (f: string) => {
    const r = parseFilter(f, pv, env);
    assert.ok(!r.ok, f);
    return r.error;
  };
  const one = e('1');
  assert.equal(one.position, 2);
  assert.equal(renderFilterFile(one), '1\n ^\nparse_error: Field not found\n\n');
  assert.equal(
    renderErrorLog(one),
    `event filter parse error: error: Field not found\n  Command: 1\n${' '.repeat(13)}^\n`,
  );
  assert.equal(e('  b = 1').position, 5);
  assert.equal(renderFilterFile(e('!   \n\t')), '!\n ^\nparse_error: No filter found\n\n');
  assert.equal(e('b == 1 &&x').message, 'Field not found');
  const early1 = parseFilter('b == 1 || a32 == 2 &&', pv, early);
  assert.ok(!early1.ok && early1.error.bare && early1.error.errno === 'EINVAL');
  const early2 = parseFilter('b == 1 || a32 == 2 && c == 3 &&', pv, early);
  assert.ok(!early2.ok && early2.error.kernelUndefined === true && early2.error.bare);
  // today's build refuses both before building the program
  assert.equal(e('b == 1 || a32 == 2 &&').message, 'Meaningless filter expression');
  assert.equal(e('b == 1 || a32 == 2 && c == 3 &&').kernelUndefined, undefined);
  assert.equal(renderFilterFile(e('')), '\nError: (0)\n\n');
  assert.equal(
    renderErrorLog(e('()')),
    `event filter parse error: error: Error\n  Command: ()\n${' '.repeat(11)}^\n`,
  );
  assert.equal(e('a32 & CPUS {1}').message, "Missing '{'");
  assert.equal(e('a32 & CPUS{1').message, "Missing '}'");
  assert.equal(e('a32 & CPUS{}').message, 'Invalid cpulist');
  assert.equal(e('str & CPUS{1}').message, 'Illegal operation for field type');
  assert.equal(e('a32 < CPUS{1}').message, 'Illegal operation for field type');
  assert.equal(e('cpu == "1"').message, 'Expecting numeric field');
  assert.equal(e('comm == 5').message, 'Expecting string field');
  assert.equal(e('stacktrace == "x"').message, 'Expecting numeric field');
  assert.equal(e(`str == "${'x'.repeat(256)}"`).message, 'Operand too long');
  assert.equal(e('a8 ~ 1').message, 'Illegal operation for field type');
  assert.equal(e('!=').errno, 'EPERM');
  const long = parseFilter(`b == 1${' '.repeat(5000)}`, pv, env);
  assert.ok(!long.ok && long.error.tooLong === true && renderFilterFile(long.error) === '');
  // the trailing-operator quirks that the earlier build accepted and today's refuses
  for (const ok of ['b == 1 &&', 'b == 1 ||', 'b == 1 && !', '(b==1 || c==2) &&', 'b == 1 || a32 == 2 ||']) {
    assert.ok(parseFilter(ok, pv, early).ok, ok);
    assert.equal(e(ok).message, 'Meaningless filter expression', ok);
  }
});

test('canonical printing', () => {
  const f = (s: string): string => {
    const r = parseFilter(s, pv, env);
    assert.ok(r.ok, s);
    return formatFilter(r.filter);
  };
  assert.equal(f('0'), '0');
  assert.equal(f('b==1||a32==2&&c==3'), 'b == 1 || a32 == 2 && c == 3');
  assert.equal(f('(b==1||a32==2)&&c==3'), '(b == 1 || a32 == 2) && c == 3');
  assert.equal(f('!(b == 1 || a32 == 2)'), '!(b == 1 || a32 == 2)');
  assert.equal(f('!!b == 1'), 'b == 1');
  assert.equal(f('s8 == 0xff'), 's8 == 255');
  assert.equal(f('s64 == -0x1'), 's64 == -1');
  assert.equal(f("str ~ 'a\"b*'"), "str ~ 'a\"b*'");
  assert.equal(f('a32 & CPUS{0-1}'), 'a32 & CPUS{0,1}');
  assert.equal(f('a32 != CPUS{ , }'), 'a32 != CPUS{,}');
  const early3 = parseFilter('b == 1 &&', pv, early);
  assert.ok(early3.ok);
  assert.equal(formatFilter(early3.filter), 'b == 1');
});
