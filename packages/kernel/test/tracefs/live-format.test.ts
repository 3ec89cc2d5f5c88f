// live-format.ts: reading an event's format text. Names that could leave events/ are refused before any path is
// built, a missing event or root is an explanation naming the path, and a root given by the caller is read as is
// (a temporary directory laid out like tracefs: no kernel needed).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readEventFormatText } from '../../src/tracefs/index.ts';

test('readEventFormatText refuses names that are not event names', () => {
  for (const [s, n] of [
    ['../etc', 'passwd'],
    ['sched', '..'],
    ['.hidden', 'x'],
    ['a/b', 'c'],
    ['', 'x'],
  ] as const) {
    const r = readEventFormatText(s, n, { root: '/nonexistent-tfc' });
    assert.ok(!r.ok && r.error === `invalid event name '${s}/${n}'`, `${s}/${n}`);
  }
});

test('readEventFormatText reads <root>/events/SYS/NAME/format and explains a missing event', () => {
  const root = mkdtempSync(join(tmpdir(), 'tfc-live-format-'));
  try {
    mkdirSync(join(root, 'events', 'sys', 'ev'), { recursive: true });
    writeFileSync(join(root, 'events', 'sys', 'ev', 'format'), 'name: ev\nID: 7\n');
    const ok = readEventFormatText('sys', 'ev', { root });
    assert.deepEqual(ok, { ok: true, text: 'name: ev\nID: 7\n', path: join(root, 'events/sys/ev/format') });
    const missing = readEventFormatText('sys', 'nope', { root });
    assert.ok(!missing.ok);
    assert.equal(
      missing.error,
      `no such event sys/nope (${join(root, 'events/sys/nope/format')} does not exist)`,
    );
    mkdirSync(join(root, 'events', 'sys', 'dir', 'format'), { recursive: true });
    const dir = readEventFormatText('sys', 'dir', { root });
    assert.ok(!dir.ok);
    assert.equal(dir.error, `cannot read ${join(root, 'events/sys/dir/format')}: EISDIR`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
