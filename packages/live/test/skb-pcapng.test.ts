// pcapng for skb captures: one Ethernet interface per hook (network-header packets get a synthesized header), the metadata
// comment and the standard EPB options (flags, packet id = skb address, drop count) read back by tfc's reader
// and, when tshark and tcpdump are installed, by them (interface names, comments, direction, packet ids); the
// comment codec round-trips every field it writes, whatever the names contain.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  concatBlocks,
  epbFlags,
  LINKTYPE,
  parseSkbComment,
  readPcapng,
  type SkbPacket,
  SkbPcapngWriter,
  skbComment,
  withLinkHeader,
} from '../src/index.ts';

const ETH_UDP = Uint8Array.from(
  Buffer.from(
    '0200000000020200000000010800450000200001000040117ccd0a0000010a000002' + '9c40270f000c0000616263',
    'hex',
  ),
);
const RAW_UDP = ETH_UDP.subarray(14);

function pkt(over: { readonly [K in keyof SkbPacket]?: SkbPacket[K] | undefined }): SkbPacket {
  const all: Record<string, unknown> = {
    hook: 'skb/kfree_skb',
    reason: 'NO_SOCKET',
    location: '__udp4_lib_rcv+0x4bc',
    ifindex: 2,
    device: 'veth1',
    netns: 4026532000,
    pid: 42,
    tid: 43,
    comm: 'nc',
    skb: 0xffff888100abc000n,
    mark: 0,
    protocol: 0x0800,
    pktType: 0,
    ts: 1_700_000_000_123_456_789n,
    len: ETH_UDP.length,
    data: ETH_UDP,
    start: 0,
    ...over,
  };
  for (const k of Object.keys(all)) if (all[k] === undefined) delete all[k];
  return all as unknown as SkbPacket;
}

function capture(): { bytes: Uint8Array; packets: SkbPacket[] } {
  const w = new SkbPcapngWriter(256);
  const packets = [
    pkt({}),
    pkt({
      hook: 'net/netif_receive_skb',
      direction: 'in',
      pktType: 1,
      reason: undefined,
      location: undefined,
    }),
    pkt({ start: 1, data: RAW_UDP, len: RAW_UDP.length, lostBefore: 5n }),
    pkt({ skb: 0xffff888100abd000n, vlan: { proto: 0x8100, tci: 0x2005 } }),
    pkt({ hook: 'net/net_dev_queue', direction: 'out', reason: undefined, location: undefined }),
  ];
  const bytes = concatBlocks([
    w.header(),
    ...packets.map((p) => w.packet(p)),
    w.end(1_700_000_001_000_000_000n, 5n),
  ]);
  return { bytes, packets };
}

test('tfc reads back the interfaces, packets, comments and EPB options it wrote', () => {
  const { bytes, packets } = capture();
  const r = readPcapng(bytes);
  assert.ok(r.ok, r.ok ? '' : r.error);
  const c = r.capture;
  assert.deepEqual(
    c.interfaces.map((i) => [i.name, i.linkType]),
    [
      ['skb/kfree_skb', LINKTYPE.ETHERNET],
      ['net/netif_receive_skb', LINKTYPE.ETHERNET],
      ['net/net_dev_queue', LINKTYPE.ETHERNET],
    ],
    'one link type for the whole file (libpcap refuses mixed ones)',
  );
  assert.deepEqual(
    c.records.map((x) => x.iface),
    [0, 1, 0, 0, 2],
  );
  for (const [i, rec] of c.records.entries()) {
    const p = packets[i] as SkbPacket;
    assert.equal(rec.ts, p.ts);
    assert.deepEqual([...rec.data], [...withLinkHeader(p).data]);
    assert.equal(rec.packetId, p.skb);
    assert.deepEqual(parseSkbComment(rec.comment ?? ''), parseSkbComment(skbComment(p)));
  }
  const raw = c.records[2];
  assert.deepEqual(
    [...(raw?.data.subarray(0, 14) ?? [])],
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0],
    'synthesized header',
  );
  assert.deepEqual([...(raw?.data.subarray(14) ?? [])], [...RAW_UDP]);
  assert.equal(raw?.len, RAW_UDP.length + 14);
  assert.equal(parseSkbComment(raw?.comment ?? '').l2, 'synthesized');
  const meta = parseSkbComment(c.records[0]?.comment ?? '');
  assert.equal(meta.reason, 'NO_SOCKET');
  assert.equal(meta.location, '__udp4_lib_rcv+0x4bc');
  assert.equal(meta.skb, '0xffff888100abc000');
  assert.equal(c.records[1]?.flags, 1 | (3 << 2), 'inbound broadcast');
  assert.equal(c.records[4]?.flags, 2, 'outbound');
  assert.equal(c.records[0]?.flags, undefined, 'no direction known at kfree_skb');
  assert.equal(c.records[2]?.dropCount, 5n);
  assert.equal(parseSkbComment(c.records[3]?.comment ?? '').vlan, '0x8100:5:1');
  assert.equal(c.statistics?.length, 3);
  assert.equal(c.statistics?.[0]?.osDropped, 5n);
  assert.equal(c.statistics?.[0]?.delivered, 3n);
});

test('epb_flags: direction bits and reception type from pkt_type', () => {
  assert.equal(epbFlags('in', 0), 1 | (1 << 2));
  assert.equal(epbFlags('in', 2), 1 | (2 << 2));
  assert.equal(epbFlags('in', 3), 1 | (4 << 2));
  assert.equal(epbFlags('out', 0), 2);
  assert.equal(epbFlags(undefined, 0), 0, 'no direction known: no flags');
});

test('the comment codec keeps every field, whatever the names hold', () => {
  fc.assert(
    fc.property(fc.string(), fc.string({ maxLength: 16 }), fc.string(), (hook, comm, dev) => {
      const p = pkt({ hook: hook || 'h', comm, device: dev || 'd' });
      const m = parseSkbComment(skbComment(p));
      assert.equal(Object.keys(m).length, skbComment(p).split(' ').length);
      assert.equal(m.pid, '42');
      assert.equal(m.skb, '0xffff888100abc000');
      assert.ok(!/[\s]/.test(m.comm ?? ' '));
    }),
    { numRuns: 300 },
  );
});

test('tshark reads the capture and shows the hooks, link types, comments, direction and packet ids', (t) => {
  if (spawnSync('tshark', ['--version']).status !== 0) return t.skip('tshark not installed');
  const dir = mkdtempSync(join(tmpdir(), 'tfc-skb-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'c.pcapng');
  writeFileSync(file, capture().bytes);
  const r = spawnSync(
    'tshark',
    [
      '-r',
      file,
      '-T',
      'fields',
      '-E',
      'separator=|',
      '-e',
      'frame.interface_name',
      '-e',
      'frame.comment',
      '-e',
      'frame.packet_flags_direction',
      '-e',
      'frame.packet_id',
      '-e',
      'udp.dstport',
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  const rows = r.stdout
    .trim()
    .split('\n')
    .map((l) => l.split('|'));
  assert.equal(rows.length, 5);
  assert.deepEqual(
    rows.map((x) => x[0]),
    ['skb/kfree_skb', 'net/netif_receive_skb', 'skb/kfree_skb', 'skb/kfree_skb', 'net/net_dev_queue'],
  );
  const td = spawnSync('tcpdump', ['-nn', '-r', file], { encoding: 'utf8' });
  if (td.status === null || td.error) t.diagnostic('tcpdump not installed: not read by tcpdump');
  else {
    assert.equal(td.status, 0, `tcpdump reads every packet: ${td.stderr}`);
    assert.equal(td.stdout.trim().split('\n').length, 5);
  }
  assert.match(rows[0]?.[1] ?? '', /reason=NO_SOCKET location=__udp4_lib_rcv\+0x4bc dev=veth1 ifindex=2/);
  assert.deepEqual(
    rows.map((x) => x[4]),
    ['9999', '9999', '9999', '9999', '9999'],
    'Ethernet and raw IP both dissect',
  );
  assert.match(rows[1]?.[2] ?? '', /^(1|0x0*1)$/, 'inbound');
  assert.match(rows[4]?.[2] ?? '', /^(2|0x0*2)$/, 'outbound');
  assert.match(rows[0]?.[3] ?? '', /^(18446612686376255488|0xffff888100abc000)$/i, 'packet id = skb address');
});
