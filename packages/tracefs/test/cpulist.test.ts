// cpulist.ts: bitmap_parselist syntax (ranges, strides, groups) over nr bits, and its errors.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCpulist } from '../src/index.ts';

test('cpulist: bitmap_parselist syntax over nr bits', () => {
  const p = (s: string, n = 8): number[] | null => {
    const r = parseCpulist(s, n);
    return r.ok ? r.cpus : null;
  };
  assert.deepEqual(p('0-3'), [0, 1, 2, 3]);
  assert.deepEqual(p('1,3 5'), [1, 3, 5]);
  assert.deepEqual(p('0-7:2/4'), [0, 1, 4, 5]);
  assert.deepEqual(p('ALL'), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(p('all:1/4'), [0, 4]);
  assert.deepEqual(p('N'), [7]);
  assert.deepEqual(p('N-N'), [7]);
  assert.deepEqual(p(','), []);
  assert.deepEqual(p(' , '), []);
  assert.equal(p('8'), null);
  assert.equal(p('3-1'), null);
  assert.equal(p('0-3:5/4'), null);
  assert.equal(p('0-3:1/0'), null);
  assert.equal(p('1:1/2'), null);
  assert.equal(p('x'), null);
  assert.equal(p('0x1'), null);
  assert.equal(p('1-'), null);
  assert.equal(p('99999999999'), null);
});
