// `tfc apply` as a user runs it: a filter attached to the live syscalls:sys_enter_lseek for one second while a
// firer process makes lseeks we choose — the accepted count is exactly the number of matching lseeks, seen counts
// at least all of ours; usage errors and rejections exit 2 / 1; no fd is left open afterwards. Kernel steps skip
// (with the reason) only without root, bpf(2) or tracefs.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FirerProcess, probeFeatures, probeTracepoints } from '@tfc/kernel';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';

const F = probeFeatures();

async function unavailable(): Promise<string | null> {
  if (process.getuid?.() !== 0) return 'not root';
  if (!F.bpf.ok) return F.bpf.reason;
  const tp = await probeTracepoints(F);
  return tp.ok ? null : tp.reason;
}

// fds compared as sets of numbers: an fd an earlier test's handle closes meanwhile (libuv's thread pool) reads
// neither as a leak nor hides one; only fds opened since `before` count.
const openFds = () => new Set(readdirSync('/proc/self/fd'));
const openedSince = (before: ReadonlySet<string>) => [...openFds()].filter((fd) => !before.has(fd));

test('tfc apply --help, usage errors, and the tc targets dispatched to apply-tc', async () => {
  const h = memoryIo();
  assert.equal(await main(['apply', '--help'], h), 0);
  assert.match(h.stdout(), /^usage: tfc apply FILTER --event SYS\/NAME/);
  assert.match(h.stdout(), /\$ tfc apply 'whence == 2 && offset == 0' --event syscalls\/sys_enter_lseek/);
  for (const [args, re] of [
    [['apply', 'fd == 1'], /an event is needed/],
    [
      ['apply', 'fd == 1', '--event', 'syscalls/sys_enter_lseek', '--duration', '0'],
      /--duration takes seconds/,
    ],
    [
      ['apply', 'fd == 1', '--event', 'syscalls/sys_enter_lseek', '--target', 'u32'],
      /--target u32 needs --dev DEV/,
    ],
    [
      ['apply', 'fd == 1', '--event', 'syscalls/sys_enter_lseek', '--target', 'p4'],
      /--target must be one of/,
    ],
    [['apply', 'fd == 1', '--event', 'nope'], /--event takes SYS\/NAME/],
  ] as const) {
    const io = memoryIo();
    assert.equal(await main([...args], io), 2, args.join(' '));
    assert.match(io.stderr(), re);
    assert.equal(io.stdout(), '');
  }
});

test('tfc apply --duration 1 counts the lseeks it accepts', async (t) => {
  const why = await unavailable();
  if (why !== null) {
    t.skip(why);
    return;
  }
  const firer = await FirerProcess.start();
  if ('ok' in firer) {
    t.skip(firer.reason);
    return;
  }
  t.after(() => firer.dispose());
  const magic = 0x7e500000 + (process.pid & 0xffff);
  const before = openFds();
  // Another process's program on the same tracepoint also vetoes hits (the summary names it): then run again.
  let s: Record<string, unknown> = {};
  for (let attempt = 0; attempt < 3; attempt++) {
    const io = memoryIo();
    const run = main(
      [
        'apply',
        `offset == ${magic} && whence == 1`,
        '--event',
        'syscalls/sys_enter_lseek',
        '--duration',
        '1',
        '--json',
      ],
      io,
    );
    // Fire once the program is attached (the command says so on stderr).
    for (let i = 0; i < 200 && !io.stderr().includes('attached to'); i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.match(
      io.stderr(),
      /tfc: attached to syscalls:sys_enter_lseek \(\d+ instructions\); counting for 1 s/,
    );
    for (let i = 0; i < 40; i++)
      await firer.lseek({ fd: 3, offset: magic, whence: i % 2, cpu: i % F.possibleCpus });
    const code = await run;
    assert.equal(code, 0, io.stderr());
    s = JSON.parse(io.stdout()) as Record<string, unknown>;
    if ((s.otherPrograms as unknown[]).length === 0 || s.accepted === 20) break;
  }
  assert.equal(s.event, 'syscalls:sys_enter_lseek');
  assert.equal(s.accepted, 20);
  assert.ok((s.seen as number) >= 40, `seen ${s.seen}`);
  assert.equal(s.stoppedBy, 'duration');
  assert.ok((s.seconds as number) >= 1);
  assert.deepEqual(openedSince(before), [], 'every fd released');

  const text = memoryIo();
  assert.equal(
    await main(['apply', 'fd == 1', '--event', 'syscalls/sys_enter_lseek', '--duration', '0.2'], text),
    0,
  );
  assert.match(
    text.stdout(),
    /^syscalls:sys_enter_lseek: \d+ events seen, \d+ accepted( \(\d+\.\d%\))? in 0\.\d s\n$/,
  );
  assert.deepEqual(openedSince(before), [], 'every fd released');
});

test('tfc apply: a filter the kernel rejects exits 1 with its rendering; a missing event exits 2', async (t) => {
  const bad = memoryIo();
  const why = await unavailable();
  if (why !== null) {
    t.skip(why);
    return;
  }
  assert.equal(await main(['apply', 'offset == -1', '--event', 'syscalls/sys_enter_lseek'], bad), 1);
  assert.match(bad.stderr(), /parse_error: /);
  const missing = memoryIo();
  assert.equal(await main(['apply', 'fd == 1', '--event', 'syscalls/sys_enter_nosuch'], missing), 2);
  assert.match(missing.stderr(), /is not live in this kernel/);
});

test('tfc apply stops on SIGINT with the summary and exit 0 (a real process)', async (t) => {
  const why = await unavailable();
  if (why !== null) {
    t.skip(why);
    return;
  }
  const bin = fileURLToPath(new URL('../src/cli/bin.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', bin, 'apply', 'fd == 1', '--event', 'syscalls/sys_enter_lseek', '--json'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const attached = new Promise<void>((resolve) => {
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
      if (err.includes('attached to')) resolve();
    });
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.after(() => child.kill('SIGKILL'));
  await Promise.race([attached, exited]);
  assert.match(err, /counting until Ctrl-C/);
  child.kill('SIGINT');
  assert.equal(await exited, 0, err);
  const s = JSON.parse(out) as Record<string, unknown>;
  assert.equal(s.stoppedBy, 'SIGINT');
  assert.equal(typeof s.seen, 'number');
});
