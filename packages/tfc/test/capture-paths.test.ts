// --path without the kernel: paths open on a matching record, follow the skb address, close at kfree_skb
// (dropped) or consume_skb (consumed); a record at the same address after the free, or with another packet
// identity (the kernel freed the skb where no hook saw it), or after the idle time, belongs to a new packet.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SkbPacket } from '@tfc/live';
import { PathTracker, packetIdentity } from '../src/cli/capture/paths.ts';

const udp = (id: number) =>
  Uint8Array.from(
    Buffer.from(
      `020000000002020000000001080045000020${id.toString(16).padStart(4, '0')}000040117ccd0a0000010a0000029c40270f000c0000616263`,
      'hex',
    ),
  );

function at(hook: string, skb: bigint, ts: bigint, data = udp(1)): SkbPacket {
  return {
    hook,
    ifindex: 1,
    netns: 1,
    pid: 1,
    tid: 1,
    comm: 'x',
    skb,
    mark: 0,
    protocol: 0x800,
    pktType: 0,
    ts,
    len: data.length,
    data,
    start: 0,
  };
}

test('a path follows one skb from its first match to its free', () => {
  const t = new PathTracker();
  assert.deepEqual(
    t.add(at('net/net_dev_queue', 1n, 10n), false),
    { joined: false, closed: [] },
    'no match, no path',
  );
  assert.equal(t.add(at('net/net_dev_queue', 1n, 20n), true).joined, true);
  assert.equal(t.add(at('net/netif_receive_skb', 1n, 30n), false).joined, true, 'later steps need not match');
  const r = t.add(at('skb/kfree_skb', 1n, 40n), false);
  assert.equal(r.closed.length, 1);
  assert.equal(r.closed[0]?.end, 'dropped');
  assert.deepEqual(
    r.closed[0]?.steps.map((s) => s.hook),
    ['net/net_dev_queue', 'net/netif_receive_skb', 'skb/kfree_skb'],
  );
  assert.equal(
    t.add(at('net/netif_receive_skb', 1n, 50n), false).joined,
    false,
    'the address after the free is a new packet',
  );
  assert.deepEqual(t.finish(), []);
});

test('another packet identity or a long silence at the same address closes the old path as no free seen', () => {
  const t = new PathTracker({ idleNs: 100n });
  t.add(at('net/net_dev_queue', 7n, 0n, udp(1)), true);
  const r = t.add(at('net/net_dev_queue', 7n, 10n, udp(2)), true);
  assert.deepEqual(
    r.closed.map((p) => [p.end, p.steps.length]),
    [['no free seen', 1]],
  );
  const q = t.add(at('skb/consume_skb', 7n, 500n, udp(2)), false);
  assert.deepEqual(
    q.closed.map((p) => p.end),
    ['no free seen'],
    'idle too long: the consume is not this path',
  );
  assert.equal(q.joined, false);
  t.add(at('net/net_dev_queue', 8n, 600n), true);
  assert.deepEqual(
    t.finish().map((p) => [p.skb, p.end]),
    [[8n, 'in flight']],
  );
});

test('at most maxOpen paths stay open; the oldest is evicted', () => {
  const t = new PathTracker({ maxOpen: 2 });
  t.add(at('a/b', 1n, 1n), true);
  t.add(at('a/b', 2n, 2n), true);
  const r = t.add(at('a/b', 3n, 3n), true);
  assert.deepEqual(
    r.closed.map((p) => [p.skb, p.end]),
    [[1n, 'evicted']],
  );
});

test('packet identity: IPv4 id and length, not addresses; none for non-IP bytes', () => {
  const a = udp(1);
  const natted = a.slice();
  natted[26] = 192; // source address rewritten
  assert.equal(packetIdentity(a, 0), packetIdentity(natted, 0));
  assert.notEqual(packetIdentity(a, 0), packetIdentity(udp(2), 0));
  assert.equal(packetIdentity(a.subarray(14), 1), packetIdentity(a, 0), 'the same from L2 and L3 starts');
  assert.equal(packetIdentity(Uint8Array.of(1, 2, 3), 1), undefined);
});
