// kernelHazard(): the oracle's refusal list (pure).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kernelHazard } from '@tfc/kernel/tracefs';

test('trailing && / || after a compound expression is a hazard (up to the first NUL, as the kernel reads it)', () => {
  for (const f of [
    'a == 1 || b == 2 && c == 3 &&',
    'a == 1 || b == 2 &&',
    'a == 1 && b == 2 ||  ',
    'a||b&& !\n',
    'a == 1 || b == 2 &&\0 c == 3',
    'a == 1 || b == 2 && \0',
  ]) {
    assert.notEqual(kernelHazard(f), null, f);
  }
});

test('ordinary filters and single trailing operators are not', () => {
  for (const f of [
    'a == 1',
    'a == 1 &&',
    'a == 1 ||',
    'a == 1 && !',
    'a == 1 && b == 2',
    '(a == 1 || b == 2) && c == 3',
    'str == "&&"',
    'a == 1 &&\0 b == 2 || c == 3 &&',
  ]) {
    assert.equal(kernelHazard(f), null, f);
  }
});
