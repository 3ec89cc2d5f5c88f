// Which events to drop, chosen by the user: traffic classes on a trace device, live. Two network namespaces joined
// by a veth; htb on the sender's veth0 egress (a small rate; a high class 1:10 with a guaranteed rate that covers
// the selected events, a low default class 1:20 with a short queue); `tfc apply 'whence == 1' --target u32
// --parent 1: --classid 1:10` puts the selected events in the high class. A firer makes bursts of lseek hits (one in
// four selected) faster than the rate; `tfc trace --dev veth0` sends every one, `tfc trace --listen veth1 --json`
// receives. Proven: every selected event arrives, the low class drops some, the sender's drop count (ENOBUFS from
// the queue) is exactly what did not arrive, the per-class figures say who dropped, and the filters, the qdisc and
// both namespaces are gone afterwards. Also: a rule set under a classful parent rolls back whole, and a --classid
// class that does not exist installs nothing. Skips with the reason without root, tracefs, htb or gcc.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { applyBatch, classShow, createNamespace, filterShow, qdiscShow, run, runBatch } from '@tfc/iproute2';
import { FirerProcess } from '@tfc/kernel';
import { locateTracefs } from '@tfc/kernel/tracefs';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';

const ROUNDS = 40;
/** Hits per round: lseekLoop cycles through the four argument triples, one of them selected (whence 1). */
const PER_ROUND = 48;
const TOTAL = ROUNDS * PER_ROUND;
const SELECTED = TOTAL / 4;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('classes under overload: htb on a trace veth keeps every event the user selected and drops from the rest', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root (tracefs, namespaces, tc)');
  const root = await locateTracefs({ mount: true });
  if (!root.ok) return t.skip(root.reason);
  const a = await createNamespace('tfc-cls-tx');
  if (!a.ok) return t.skip(`cannot create a network namespace: ${a.error.message}`);
  t.after(() => a.value.dispose());
  const b = await createNamespace('tfc-cls-rx');
  if (!b.ok) return t.skip(`cannot create a network namespace: ${b.error.message}`);
  t.after(() => b.value.dispose());
  const tx = a.value.name;
  const rx = b.value.name;
  for (const args of [
    ['-n', tx, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1', 'netns', rx],
    // No IPv6 link-local address: no neighbour discovery frames in the classes' counters.
    ['-n', tx, 'link', 'set', 'veth0', 'addrgenmode', 'none'],
    ['-n', rx, 'link', 'set', 'veth1', 'addrgenmode', 'none'],
    ['-n', tx, 'link', 'set', 'veth0', 'up'],
    ['-n', rx, 'link', 'set', 'veth1', 'up'],
  ]) {
    const r = await run('ip', args);
    assert.ok(r.ok, r.ok ? '' : r.error.message);
  }
  // 400 kbit/s in all (about 530 frames of 94 bytes a second); the high class is guaranteed 300 kbit/s, the low
  // class 16 kbit/s and borrows the rest; its queue holds 20 frames.
  const htb = await runBatch(tx, [
    'qdisc add dev veth0 root handle 1: htb default 20',
    'class add dev veth0 parent 1: classid 1:1 htb rate 400kbit ceil 400kbit',
    'class add dev veth0 parent 1:1 classid 1:10 htb rate 300kbit ceil 400kbit quantum 1514',
    'class add dev veth0 parent 1:1 classid 1:20 htb rate 16kbit ceil 400kbit quantum 1514',
    'qdisc add dev veth0 parent 1:10 handle 10: pfifo limit 1000',
    'qdisc add dev veth0 parent 1:20 handle 20: pfifo limit 20',
  ]);
  if (!htb.ok) return t.skip(`no htb/pfifo qdisc here: ${htb.error.stderr.trim() || htb.error.message}`);
  const firer = await FirerProcess.start();
  if ('ok' in firer) return t.skip(firer.reason);
  t.after(() => firer.dispose());

  // The user's rule: selected events into the high class.
  const applyIo = memoryIo();
  const applied = await main(
    [
      'apply',
      'whence == 1',
      ...['--event', 'syscalls/sys_enter_lseek', '--target', 'u32', '--dev', 'veth0'],
      ...['--parent', '1:', '--classid', '1:10', '--netns', tx],
    ],
    applyIo,
  );
  assert.equal(applied, 0, applyIo.stderr());
  assert.match(applyIo.stderr(), /applied 1 u32 rule on veth0 parent 1: prio 1 \(matches to class 1:10\)/);

  const bin = fileURLToPath(new URL('../src/cli/bin.ts', import.meta.url));
  const cli = (ns: string, args: string[]) => {
    const c = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', bin, 'trace', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    t.after(() => c.kill('SIGKILL'));
    const out = { stdout: '', stderr: '' };
    c.stdout.on('data', (d: Buffer) => {
      out.stdout += d.toString();
    });
    c.stderr.on('data', (d: Buffer) => {
      out.stderr += d.toString();
    });
    return { child: c, out, exited: new Promise<number | null>((res) => c.on('exit', (code) => res(code))) };
  };
  const receiver = cli(rx, ['--listen', 'veth1', '--json', '-d', '120']);
  const sender = cli(tx, [
    `common_pid == ${firer.pid}`,
    ...['--event', 'syscalls/sys_enter_lseek', '--dev', 'veth0', '--count', String(TOTAL), '-d', '120'],
  ]);
  const both = () =>
    `sender: ${sender.out.stderr}\nreceiver: ${receiver.out.stderr}\n(${receiver.out.stdout.length} bytes of JSON)`;
  for (let i = 0; i < 1000 && !sender.out.stderr.includes('tfc: trace: recording'); i++) await sleep(20);
  for (let i = 0; i < 1000 && !receiver.out.stderr.includes('listening on veth1'); i++) await sleep(20);
  assert.match(sender.out.stderr, /tfc: trace: recording/, both());
  assert.match(receiver.out.stderr, /listening on veth1/, both());

  // Bursts faster than the rate: 48 hits every ~50 ms (about 900 a second), 12 of them selected.
  for (let i = 0; i < ROUNDS; i++) {
    await firer.lseekLoop(0, PER_ROUND, [
      { fd: 3, offset: 4 * i, whence: 1 },
      { fd: 3, offset: 4 * i + 1, whence: 0 },
      { fd: 3, offset: 4 * i + 2, whence: 0 },
      { fd: 3, offset: 4 * i + 3, whence: 0 },
    ]);
    await sleep(50);
  }
  assert.equal(await sender.exited, 0, both());
  const m = /veth0: (\d+) frames sent, (\d+) dropped by veth0's queue \(ENOBUFS\)(.*)$/m.exec(
    sender.out.stderr,
  );
  assert.ok(m, `the sender reports its drops: ${both()}`);
  const sent = Number(m[1]);
  const dropped = Number(m[2]);
  // Let the queue drain (the qdisc still sends what it holds) and the receiver read it all, then stop it.
  const lines = () => receiver.out.stdout.split('\n').length - 1;
  for (let i = 0; i < 300; i++) {
    const c = await classShow(tx, 'veth0');
    assert.ok(c.ok, c.ok ? '' : c.error.message);
    if (c.value.every((x) => x.backlog === 0n) && lines() >= sent) break;
    await sleep(100);
  }
  await sleep(300);
  receiver.child.kill('SIGINT');
  assert.equal(await receiver.exited, 0, both());
  assert.match(sender.out.stderr, new RegExp(`tfc: trace: ${TOTAL} events in .* lost events 0;`), both());
  assert.doesNotMatch(
    m[3] ?? '',
    /EAGAIN|failed with/,
    `every frame was sent or dropped by the qdisc: ${both()}`,
  );
  assert.equal(sent + dropped, TOTAL, both());
  assert.ok(dropped > 0, `the low class dropped some events under overload: ${both()}`);
  const high = /class 1:10: sent (\d+), dropped (\d+)/.exec(sender.out.stderr);
  const low = /class 1:20: sent (\d+), dropped (\d+)/.exec(sender.out.stderr);
  assert.ok(high && low, `per-class figures: ${both()}`);
  assert.equal(Number(high[2]), 0, `the high class dropped nothing: ${both()}`);
  // The class counters also see frames that are not tfc's (the kernel's own, if any): at least tfc's drops.
  assert.ok(
    Number(low[2]) >= dropped && Number(low[2]) <= dropped + 4,
    `the drops are the low class's: ${both()}`,
  );

  const got = receiver.out.stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { pid: number; fields: { whence: number; offset: number } });
  const mine = got.filter((e) => e.pid === firer.pid);
  const selected = mine.filter((e) => Number(e.fields.whence) === 1);
  assert.equal(selected.length, SELECTED, `every selected event arrived: ${both()}`);
  assert.deepEqual(
    selected.map((e) => Number(e.fields.offset)),
    Array.from({ length: ROUNDS }, (_, i) => Array(PER_ROUND / 4).fill(4 * i)).flat(),
    'in order',
  );
  assert.equal(mine.length, got.length, 'only the firer was traced');
  assert.equal(got.length, sent, `the receiver got every frame tfc sent: ${both()}`);
  assert.equal(TOTAL - got.length, dropped, `tfc's drop count is exactly what did not arrive: ${both()}`);
  const gaps = /sequence gaps \d+ \((\d+) events missing\)/.exec(receiver.out.stderr);
  assert.ok(gaps, both());
  assert.ok(
    Number(gaps[1]) <= dropped,
    `the receiver's sequence gaps are drops the sender reported: ${both()}`,
  );
  t.diagnostic(
    `${TOTAL} events fired (${SELECTED} selected); sent ${sent}, dropped by the queue ${dropped}; received ${got.length} (${selected.length} selected); receiver saw ${gaps[1]} missing by sequence`,
  );

  // Everything goes: the rules (tfc unapply), the qdisc, the namespaces.
  const un = memoryIo();
  assert.equal(
    await main(['unapply', '--dev', 'veth0', '--parent', '1:', '--prio', '1', '--netns', tx], un),
    0,
    un.stderr(),
  );
  const left = await filterShow(tx, 'veth0', { parent: '1:' });
  assert.ok(left.ok && left.value.length === 0, 'no filters left');
  const del = await run('tc', ['qdisc', 'del', 'dev', 'veth0', 'root'], { netns: tx });
  assert.ok(del.ok, del.ok ? '' : del.error.message);
  const q = await qdiscShow(tx, 'veth0');
  assert.ok(q.ok && !q.value.some((x) => x.kind === 'htb' || x.kind === 'pfifo'), 'no qdisc left');
  await a.value.dispose();
  await b.value.dispose();
  const ns = await run('ip', ['netns', 'list']);
  assert.ok(
    ns.ok && !ns.value.stdout.includes(tx) && !ns.value.stdout.includes(rx),
    'the namespaces are gone',
  );
});

test('rules under a classful parent: a failing line rolls back the whole set; a missing class installs nothing', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root (namespaces, tc)');
  const a = await createNamespace('tfc-cls-rb');
  if (!a.ok) return t.skip(`cannot create a network namespace: ${a.error.message}`);
  t.after(() => a.value.dispose());
  const ns = a.value.name;
  const setup = await run('ip', ['-n', ns, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1']);
  assert.ok(setup.ok, setup.ok ? '' : setup.error.message);
  const htb = await runBatch(ns, [
    'qdisc add dev veth0 root handle 1: htb default 20',
    'class add dev veth0 parent 1: classid 1:10 htb rate 1mbit',
    'class add dev veth0 parent 1: classid 1:20 htb rate 1mbit',
  ]);
  if (!htb.ok) return t.skip(`no htb qdisc here: ${htb.error.stderr.trim() || htb.error.message}`);
  // Two prios under parent 1:, then a line the kernel refuses (no qdisc 9:): both are undone.
  const r = await applyBatch(ns, [
    'filter add dev veth0 parent 1: protocol all prio 5 u32 match u32 0 0 at 0 classid 1:10',
    'filter add dev veth0 parent 1: protocol all prio 6 u32 match u32 0 0 at 0 classid 1:10',
    'filter add dev veth0 parent 9: protocol all prio 7 u32 match u32 0 0 at 0 classid 9:10',
  ]);
  assert.ok(!r.ok);
  assert.equal(r.failure.failedLine, 3, r.failure.error.stderr);
  assert.deepEqual(r.failure.rolledBack, [
    { command: 'filter del dev veth0 parent 1: protocol all prio 6', ok: true },
    { command: 'filter del dev veth0 parent 1: protocol all prio 5', ok: true },
  ]);
  const left = await filterShow(ns, 'veth0', { parent: '1:' });
  assert.ok(left.ok && left.value.length === 0, 'nothing stays installed');
  // tfc apply: a class that does not exist is refused before tc runs.
  const io = memoryIo();
  const code = await main(
    [
      'apply',
      'whence == 1',
      ...['--event', 'syscalls/sys_enter_lseek', '--source', 'bundled', '--target', 'u32', '--dev', 'veth0'],
      ...['--parent', '1:', '--classid', '1:30', '--netns', ns],
    ],
    io,
  );
  assert.equal(code, 1, io.stderr());
  assert.match(
    io.stderr(),
    /htb qdisc 1: on veth0 has no class 1:30 \(its classes: .*1:10.*\).*nothing installed/,
  );
  const after = await filterShow(ns, 'veth0', { parent: '1:' });
  assert.ok(after.ok && after.value.length === 0);
});
