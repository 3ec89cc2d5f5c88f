// `tfc bench` as a user runs it: JSON rows with the documented fields, a table, and per-suite JSON + SVG files.
// Nothing here asserts on speed (figures are measured, never tested).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';

test('tfc bench --suite bpf --quick --json writes rows, JSON and SVG', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tfc-bench-'));
  try {
    const io = memoryIo();
    const code = await main(['bench', '--suite', 'bpf', '--quick', '--json', '--out', dir], io);
    assert.equal(code, 0, io.stderr());
    const rows = io
      .stdout()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(rows.length >= 4);
    for (const r of rows) {
      assert.deepEqual(Object.keys(r).sort(), [
        'case',
        'engine',
        'max',
        'median',
        'metric',
        'min',
        'runs',
        'suite',
        'unit',
        'value',
      ]);
      assert.equal(r.value, r.median);
      assert.ok((r.min as number) <= (r.median as number) && (r.median as number) <= (r.max as number));
    }
    assert.equal(readFileSync(join(dir, 'bpf.json'), 'utf8').trim().split('\n').length, rows.length);
    assert.match(
      readFileSync(join(dir, 'bpf.svg'), 'utf8'),
      /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/,
    );
    const bad = memoryIo();
    assert.equal(await main(['bench', '--suite', 'nosuch'], bad), 2);
    assert.match(bad.stderr(), /no suite 'nosuch'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
