// kstrtox.ts: kstrtoull/kstrtoll as the kernel parses numbers in filters: base auto-detection, sign rules, overflow.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kstrtoll, kstrtoull } from '../src/index.ts';

test('kstrtoull / kstrtoll: base auto-detect, sign rules, overflow', () => {
  assert.equal(kstrtoull('010'), 8n);
  assert.equal(kstrtoull('0x1F'), 31n);
  assert.equal(kstrtoull('0X1f'), 31n);
  assert.equal(kstrtoull('0x'), undefined);
  assert.equal(kstrtoull('08'), undefined);
  assert.equal(kstrtoull('-1'), undefined);
  assert.equal(kstrtoull('18446744073709551615'), (1n << 64n) - 1n);
  assert.equal(kstrtoull('18446744073709551616'), undefined);
  assert.equal(kstrtoull('5abc'), undefined);
  assert.equal(kstrtoll('-1'), (1n << 64n) - 1n);
  assert.equal(kstrtoll('-0x1'), (1n << 64n) - 1n);
  assert.equal(kstrtoll('-9223372036854775808'), 1n << 63n);
  assert.equal(kstrtoll('-9223372036854775809'), undefined);
  assert.equal(kstrtoll('9223372036854775808'), undefined);
  assert.equal(kstrtoll('0x8000000000000000'), undefined);
  assert.equal(kstrtoll('0xffffffff'), 0xffffffffn);
});
