// `tfc dissector`: the script it writes is @tfc/live's generator output for the resolved events (--event,
// --format, --all), written whole to -o or to stdout, with a summary on stderr; usage errors exit 2.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateDissector } from '@tfc/live';
import { bundledEvent, type EventFormat } from '@tfc/tracefs';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';

async function tfc(args: string[]) {
  const io = memoryIo();
  const code = await main(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

const FORMAT = new URL('../../live/test/fixtures/all_kinds.format', import.meta.url).pathname;

test('tfc dissector --event … -o FILE writes the generator output', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), `tfc-dissector-${process.pid}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'tfc_trace.lua');
  const r = await tfc([
    'dissector',
    ...['--event', 'sock/inet_sock_set_state', '--event', 'sched/sched_process_exec', '--source', 'bundled'],
    ...['-o', out],
  ]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, '');
  assert.match(r.err, /^tfc dissector: 2 events, \d+ fields \(bundled snapshot/);
  const g = generateDissector(
    [
      bundledEvent('sock', 'inet_sock_set_state'),
      bundledEvent('sched', 'sched_process_exec'),
    ] as EventFormat[],
    { source: /\((.*)\)/.exec(r.err)?.[1] ?? '' },
  );
  assert.ok(g.ok);
  assert.equal(readFileSync(out, 'utf8'), g.text);
});

test('tfc dissector --format FILE to stdout; --all --source bundled covers the snapshot', async () => {
  const r = await tfc(['dissector', '--format', FORMAT]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^ev\(65000,"all_kinds",\{/m);
  const all = await tfc(['dissector', '--all', '--source', 'bundled']);
  assert.equal(all.code, 0, all.err);
  assert.match(all.err, /2323 events/);
  assert.equal((all.out.match(/^ev\(/gm) ?? []).length, 2323);
});

test('tfc dissector usage errors exit 2', async () => {
  for (const args of [
    [],
    ['--all', '--event', 'sock/inet_sock_set_state'],
    ['--event', 'nope/nothing', '--source', 'bundled'],
    ['--event', 'sock/inet_sock_set_state', '--source', 'elsewhere'],
    ['--format', '/nonexistent/format'],
  ]) {
    const r = await tfc(['dissector', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, /^tfc: /);
    assert.equal(r.out, '');
  }
});
