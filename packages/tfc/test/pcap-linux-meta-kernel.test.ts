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
import { addVethPair, createNamespace, linkIndex, run, setLinkUp } from '@tfc/iproute2';
import { evaluate } from '@tfc/ir';
import {
  loadKoffiSyscalls,
  loadLibpcap,
  loadProgram,
  openPacketSocket,
  type PacketSocket,
} from '@tfc/kernel/sys';

const root = process.getuid?.() === 0;
const pcap = loadLibpcap();
const skip = !root ? 'needs root (network namespaces, packet sockets)' : pcap.ok ? false : pcap.reason;

const V0_MAC = [0x02, 0, 0, 0, 0, 0x01];
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
  const tagBytes = [(tag >>> 24) & 0xff, (tag >>> 16) & 0xff, (tag >>> 8) & 0xff, tag & 0xff];
  if (kind === 2) return Uint8Array.from([...dst, ...src, 0x88, 0xb5, ...Array(42).fill(0), ...tagBytes]);
  const proto = kind === 0 ? 17 : 6;
  const l4 =
    kind === 0 ? [0x30, 0x39, 0x00, 0x35, 0, 12, 0, 0] : [0x30, 0x39, 0x00, 0x50, ...Array(16).fill(0)];
  l4[12] = kind === 0 ? l4[12]! : 0x50;
  const body = [...l4, ...tagBytes];
  const ip = [0x45, 0, 0, 20 + body.length, 0, 0, 0x40, 0, 64, proto, 0, 0, 10, 0, 0, 2, 10, 0, 0, 1];
  return Uint8Array.from([...dst, ...src, 0x08, 0x00, ...ip, ...body]);
}

/** Every frame queued on the socket. */
function drain(s: PacketSocket): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (;;) {
    const r = s.receive();
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    if (r.value === undefined) return frames;
    frames.push(r.value);
  }
}

const tagOf = (f: Uint8Array): number =>
  ((f[f.length - 4]! << 24) | (f[f.length - 3]! << 16) | (f[f.length - 2]! << 8) | f[f.length - 1]!) >>> 0;

test("inbound/outbound/ifindex: libpcap's program in the kernel = tfc's cBPF and eBPF = the IR, on veth", {
  skip,
}, async (t) => {
  assert.ok(pcap.ok);
  const sys = loadKoffiSyscalls();
  assert.ok(sys.ok, sys.ok ? '' : sys.reason);
  const ns = await createNamespace('tfc-meta');
  assert.ok(ns.ok, ns.ok ? '' : ns.error.message);
  const sockets: PacketSocket[] = [];
  const programs: { dispose(): void }[] = [];
  try {
    const netns = ns.value.name;
    const sh = async (args: string[]) => {
      const r = await run('ip', args, { netns });
      assert.ok(r.ok, r.ok ? '' : r.error.message);
    };
    await sh(['netns', 'exec', netns, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1']);
    await sh(['netns', 'exec', netns, 'sysctl', '-q', '-w', 'net.ipv6.conf.default.disable_ipv6=1']);
    assert.ok((await addVethPair(netns, 'v0', 'v1')).ok);
    await sh(['link', 'set', 'v0', 'address', V0_MAC.map((b) => b.toString(16).padStart(2, '0')).join(':')]);
    for (const d of ['v0', 'v1']) assert.ok((await setLinkUp(netns, d)).ok);
    const v0 = await linkIndex(netns, 'v0');
    const v1 = await linkIndex(netns, 'v1');
    assert.ok(v0.ok && v1.ok);
    const open = (ifindex: number, protocol?: number): PacketSocket => {
      const s = openPacketSocket(sys.value, {
        ifindex,
        netnsPath: ns.value.path,
        ...(protocol === undefined ? {} : { protocol }),
      });
      assert.ok(s.ok, s.ok ? '' : s.error.message);
      sockets.push(s.value);
      return s.value;
    };
    const out = open(v0.value, 0);
    const into = open(v1.value, 0);
    const filters = [
      'inbound',
      'outbound',
      `ifindex ${v0.value}`,
      `ifindex ${v1.value}`,
      'inbound and udp',
      'not outbound and (tcp or ether proto 0x88b5)',
      `outbound or ifindex ${v0.value} and ether broadcast`,
      'inbound and ether multicast or outbound and tcp',
      `(ifindex ${v0.value} or outbound) and not ip`,
    ];
    // frames: each destination into v0, and each kind out of it, three kinds each
    const sent: { readonly f: Uint8Array; readonly pkttype: number; readonly outgoing: boolean }[] = [];
    let tag = 0x7f000000;
    for (let kind = 0; kind < 3; kind++) {
      for (const [dst, pkttype] of DESTINATIONS)
        sent.push({ f: frame(dst, kind, tag++), pkttype, outgoing: false });
      sent.push({
        f: frame([0x02, 0, 0, 0, 0, 0x77], kind, tag++),
        pkttype: PACKET_OUTGOING,
        outgoing: true,
      });
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
      assert.equal(c.program.target, 'cbpf');
      assert.equal(e.program.target, 'ebpf');
      if (c.program.target !== 'cbpf' || e.program.target !== 'ebpf') return;
      const prog = loadProgram(sys.value, { type: 'SOCKET_FILTER', insns: e.program.bytes, license: 'GPL' });
      assert.ok(prog.ok, prog.ok ? '' : (prog.error.log ?? prog.error.message));
      programs.push(prog.value);
      const judges: Readonly<Record<'libpcap' | 'cbpf' | 'ebpf', PacketSocket>> = {
        libpcap: open(v0.value),
        cbpf: open(v0.value),
        ebpf: open(v0.value),
      };
      assert.ok(judges.libpcap.attachClassic(lib.program).ok);
      assert.ok(judges.cbpf.attachClassic(c.program.bytes).ok);
      assert.ok(judges.ebpf.attachBpf(prog.value.fd).ok);
      // frames queued between bind and attach ran no filter: drop them
      for (const s of Object.values(judges)) drain(s);
      for (const s of sent) assert.ok((s.outgoing ? out : into).send(s.f).ok);
      await new Promise((r) => setTimeout(r, 50));
      const want: number[] = sent
        .filter((s) => evaluate(ir.ir, { packet: s.f, pkttype: s.pkttype, ifindex: v0.value }) === 'accept')
        .map((s) => tagOf(s.f))
        .sort();
      for (const [name, s] of Object.entries(judges) as [string, PacketSocket][]) {
        const got: number[] = drain(s)
          .map(tagOf)
          .filter((g) => g >= 0x7f000000 && g < tag);
        assert.deepEqual(got.sort(), want, `${name}: '${filter}'`);
      }
      judged += sent.length;
      t.diagnostic(`'${filter}': ${want.length} of ${sent.length} frames kept by all four`);
    }
    console.log(
      `# ${filters.length} filters × ${sent.length} frames = ${judged} frames, 4 judges each: 0 disagreements`,
    );
  } finally {
    for (const s of sockets) s.dispose();
    for (const p of programs) p.dispose();
    await ns.value.dispose();
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
