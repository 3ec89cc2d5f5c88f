// tc and ip through the wrapper: batch-line splitting and undo (pure), then — as root, inside a namespace this test
// creates and always deletes — namespace lifecycle, typed errors, a transactional batch that leaves nothing behind
// when a later line fails, and filter/qdisc statistics read back through the tolerant reader.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import {
  actionsShow,
  addClsact,
  addVethPair,
  applyBatch,
  createNamespace,
  filterAdd,
  filterDel,
  filterShow,
  linkIndex,
  qdiscShow,
  quoteBatchArg,
  run,
  setLinkUp,
  splitBatchLine,
  undoLine,
  uniqueName,
} from '../src/index.ts';

test('batch lines split like iproute2 makeargs (blanks, quotes, comments)', () => {
  assert.deepEqual(splitBatchLine(`filter add dev v0 ingress bpf bytecode '2,6 0 0 0,6 0 0 1' classid 1:1`), {
    ok: true,
    args: ['filter', 'add', 'dev', 'v0', 'ingress', 'bpf', 'bytecode', '2,6 0 0 0,6 0 0 1', 'classid', '1:1'],
  });
  assert.deepEqual(splitBatchLine(`  a "b c"d  # comment`), { ok: true, args: ['a', 'b cd'] });
  assert.ok(!splitBatchLine(`a 'b`).ok);
  assert.equal(quoteBatchArg('1,6 0 0 0'), `'1,6 0 0 0'`);
  assert.equal(quoteBatchArg('v0'), 'v0');
  assert.equal(quoteBatchArg(`it's`), undefined);
});

test('undo commands for the lines a transactional batch accepts', () => {
  assert.deepEqual(undoLine('qdisc add dev v0 clsact'), { ok: true, undo: 'qdisc del dev v0 clsact' });
  assert.deepEqual(undoLine(`filter add dev v0 ingress protocol all prio 7 bpf bytecode '1,6 0 0 0'`), {
    ok: true,
    undo: 'filter del dev v0 ingress protocol all prio 7',
  });
  assert.deepEqual(undoLine('qdisc add dev v1 root handle 1: htb default 99'), {
    ok: true,
    undo: 'qdisc del dev v1 root',
  });
  assert.ok(!undoLine('filter add dev v0 ingress bpf bytecode 1,6 0 0 0').ok, 'no prio');
  assert.ok(!undoLine('filter del dev v0 ingress prio 1').ok, 'not an add');
  assert.ok(!undoLine('action add action mirred egress mirror dev s0').ok, 'no dev');
  assert.deepEqual(undoLine('   '), { ok: true, undo: undefined });
});

test('unique names carry the pid and never repeat', () => {
  const a = uniqueName('x y');
  const b = uniqueName('x y');
  assert.notEqual(a, b);
  assert.match(a, new RegExp(`^x_y-${process.pid}-\\d+$`));
});

const root = process.getuid?.() === 0;

test('a failing command is a typed error value (command, exit code, stderr)', async () => {
  const r = await run('ip', ['link', 'show', 'dev', 'tfc-no-such-dev']);
  assert.ok(!r.ok);
  assert.equal(r.error.command, 'ip');
  assert.equal(r.error.exitCode, 1);
  assert.match(r.error.stderr, /does not exist/);
  assert.match(r.error.message, /^ip link show dev tfc-no-such-dev: exit code 1/);
});

test('kernel: namespace, veth, clsact, filters, stats, transactional batch', async (t) => {
  if (!root) return t.skip('needs root (network namespaces)');
  const created = await createNamespace('tfc-ipr');
  assert.ok(created.ok, created.ok ? '' : created.error.message);
  const ns = created.value;
  t.after(() => ns.dispose());
  assert.ok(existsSync(ns.path));
  // No IPv6 in the namespace: a link-local address would send DAD/router solicitations that prio 1 counts.
  const quiet = await run('ip', [
    ...['netns', 'exec', ns.name, 'sysctl', '-q', '-w'],
    ...['net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1'],
  ]);
  assert.ok(quiet.ok, quiet.ok ? '' : quiet.error.message);
  assert.ok((await addVethPair(ns.name, 'v0', 'v1')).ok);
  assert.ok((await addVethPair(ns.name, 's0', 's1')).ok);
  for (const d of ['v0', 'v1', 's0', 's1']) assert.ok((await setLinkUp(ns.name, d)).ok);
  const idx = await linkIndex(ns.name, 'v1');
  assert.ok(idx.ok && idx.value > 1);
  assert.ok((await addClsact(ns.name, 'v0')).ok);
  const dup = await addClsact(ns.name, 'v0');
  assert.ok(!dup.ok && dup.error.exitCode === 2, 'a second clsact is refused');

  const count = 'action mirred egress mirror dev s0 continue';
  const add = await filterAdd(ns.name, 'v0', 'ingress', [
    ...'protocol all prio 1 bpf bytecode'.split(' '),
    '1,6 0 0 4294967295',
    ...count.split(' '),
  ]);
  assert.ok(add.ok, add.ok ? '' : add.error.message);

  // A batch whose third line is invalid: the first two are rolled back, prio 1 stays.
  const bad = await applyBatch(ns.name, [
    `filter add dev v0 ingress protocol all prio 2 bpf bytecode '1,6 0 0 0' ${count}`,
    `filter add dev v0 ingress protocol all prio 3 bpf bytecode '1,6 0 0 0' ${count}`,
    `filter add dev v0 ingress protocol all prio 4 bpf bytecode '2,6 0 0 0' ${count}`,
  ]);
  assert.ok(!bad.ok);
  assert.equal(bad.failure.failedLine, 3);
  assert.deepEqual(
    bad.failure.rolledBack.map((u) => [u.command, u.ok]),
    [
      ['filter del dev v0 ingress protocol all prio 3', true],
      ['filter del dev v0 ingress protocol all prio 2', true],
    ],
  );
  let shown = await filterShow(ns.name, 'v0', 'ingress');
  assert.ok(shown.ok);
  assert.deepEqual(
    shown.value.map((f) => f.pref),
    [1],
  );
  // Refused before running: nothing at all happens.
  const refused = await applyBatch(ns.name, [
    `filter add dev v0 ingress protocol all prio 5 bpf bytecode '1,6 0 0 0'`,
    'filter add dev v0 ingress bpf bytecode 1,6',
  ]);
  assert.ok(!refused.ok && refused.failure.failedLine === 2 && refused.failure.rolledBack.length === 0);
  shown = await filterShow(ns.name, 'v0', 'ingress');
  assert.ok(shown.ok && shown.value.length === 1);

  const good = await applyBatch(ns.name, [
    `filter add dev v0 ingress protocol all prio 6 bpf bytecode '1,6 0 0 0' ${count}`,
  ]);
  assert.ok(good.ok);
  shown = await filterShow(ns.name, 'v0', 'ingress');
  assert.ok(shown.ok);
  assert.deepEqual(
    shown.value.map((f) => [f.pref, f.kind, f.actions.map((a) => [a.kind, a.packets])]),
    [
      [1, 'bpf', [['mirred', 0n]]],
      [6, 'bpf', [['mirred', 0n]]],
    ],
  );
  assert.ok((await filterDel(ns.name, 'v0', 'ingress', 6)).ok);
  shown = await filterShow(ns.name, 'v0', 'ingress');
  assert.ok(shown.ok && shown.value.length === 1);
  const acts = await actionsShow(ns.name, 'mirred');
  assert.ok(shown.ok && acts.ok);
  // Actions of deleted filters are freed by deferred work, so `tc actions ls` may still list them for a moment:
  // require prio 1's action, not the absence of the others.
  const prio1 = shown.value[0]?.actions[0]?.index;
  assert.ok(
    acts.value.some((a) => a.kind === 'mirred' && a.index === prio1),
    `prio 1's mirred action #${prio1} is listed`,
  );
  const q = await qdiscShow(ns.name, 'v0');
  assert.ok(q.ok && q.value.some((x) => x.kind === 'clsact' && x.drops === 0n));
  await ns.dispose();
  assert.ok(!existsSync(ns.path), 'dispose deleted the namespace');
  await ns.dispose();
});

for (const how of ['exit', 'SIGTERM'] as const)
  test(`kernel: a namespace the process forgot to dispose is deleted when the process ends (${how})`, async (t) => {
    if (!root) return t.skip('needs root (network namespaces)');
    const index = new URL('../src/index.ts', import.meta.url).href;
    const end =
      how === 'exit'
        ? 'process.exit(0);'
        : "process.kill(process.pid, 'SIGTERM'); setTimeout(() => {}, 10000);";
    const script = `const m = await import(${JSON.stringify(index)}); const r = await m.createNamespace('tfc-exit'); if (!r.ok) process.exit(3); (await import('node:fs')).writeSync(1, r.value.name + '\\n'); ${end}`;
    const child = await new Promise<{ code: number | null; signal: string | null; out: string }>(
      (resolve) => {
        const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        p.stdout.on('data', (d: Buffer) => {
          out += d.toString();
        });
        p.on('close', (code, signal) => resolve({ code, signal, out }));
      },
    );
    const name = child.out.trim();
    t.after(() => run('ip', ['netns', 'del', name]));
    if (how === 'exit') assert.equal(child.code, 0);
    else assert.equal(child.signal, 'SIGTERM', 'the signal still ends the process');
    assert.match(name, /^tfc-exit-\d+-1$/);
    assert.ok(!existsSync(`/var/run/netns/${name}`), `${name} was left behind`);
  });
