// `inbound`, `outbound` and `ifindex N` judged by the kernel running libpcap's own program. libpcap 1.10.3 compiles
// them, for a live Linux capture, into the ancillary loads SKF_AD_PKTTYPE / SKF_AD_IFINDEX, which only the kernel
// serves; tfc compiles them into the same loads (cBPF) or __sk_buff's pkt_type / ifindex (eBPF). In a private
// network namespace, veth v0/v1: packet sockets bound to v0 run libpcap's unoptimized program (SO_ATTACH_FILTER),
// tfc's classic program (SO_ATTACH_FILTER) and tfc's eBPF socket filter (SO_ATTACH_BPF), and a socket bound to
// v0 sends frames out of it (the taps see them as PACKET_OUTGOING) while one bound to v1 sends frames into it
// (eth_type_trans makes them PACKET_HOST, BROADCAST, MULTICAST or OTHERHOST by their destination). Each frame
// carries a tag; every socket must receive exactly the frames the IR evaluator accepts for that frame's pkt_type and
// v0's ifindex. Invariants: nothing leaves the namespace (IPv6 off, so the kernel sends nothing of its own); every
// socket, program and the namespace are released on every path.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compilePcap, compilePcapFilter } from '@tfc/compiler';
import { evaluate } from '@tfc/ir';
import { loadLibpcap, loadProgram } from '@tfc/kernel/sys';
import { createVethPacketLab, FIRST_TAG, tagBytes, tagOf, V0_MAC } from './veth-packet-lab.ts';

const root = process.getuid?.() === 0;
const pcap = loadLibpcap();
const skip = !root ? 'needs root (network namespaces, packet sockets)' : pcap.ok ? false : pcap.reason;

/** Destinations for frames sent into v0, and the pkt_type eth_type_trans gives each. */
const DESTINATIONS: readonly (readonly [readonly number[], number])[] = [
  [V0_MAC, 0], // PACKET_HOST
  [[0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 1], // PACKET_BROADCAST
  [[0x01, 0x00, 0x5e, 0x00, 0x00, 0x01], 2], // PACKET_MULTICAST
  [[0x02, 0, 0, 0, 0, 0x99], 3], // PACKET_OTHERHOST
];
const PACKET_OUTGOING = 4;

/** An Ethernet frame: IPv4/UDP, IPv4/TCP or a local experimental EtherType, with a 4-byte tag at its end. */
function frame(dst: readonly number[], kind: number, tag: number): Uint8Array {
  const src = [0x02, 0, 0, 0, 0, 0x02];
  if (kind === 2)
    return Uint8Array.from([...dst, ...src, 0x88, 0xb5, ...Array(42).fill(0), ...tagBytes(tag)]);
  const proto = kind === 0 ? 17 : 6;
  const l4 =
    kind === 0 ? [0x30, 0x39, 0x00, 0x35, 0, 12, 0, 0] : [0x30, 0x39, 0x00, 0x50, ...Array(16).fill(0)];
  l4[12] = kind === 0 ? l4[12]! : 0x50;
  const body = [...l4, ...tagBytes(tag)];
  const ip = [0x45, 0, 0, 20 + body.length, 0, 0, 0x40, 0, 64, proto, 0, 0, 10, 0, 0, 2, 10, 0, 0, 1];
  return Uint8Array.from([...dst, ...src, 0x08, 0x00, ...ip, ...body]);
}

test("inbound/outbound/ifindex: libpcap's program in the kernel = tfc's cBPF and eBPF = the IR, on veth", {
  skip,
}, async (t) => {
  assert.ok(pcap.ok);
  const lab = await createVethPacketLab('tfc-meta');
  const programs: { dispose(): void }[] = [];
  try {
    const { v0, v1 } = lab;
    const filters = [
      'inbound',
      'outbound',
      `ifindex ${v0}`,
      `ifindex ${v1}`,
      'inbound and udp',
      'not outbound and (tcp or ether proto 0x88b5)',
      `outbound or ifindex ${v0} and ether broadcast`,
      'inbound and ether multicast or outbound and tcp',
      `(ifindex ${v0} or outbound) and not ip`,
    ];
    // frames: each destination into v0, and each kind out of it, three kinds each
    const sent: { readonly f: Uint8Array; readonly pkttype: number; readonly received: boolean }[] = [];
    let tag = FIRST_TAG;
    for (let kind = 0; kind < 3; kind++) {
      for (const [dst, pkttype] of DESTINATIONS)
        sent.push({ f: frame(dst, kind, tag++), pkttype, received: true });
      const f = frame([0x02, 0, 0, 0, 0, 0x77], kind, tag++);
      sent.push({ f, pkttype: PACKET_OUTGOING, received: false });
    }
    let judged = 0;
    for (const filter of filters) {
      using pc = pcap.value.compiler(1);
      const lib = pc.compile(filter, { optimize: false });
      assert.ok(lib.ok, lib.ok ? '' : lib.error);
      const c = compilePcapFilter({ filter, linktype: 'ethernet', target: 'cbpf' });
      const e = compilePcapFilter({ filter, linktype: 'ethernet', target: 'ebpf', progType: 'socket' });
      const ir = compilePcap(filter, { linktype: 'ethernet' });
      assert.ok(c.ok && e.ok && ir.ok, `${filter}: tfc compiles it`);
      if (c.program.target !== 'cbpf' || e.program.target !== 'ebpf') return assert.fail('targets');
      const prog = loadProgram(lab.sys, { type: 'SOCKET_FILTER', insns: e.program.bytes, license: 'GPL' });
      assert.ok(prog.ok, prog.ok ? '' : (prog.error.log ?? prog.error.message));
      programs.push(prog.value);
      const got = await lab.judge(
        {
          libpcap: { classic: lib.program },
          cbpf: { classic: c.program.bytes },
          ebpf: { bpfFd: prog.value.fd },
        },
        sent,
      );
      const want = sent
        .filter((s) => evaluate(ir.ir, { packet: s.f, pkttype: s.pkttype, ifindex: v0 }) === 'accept')
        .map((s) => tagOf(s.f))
        .sort();
      for (const [name, tags] of Object.entries(got)) assert.deepEqual(tags, want, `${name}: '${filter}'`);
      judged += sent.length;
      t.diagnostic(`'${filter}': ${want.length} of ${sent.length} frames kept by all four`);
    }
    console.log(
      `# ${filters.length} filters × ${sent.length} frames = ${judged} frames, 4 judges each: 0 disagreements`,
    );
  } finally {
    for (const p of programs) p.dispose();
    await lab.dispose();
  }
});

test('after pppoes libpcap reads other metadata (its link-header offset added to the ancillary one): tfc refuses, naming it', {
  skip: pcap.ok ? false : pcap.reason,
}, () => {
  assert.ok(pcap.ok);
  using pc = pcap.value.compiler(1);
  const SKF_AD_OFF = 0xfffff000;
  for (const [filter, ad, named] of [
    ['pppoes and inbound', 24, 'skb->queue_mapping'],
    ['pppoes and ifindex 3', 28, "the device's hardware type"],
  ] as const) {
    const lib = pc.compile(filter, { optimize: false });
    assert.ok(lib.ok);
    const v = new DataView(lib.program.buffer, lib.program.byteOffset, lib.program.length);
    const ks = Array.from({ length: lib.program.length / 8 }, (_, i) => v.getUint32(i * 8 + 4, true));
    assert.ok(ks.includes(SKF_AD_OFF + ad), `${filter}: libpcap loads SKF_AD_OFF + ${ad}`);
    const r = compilePcapFilter({ filter, linktype: 'ethernet', target: 'cbpf' });
    assert.ok(!r.ok);
    assert.match(r.diagnostics[0]!.message, new RegExp(`reads ${named.replace(/[>'-]/g, '.')}`));
  }
});
