// `tfc capture` live, in the namespace lab (./capture-lab.ts): UDP to a closed port, to a port nftables drops and
// to a listening socket. The drop reasons tfc reports equal the `reason` the kernel's own skb:kfree_skb event
// records for the same skbs (a private tracefs instance with that event enabled during the capture, matched by skb
// address in order); delivered packets never reach kfree_skb and are seen at netif_receive_skb on the veth in B;
// tshark reads the pcapng and shows the metadata tfc wrote; every fd and mapping the capture opened is released
// on return, on an error and on SIGINT. Skips with the reason without root, nft, tracefs or BTF.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { locateTracefs, TraceSession } from '@tfc/kernel';
import { dropReasonNames, parseKallsyms } from '@tfc/kernel/skb';
import { parseBtf } from '@tfc/kernel/sys';
import { parseSkbComment, readPcapng } from '@tfc/live';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';
import { B_ADDR, CLOSED_PORT, createLab, DROP_PORT, labUnavailable, OPEN_PORT } from './capture-lab.ts';

const root = new URL('../../../', import.meta.url).pathname;
const N = 5;

function btfUnavailable(): string | undefined {
  return existsSync('/sys/kernel/btf/vmlinux') ? undefined : 'no /sys/kernel/btf/vmlinux';
}

/** fds and BPF mappings of this process (what a capture must give back). */
function resources(): { fds: string[]; bpfMaps: number } {
  const maps = readFileSync('/proc/self/maps', 'utf8');
  const fds = readdirSync('/proc/self/fd').map((f) => {
    try {
      return `${f}:${readlinkSync(`/proc/self/fd/${f}`)}`;
    } catch {
      return `${f}:?`;
    }
  });
  return { fds, bpfMaps: maps.split('\n').filter((l) => l.includes('bpf')).length };
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** `tfc ARGV` (a capture) in a child process in `cwd`, killed when the test ends; resolves once it captures. */
async function captureChild(
  t: TestContext,
  argv: readonly string[],
  cwd: string,
): Promise<{ pid: number; stderr(): string; interrupt(): Promise<number | null> }> {
  const bin = join(root, 'packages/tfc/src/cli/bin.ts');
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), bin, ...argv], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd,
  });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  assert.ok(await waitFor(() => err.includes('capturing at'), 30_000), err);
  return {
    pid: child.pid ?? -1,
    stderr: () => err,
    interrupt: () => {
      const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
      child.kill('SIGINT');
      return exited;
    },
  };
}

/** tshark's fields of every packet of `file`, one row each. */
function tsharkFields(file: string, fields: readonly string[]): string[][] {
  const args = ['-r', file, '-T', 'fields', '-E', 'separator=|', ...fields.flatMap((f) => ['-e', f])];
  const ts = spawnSync('tshark', args, { encoding: 'utf8' });
  assert.equal(ts.status, 0, ts.stderr);
  return ts.stdout
    .trim()
    .split('\n')
    .map((r) => r.split('|'));
}

interface KfreeEvent {
  readonly skb: bigint;
  readonly reason: number;
  readonly location: bigint;
}

test("tfc capture in the lab: reasons equal the kernel skb:kfree_skb event's; tshark shows the metadata", async (t) => {
  const why = labUnavailable() ?? btfUnavailable();
  if (why !== undefined) return t.skip(why);
  const tracefs = await locateTracefs({ mount: true });
  if (!tracefs.ok) return t.skip(`tracefs: ${tracefs.reason}`);
  const btf = parseBtf(new Uint8Array(readFileSync('/sys/kernel/btf/vmlinux')));
  assert.ok(btf.ok);
  const reasonName = dropReasonNames(btf.table);
  const dir = mkdtempSync(join(tmpdir(), 'tfc-capture-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const lab = await createLab();
  t.after(() => lab.dispose());

  // The kernel's own account: skb:kfree_skb in a private instance, raw records (skbaddr@8, reason@36 per its format).
  const fmt = readFileSync(`${tracefs.path}/events/skb/kfree_skb/format`, 'utf8');
  const off = (name: string) =>
    Number(new RegExp(`\\b${name};\\s*offset:(\\d+);`).exec(fmt)?.[1] ?? Number.NaN);
  const skbOff = off('skbaddr');
  const reasonOff = off('reason');
  const locationOff = off('location');
  const symbols = parseKallsyms(readFileSync('/proc/kallsyms', 'utf8'));
  assert.ok(
    Number.isInteger(skbOff) && Number.isInteger(reasonOff),
    'kfree_skb format has skbaddr and reason',
  );
  const started = TraceSession.start(tracefs.path, {
    events: [{ group: 'skb', event: 'kfree_skb' }],
    bufferKb: 4096,
  });
  assert.ok(started.ok, started.ok ? '' : started.reason);
  const session = started.session;
  t.after(() => session.dispose());
  const kernel: KfreeEvent[] = [];
  const drainKernel = () => {
    for (const r of session.read().records) {
      const v = new DataView(r.data.buffer, r.data.byteOffset, r.data.byteLength);
      if (r.data.length >= reasonOff + 4)
        kernel.push({
          skb: v.getBigUint64(skbOff, true),
          reason: v.getUint32(reasonOff, true),
          location: v.getBigUint64(locationOff, true),
        });
    }
  };

  drainKernel(); // opens the instance's per-CPU pipes before the baseline
  const before = resources();
  const file = join(dir, 'lab.pcapng');
  const io = memoryIo();
  const run = main(
    [
      'capture',
      `udp and host ${B_ADDR}`,
      '--at',
      'skb/kfree_skb,net/netif_receive_skb',
      '-w',
      file,
      '--json',
      '--duration',
      '6',
    ],
    io,
  );
  assert.ok(
    await waitFor(() => io.stderr().includes('capturing at'), 20_000),
    `capture started: ${io.stderr()}`,
  );
  const during = resources();
  assert.ok(during.bpfMaps >= 2, 'the ring buffer is mapped while capturing (the check below can see it)');
  assert.ok(during.fds.length > before.fds.length);
  drainKernel();
  kernel.length = 0;
  await lab.send(CLOSED_PORT, N, 'closed');
  await lab.send(DROP_PORT, N, 'dropped');
  await lab.send(OPEN_PORT, N, 'delivered');
  assert.equal(await lab.received(N), N, 'the listener got the delivered datagrams');
  const code = await run;
  drainKernel();
  assert.equal(code, 0, io.stderr());
  const after = resources();
  assert.deepEqual(after, before, 'every fd and mapping the capture opened is released');

  const lines = io
    .stdout()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const dport = (l: Record<string, unknown>) => Number(/\.(\d+): UDP/.exec(String(l.summary))?.[1]);
  const at = (hook: string, port: number) => lines.filter((l) => l.hook === hook && dport(l) === port);
  const closed = at('skb/kfree_skb', CLOSED_PORT);
  const dropped = at('skb/kfree_skb', DROP_PORT);
  assert.equal(closed.length, N, 'every datagram to the closed port is dropped');
  assert.equal(dropped.length, N, 'every datagram nftables drops');
  assert.ok(
    closed.every((l) => l.reason === 'NO_SOCKET'),
    JSON.stringify(closed.map((l) => l.reason)),
  );
  assert.ok(
    dropped.every((l) => l.reason === 'NETFILTER_DROP'),
    JSON.stringify(dropped.map((l) => l.reason)),
  );
  assert.equal(at('skb/kfree_skb', OPEN_PORT).length, 0, 'delivered datagrams are not dropped');
  const received = at('net/netif_receive_skb', OPEN_PORT);
  assert.equal(received.length, N, 'delivered datagrams are seen entering B');
  assert.ok(received.every((l) => l.dev === 'cb' && l.netns === lab.inodeB && l.start === 'ethernet'));
  assert.ok(
    closed.every((l) => /^__udp4_lib_rcv\+0x[0-9a-f]+$/.test(String(l.location))),
    String(closed[0]?.location),
  );

  // Same skbs, same reasons as the kernel's event: each tfc drop matched, in order per address, to the kernel's
  // record of the same skb freed at the same location (symbolized alike: this also checks tfc's symbolization).
  let disagreements = 0;
  const cursor = new Map<bigint, number>();
  for (const l of [...closed, ...dropped].sort((x, y) =>
    BigInt(String(x.time)) < BigInt(String(y.time)) ? -1 : 1,
  )) {
    const skb = BigInt(String(l.skb));
    const from = cursor.get(skb) ?? 0;
    // The same skb freed at the same place (an earlier packet of the host at this address is skipped).
    const i = kernel.findIndex(
      (k, j) => j >= from && k.skb === skb && symbols.symbolize(k.location) === l.location,
    );
    assert.ok(i >= 0, `kernel recorded kfree_skb for ${String(l.skb)}`);
    cursor.set(skb, i + 1);
    const k = kernel[i] as KfreeEvent;
    if (reasonName.get(k.reason) !== l.reason) {
      disagreements++;
      t.diagnostic(
        `disagreement: tfc ${JSON.stringify(l)} kernel ${k.skb.toString(16)} reason ${k.reason}; kernel records of that skb: ${kernel
          .filter((x) => x.skb === skb)
          .map((x) => x.reason)
          .join(',')}`,
      );
    }
  }
  assert.equal(disagreements, 0);
  t.diagnostic(
    `${closed.length + dropped.length} drops compared with the kernel's skb:kfree_skb: 0 disagreements`,
  );

  // tfc's reader and tshark read the pcapng and its metadata.
  const cap = readPcapng(new Uint8Array(readFileSync(file)));
  assert.ok(cap.ok, cap.ok ? '' : cap.error);
  assert.equal(cap.capture.records.length, lines.length);
  const metas = cap.capture.records.map((r) => parseSkbComment(r.comment ?? ''));
  assert.equal(metas.filter((m) => m.reason === 'NO_SOCKET').length, N);
  if (spawnSync('tshark', ['--version']).status !== 0)
    return t.diagnostic('tshark not installed: not read by tshark');
  const rows = tsharkFields(file, ['frame.interface_name', 'udp.dstport', 'frame.comment']);
  assert.equal(rows.length, lines.length);
  const tsClosed = rows.filter((r) => r[0] === 'skb/kfree_skb' && r[1] === String(CLOSED_PORT));
  assert.equal(tsClosed.length, N);
  for (const r of tsClosed) {
    const m = parseSkbComment(r[2] ?? '');
    assert.equal(m.reason, 'NO_SOCKET');
    assert.equal(m.hook, 'skb/kfree_skb');
    assert.match(m.skb ?? '', /^0xffff[0-9a-f]+$/);
    assert.equal(m.netns, String(lab.inodeB));
  }
  assert.ok(
    rows.some(
      (r) => r[0] === 'net/netif_receive_skb' && r[1] === String(OPEN_PORT) && /dev=cb /.test(r[2] ?? ''),
    ),
  );
});

test('tfc capture: bad hooks and filters are diagnostics with exit 2 / 1, and nothing stays open', async (t) => {
  const why = btfUnavailable() ?? (process.getuid?.() === 0 ? undefined : 'needs root');
  if (why !== undefined) return t.skip(why);
  const before = resources();
  const cases: [string[], number, RegExp][] = [
    [['capture', '--at', 'no_such_function_tfc'], 2, /no kernel function 'no_such_function_tfc'/],
    [['capture', '--at', 'skb/no_such_tp'], 2, /no tracepoint 'no_such_tp'/],
    [['capture', '--at', 'do_nanosleep'], 2, /has no struct sk_buff \* argument/],
    [['capture', 'udp port', '--drops'], 1, /the filter is rejected/],
    [['capture', 'udp'], 2, /--drops or --at/],
    [['capture', '--drops', '--ring-kb', '100'], 2, /power of two/],
  ];
  for (const [argv, code, msg] of cases) {
    const io = memoryIo();
    assert.equal(await main(argv, io), code, `${argv.join(' ')}: ${io.stderr()}`);
    assert.match(io.stderr(), msg);
    assert.doesNotMatch(io.stderr(), /\n\s+at /, 'no stack trace');
  }
  // fentry: loads where the kernel allows tracing programs on functions; on a kernel that refuses, a diagnostic.
  const io = memoryIo();
  const code = await main(['capture', '--at', 'ip_rcv', '--duration', '0.2', '--json'], io);
  if (code === 0) t.diagnostic('fentry/ip_rcv attached');
  else {
    assert.equal(code, 2);
    assert.match(io.stderr(), /fentry\/ip_rcv: the kernel refused the program: BPF_PROG_LOAD failed: EPERM/);
    t.diagnostic(`fentry refused here: ${io.stderr().trim()}`);
  }
  assert.deepEqual(resources(), before, 'nothing stays open after failures');
});

test('tfc capture stops on SIGINT with its summary and exit 0', async (t) => {
  const why = btfUnavailable() ?? (process.getuid?.() === 0 ? undefined : 'needs root');
  if (why !== undefined) return t.skip(why);
  const cli = await captureChild(t, ['capture', '--drops', '--json'], root);
  // the child's own programs, by the prog_id of its fds (other suites may run captures at the same time)
  const ids = progIdsOf(cli.pid);
  assert.ok(ids.length > 0, 'the capture holds its program');
  const code = await cli.interrupt();
  const err = cli.stderr();
  assert.equal(code, 0, err);
  assert.match(err, /stopped by SIGINT/);
  const progs = spawnSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' });
  if (progs.status === 0) {
    const live = new Set((JSON.parse(progs.stdout) as { id: number }[]).map((p) => p.id));
    assert.deepEqual(
      ids.filter((id) => live.has(id)),
      [],
      'no program of the capture stays loaded',
    );
  }
});

/** The BPF program ids process `pid` holds fds of (/proc/PID/fdinfo's prog_id lines). */
function progIdsOf(pid: number): number[] {
  const ids: number[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    try {
      const m = /^prog_id:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
      if (m) ids.push(Number(m[1]));
    } catch {
      // the fd closed meanwhile
    }
  }
  return ids;
}

test("tfc capture --path: each datagram to the closed port crosses the hooks the kernel's own tracepoints show, in order", async (t) => {
  const why = labUnavailable() ?? btfUnavailable();
  if (why !== undefined) return t.skip(why);
  const tracefs = await locateTracefs({ mount: true });
  if (!tracefs.ok) return t.skip(`tracefs: ${tracefs.reason}`);
  const lab = await createLab();
  t.after(() => lab.dispose());
  const events = [
    ['net', 'net_dev_queue'],
    ['net', 'netif_receive_skb'],
    ['skb', 'kfree_skb'],
  ] as const;
  const hookOf = new Map<number, string>();
  for (const [g, e] of events)
    hookOf.set(Number(readFileSync(`${tracefs.path}/events/${g}/${e}/id`, 'utf8')), `${g}/${e}`);
  const started = TraceSession.start(tracefs.path, {
    events: events.map(([group, event]) => ({ group, event })),
    bufferKb: 4096,
  });
  assert.ok(started.ok, started.ok ? '' : started.reason);
  const session = started.session;
  t.after(() => session.dispose());
  const kernel: { skb: bigint; hook: string }[] = [];
  const drainKernel = () => {
    for (const r of session.read().records) {
      if (r.data.length < 16) continue;
      const v = new DataView(r.data.buffer, r.data.byteOffset, r.data.byteLength);
      const hook = hookOf.get(v.getUint16(0, true));
      if (hook !== undefined) kernel.push({ skb: v.getBigUint64(8, true), hook });
    }
  };
  const io = memoryIo();
  const run = main(
    [
      'capture',
      `udp dst port ${CLOSED_PORT}`,
      '--path',
      '--at',
      events.map(([g, e]) => `${g}/${e}`).join(','),
      '--json',
      '--duration',
      '5',
    ],
    io,
  );
  assert.ok(await waitFor(() => io.stderr().includes('capturing at'), 20_000), io.stderr());
  drainKernel();
  kernel.length = 0;
  await lab.send(CLOSED_PORT, N, 'path');
  assert.equal(await run, 0, io.stderr());
  drainKernel();
  const paths = io
    .stdout()
    .trim()
    .split('\n')
    .map(
      (l) =>
        JSON.parse(l) as {
          skb: string;
          end: string;
          steps: { hook: string; dev?: string; reason?: string }[];
        },
    );
  assert.equal(paths.length, N, io.stdout());
  for (const p of paths) {
    assert.deepEqual(
      p.steps.map((s) => `${s.hook} ${s.hook === 'skb/kfree_skb' ? s.reason : s.dev}`),
      ['net/net_dev_queue ca', 'net/netif_receive_skb cb', 'skb/kfree_skb NO_SOCKET'],
    );
    assert.equal(p.end, 'dropped');
  }
  // The kernel's tracepoints for the same addresses, cut into packets at each free, in the same order.
  const cursor = new Map<bigint, number>();
  let compared = 0;
  for (const p of paths) {
    const skb = BigInt(p.skb);
    const from = cursor.get(skb) ?? 0;
    const mine = kernel.map((k, i) => ({ ...k, i })).filter((k) => k.skb === skb && k.i >= from);
    const end = mine.findIndex((k) => k.hook === 'skb/kfree_skb');
    assert.ok(end >= 0, `the kernel recorded the free of ${p.skb}`);
    const seq = mine.slice(0, end + 1);
    cursor.set(skb, (seq[seq.length - 1]?.i ?? 0) + 1);
    // The kernel may have seen the address before our datagram (an earlier packet): take the last queue→free run.
    const start = seq.map((k) => k.hook).lastIndexOf('net/net_dev_queue');
    assert.deepEqual(
      seq.slice(Math.max(start, 0)).map((k) => k.hook),
      p.steps.map((s) => s.hook),
    );
    compared++;
  }
  t.diagnostic(`${compared} paths equal the kernel's tracepoint sequences`);
});

test('tfc capture: records lost to a full ring buffer are counted and reported (summary, epb_dropcount, statistics)', async (t) => {
  const why = labUnavailable() ?? btfUnavailable();
  if (why !== undefined) return t.skip(why);
  const dir = mkdtempSync(join(tmpdir(), 'tfc-capture-lost-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const lab = await createLab();
  t.after(() => lab.dispose());
  const file = join(dir, 'lost.pcapng');
  const io = memoryIo();
  const BURST = 400;
  // 88 + 1024 bytes per record in a 4 KiB ring: three records fit between two reads.
  const run = main(
    [
      'capture',
      `udp dst port ${CLOSED_PORT}`,
      '--drops',
      '--snaplen',
      '1024',
      '--ring-kb',
      '4',
      '-w',
      file,
      '--duration',
      '4',
    ],
    io,
  );
  assert.ok(await waitFor(() => io.stderr().includes('capturing at'), 20_000), io.stderr());
  await lab.send(CLOSED_PORT, BURST, 'x'.repeat(900), 0);
  assert.equal(await run, 0, io.stderr());
  const m = /: (\d+) packets in [\d.]+ s, (\d+) records lost/.exec(io.stderr());
  assert.ok(m, io.stderr());
  const packets = Number(m[1]);
  const lost = Number(m[2]);
  assert.ok(lost > 0, `a burst of ${BURST} overflows a 4 KiB ring (${io.stderr().trim()})`);
  assert.ok(packets + lost >= BURST, `every datagram is written or counted lost: ${packets} + ${lost}`);
  const cap = readPcapng(new Uint8Array(readFileSync(file)));
  assert.ok(cap.ok);
  assert.equal(cap.capture.records.length, packets);
  for (const r of cap.capture.records) {
    // Records that wrapped the 4 KiB ring come out whole: Ethernet + IPv4 + UDP to the closed port, 900 bytes.
    assert.equal((r.data[36] ?? 0) * 256 + (r.data[37] ?? 0), CLOSED_PORT);
    assert.equal(r.len, 14 + 20 + 8 + 900);
  }
  assert.equal(cap.capture.statistics?.[0]?.osDropped, BigInt(lost));
  const perPacket = cap.capture.records.reduce((s, r) => s + (r.dropCount ?? 0n), 0n);
  assert.ok(perPacket > 0n && perPacket <= BigInt(lost), `epb_dropcount total ${perPacket} of ${lost}`);
  t.diagnostic(`${BURST} datagrams: ${packets} written, ${lost} counted lost`);
});

test('tfc capture: the capture program loads and attaches at every tracepoint hook BTF lists', async (t) => {
  const why = btfUnavailable() ?? (process.getuid?.() === 0 ? undefined : 'needs root');
  if (why !== undefined) return t.skip(why);
  const list = memoryIo();
  assert.equal(await main(['capture', '--list-hooks'], list), 0);
  const tps = list
    .stdout()
    .split('\n')
    .filter((l) => / tp_btf /.test(l))
    .map((l) => l.split(/\s+/)[0] as string);
  assert.ok(tps.length >= 5, `tracepoint hooks: ${tps.length}`);
  const before = resources();
  const io = memoryIo();
  const code = await main(['capture', '--at', tps.join(','), '--duration', '0.5', '--json'], io);
  assert.equal(code, 0, io.stderr());
  assert.match(io.stderr(), new RegExp(`capturing at ${tps.map((h) => h.replace('/', '\\/')).join(', ')}`));
  assert.deepEqual(resources(), before);
  t.diagnostic(`${tps.length} tracepoint hooks attached at once`);
});

test('tfc capture --path follows an skb in the kernel past hooks where the filter no longer matches', async (t) => {
  const why = labUnavailable() ?? btfUnavailable();
  if (why !== undefined) return t.skip(why);
  const lab = await createLab();
  t.after(() => lab.dispose());
  assert.notEqual(lab.ifindexA, lab.ifindexB, 'ca and cb have different ifindexes');
  // `ifindex` of ca matches only where the datagram leaves A; in B (cb) only the followed address brings it out
  const capture = async (extra: readonly string[], payload: string): Promise<Record<string, unknown>[]> => {
    const io = memoryIo();
    const run = main(
      [
        'capture',
        `udp dst port ${CLOSED_PORT} and ifindex ${lab.ifindexA}`,
        ...extra,
        '--at',
        'net/net_dev_queue,net/netif_receive_skb,skb/kfree_skb',
        '--json',
        '--duration',
        '4',
      ],
      io,
    );
    assert.ok(await waitFor(() => io.stderr().includes('capturing at'), 20_000), io.stderr());
    await lab.send(CLOSED_PORT, N, payload);
    assert.equal(await run, 0, io.stderr());
    return io
      .stdout()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  };
  const paths = (await capture(['--path'], 'follow')) as {
    end: string;
    steps: { hook: string; dev?: string; reason?: string }[];
  }[];
  assert.equal(paths.length, N, JSON.stringify(paths));
  for (const p of paths) {
    assert.deepEqual(
      p.steps.map((s) => `${s.hook} ${s.hook === 'skb/kfree_skb' ? s.reason : s.dev}`),
      ['net/net_dev_queue ca', 'net/netif_receive_skb cb', 'skb/kfree_skb NO_SOCKET'],
    );
    assert.equal(p.end, 'dropped');
  }
  // Without --path the same filter reports only the hook where it matches.
  const plain = await capture([], 'plain');
  assert.deepEqual(
    plain.map((l) => l.hook),
    Array(N).fill('net/net_dev_queue'),
  );
  t.diagnostic(`${N} paths followed in the kernel through 3 hooks; the filter matched at 1`);
});

test("the headline, as a user runs it: tfc capture 'udp port 9999' --drops -w drops.pcapng; tshark shows NO_SOCKET", async (t) => {
  const why = labUnavailable() ?? btfUnavailable();
  if (why !== undefined) return t.skip(why);
  if (spawnSync('tshark', ['--version']).status !== 0) return t.skip('tshark not installed');
  const dir = mkdtempSync(join(tmpdir(), 'tfc-headline-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const lab = await createLab();
  t.after(() => lab.dispose());
  const cli = await captureChild(t, ['capture', 'udp port 9999', '--drops', '-w', 'drops.pcapng'], dir);
  await lab.send(9999, N, 'headline');
  await lab.send(CLOSED_PORT, N, 'other port'); // dropped too, but not 'udp port 9999'
  await new Promise((r) => setTimeout(r, 300));
  const code = await cli.interrupt();
  const err = cli.stderr();
  assert.equal(code, 0, err);
  assert.doesNotMatch(err, /filtered out in user space/, 'the filter ran in the kernel');
  const rows = tsharkFields(join(dir, 'drops.pcapng'), ['udp.dstport', 'frame.comment']);
  assert.equal(rows.length, N, JSON.stringify(rows));
  for (const [port, comment] of rows) {
    assert.equal(port, '9999');
    assert.equal(parseSkbComment(comment ?? '').reason, 'NO_SOCKET', comment);
  }
  t.diagnostic(`${rows.length} datagrams to 9999, all NO_SOCKET in tshark; ${err.trim().split('\n').pop()}`);
});
