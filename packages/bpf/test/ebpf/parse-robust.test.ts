// parseAsm on hostile text: never an exception, whatever the characters (regression: a lone CR, U+2028 or U+2029
// inside a line once made the line regex fail to match and crashed the parser; found by the CLI fuzz test).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAsm } from '@tfc/bpf/ebpf';
import fc from 'fast-check';

test('parseAsm returns a value for line separators inside lines', () => {
  for (const s of ['!\r!', 'r0 = 0\u2028', 'a\u2029b', '\r', '0: (b7)\rr0 = 0']) {
    const r = parseAsm(s);
    assert.equal(typeof r.ok, 'boolean', JSON.stringify(s));
  }
});

test('parseAsm never throws on arbitrary text', () => {
  const alphabet = fc.constantFrom(...'r0123456789 =+-*/()<>&|^!;:\r\n\t\u2028\u2029xwgotpcl'.split(''));
  fc.assert(
    fc.property(
      fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: alphabet, maxLength: 200 })),
      (s) => {
        const r = parseAsm(s);
        return r.ok === true || (typeof r.error === 'string' && r.line >= 1);
      },
    ),
    { numRuns: 3000 },
  );
});
