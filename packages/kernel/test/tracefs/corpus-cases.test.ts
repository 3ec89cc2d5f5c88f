// The corpus selection for the oracle replay (no kernel): it selects enough of the shared corpus,
// renames only names outside quotes, carries the renames into the recorded kernel texts at the same
// columns, says why every left-out entry is left out, and refuses corpus texts that do not show the filter.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCorpusCases, namesOf, PV_FILES } from './corpus-cases.ts';

const { cases, excluded } = loadCorpusCases();

test('corpus selection: volume and kinds', () => {
  const errors = cases.filter((c) => c.errno !== null).length;
  const records = cases.reduce((n, c) => n + c.cases.length, 0);
  assert.ok(cases.length >= 160, `${cases.length} entries selected`);
  assert.ok(errors >= 40, `${errors} rejected filters`);
  assert.ok(records >= 400, `${records} records`);
  for (const errno of ['EINVAL', 'EPERM', 'ENOENT', 'ESRCH'])
    assert.ok(
      cases.some((c) => c.errno === errno),
      errno,
    );
  assert.ok(cases.some((c) => c.comm !== 'fspec_t'));
  assert.ok(cases.some((c) => c.cases.some((k) => k.cpu !== undefined)));
  for (const e of excluded) assert.ok(e.reason.length > 0);
  assert.ok(
    excluded.some(
      (e) => e.filter === 'b == 1 b == 2' && /names b, a field of fspecr\/pv only/.test(e.reason),
    ),
  );
  assert.equal(new Set(cases.map((c) => c.source)).size, PV_FILES.length);
});

test('corpus selection: renames reach the filter, the filter file and error_log alike', () => {
  const c = cases.find((x) => x.original === 'a8 == -1');
  assert.ok(c);
  assert.equal(c.filter, 'u8 == -1');
  assert.equal(c.errno, 'EINVAL');
  assert.equal(c.filterFile, 'u8 == -1\n       ^\nparse_error: Illegal integer value\n\n');
  assert.equal(
    c.errorLog,
    'event filter parse error: error: Illegal integer value\n  Command: u8 == -1\n                  ^\n',
  );
  for (const x of cases) {
    assert.equal(x.filter.length, x.original.length);
    for (const n of namesOf(x.filter)) assert.ok(!/^a(8|16|32|64)$/.test(n.name), x.filter);
    if (x.errno === null) assert.ok(x.filterFile === 'none\n' || x.filterFile.startsWith(x.filter.trimEnd()));
  }
  const accepted = cases.find((x) => x.original === 'a32 & 3');
  assert.deepEqual(
    accepted?.cases.map((k) => [k.a, k.kept]),
    [
      ['4', false],
      ['5', true],
      ['2', true],
    ],
  );
});

test('namesOf: names outside quotes only, with offsets; digit-first runs are not names', () => {
  assert.deepEqual(namesOf('a8 == "a8" && s8 > 0x1f || comm ~ \'x\''), [
    { name: 'a8', at: 0 },
    { name: 's8', at: 14 },
    { name: 'comm', at: 27 },
  ]);
  assert.deepEqual(namesOf('1b == 1'), []);
});

test('corpus selection: a corpus text that does not show the filter is an error, not a silent skip', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tfc-corpus-'));
  try {
    const entry = {
      filter: 'a8 == -1',
      errno: 'EINVAL',
      filter_file: 'x8 == -1\n       ^\nparse_error: Illegal integer value\n\n',
      error_log: '',
      cases: [],
    };
    for (const f of PV_FILES) writeFileSync(join(dir, f), JSON.stringify(f === PV_FILES[0] ? [entry] : []));
    assert.throws(() => loadCorpusCases(dir), /does not show a8/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
