// kallsyms.ts: symbol lookup from /proc/kallsyms text: names, containing addresses, sizes to the next symbol.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFilter, symbolLookupFromKallsyms } from '../src/index.ts';
import { fixtureEvent } from './corpus-helpers.ts';

const pv = fixtureEvent('fspecr_pv.format', 'fspecr', 'pv');

test('symbolLookupFromKallsyms: names, containing addresses, sizes to the next symbol', () => {
  const look = symbolLookupFromKallsyms(
    [
      'ffffffff816bab60 T __pfx_vfs_read',
      'ffffffff816bab70 T vfs_read',
      'ffffffff816baed0 T __pfx___kernel_write_iter',
      'ffffffff816baee0 t __kernel_write_iter',
      '0000000000000000 A hidden',
      'garbage',
    ].join('\n'),
  );
  assert.deepEqual(look('vfs_read'), { start: 0xffffffff816bab70n, size: 0x360n });
  assert.deepEqual(look(0xffffffff816bab74n), { start: 0xffffffff816bab70n, size: 0x360n });
  assert.equal(look(0x10n), undefined);
  assert.equal(look('hidden'), undefined);
  assert.equal(look('__kernel_write_iter'), undefined, 'last symbol: no size');
  const r = parseFilter('a64.function == vfs_read', pv, { nrCpuIds: 2, lookupSymbol: look });
  assert.ok(r.ok && r.filter?.preds[0]?.type === 'function');
});
