// The skb context live (root): every corpus and skb filter compiled by compileSkbCapture in verdict mode is loaded as
// tp_btf/netif_receive_skb at once (one hook index each, one shared ring buffer); varied frames (the libpcap corpus
// frames and mutations of them, VLAN, IPv6 extension headers, fragments, runts, each ending in a 4-byte nonce) are
// sent over a veth pair in a private network namespace; for every record of that device and namespace, the verdict
// the program wrote equals libpcap's bpf_filter verdict on the record's bytes (DLT_EN10MB at start 0, DLT_RAW at
// start 1; buflen = captured, wirelen = packet length), the bytes are the frame sent, and every program saw every
// frame. Also checks whether fentry programs load here and says what it found. Everything (programs, links, maps,
// mappings, the namespace) is released on every exit path (t.after). Skips with the reason without root, BTF,
// bpf(2) or libpcap.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { call, exit, mov, R0, R1, R2, R3, R6 } from '@tfc/bpf/ebpf';
import { writeObject } from '@tfc/bpf/elf';
import type { EbpfProgram, SkbHook, SkbLayout } from '@tfc/codegen-bpf';
import { REC } from '@tfc/codegen-bpf';
import { compileSkbCapture } from '@tfc/compiler';
import { createNamespace, linkIndex, run, setLinkUp } from '@tfc/iproute2';
import {
  type BtfTable,
  btfHookParams,
  createMap,
  DLT,
  loadKoffiSyscalls,
  loadLibpcap,
  loadProgram,
  type Syscalls,
} from '@tfc/kernel/sys';
import { createTcLab } from '@tfc/tc-test';
import fc from 'fast-check';
import { readKernelBtf, resolveSkbHook, skbLayoutFromBtf } from '../src/host/skb-layout.ts';
import { corpusFilterTexts, corpusFrameBytes, SKB_FILTERS } from './skb-cases.ts';
import { loadSkbProgram } from './skb-load.ts';
import { openRing } from './skb-ring.ts';
import { openTun } from './skb-tun.ts';

const RING_SIZE = 1 << 24;

function why(): string | false {
  if (process.getuid?.() !== 0) return 'needs root (BPF tracing programs, network namespaces)';
  if (!existsSync('/sys/kernel/btf/vmlinux')) return 'no /sys/kernel/btf/vmlinux (kernel without BTF)';
  const pcap = loadLibpcap();
  if (!pcap.ok) return pcap.reason;
  const sys = loadKoffiSyscalls();
  if (!sys.ok) return sys.reason;
  return false;
}
const skip = why();

/** The frames: corpus frames and seeded mutations of their headers, each ending in the nonce [0xc5, 0x4b, i]. */
function frames(): Uint8Array[] {
  const base = corpusFrameBytes().filter((f) => f.length >= 14);
  const mutated = fc.sample(
    fc.tuple(
      fc.integer({ min: 0, max: base.length - 1 }),
      fc.array(fc.tuple(fc.integer({ min: 12, max: 70 }), fc.integer({ min: 0, max: 255 })), {
        maxLength: 3,
      }),
    ),
    { numRuns: 40, seed: 1617 },
  );
  const all = [
    ...base,
    ...mutated.map(([i, flips]) => {
      const f = Uint8Array.from(base[i]!);
      for (const [k, v] of flips) if (k < f.length) f[k] = v;
      return f;
    }),
  ];
  return all.map((f, i) => Uint8Array.from([...f, 0xc5, 0x4b, i >> 8, i & 0xff]));
}

interface Setup {
  readonly S: Syscalls;
  readonly pcap: Extract<ReturnType<typeof loadLibpcap>, { ok: true }>['value'];
  readonly btf: BtfTable;
  readonly layout: SkbLayout;
  readonly hook: SkbHook;
}

function setup(): Setup {
  const sys = loadKoffiSyscalls();
  const pcap = loadLibpcap();
  assert.ok(sys.ok && pcap.ok);
  const btf = readKernelBtf();
  assert.ok(btf.ok, btf.ok ? '' : btf.error);
  const layout = skbLayoutFromBtf(btf.value);
  assert.ok(layout.ok, layout.ok ? '' : layout.error);
  const hook = resolveSkbHook(btf.value, 'tp_btf/netif_receive_skb');
  assert.ok(hook.ok, hook.ok ? '' : hook.error);
  return { S: sys.value, pcap: pcap.value, btf: btf.value, layout: layout.value, hook: hook.value };
}

/** Loads every filter (verdict mode, one hook index each), sends, drains, judges each record of device `ifindex` in
 *  namespace `inum` against libpcap; returns the counts. */
async function differential(
  t: TestContext,
  su: Setup,
  filters: readonly string[],
  where: { readonly ifindex: number; readonly inum: number; readonly start: 0 | 1 },
  sent: readonly Uint8Array[],
  send: (f: Uint8Array) => void,
  opts: {
    readonly hook?: SkbHook;
    readonly vlan?: 'reinsert';
    /** The bytes the record must hold for a frame sent (default: the frame). */
    readonly expect?: (f: Uint8Array) => Uint8Array;
    /** Checks each record of the device (the out-of-band tag fields). */
    readonly check?: (rec: DataView) => void;
  } = {},
): Promise<{
  filters: number;
  refused: number;
  records: number;
  accepted: number;
  disagreements: string[];
  complete: number;
  whole: number;
}> {
  const ringMap = createMap(su.S, { type: 'RINGBUF', keySize: 0, valueSize: 0, maxEntries: RING_SIZE });
  assert.ok(ringMap.ok, ringMap.ok ? '' : `no BPF ring buffer maps: ${ringMap.error.message}`);
  t.after(() => ringMap.value.dispose());
  const ring = openRing(su.S, ringMap.value, RING_SIZE);
  assert.ok(typeof ring !== 'string', String(ring));
  t.after(() => ring.dispose());
  const c2 = su.pcap.compiler(DLT.EN10MB, 65535);
  const c3 = su.pcap.compiler(DLT.RAW, 65535);
  t.after(() => {
    c2.dispose();
    c3.dispose();
  });
  const judges: { filter: string; l2: Uint8Array | undefined; l3: Uint8Array | undefined }[] = [];
  const loaded: { dispose(): void }[] = [];
  t.after(() => {
    for (const l of loaded) l.dispose();
  });
  let refused = 0;
  for (const filter of filters) {
    const l2 = c2.compile(filter, { optimize: false });
    if (!l2.ok) continue;
    const r = compileSkbCapture({
      filter,
      layout: su.layout,
      hook: opts.hook ?? su.hook,
      hookIndex: judges.length,
      snaplen: 256,
      mode: 'verdict',
      ...(opts.vlan ? { vlan: opts.vlan } : {}),
    });
    if (!r.ok) {
      refused++;
      continue;
    }
    const l = loadSkbProgram(su.S, su.btf, r.program as EbpfProgram, ringMap.value);
    assert.ok(l.ok, l.ok ? '' : `${filter}: ${l.error}`);
    loaded.push(l.value);
    const l3 = c3.compile(filter, { optimize: false });
    judges.push({ filter, l2: l2.program, l3: l3.ok ? l3.program : undefined });
  }
  ring.drain();
  for (const f of sent) send(f);
  const seen = new Map<number, Set<number>>();
  let records = 0;
  let accepted = 0;
  const disagreements: string[] = [];
  const judge = (rec: Uint8Array) => {
    const v = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
    if (v.getUint32(REC.ifindex, true) !== where.ifindex || v.getUint32(REC.netns, true) !== where.inum)
      return;
    opts.check?.(v);
    const hookIndex = v.getUint32(REC.hook, true);
    const j = judges[hookIndex];
    assert.ok(j, `record with unknown hook index ${hookIndex}`);
    const pktLen = v.getUint32(REC.pktLen, true);
    const capLen = v.getUint32(REC.capLen, true);
    const start = v.getUint8(REC.start);
    assert.equal(rec.length, REC.data + capLen, 'record length = header + captured bytes');
    assert.equal(start, where.start, 'where the packet starts on this device');
    const bytes = rec.subarray(REC.data, REC.data + capLen);
    const prog = start === 0 ? j.l2 : j.l3;
    const want = prog === undefined ? 0 : su.pcap.filter(prog, bytes, pktLen) !== 0 ? 1 : 0;
    const got = v.getUint32(REC.verdict, true);
    records++;
    accepted += got;
    if (got !== want)
      disagreements.push(`${j.filter}: tfc ${got} libpcap ${want} on ${Buffer.from(bytes).toString('hex')}`);
    if (capLen === pktLen && capLen >= 4 && bytes[capLen - 4] === 0xc5 && bytes[capLen - 3] === 0x4b) {
      const i = (bytes[capLen - 2]! << 8) | bytes[capLen - 1]!;
      const f = sent[i]!;
      assert.deepEqual(bytes, opts.expect ? opts.expect(f) : f, `the record's bytes are packet ${i} as sent`);
      const s = seen.get(hookIndex) ?? new Set<number>();
      seen.set(hookIndex, s);
      s.add(i);
    }
  };
  const whole = sent.filter((f) => f.length <= 256).length;
  for (let tries = 0; tries < 20; tries++) {
    await sleep(100);
    for (const r of ring.drain()) judge(r);
    if ([...seen.values()].filter((s) => s.size === whole).length === judges.length) break;
  }
  for (const l of loaded.splice(0)) l.dispose();
  for (const r of ring.drain()) judge(r);
  const complete = [...seen.values()].filter((s) => s.size === whole).length;
  return { filters: judges.length, refused, records, accepted, disagreements, complete, whole };
}

/** The same packets with their nonces renumbered 0, 1, … (after a selection). */
function renonce(list: readonly Uint8Array[]): Uint8Array[] {
  return list.map((p, i) => Uint8Array.from([...p.subarray(0, p.length - 2), i >> 8, i & 0xff]));
}

test('skb context live: tp_btf/netif_receive_skb programs on a veth in a namespace = libpcap bpf_filter (L2)', {
  skip,
}, async (t) => {
  const su = setup();
  const lab = await createTcLab('tfc-skb');
  assert.ok(lab.ok, lab.ok ? '' : lab.error);
  t.after(() => lab.lab.dispose());
  const ns = lab.lab.ns;
  const dev = await linkIndex(ns.name, lab.lab.dev);
  assert.ok(dev.ok);
  const sent = frames();
  const r = await differential(
    t,
    su,
    [...corpusFilterTexts(), ...SKB_FILTERS],
    { ifindex: dev.value, inum: statSync(ns.path).ino, start: 0 },
    sent,
    (f) => {
      const s = lab.lab.send(f);
      assert.ok(s.ok, s.ok ? '' : s.error);
    },
  );
  console.log(
    `skb live L2 (tp_btf/netif_receive_skb, veth in ${ns.name}): ${r.filters} filters (${r.refused} refused by tfc), ${sent.length} frames, ${r.records} records, ${r.accepted} accepted, ${r.disagreements.length} disagreements with libpcap; ${r.complete}/${r.filters} programs saw all ${r.whole} whole frames`,
  );
  assert.ok(r.filters >= 50, `only ${r.filters} filters loaded`);
  assert.deepEqual(r.disagreements.slice(0, 5), []);
  assert.equal(r.complete, r.filters, 'every program saw every frame');
});

test('skb context live: a TUN device (no link header) in a namespace: packets start at L3 = libpcap DLT_RAW', {
  skip,
}, async (t) => {
  const su = setup();
  const n = await createNamespace('tfc-skb3');
  assert.ok(n.ok, n.ok ? '' : n.error.message);
  t.after(() => n.value.dispose());
  const name = `tfcskb${process.pid % 100000}`;
  const tun = openTun(su.S, name);
  assert.ok(typeof tun !== 'string', String(tun));
  t.after(() => tun.dispose());
  const mv = await run('ip', ['link', 'set', name, 'netns', n.value.name]);
  assert.ok(mv.ok, mv.ok ? '' : mv.error.message);
  const up = await setLinkUp(n.value.name, name);
  assert.ok(up.ok, up.ok ? '' : up.error.message);
  const dev = await linkIndex(n.value.name, name);
  assert.ok(dev.ok);
  // the IP packets among the frames, without their Ethernet header (version nibble 4 or 6, else tun drops them)
  const sent = renonce(
    frames()
      .map((f) => f.subarray(14))
      .filter((p) => p.length > 0 && (p[0]! >> 4 === 4 || p[0]! >> 4 === 6)),
  );
  const r = await differential(
    t,
    su,
    [...corpusFilterTexts(), ...SKB_FILTERS],
    { ifindex: dev.value, inum: statSync(n.value.path).ino, start: 1 },
    sent,
    (p) => {
      assert.ok(tun.write(p), 'write to the TUN device');
    },
  );
  console.log(
    `skb live L3 (tp_btf/netif_receive_skb, TUN in ${n.value.name}): ${r.filters} filters, ${sent.length} IP packets, ${r.records} records, ${r.accepted} accepted, ${r.disagreements.length} disagreements with libpcap (DLT_RAW); ${r.complete}/${r.filters} programs saw all ${r.whole} whole packets`,
  );
  assert.deepEqual(r.disagreements.slice(0, 5), []);
  assert.ok(r.records > 0, 'records from the TUN device');
  assert.equal(r.complete, r.filters, 'every program saw every packet');
});

test('skb context live: tp_btf/net_dev_queue after a tc program pushed a VLAN tag out of band: the tag put back (vlan reinsert)', {
  skip,
}, async (t) => {
  const su = setup();
  const hook = resolveSkbHook(su.btf, 'tp_btf/net_dev_queue');
  assert.ok(hook.ok, hook.ok ? '' : hook.error);
  const lab = await createTcLab('tfc-skbv');
  assert.ok(lab.ok, lab.ok ? '' : lab.error);
  t.after(() => lab.lab.dispose());
  const ns = lab.lab.ns;
  const peer = await linkIndex(ns.name, lab.lab.peer);
  assert.ok(peer.ok);
  // a cls_bpf program on the peer's egress: bpf_skb_vlan_push(skb, 0x8100, 100) puts the tag in the sk_buff's
  // vlan fields (out of band); trace_net_dev_queue runs after egress tc
  const dir = mkdtempSync(join(tmpdir(), 'tfc-skbv-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const obj = join(dir, 'vpush.o');
  const push = [
    mov.reg(R6, R1),
    mov.reg(R1, R6),
    mov.imm(R2, 0x0081),
    mov.imm(R3, 100),
    call(18),
    mov.imm(R0, 0),
    exit(),
  ];
  writeFileSync(
    obj,
    writeObject({
      programs: [{ name: 'vpush', section: 'classifier', insns: push }],
      license: 'GPL',
      maps: [],
    }),
  );
  const tc = await run('tc', [
    '-n',
    ns.name,
    'filter',
    'add',
    'dev',
    lab.lab.peer,
    'egress',
    'prio',
    '1',
    'bpf',
    'da',
    'obj',
    obj,
    'sec',
    'classifier',
  ]);
  if (!tc.ok) return t.skip(`cls_bpf egress program not attachable: ${tc.error.message}`);
  const sent = renonce(frames().filter((f) => f.length >= 14 && f.length <= 250));
  let outOfBand = 0;
  const r = await differential(
    t,
    su,
    [
      'vlan 100',
      'vlan 200',
      'vlan 100 and ip',
      'vlan 100 and udp port 53',
      'vlan and arp',
      'not vlan',
      'ip',
      'vlan 100 and ip6 protochain 17',
      'vlan 100 and tcp portrange 1-1000',
      'vlan 100 and vlan 200',
    ],
    { ifindex: peer.value, inum: statSync(ns.path).ino, start: 0 },
    sent,
    (f) => {
      const s = lab.lab.send(f);
      assert.ok(s.ok, s.ok ? '' : s.error);
    },
    {
      hook: hook.value,
      vlan: 'reinsert',
      expect: (f) => Uint8Array.from([...f.subarray(0, 12), 0x81, 0x00, 0x00, 100, ...f.subarray(12)]),
      check: (v) => {
        assert.equal(v.getUint16(REC.vlanProto, false), 0x8100, 'the tag is out of band at net_dev_queue');
        assert.equal(v.getUint16(REC.vlanTci, true), 100);
        outOfBand++;
      },
    },
  );
  console.log(
    `skb live vlan (tp_btf/net_dev_queue on ${lab.lab.peer}, tag pushed out of band by tc): ${r.filters} filters, ${sent.length} frames, ${r.records} records (${outOfBand} with the tag out of band, put back), ${r.accepted} accepted, ${r.disagreements.length} disagreements with libpcap; ${r.complete}/${r.filters} programs saw all ${r.whole} frames`,
  );
  assert.deepEqual(r.disagreements.slice(0, 5), []);
  assert.ok(outOfBand > 0);
  assert.equal(r.complete, r.filters, 'every program saw every frame');
});

test('fentry: does a TRACING fentry program load on this machine? (reported, not required)', {
  skip,
}, (t) => {
  const sys = loadKoffiSyscalls();
  assert.ok(sys.ok);
  const btf = readKernelBtf();
  assert.ok(btf.ok);
  const found: string[] = [];
  for (const name of ['__netif_receive_skb', 'ip_rcv', 'sk_skb_reason_drop']) {
    const h = resolveSkbHook(btf.value, `fentry/${name}`);
    assert.ok(h.ok, h.ok ? '' : h.error);
    const id = btfHookParams(btf.value, { kind: 'fentry', name });
    assert.ok(id.ok);
    // r0 = 0; exit
    const insns = Uint8Array.from([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
    const p = loadProgram(sys.value, {
      type: 'TRACING',
      insns,
      license: 'GPL',
      expectedAttachType: 24,
      attachBtfId: id.btfId,
    });
    found.push(`${name} (sk_buff argument ${h.value.skbArg}): ${p.ok ? 'loads' : p.error.message}`);
    if (p.ok) p.value.dispose();
  }
  console.log(`fentry on this machine: ${found.join('; ')}`);
  t.diagnostic(found.join('; '));
});
