// `vlan` compiled for a live Linux capture (--pcap-capture linux-live), judged by the kernel. Received frames lose
// their outer 802.1Q / 802.1ad tag to the skb's metadata before packet sockets see them (skb_vlan_untag in
// __netif_receive_skb_core); sent frames keep it in their bytes. In a private network namespace, veth v0/v1: packet
// sockets bound to v0 run libpcap's own live program (pcap_open_live's compiler, unoptimized; SO_ATTACH_FILTER),
// tfc's classic program (SO_ATTACH_FILTER) and tfc's eBPF socket filter (SO_ATTACH_BPF); a socket bound to v1 sends
// tagged (0x8100, 0x88a8, QinQ, 0x9100, which the kernel leaves in the frame), untagged and short frames into v0, one
// bound to v0 sends the same out of it. Every frame carries a 4-byte tag at its end; every socket must receive exactly
// the frames the IR evaluator accepts on the bytes and metadata the kernel gives the filter. Invariants: nothing leaves
// the namespace (IPv6 off); every socket, program, the libpcap handle and the namespace are released on every path.
// Also counts the frames the offline program (the default) misses there: what the live code is for.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compilePcap, compilePcapFilter } from '@tfc/compiler';
import { evaluate } from '@tfc/ir';
import { loadLibpcap, loadProgram } from '@tfc/kernel/sys';
import { createVethPacketLab, FIRST_TAG, tagBytes, tagOf, V0_MAC } from './veth-packet-lab.ts';

const root = process.getuid?.() === 0;
const pcap = loadLibpcap();
const skip = !root ? 'needs root (network namespaces, packet sockets)' : pcap.ok ? false : pcap.reason;

const SRC = [0x02, 0, 0, 0, 0, 0x02];
const u16 = (v: number) => [(v >>> 8) & 0xff, v & 0xff];
/** EtherTypes the kernel untags on receive (eth_type_vlan). */
const UNTAGGED_ON_RX: ReadonlySet<number> = new Set([0x8100, 0x88a8]);

/** An Ethernet frame with `tags` (TPID, TCI) then IPv4/UDP, IPv4/TCP port 80, a local EtherType or nothing, with a
 *  4-byte tag at its end. */
function frame(tags: readonly (readonly [number, number])[], kind: number, tag: number): Uint8Array {
  const end = tagBytes(tag);
  const head = [...V0_MAC, ...SRC, ...tags.flatMap(([tpid, tci]) => [...u16(tpid), ...u16(tci)])];
  if (kind === 3) return Uint8Array.from([...head, 0x08, 0x00, ...end]);
  if (kind === 2) return Uint8Array.from([...head, 0x88, 0xb5, ...Array(42).fill(0), ...end]);
  const proto = kind === 0 ? 17 : 6;
  const l4 =
    kind === 0 ? [0x30, 0x39, 0x00, 0x35, 0, 12, 0, 0] : [0x30, 0x39, 0x00, 0x50, ...Array(8).fill(0)];
  if (kind === 1) l4.push(0x50, 0x02, 0, 0, 0, 0, 0, 0);
  const body = [...l4, ...end];
  const ip = [0x45, 0, ...u16(20 + body.length), 0, 0, 0x40, 0, 64, proto, 0, 0, 10, 0, 0, 2, 10, 0, 0, 1];
  return Uint8Array.from([...head, 0x08, 0x00, ...ip, ...body]);
}

/** What the kernel hands a packet-socket filter on v0 for a frame received (outer 802.1Q/802.1ad tag moved into
 *  the metadata) or sent (as is). */
function seen(f: Uint8Array, received: boolean) {
  const tpid = (f[12]! << 8) | f[13]!;
  if (!received || !UNTAGGED_ON_RX.has(tpid))
    return { packet: f, vlan_present: 0, vlan_tci: 0, pkttype: received ? 0 : 4 };
  return {
    packet: Uint8Array.from([...f.subarray(0, 12), ...f.subarray(16)]),
    vlan_present: 1,
    vlan_tci: (f[14]! << 8) | f[15]!,
    pkttype: 0,
  };
}

const FILTERS = [
  'vlan',
  'vlan 100',
  'vlan 200',
  'not vlan',
  'vlan 100 and udp',
  'vlan and tcp port 80',
  'vlan 100 and vlan 200 and ip',
  'vlan and vlan',
  '(vlan and ip) or ip',
  'ip or (vlan and ip)',
  'vlan 2 or vlan 3',
  'vlan and mpls',
  'vlan and ether proto 0x88b5',
  'vlan 200 and udp or ether[12:2] = 0x9100',
];

const TAG_SETS: readonly (readonly (readonly [number, number])[])[] = [
  [],
  [[0x8100, 100]],
  [[0x8100, 0xe064]],
  [[0x88a8, 200]],
  [[0x8100, 2]],
  [[0x9100, 3]],
  [
    [0x88a8, 100],
    [0x8100, 200],
  ],
  [
    [0x8100, 3],
    [0x8100, 200],
  ],
];

test("live vlan: libpcap's live program in the kernel = tfc's cBPF and eBPF = the IR, frames received and sent on veth", {
  skip,
}, async (t) => {
  assert.ok(pcap.ok);
  const live = pcap.value.liveCompiler('lo');
  assert.ok(live.ok, live.ok ? '' : live.reason);
  const lab = await createVethPacketLab('tfc-vlan');
  const programs: { dispose(): void }[] = [];
  try {
    const sent: { readonly f: Uint8Array; readonly received: boolean }[] = [];
    let tag = FIRST_TAG;
    for (const tags of TAG_SETS)
      for (let kind = 0; kind < 4; kind++)
        for (const received of [true, false]) sent.push({ f: frame(tags, kind, tag++), received });
    let judged = 0;
    let tagged = 0;
    let offlineMisses = 0;
    for (const filter of FILTERS) {
      const lib = live.value.compile(filter, { optimize: false });
      assert.ok(lib.ok, lib.ok ? '' : lib.error);
      const req = { filter, linktype: 'ethernet', capture: 'linux-live' } as const;
      const c = compilePcapFilter({ ...req, target: 'cbpf' });
      const e = compilePcapFilter({ ...req, target: 'ebpf', progType: 'socket' });
      const ir = compilePcap(filter, { linktype: 'ethernet', capture: 'linux-live' });
      assert.ok(c.ok && e.ok && ir.ok, `${filter}: tfc compiles it`);
      if (c.program.target !== 'cbpf' || e.program.target !== 'ebpf') return assert.fail('targets');
      const prog = loadProgram(lab.sys, { type: 'SOCKET_FILTER', insns: e.program.bytes, license: 'GPL' });
      assert.ok(prog.ok, prog.ok ? '' : (prog.error.log ?? prog.error.message));
      programs.push(prog.value);
      // the offline program (the default) on the same socket kind: what the live code is for
      const offline = compilePcapFilter({ filter, linktype: 'ethernet', target: 'cbpf' });
      assert.ok(offline.ok && offline.program.target === 'cbpf');
      const got = await lab.judge(
        {
          libpcap: { classic: lib.program },
          cbpf: { classic: c.program.bytes },
          ebpf: { bpfFd: prog.value.fd },
          offline: { classic: offline.program.bytes },
        },
        sent,
      );
      const want: number[] = sent
        .filter((s) => evaluate(ir.ir, { ...seen(s.f, s.received), ifindex: lab.v0 }) === 'accept')
        .map((s) => tagOf(s.f))
        .sort();
      tagged += sent.filter((s) => s.received && seen(s.f, true).vlan_present === 1).length;
      for (const name of ['libpcap', 'cbpf', 'ebpf'])
        assert.deepEqual(got[name], want, `${name}: '${filter}'`);
      const offGot = new Set(got.offline);
      offlineMisses += want.filter((w) => !offGot.has(w)).length;
      judged += sent.length;
      t.diagnostic(`'${filter}': ${want.length} of ${sent.length} frames kept by all four`);
    }
    assert.ok(tagged > 0);
    assert.ok(offlineMisses > 0, 'the offline program misses frames whose tag the kernel moved');
    console.log(
      `live vlan in the kernel: ${FILTERS.length} filters × ${sent.length} frames (${tagged / FILTERS.length} received with the tag in the metadata) = ${judged} frames, 4 judges each: 0 disagreements; the offline program misses ${offlineMisses} of the frames they keep`,
    );
  } finally {
    for (const p of programs) p.dispose();
    live.value.dispose();
    await lab.dispose();
  }
});
