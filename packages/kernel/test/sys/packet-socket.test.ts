// AF_PACKET raw sockets: the syscall sequence (fake), and real frames crossing a veth pair inside a network
// namespace this test creates and always deletes (root only; skipped with the reason otherwise). The calling thread
// must be back in its own namespace after every open.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { test } from 'node:test';
import {
  fakeSyscalls,
  loadKoffiSyscalls,
  openPacketSocket,
  PACKET,
  sockaddrLl,
} from '../../src/sys/index.ts';

test('sockaddr_ll layout: family 17, protocol big-endian, ifindex little-endian', () => {
  const a = sockaddrLl(7, PACKET.ETH_P_ALL);
  assert.equal(a.length, 20);
  assert.deepEqual([...a.subarray(0, 8)], [17, 0, 0x00, 0x03, 7, 0, 0, 0]);
  assert.deepEqual([...a.subarray(8)], new Array(12).fill(0));
});

test('fake: opening in a namespace enters it, creates and binds the socket, comes back, closes the ns fds', () => {
  const sys = fakeSyscalls();
  const r = openPacketSocket(sys, { ifindex: 3, netnsPath: '/var/run/netns/x' });
  assert.ok(r.ok);
  const names = sys.calls.map((c) => c.name);
  assert.deepEqual(names, ['open', 'open', 'setns', 'socket', 'bind', 'setns', 'close', 'close']);
  const setns = sys.calls.filter((c) => c.name === 'setns');
  assert.equal(setns[0]?.name === 'setns' && setns[0].fd, 4, 'enters the target namespace');
  assert.equal(setns[1]?.name === 'setns' && setns[1].fd, 3, 'returns to its own');
  const sock = sys.calls.find((c) => c.name === 'socket');
  assert.ok(
    sock?.name === 'socket' && sock.domain === 17 && (sock.type & 0xf) === 3 && sock.protocol === 0x0300,
  );
  r.ok && r.value.dispose();
  assert.equal(sys.calls.at(-1)?.name, 'close');
});

test('fake: a failing bind closes the socket and still returns to the original namespace', () => {
  const sys = fakeSyscalls((c) => (c.name === 'bind' ? { ok: false, errno: 19 } : undefined));
  const r = openPacketSocket(sys, { ifindex: 9, netnsPath: '/var/run/netns/x' });
  assert.ok(!r.ok);
  assert.match(r.error.message, /ENODEV/);
  const names = sys.calls.map((c) => c.name);
  assert.deepEqual(names, ['open', 'open', 'setns', 'socket', 'bind', 'close', 'setns', 'close', 'close']);
});

test('fake: an invalid ifindex is refused before any syscall', () => {
  const sys = fakeSyscalls();
  const r = openPacketSocket(sys, { ifindex: 0 });
  assert.ok(!r.ok);
  assert.equal(sys.calls.length, 0);
});

const root = process.getuid?.() === 0;
const sysLoad = loadKoffiSyscalls();

test('kernel: a frame sent on one end of a veth pair inside a namespace arrives at the other end', (t) => {
  if (!root) return t.skip('needs root (network namespaces, AF_PACKET)');
  if (!sysLoad.ok) return t.skip(sysLoad.reason);
  const sys = sysLoad.value;
  const ns = `tfc-pkt-${process.pid}`;
  const ip = (...args: string[]) => execFileSync('ip', ['-n', ns, ...args], { timeout: 10_000 });
  execFileSync('ip', ['netns', 'add', ns], { timeout: 10_000 });
  t.after(() => execFileSync('ip', ['netns', 'del', ns], { timeout: 10_000 }));
  ip('link', 'add', 'a0', 'type', 'veth', 'peer', 'name', 'a1');
  ip('link', 'set', 'a0', 'up');
  ip('link', 'set', 'a1', 'up');
  const links = JSON.parse(ip('-j', 'link', 'show').toString()) as { ifname: string; ifindex: number }[];
  const idx = (n: string) => links.find((l) => l.ifname === n)?.ifindex ?? -1;
  const before = readlinkSync('/proc/thread-self/ns/net');
  const rx = openPacketSocket(sys, { ifindex: idx('a1'), netnsPath: `/var/run/netns/${ns}` });
  assert.ok(rx.ok, rx.ok ? '' : rx.error.message);
  const tx = openPacketSocket(sys, { ifindex: idx('a0'), protocol: 0, netnsPath: `/var/run/netns/${ns}` });
  assert.ok(tx.ok, tx.ok ? '' : tx.error.message);
  assert.equal(readlinkSync('/proc/thread-self/ns/net'), before, 'the thread is back in its own namespace');
  try {
    const frame = new Uint8Array(64);
    frame.set([0x02, 0, 0, 0, 0, 0, 0x02, 0, 0, 0, 0, 1, 0x88, 0xb5]);
    for (let i = 14; i < 64; i++) frame[i] = i;
    // Drain anything the kernel sent on its own (IPv6 router solicitations etc.), then send ours.
    for (let n = 0; rx.ok && n < 10_000; n++) {
      const r = rx.value.receive();
      if (!r.ok || r.value === undefined) break;
    }
    const s = tx.ok ? tx.value.send(frame) : undefined;
    assert.ok(s?.ok && s.value === 64, 'sent 64 bytes');
    let got: Uint8Array | undefined;
    for (let tries = 0; tries < 1000 && rx.ok; tries++) {
      const r = rx.value.receive();
      assert.ok(r.ok);
      if (r.ok && r.value && r.value[12] === 0x88 && r.value[13] === 0xb5) {
        got = r.value;
        break;
      }
      if (r.ok && r.value === undefined) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
    assert.deepEqual(got, frame, 'the frame arrived unchanged');
  } finally {
    if (rx.ok) rx.value.dispose();
    if (tx.ok) tx.value.dispose();
  }
});
