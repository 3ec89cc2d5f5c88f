// The headline path, live, in a private network namespace: `tfc trace --event sock/inet_sock_set_state --dev
// trace0` feeds a TAP device; the rules of `tfc compile 'family==2 && protocol==6' --target tc` are installed on it
// with `tfc apply` (mirroring matches to a viewer veth); TCP connections over IPv4 and IPv6 loopback fire events.
// The judge is tfc's reference interpreter on every frame tfc delivered (the same trace also writes them all to
// pcapng): the viewer must receive exactly the frames the interpreter keeps, in order. Skips with the reason
// without root, tracefs, TUN or namespaces.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createNamespace, linkIndex, run } from '@tfc/iproute2';
import { loadKoffiSyscalls, openPacketSocket } from '@tfc/kernel/sys';
import { locateTracefs } from '@tfc/kernel/tracefs';
import { readCapture } from '@tfc/live';
import { decodeTraceFrame, evaluate, parseFilter } from '@tfc/tracefs';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';
import { readLiveEvent } from '../src/live-event.ts';

const bin = fileURLToPath(new URL('../src/cli/bin.ts', import.meta.url));
const FILTER = 'family==2 && protocol==6';

/** TCP connections over 127.0.0.1 and ::1, each opened and closed, from inside namespace `ns`. */
const CONNECT = `
const net = require('node:net');
(async () => {
  for (const host of ['127.0.0.1', '::1', '127.0.0.1', '::1', '127.0.0.1']) {
    const srv = net.createServer((s) => s.end());
    await new Promise((r) => srv.listen(0, host, r));
    const port = srv.address().port;
    await new Promise((r) => { const c = net.connect(port, host, () => c.end()); c.on('close', r); });
    await new Promise((r) => srv.close(r));
  }
})();`;

test('tfc trace --dev trace0 + tfc apply of the headline rules: a viewer sees exactly the family 2 / protocol 6 events', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root (tracefs, TAP devices, namespaces, tc)');
  const root = await locateTracefs({ mount: true });
  if (!root.ok) return t.skip(root.reason);
  if (!existsSync('/dev/net/tun')) return t.skip('no /dev/net/tun');
  const ev = readLiveEvent('sock', 'inet_sock_set_state', { root: root.path });
  if (!ev.ok) return t.skip(ev.error);
  const sysLoad = loadKoffiSyscalls();
  if (!sysLoad.ok) return t.skip(sysLoad.reason);
  const ns = await createNamespace('tfc-tc');
  if (!ns.ok) return t.skip(`cannot create a network namespace: ${ns.error.message}`);
  t.after(() => ns.value.dispose());
  const nsName = ns.value.name;
  for (const args of [
    ['link', 'add', 'viewer0', 'type', 'veth', 'peer', 'name', 'viewer1'],
    ['link', 'set', 'viewer0', 'up'],
    ['link', 'set', 'viewer1', 'up'],
  ]) {
    const r = await run('ip', ['-n', nsName, ...args]);
    assert.ok(r.ok, r.ok ? '' : r.error.message);
  }
  const dir = mkdtempSync(join(tmpdir(), 'tfc-trace-tc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const all = join(dir, 'all.pcapng');
  const child = spawn(
    'ip',
    [
      ...['netns', 'exec', nsName, process.execPath, '--import', 'tsx', bin, 'trace'],
      ...['--event', 'sock/inet_sock_set_state', '--dev', 'trace0', '-w', all, '-d', '60'],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  let ready = false;
  for (let i = 0; i < 300 && !ready; i++) {
    ready = stderr.includes('tfc: trace: recording') && (await linkIndex(nsName, 'trace0')).ok;
    if (!ready) await new Promise((res) => setTimeout(res, 50));
  }
  assert.ok(ready, `trace0 never appeared: ${stderr}`);
  // The user's headline command, applied on the device with a mirror to the viewer.
  const io = memoryIo();
  const applied = await main(
    [
      'apply',
      FILTER,
      '--target',
      'tc',
      '--dev',
      'trace0',
      '--netns',
      nsName,
      '--action',
      'action mirred egress mirror dev viewer0',
    ],
    io,
  );
  assert.equal(applied, 0, io.stderr());
  const viewer = await linkIndex(nsName, 'viewer1');
  assert.ok(viewer.ok);
  const sock = openPacketSocket(sysLoad.value, {
    ifindex: viewer.value,
    netnsPath: ns.value.path,
    protocol: 0x88b5,
  });
  assert.ok(sock.ok, sock.ok ? '' : sock.error.message);
  t.after(() => sock.value.dispose());
  const seen: string[] = [];
  const drain = (): void => {
    for (;;) {
      const f = sock.value.receive();
      if (!f.ok || f.value === undefined) return;
      seen.push(Buffer.from(f.value).toString('hex'));
    }
  };
  const conn = spawn('ip', ['netns', 'exec', nsName, process.execPath, '-e', CONNECT], { stdio: 'ignore' });
  await new Promise((res) => conn.on('exit', res));
  for (let i = 0; i < 30; i++) {
    drain();
    await new Promise((res) => setTimeout(res, 20));
  }
  child.kill('SIGINT');
  assert.equal(await exited, 0, stderr);
  drain();
  const cap = readCapture(new Uint8Array(readFileSync(all)));
  assert.ok(cap.ok, cap.ok ? '' : cap.error);
  const parsed = parseFilter(FILTER, ev.event, { nrCpuIds: 2 });
  assert.ok(parsed.ok);
  const kept: string[] = [];
  const families = new Set<number>();
  for (const r of cap.capture.records) {
    const d = decodeTraceFrame(r.data);
    assert.ok(d.ok);
    const rec = d.record;
    families.add(rec[28]! | (rec[29]! << 8));
    if (evaluate(parsed.filter, rec, { cpu: d.cpu, comm: d.comm }))
      kept.push(Buffer.from(r.data).toString('hex'));
  }
  assert.ok(families.has(2) && families.has(10), `both IPv4 and IPv6 events were traced: ${[...families]}`);
  assert.ok(kept.length >= 5 * 2, `at least the IPv4 connections' state changes: ${kept.length}`);
  assert.ok(kept.length < cap.capture.records.length, 'the IPv6 events were traced and are not kept');
  t.diagnostic(
    `traced ${cap.capture.records.length} frames (families ${[...families].join(', ')}), interpreter kept ${kept.length}, viewer received ${seen.length}`,
  );
  assert.deepEqual(seen, kept, 'the viewer receives exactly the frames the reference interpreter keeps');
});
