// What `tfc capture` shows of a record, without the kernel: the tap's bytes (an out-of-band VLAN tag put back),
// names and direction from the hook, the one-line summary on Ethernet, VLAN, raw IPv4/IPv6 and truncated bytes,
// the --print line and --json object, `ip -o link` parsing for device names, and the program source seam (the
// compiler's skb programs: refusals with position, notes, the maps linked by name, following for --path).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ebpf } from '@tfc/bpf';
import { SKB_LAYOUT_SNAPSHOT } from '@tfc/codegen-bpf';
import type { CaptureRecord, Hook } from '@tfc/kernel/skb';
import { parseIpLinkOneline } from '../src/cli/capture/devices.ts';
import { packetOf, type Resolvers, summarize, tapBytes } from '../src/cli/capture/packet-view.ts';
import { captureFilterCheck, captureProgramSource, freesSkb } from '../src/cli/capture/program-source.ts';
import { jsonOf, printLine } from '../src/cli/commands/capture.ts';

const ETH_UDP = Uint8Array.from(
  Buffer.from(
    '0200000000020200000000010800450000200001000040117ccd0a0000010a0000029c40270f000c0000616263',
    'hex',
  ),
);
const hooks: Hook[] = [
  {
    name: 'skb/kfree_skb',
    kind: 'tp_btf',
    target: 'kfree_skb',
    btfId: 1,
    skbArg: 0,
    reasonArg: 2,
    locationArg: 1,
    argCount: 4,
  },
  { name: 'net/net_dev_queue', kind: 'tp_btf', target: 'net_dev_queue', btfId: 2, skbArg: 0, argCount: 1 },
];
const res: Resolvers = {
  hooks,
  reason: (r) => (r === 3 ? 'NO_SOCKET' : String(r)),
  symbol: (a) => `sym+0x${a.toString(16)}`,
  device: (ns, idx) => (ns === 7 && idx === 2 ? 'cb' : undefined),
  clockOffset: 1_000_000_000n,
};
const rec = (over: Partial<CaptureRecord>): CaptureRecord => ({
  skb: 0xffff888100000100n,
  timeNs: 5_000_000n,
  hook: 0,
  reason: 3,
  location: 0x10n,
  ifindex: 2,
  netns: 7,
  tgid: 10,
  tid: 11,
  comm: 'nc',
  len: ETH_UDP.length,
  protocol: 0x0800,
  pktType: 0,
  start: 0,
  mark: 0,
  vlanTci: 0,
  vlanProto: 0,
  data: ETH_UDP,
  ...over,
});

test('a record becomes the packet a tap would show, with names from the resolvers', () => {
  const p = packetOf(rec({}), res);
  assert.equal(p.hook, 'skb/kfree_skb');
  assert.equal(p.reason, 'NO_SOCKET');
  assert.equal(p.location, 'sym+0x10');
  assert.equal(p.device, 'cb');
  assert.equal(p.ts, 1_005_000_000n);
  assert.equal(p.direction, undefined);
  const q = packetOf(rec({ hook: 1, netns: 8 }), res, 3n);
  assert.equal(q.direction, 'out');
  assert.equal(q.reason, undefined, 'no reason where the hook has none');
  assert.equal(q.device, undefined);
  assert.equal(q.lostBefore, 3n);
});

test('an out-of-band VLAN tag is put back after the MAC addresses (L2 starts only)', () => {
  const t = tapBytes(rec({ vlanProto: 0x8100, vlanTci: 0x2005 }));
  assert.equal(t.len, ETH_UDP.length + 4);
  assert.deepEqual([...t.data.subarray(12, 18)], [0x81, 0x00, 0x20, 0x05, 0x08, 0x00]);
  assert.equal(summarize(t.data, 0), 'vlan 5, 10.0.0.1.40000 > 10.0.0.2.9999: UDP, length 4');
  const raw = rec({ start: 1, data: ETH_UDP.subarray(14), vlanProto: 0x8100, vlanTci: 5 });
  assert.equal(tapBytes(raw).data.length, ETH_UDP.length - 14, 'no tag on a network-header start');
});

test('summaries: Ethernet, raw IPv4, IPv6, ARP, truncated bytes never throw', () => {
  assert.equal(summarize(ETH_UDP, 0), '10.0.0.1.40000 > 10.0.0.2.9999: UDP, length 4');
  assert.equal(summarize(ETH_UDP.subarray(14), 1), '10.0.0.1.40000 > 10.0.0.2.9999: UDP, length 4');
  const v6 = new Uint8Array(48);
  v6[0] = 0x60;
  v6[6] = 58;
  v6[23] = 1;
  v6[39] = 2;
  v6[40] = 128;
  assert.equal(summarize(v6, 1), '::1 > ::2: ICMP6 type 128');
  const arp = ETH_UDP.slice(0, 14);
  arp[12] = 0x08;
  arp[13] = 0x06;
  assert.equal(summarize(arp, 0), 'ARP');
  for (let n = 0; n <= ETH_UDP.length; n++) {
    summarize(ETH_UDP.subarray(0, n), 0);
    summarize(ETH_UDP.subarray(14, 14 + n), 1);
  }
});

test('--print and --json', () => {
  const p = packetOf(rec({}), res);
  assert.match(
    printLine(p),
    /^\d\d:\d\d:\d\d\.\d{6} skb\/kfree_skb NO_SOCKET sym\+0x10 cb 10\/nc 10\.0\.0\.1\.40000 > 10\.0\.0\.2\.9999: UDP, length 4$/,
  );
  const j = jsonOf(p);
  assert.equal(j.reason, 'NO_SOCKET');
  assert.equal(j.skb, '0xffff888100000100');
  assert.equal(j.start, 'ethernet');
  assert.equal(j.data, Buffer.from(ETH_UDP).toString('hex'));
  assert.doesNotThrow(() => JSON.stringify(j));
});

test('ip -o link show lines give ifindex and name (peer suffix dropped)', () => {
  const m = parseIpLinkOneline(
    '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN\n2: cb@if2: <BROADCAST,MULTICAST,UP> mtu 1500\n',
  );
  assert.deepEqual(
    [...m],
    [
      [1, 'lo'],
      [2, 'cb'],
    ],
  );
});

test('the program source: compiled per hook, refusals with their position, maps linked by name', () => {
  const kfree = hooks[0] as Hook;
  const bad = captureFilterCheck('udp port', SKB_LAYOUT_SNAPSHOT, kfree, 256);
  assert.ok(!bad.ok);
  assert.match(bad.error, /^udp port\n {8}\^/);
  const l2 = captureFilterCheck('ether host 02:00:00:00:00:01', SKB_LAYOUT_SNAPSHOT, kfree, 256);
  assert.ok(l2.ok && /network header never match/.test(l2.notes.join('')));
  assert.ok(freesSkb(kfree));
  for (const follow of [false, true]) {
    const built = captureProgramSource(
      'udp port 9999',
      SKB_LAYOUT_SNAPSHOT,
    )({
      hook: kfree,
      hookIndex: 3,
      snaplen: 128,
      follow,
    });
    assert.ok(built.ok, built.ok ? '' : built.error);
    assert.deepEqual(
      built.program.maps.map((m) => [m.name, m.type, m.keySize]),
      [['tfc_skb_rec', 'PERCPU_ARRAY', 4]],
    );
    const linked = built.program.link([41], { ringbuf: 42, lost: 43, ...(follow ? { follow: 44 } : {}) });
    assert.ok(linked.ok, linked.ok ? '' : linked.error);
    const fds = new Set(
      ebpf
        .decode(linked.insns)
        .filter((i) => i.code === 0x18 && i.src === 1)
        .map((i) => i.imm),
    );
    assert.deepEqual([...fds].sort(), follow ? [41, 42, 43, 44] : [41, 42, 43]);
    if (follow) assert.ok(!built.program.link([41], { ringbuf: 42, lost: 43 }).ok, 'no follow map, no link');
  }
});

test('--print escapes control characters in comm (any process can set its own)', () => {
  const p = packetOf(rec({ comm: 'evil\u001b[2J' }), res);
  assert.match(printLine(p), / 10\/evil\\x1b\[2J /);
});
