// kernelHazard(): the oracle's refusal list (pure).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kernelHazard } from '@tfc/kernel/tracefs';

test('trailing && / || after a compound expression is a hazard', () => {
  for (const f of [
    'a == 1 || b == 2 && c == 3 &&',
    'a == 1 || b == 2 &&',
    'a == 1 && b == 2 ||  ',
    'a||b&& !\n',
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
  ]) {
    assert.equal(kernelHazard(f), null, f);
  }
});
