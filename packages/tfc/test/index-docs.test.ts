/*
 * The facade's API reference: typedoc (typedoc.json: src/index.ts and src/live.ts) runs with
 * --treatWarningsAsErrors — every symbol tfc defines is documented, members included, links resolve, nothing
 * referenced is left unexported — and every top-level export of both entries, re-exports of the other packages
 * included, has a TSDoc summary (checked on typedoc's JSON, since typedoc validates only its own package's
 * members). Invariants: writes to a temporary folder (not dist/api) and removes it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

interface Reflection {
  readonly name: string;
  readonly comment?: { readonly summary: readonly { readonly text: string }[] };
  readonly signatures?: readonly Reflection[];
  readonly children?: readonly Reflection[];
}

const summary = (r: Reflection): string =>
  [r.comment, ...(r.signatures ?? []).map((s) => s.comment)]
    .flatMap((c) => c?.summary ?? [])
    .map((p) => p.text)
    .join('')
    .trim();

test('typedoc documents the facade without a warning, every export with a summary', {
  timeout: 120_000,
}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tfc-typedoc-'));
  try {
    const r = spawnSync(
      process.execPath,
      [
        join(root, 'node_modules/typedoc/bin/typedoc'),
        '--out',
        join(dir, 'html'),
        '--json',
        join(dir, 'api.json'),
      ],
      { cwd: root, encoding: 'utf8', timeout: 110_000, env: { ...process.env, NO_COLOR: '1' } },
    );
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.doesNotMatch(`${r.stdout}${r.stderr}`, /warning/i);
    const project = JSON.parse(readFileSync(join(dir, 'api.json'), 'utf8')) as Reflection;
    const modules = project.children ?? [];
    assert.deepEqual(modules.map((m) => m.name).sort(), ['index', 'live']);
    const exported = modules.flatMap((m) =>
      (m.children ?? []).map((c) => ({ where: `${m.name}.${c.name}`, c })),
    );
    assert.ok(exported.length > 100, `${exported.length} exports`);
    assert.deepEqual(
      exported.filter((e) => summary(e.c) === '').map((e) => e.where),
      [],
      'exports without a TSDoc summary',
    );
    for (const name of [
      'compile',
      'check',
      'evalRecords',
      'encodeTraceFrame',
      'readCapture',
      'TfcOptionError',
    ])
      assert.ok(
        exported.some((e) => e.where === `index.${name}`),
        name,
      );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
