// `tfc trace --engine ebpf`, live: tfc's compiled program on syscalls/sys_enter_lseek decides which hits of a firer
// process are recorded through per-CPU perf rings; tfc delivers exactly the selected hits as JSON lines and pcapng
// frames (same record lengths as the kernel engine's ring buffer), releases every perf event, mapping and program
// (the process's fds and perf mappings are back to what they were, no tfc_trace program stays loaded), refuses a
// filter the kernel refuses with the kernel engine's exact text, and never loses an event silently: a one-page
// ring under a burst of 50,000 matching hits delivers some, reports the rest as lost, and the two add up exactly;
// records with a __data_loc payload (sched_process_exec of a program with a unique path) come out of both engines
// with the same length and bytes; stopped by SIGTERM right after four hits, a real tfc process delivers them,
// exits 0 and prints its summary.
// Skips with the reason without root, tracefs, bpf(2) or gcc.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FirerProcess } from '@tfc/kernel';
import { locateTracefs } from '@tfc/kernel/tracefs';
import { readCapture } from '@tfc/live';
import { decodeTraceFrame } from '@tfc/tracefs';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';

/** What this process holds open: fds (as a set of numbers) and perf ring mappings. */
function held(): { fds: ReadonlySet<string>; perfMaps: number } {
  const maps = readFileSync('/proc/self/maps', 'utf8');
  return {
    fds: new Set(readdirSync('/proc/self/fd')),
    perfMaps: maps.split('\n').filter((l) => /perf_event/.test(l)).length,
  };
}

/** `now` holds what `before` did: no fd opened since (an fd an earlier test's handle closed meanwhile is no leak),
 *  as many perf ring mappings. */
function released(before: ReturnType<typeof held>, what: string): void {
  const now = held();
  assert.deepEqual(
    [...now.fds].filter((fd) => !before.fds.has(fd)),
    [],
    what,
  );
  assert.equal(now.perfMaps, before.perfMaps, what);
}

/** Ids of loaded BPF programs named tfc_trace (bpftool), or undefined without bpftool. */
function tracePrograms(): number[] | undefined {
  try {
    const out = execFileSync('bpftool', ['-j', 'prog', 'show'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return (JSON.parse(out) as { id: number; name?: string; pids?: { pid: number }[] }[])
      .filter((p) => p.name === 'tfc_trace' && (p.pids ?? []).some((x) => x.pid === process.pid))
      .map((p) => p.id);
  } catch {
    return undefined;
  }
}

async function ready(io: ReturnType<typeof memoryIo>): Promise<void> {
  for (let i = 0; i < 1000 && !io.stderr().includes('tfc: trace: recording'); i++)
    await new Promise((r) => setTimeout(r, 10));
  assert.match(io.stderr(), /tfc: trace: recording .*\(engine ebpf\)/);
}

/**
 * Runs `attempt` with a fresh Io until no other process's BPF program sat on the tracepoint during the run (tfc
 * names them: they veto hits too, e.g. a parallel `tfc apply` test); skips after three tries.
 */
async function vetoFree(
  t: { skip: (m: string) => void },
  attempt: (io: ReturnType<typeof memoryIo>) => Promise<void>,
): Promise<ReturnType<typeof memoryIo> | undefined> {
  let last = '';
  for (let i = 0; i < 3; i++) {
    const io = memoryIo();
    await attempt(io);
    if (!/other BPF programs/.test(io.stderr())) return io;
    last = io.stderr();
  }
  t.skip(`another process keeps BPF programs on the tracepoint: ${last}`);
  return undefined;
}

async function setup(t: { skip: (m: string) => void; after: (f: () => unknown) => void }) {
  if (process.getuid?.() !== 0) return t.skip('needs root (BPF programs, perf events)');
  const root = await locateTracefs({ mount: true });
  if (!root.ok) return t.skip(root.reason);
  if (!existsSync(`${root.path}/events/syscalls/sys_enter_lseek`))
    return t.skip('no syscalls/sys_enter_lseek event');
  const firer = await FirerProcess.start();
  if ('ok' in firer) return t.skip(firer.reason);
  t.after(() => firer.dispose());
  const dir = mkdtempSync(join(tmpdir(), 'tfc-trace-ebpf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return { firer, dir };
}

test('tfc trace --engine ebpf: the compiled program selects live lseek hits, delivered as JSON and pcapng', async (t) => {
  const s = await setup(t);
  if (s === undefined) return;
  const { firer, dir } = s;
  const pcap = join(dir, 'lseek.pcapng');
  const before = held();
  const filter = `common_pid == ${firer.pid} && whence == 2`;
  const io = await vetoFree(t, async (io) => {
    const run = main(
      [
        'trace',
        filter,
        '--event',
        'syscalls/sys_enter_lseek',
        '--engine',
        'ebpf',
        '--json',
        '-w',
        pcap,
      ].concat(['--count', '6', '-d', '30']),
      io,
    );
    await ready(io);
    for (let i = 0; i < 12; i++)
      await firer.lseek({ fd: 3, offset: 1000 + i, whence: i % 2 === 0 ? 2 : 0, cpu: i % 2 });
    assert.equal(await run, 0, io.stderr());
  });
  if (io === undefined) return;
  const lines = io
    .stdout()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((l) => Number(l.fields.offset)),
    [1000, 1002, 1004, 1006, 1008, 1010],
  );
  for (const l of lines) {
    assert.equal(l.event, 'syscalls/sys_enter_lseek');
    assert.equal(l.pid, firer.pid);
    assert.equal(l.cpu, 0, 'pinned to CPU 0 for the even hits');
    assert.equal(Number(l.fields.whence), 2);
  }
  assert.match(io.stderr(), /tfc: trace: 6 events in .* lost events 0/);
  const cap = readCapture(new Uint8Array(readFileSync(pcap)));
  assert.ok(cap.ok, cap.ok ? '' : cap.error);
  assert.equal(cap.capture.records.length, 6);
  cap.capture.records.forEach((r, i) => {
    const f = decodeTraceFrame(r.data);
    assert.ok(f.ok);
    assert.equal(f.record.length, 40, 'the ring-buffer length of the record, not perf’s padded 44');
    assert.equal(f.sequence, i, 'per-CPU sequence 0, 1, …');
    assert.equal(f.timestampNs.toString(), lines[i].ts);
    assert.equal(f.lost, false);
  });
  released(before, 'every perf event fd, ring mapping and program fd is released');
  const progs = tracePrograms();
  if (progs !== undefined) assert.deepEqual(progs, [], 'no tfc_trace program stays loaded');
});

test('tfc trace --engine ebpf: refusals match the kernel engine’s, usage errors exit 2, nothing stays behind', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root (tracefs, BPF)');
  const root = await locateTracefs({ mount: true });
  if (!root.ok) return t.skip(root.reason);
  const before = held();
  for (const filter of ['nosuch == 1', 'prev_pid == "abc"', 'prev_comm > 3', '(prev_pid == 1']) {
    const answers = [];
    for (const engine of ['kernel', 'ebpf']) {
      const io = memoryIo();
      const code = await main(
        ['trace', filter, '--event', 'sched/sched_switch', '--engine', engine, '--print', '--count', '1'],
        io,
      );
      answers.push({ code, stderr: io.stderr() });
    }
    assert.equal(answers[0]?.code, 1, `${filter}: ${answers[0]?.stderr}`);
    assert.deepEqual(answers[1], answers[0], `${filter}: the same exit and the kernel's own text`);
  }
  const usage = memoryIo();
  assert.equal(
    await main(['trace', '--event', 'sched/sched_switch', '--engine', 'bpf', '--print'], usage),
    2,
  );
  assert.match(usage.stderr(), /--engine takes kernel or ebpf/);
  released(before, 'every fd and ring mapping is released');
});

test('tfc trace --engine ebpf: a burst into a one-page ring loses events, and every loss is reported', async (t) => {
  const s = await setup(t);
  if (s === undefined) return;
  const { firer, dir } = s;
  const pcap = join(dir, 'burst.pcapng');
  const before = held();
  const hits = 100_000;
  const io = await vetoFree(t, async (io) => {
    const run = main(
      ['trace', `common_pid == ${firer.pid} && offset == 4242`, '--event', 'syscalls/sys_enter_lseek'].concat(
        ['--engine', 'ebpf', '--buffer-kb', '4', '-w', pcap, '-d', '4'],
      ),
      io,
    );
    await ready(io);
    await firer.lseekLoop(0, hits, [
      { fd: 3, offset: 4242, whence: 0 },
      { fd: 3, offset: 4243, whence: 0 },
    ]);
    assert.equal(await run, 0, io.stderr());
  });
  if (io === undefined) return;
  const m = /tfc: trace: (\d+) events in .* lost events (\d+)/.exec(io.stderr());
  assert.ok(m, io.stderr());
  const [delivered, lost] = [Number(m[1]), Number(m[2])];
  const cap = readCapture(new Uint8Array(readFileSync(pcap)));
  assert.ok(cap.ok, cap.ok ? '' : cap.error);
  assert.equal(cap.capture.records.length, delivered);
  assert.ok(lost > 0 && delivered > 0, `a one-page ring keeps some and loses some: ${io.stderr()}`);
  assert.equal(
    delivered + lost,
    hits / 2,
    `delivered ${delivered} + lost ${lost} = the ${hits / 2} matching hits`,
  );
  let prev = -1;
  let flagged = 0;
  for (const r of cap.capture.records) {
    const f = decodeTraceFrame(r.data);
    assert.ok(f.ok && f.cpu === 0);
    assert.ok(f.sequence > prev, 'sequence numbers increase');
    if (f.sequence > prev + 1)
      assert.ok(f.lost, `the frame after a gap (${prev} → ${f.sequence}) is flagged`);
    if (f.lost) flagged++;
    prev = f.sequence;
  }
  assert.ok(flagged > 0);
  t.diagnostic(
    `burst: ${hits / 2} matching hits, ${delivered} delivered, ${lost} reported lost, ${flagged} frames flagged`,
  );
  assert.ok(prev < hits / 2, 'no sequence number past the hits');
  released(before, 'a duration stop releases every fd and ring mapping too');
});

test('tfc trace: both engines deliver sched_process_exec records (a __data_loc payload) of the same length and bytes', async (t) => {
  const s = await setup(t);
  if (s === undefined) return;
  const { dir } = s;
  const probe = join(dir, `tfc-exec-probe-${process.pid}`);
  copyFileSync('/bin/true', probe);
  execFileSync('chmod', ['+x', probe]);
  const filter = `filename ~ "*tfc-exec-probe-${process.pid}"`;
  const ios = ['kernel', 'ebpf'].map((engine) => {
    const io = memoryIo();
    const file = join(dir, `${engine}.pcapng`);
    const run = main(
      [
        'trace',
        filter,
        '--event',
        'sched/sched_process_exec',
        '--engine',
        engine,
        '-w',
        file,
        '--count',
        '3',
      ].concat(['-d', '30']),
      io,
    );
    return { io, file, run };
  });
  for (let i = 0; i < 1000 && !ios.every((x) => x.io.stderr().includes('tfc: trace: recording')); i++)
    await new Promise((r) => setTimeout(r, 10));
  for (let i = 0; i < 3; i++) execFileSync(probe, [`arg${i}`]);
  const records = [];
  for (const x of ios) {
    assert.equal(await x.run, 0, x.io.stderr());
    const cap = readCapture(new Uint8Array(readFileSync(x.file)));
    assert.ok(cap.ok);
    records.push(
      cap.capture.records.map((r) => {
        const f = decodeTraceFrame(r.data);
        assert.ok(f.ok);
        const rec = new Uint8Array(f.record);
        const loc = new DataView(rec.buffer).getUint32(8, true);
        // filename's payload: offset and length from its location word; then pid and old_pid.
        assert.equal(
          new TextDecoder().decode(rec.subarray(loc & 0xffff, (loc & 0xffff) + (loc >>> 16) - 1)),
          probe,
        );
        rec.fill(0, 2, 4); // common_flags, common_preempt_count: each writer's own
        rec.fill(0, (loc & 0xffff) + (loc >>> 16)); // past the payload: padding to 4 bytes, stale
        return Buffer.from(rec).toString('hex');
      }),
    );
  }
  assert.equal(records[0]?.length, 3);
  assert.deepEqual(records[1], records[0], 'the same records, the same lengths');
  const len = Math.ceil((20 + probe.length + 1) / 4) * 4 * 2;
  for (const r of records[1] ?? []) assert.equal(r.length, len, 'struct (20) + path + NUL, rounded up to 4');
});

/** bpftool's view of BPF programs attached through perf events by process `pid` (undefined without bpftool). */
function perfAttachments(pid: number): string[] | undefined {
  try {
    const out = execFileSync('bpftool', ['-j', 'perf', 'show'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return (JSON.parse(out) as { pid: number; tracepoint?: string }[])
      .filter((a) => a.pid === pid)
      .map((a) => a.tracepoint ?? '?');
  } catch {
    return undefined;
  }
}

test('tfc trace --engine ebpf stops on SIGTERM: the hits just before it are delivered, exit 0, program attached until then (a real process)', async (t) => {
  const su = await setup(t);
  if (su === undefined) return;
  const { firer } = su;
  const bin = fileURLToPath(new URL('../src/cli/bin.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', bin, 'trace', `common_pid == ${firer.pid} && whence == 1`].concat([
      '--event',
      'syscalls/sys_enter_lseek',
      '--engine',
      'ebpf',
      '--json',
      '-d',
      '120',
    ]),
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const recording = new Promise<void>((resolve) => {
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
      if (err.includes('tfc: trace: recording')) resolve();
    });
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.after(() => child.kill('SIGKILL'));
  await Promise.race([recording, exited]);
  assert.match(err, /recording syscalls\/sys_enter_lseek \(engine ebpf\)/);
  const during = perfAttachments(child.pid ?? -1);
  if (during !== undefined)
    assert.deepEqual(during, ['sys_enter_lseek'], 'one program attachment, on the tracepoint');
  // The hits land in the rings right before the signal: the handler drains them before the exit cleanup runs.
  for (let i = 0; i < 4; i++) await firer.lseek({ fd: 3, offset: 300 + i, whence: 1 });
  child.kill('SIGTERM');
  assert.equal(await exited, 0, err);
  if (/other BPF programs/.test(err)) return t.skip(`another process's BPF program vetoed hits: ${err}`);
  assert.match(err, /tfc: trace: 4 events in .* lost events 0 \(stopped by SIGTERM\)/);
  assert.deepEqual(
    out
      .trim()
      .split('\n')
      .map((l) => Number(JSON.parse(l).fields.offset)),
    [300, 301, 302, 303],
  );
});
