// Wireshark as the Linux tracer, live: `tfc trace --event sock/inet_sock_set_state -w all.pcapng` records every
// state change while TCP connections over IPv4 and IPv6 loopback run in a private namespace; `tfc dissector` writes
// the Lua dissector from the running kernel's format; for the headline filter and random ones, tshark's display
// filter (the same filter spelled with the dissector's names) selects from that capture exactly the records a
// private tracefs instance with the kernel filter recorded (the judge), per CPU in order. Each filter is confined
// to the workload's server ports, so other TCP traffic on the host cannot make the two sides differ. Skips with the
// reason without root, tracefs, namespaces or tshark.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createNamespace } from '@tfc/iproute2';
import { locateTracefs, TraceSession } from '@tfc/kernel/tracefs';
import { readCapture } from '@tfc/live';
import { decodeTraceFrame } from '@tfc/tracefs';
import fc from 'fast-check';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';
import { readLiveEvent } from '../src/live-event.ts';

const bin = fileURLToPath(new URL('../src/cli/bin.ts', import.meta.url));
const EVENT = { group: 'sock', event: 'inet_sock_set_state' } as const;
const PORT = 39040;

/** TCP connections to fixed server ports PORT.. over 127.0.0.1 and ::1, opened and closed from either side. */
const CONNECT = `
const net = require('node:net');
(async () => {
  const hosts = ['127.0.0.1', '::1', '127.0.0.1', '::1', '127.0.0.1', '::1'];
  for (let i = 0; i < hosts.length; i++) {
    const serverCloses = i % 2 === 0;
    const srv = net.createServer((s) => { if (serverCloses) s.end(); });
    await new Promise((r) => srv.listen(${PORT} + i, hosts[i], r));
    await new Promise((r) => {
      const c = net.connect(${PORT} + i, hosts[i], () => { if (!serverCloses) c.end(); });
      c.on('end', () => c.end());
      c.on('close', r);
    });
    await new Promise((r) => srv.close(r));
  }
})();`;

const FIELDS = ['family', 'protocol', 'oldstate', 'newstate'] as const;
const VALUES: Readonly<Record<(typeof FIELDS)[number], readonly number[]>> = {
  family: [2, 10],
  protocol: [6, 17],
  oldstate: [1, 2, 4, 7, 8, 10],
  newstate: [1, 2, 3, 4, 7, 8, 9, 10],
};
const display = (f: string): string => `tfc.sock.inet_sock_set_state.${f}`;

/** A kernel filter and the same filter as a tshark display filter. */
interface Case {
  readonly k: string;
  readonly d: string;
}

const leafArb: fc.Arbitrary<Case> = fc
  .tuple(fc.constantFrom(...FIELDS), fc.nat(), fc.constantFrom('==', '!=', '<', '>=', '<=', '>'))
  .map(([f, n, op]) => {
    const vs = VALUES[f];
    const v = vs[n % vs.length] as number;
    return { k: `${f} ${op} ${v}`, d: `${display(f)} ${op} ${v}` };
  });

const caseArb: fc.Arbitrary<Case> = fc
  .array(fc.tuple(leafArb, fc.constantFrom('&&', '||')), { minLength: 1, maxLength: 3 })
  .map((parts) =>
    parts.reduce(
      (acc, [l, op], i) => (i === 0 ? l : { k: `(${acc.k}) ${op} (${l.k})`, d: `(${acc.d}) ${op} (${l.d})` }),
      parts[0]![0],
    ),
  );

/** Confines a case to the workload's ports (server side: sport; client side: dport). */
function confined(c: Case): Case {
  const lo = PORT;
  const hi = PORT + 9;
  const k = `sport >= ${lo} && sport <= ${hi} || dport >= ${lo} && dport <= ${hi}`;
  const d = `${display('sport')} >= ${lo} && ${display('sport')} <= ${hi} || ${display('dport')} >= ${lo} && ${display('dport')} <= ${hi}`;
  return { k: `(${c.k}) && (${k})`, d: `(${c.d}) && (${d})` };
}

/** Records per CPU, in order, as hex. */
function perCpu(items: readonly { cpu: number; data: Uint8Array }[]): Map<number, string[]> {
  const m = new Map<number, string[]>();
  for (const { cpu, data } of items) {
    const l = m.get(cpu) ?? [];
    l.push(Buffer.from(data).toString('hex'));
    m.set(cpu, l);
  }
  return new Map([...m].sort(([a], [b]) => a - b));
}

test('live: tshark with the generated dissector selects exactly what the kernel filter records', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root (tracefs instances, namespaces)');
  const v = spawnSync('tshark', ['--version']);
  if (v.error || v.status !== 0)
    return t.skip('tshark is not installed (scripts/ensure-tools.sh installs it as root)');
  const root = await locateTracefs({ mount: true });
  if (!root.ok) return t.skip(root.reason);
  const ev = readLiveEvent('sock', 'inet_sock_set_state', { root: root.path });
  if (!ev.ok) return t.skip(ev.error);
  const ns = await createNamespace('tfc-tshark');
  if (!ns.ok) return t.skip(`cannot create a network namespace: ${ns.error.message}`);
  t.after(() => ns.value.dispose());
  const dir = mkdtempSync(join(tmpdir(), 'tfc-trace-tshark-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const lua = join(dir, 'tfc_trace.lua');
  const io = memoryIo();
  assert.equal(
    await main(['dissector', '--event', 'sock/inet_sock_set_state', '-o', lua], io),
    0,
    io.stderr(),
  );

  const cases = [
    { k: 'family == 2 && protocol == 6', d: `${display('family')} == 2 && ${display('protocol')} == 6` },
    ...fc.sample(caseArb, { numRuns: 7, seed: 1507 }),
  ].map(confined);
  const judges: TraceSession[] = [];
  t.after(() => {
    for (const j of judges) j.dispose();
  });
  for (const c of cases) {
    const s = TraceSession.start(root.path, { events: [EVENT], filter: c.k });
    assert.ok(s.ok, s.ok ? '' : `${c.k}: ${s.reason}`);
    if (s.ok) judges.push(s.session);
  }

  const all = join(dir, 'all.pcapng');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', bin, 'trace', '--event', 'sock/inet_sock_set_state', '-w', all, '-d', '60'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  for (let i = 0; i < 600 && !stderr.includes('tfc: trace: recording'); i++)
    await new Promise((res) => setTimeout(res, 20));
  assert.match(stderr, /tfc: trace: recording/, 'the tracer started');

  const conn = spawn('ip', ['netns', 'exec', ns.value.name, process.execPath, '-e', CONNECT], {
    stdio: 'ignore',
  });
  assert.equal(await new Promise((res) => conn.on('exit', res)), 0, 'the TCP workload ran');
  await new Promise((res) => setTimeout(res, 300));
  const kept = judges.map((j) => {
    const r = j.read();
    assert.equal(r.error, null);
    assert.ok(
      r.records.every((x) => x.lostBefore === 0),
      'the judge lost no events',
    );
    return r.records;
  });
  child.kill('SIGINT');
  assert.equal(await exited, 0, stderr);
  assert.match(stderr, /lost events 0/, stderr);

  const cap = readCapture(new Uint8Array(readFileSync(all)));
  assert.ok(cap.ok, cap.ok ? '' : cap.error);
  const frames = cap.capture.records.map((r) => {
    const d = decodeTraceFrame(r.data);
    assert.ok(d.ok);
    return { cpu: d.cpu, data: d.record };
  });
  let selected = 0;
  const families = new Set<number>();
  cases.forEach((c, i) => {
    const r = spawnSync(
      'tshark',
      ['-X', `lua_script:${lua}`, '-r', all, '-Y', c.d, '-T', 'fields', '-e', 'frame.number'],
      { encoding: 'utf8', cwd: dir },
    );
    assert.equal(r.status, 0, r.stderr);
    const got = r.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((n) => frames[Number(n) - 1]!);
    for (const g of got) families.add(g.data[28]! | (g.data[29]! << 8));
    const want = kept[i]!;
    assert.deepEqual(perCpu(got), perCpu(want), `kernel filter '${c.k}' vs display filter '${c.d}'`);
    selected += want.length;
  });
  assert.ok(selected > 0, 'the filters selected something');
  assert.ok(families.has(2), 'IPv4 events were selected');
  t.diagnostic(
    `${frames.length} frames traced live, ${cases.length} filters, ${selected} records kept by the kernel and selected by tshark alike; 0 disagreements`,
  );
});
