// "Did you mean": the closest names (suggest.ts) and their use for unknown options, commands and events — through
// main(), as a user meets them. Properties: a suggestion is always within the distance limit (or a prefix
// completion) and is never the typed word itself; a one-edit typo of a known name always gets that name.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { editDistance } from '@tfc/compiler';
import { bundledEventNames } from '@tfc/tracefs';
import fc from 'fast-check';
import { commands } from '../src/cli/commands.ts';
import { eventHint } from '../src/cli/event-source.ts';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';
import { closest, didYouMean } from '../src/cli/suggest.ts';

async function tfc(args: string[]) {
  const io = memoryIo();
  const code = await main(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

test('closest: best distance only, name order on ties, prefixes of 3+ characters, nothing far', () => {
  assert.deepEqual(closest('tagret', ['target', 'trace', 'format']), ['target']);
  assert.deepEqual(closest('evnt', ['event', 'events', 'eval']), ['event']);
  assert.deepEqual(closest('xyz', ['target', 'event']), []);
  assert.deepEqual(closest('dump', ['dump-after', 'dev']), ['dump-after']);
  assert.equal(didYouMean('zzzzzz', ['target']), '');
  assert.equal(didYouMean('chek', ['check', 'eval']), "; did you mean 'check'?");
  assert.equal(didYouMean('tc', ['tc']), '', 'the typed name itself is not suggested');
});

test('property: suggestions are close (or complete a prefix) and a one-edit typo finds its name', () => {
  const names = [...new Set(commands.flatMap((c) => c.specs.flatMap((s) => Object.keys(s.options))))];
  fc.assert(
    fc.property(fc.constantFrom(...names), fc.nat(), fc.constantFrom('del', 'sub', 'ins'), (name, at, op) => {
      const i = at % name.length;
      const typo =
        op === 'del'
          ? name.slice(0, i) + name.slice(i + 1)
          : op === 'sub'
            ? `${name.slice(0, i)}${name[i] === 'q' ? 'z' : 'q'}${name.slice(i + 1)}`
            : `${name.slice(0, i)}q${name.slice(i)}`;
      const got = closest(typo, names);
      const limit = typo.length <= 4 ? 1 : typo.length <= 8 ? 2 : 3;
      for (const g of got) assert.ok(editDistance(typo, g) <= limit || g.startsWith(typo), `${typo} → ${g}`);
      if (typo !== name && typo.length > 1 && !names.includes(typo)) assert.ok(got.length > 0, typo);
    }),
  );
});

test('unknown option: the closest options of that command', async () => {
  const r = await tfc(['compile', 'a == 1', '--tagret', 'cbpf']);
  assert.equal(r.code, 2);
  assert.equal(r.err, "tfc: compile: Unknown option '--tagret'; did you mean '--target'?\n");
  const far = await tfc(['check', 'a == 1', '--frobnicate']);
  assert.equal(far.err, "tfc: check: Unknown option '--frobnicate'\n");
  // Only this command's options: --emit is compile's, not check's.
  const other = await tfc(['check', 'a == 1', '--emitt']);
  assert.doesNotMatch(other.err, /--emit'/);
});

test('unknown command: the closest commands; --verison: --version', async () => {
  const r = await tfc(['complie']);
  assert.equal(r.code, 2);
  assert.match(
    r.err,
    /^tfc: unknown command 'complie'; 'tfc --help' lists the commands; did you mean 'compile'\?\n$/,
  );
  assert.match((await tfc(['--verison'])).err, /did you mean '--version'\?/);
  assert.match((await tfc(['help', 'evnts'])).err, /did you mean 'events'\?/);
});

test('unknown event: the closest events of the bundled snapshot (and live tracefs when it answers)', async () => {
  const r = await tfc(['check', 'x == 1', '--event', 'sched/sched_proces_exec', '--source', 'bundled']);
  assert.equal(r.code, 2);
  assert.match(r.err, /not found in the bundled snapshot; .*did you mean 'sched\/sched_process_exec'\?\n$/);
  const sys = await tfc(['format', 'schd/sched_switch', '--source', 'bundled']);
  assert.match(sys.err, /did you mean 'sched\/sched_switch'\?/);
  const prefix = await tfc(['events', 'sched/sched_procss']);
  assert.equal(prefix.code, 1);
  assert.match(prefix.err, /did you mean 'sched\/sched_proces'\?/);
  assert.ok(bundledEventNames().some((n) => n.startsWith('sched/sched_process')));
});

test('eventHint: bundled names (and a tracefs root the caller found) for trace and apply', async () => {
  assert.equal(eventHint('sched:sched_swich'), "; did you mean 'sched/sched_switch'?");
  assert.equal(eventHint('zzz/qqq'), '');
  const live = existsSync('/sys/kernel/tracing/events/sched') && process.getuid?.() === 0;
  if (!live) return;
  const r = await tfc(['trace', '--event', 'sched/sched_proces_exec', '--print', '--duration', '0.1']);
  assert.equal(r.code, 2);
  assert.match(r.err, /did you mean 'sched\/sched_process_exec'\?\n$/);
  const a = await tfc(['apply', 'pid == 1', '--event', 'sched/sched_proces_exec', '--duration', '0.1']);
  assert.equal(a.code, 2);
  assert.match(a.err, /did you mean 'sched\/sched_process_exec'\?\n$/);
});
