// The skb context against libpcap, in tfc's eBPF VM: for the libpcap corpus filters and the skb-specific ones
// below (protochain, vlan, IPv6 extension headers, port ranges, len) and random sk_buffs built around the corpus
// frames (mutated and truncated; data at L2 or L3; mac header set or not; Ethernet, loopback, header-less or no
// device; linear part shorter than the packet; snaplens that cut), the program compiled by compileSkbCapture (mode
// `return`) returns libpcap's bpf_filter verdict on the bytes a tap would see — DLT_EN10MB when the packet starts at
// the Ethernet header, DLT_RAW at the network header (reject when libpcap cannot compile the filter for raw IP),
// buflen = captured bytes, wirelen = packet length — and fills the capture record's header as the contract says.
// Skips the libpcap step (with the reason) when libpcap is not loadable.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ebpf from '@tfc/bpf/ebpf';
import { type EbpfProgram, REC, SKB_LAYOUT_SNAPSHOT, SKB_RECORD_MAP } from '@tfc/codegen-bpf';
import { compileSkbCapture } from '@tfc/compiler';
import { DLT, loadLibpcap, type PcapCompiler } from '@tfc/kernel/sys';
import fc from 'fast-check';
import { readPcapNames } from '../src/live.ts';
import {
  corpusFilterTexts,
  corpusFrameBytes,
  SKB_ENV_FILTERS,
  SKB_ENV_NETMASK,
  SKB_FILTERS,
} from './skb-cases.ts';
import { simulate } from './skb-sim.ts';

const pcap = loadLibpcap();
const L = SKB_LAYOUT_SNAPSHOT;
/** This machine's names, as libpcap reads them, and the netmask both compilers are given for SKB_ENV_FILTERS. */
const etc = readPcapNames('/etc');
const ENV = { ...(etc.ok ? { names: etc.names } : {}), netmask: SKB_ENV_NETMASK };

/** Filters with Linux metadata: libpcap's userspace bpf_filter cannot read SKF_AD words, so the expectation is the
 *  metadata test (pkt_type 4 = PACKET_OUTGOING, the device's ifindex) combined with libpcap's verdict on the rest. */
const META: readonly {
  filter: string;
  rest: string;
  want: (pktType: number, ifindex: number, rest: boolean) => boolean;
}[] = [
  { filter: 'outbound and udp', rest: 'udp', want: (t, _i, r) => t === 4 && r },
  { filter: 'inbound and tcp', rest: 'tcp', want: (t, _i, r) => t !== 4 && r },
  { filter: 'ifindex 5 or icmp', rest: 'icmp', want: (_t, i, r) => i === 5 || r },
  { filter: 'not outbound and ip6', rest: 'ip6', want: (t, _i, r) => t !== 4 && r },
];

interface Case {
  readonly meta?: (typeof META)[number];
  readonly filter: string;
  readonly prog: ebpf.Prepared;
  readonly valueSize: number;
  /** The program's other maps (a protochain walk's per-CPU cells). */
  readonly extra: readonly { readonly name: string; readonly valueSize: number }[];
  readonly snaplen: number;
  readonly reinsert: boolean;
  readonly l2: Uint8Array;
  readonly l3: Uint8Array | undefined;
}

test('skb context in the VM = libpcap bpf_filter on the bytes a tap sees (L2 and L3 starts)', {
  skip: pcap.ok ? false : pcap.reason,
}, () => {
  assert.ok(pcap.ok);
  const lib = pcap.value;
  const c2: PcapCompiler = lib.compiler(DLT.EN10MB, 65535);
  const c3: PcapCompiler = lib.compiler(DLT.RAW, 65535);
  const frames = corpusFrameBytes();
  const cases: Case[] = [];
  const refused: string[] = [];
  const filters = [...corpusFilterTexts(), ...SKB_FILTERS, ...SKB_ENV_FILTERS, ...META.map((m) => m.filter)];
  let envCases = 0;
  let unrolled = 0;
  for (const filter of filters) {
    const meta = META.find((m) => m.filter === filter);
    const judged = meta?.rest ?? filter;
    const withEnv = SKB_ENV_FILTERS.includes(filter);
    const pcapOptions = withEnv ? { optimize: false, netmask: SKB_ENV_NETMASK } : { optimize: false };
    const l2 = c2.compile(judged, pcapOptions);
    assert.ok(l2.ok || !withEnv, `libpcap refuses ${filter}: ${l2.ok ? '' : l2.error}`);
    if (!l2.ok) continue;
    if (withEnv) envCases++;
    // protochain walks also as a kernel without may_goto gets them: unrolled 32 steps (corpus chains are shorter)
    const loops = filter.includes('protochain') ? [true, false] : [true];
    for (const [snaplen, reinsert, mayGoto] of [
      [256, false, true],
      [64, false, true],
      [256, true, true],
      ...(loops.includes(false) ? ([[256, false, false]] as const) : []),
    ] as const) {
      const r = compileSkbCapture({
        filter,
        ...(withEnv ? { env: ENV } : {}),
        bpfFeatures: { mayGoto },
        layout: L,
        hook: { kind: 'tp_btf', name: 'netif_receive_skb', skbArg: 0 },
        snaplen,
        mode: 'return',
        vlan: reinsert ? 'reinsert' : 'as-is',
      });
      if (!r.ok) {
        refused.push(`${filter}: ${r.diagnostics[0]?.message}`);
        continue;
      }
      const p = r.program as EbpfProgram;
      if (!mayGoto) {
        assert.doesNotMatch(p.listing, /may_goto/, `${filter}: no may_goto for a kernel without it`);
        unrolled++;
      }
      const prep = ebpf.prepare(p.insns);
      assert.ok(prep.ok);
      const l3 = c3.compile(judged, pcapOptions);
      cases.push({
        ...(meta ? { meta } : {}),
        filter,
        prog: prep.prog,
        valueSize: p.maps[0]!.valueSize,
        extra: p.maps.slice(1),
        snaplen,
        reinsert,
        l2: l2.program,
        l3: l3.ok ? l3.program : undefined,
      });
    }
  }
  // only filters tfc's pcap front end documents as unsupported (geneve/vxlan forms) may be refused
  for (const x of refused) assert.match(x, /not supported|unsupported/, x);
  for (const f of SKB_ENV_FILTERS) assert.ok(!refused.some((x) => x.startsWith(`${f}:`)), f);
  let runs = 0;
  let accepted = 0;
  let l3runs = 0;
  let cut = 0;
  const sk = fc.record({
    frame: fc.integer({ min: 0, max: frames.length - 1 }),
    flips: fc.array(fc.tuple(fc.integer({ min: 0, max: 80 }), fc.integer({ min: 0, max: 255 })), {
      maxLength: 3,
    }),
    trunc: fc.option(fc.integer({ min: 0, max: 120 }), { nil: undefined }),
    strip: fc.constantFrom(false, false, true),
    dataAt: fc.constantFrom('l2' as const, 'l3' as const),
    macSet: fc.constantFrom(true, true, true, false),
    devType: fc.constantFrom(1, 1, 1, 1, 772, 65534, undefined),
    linear: fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }),
    pktType: fc.integer({ min: 0, max: 7 }),
    ifindex: fc.constantFrom(0, 5, 7, 0xffff),
    vlan: fc.option(fc.tuple(fc.constantFrom(0x8100, 0x88a8), fc.constantFrom(100, 200, 2, 0x2064)), {
      nil: undefined,
    }),
  });
  fc.assert(
    fc.property(sk, fc.integer({ min: 0, max: cases.length - 1 }), (s, ci) => {
      const c = cases[ci]!;
      let frame = Uint8Array.from(frames[s.frame]!);
      for (const [i, v] of s.flips) if (i < frame.length) frame[i] = v;
      if (s.trunc !== undefined) frame = frame.slice(0, s.trunc);
      const l3only = s.strip && frame.length >= 14;
      if (l3only) frame = frame.slice(14);
      const sim = simulate(
        L,
        {
          frame,
          l3only,
          dataAt: l3only ? 'l3' : s.dataAt,
          macSet: l3only ? false : s.macSet,
          devType: l3only ? 65534 : s.devType,
          linear: s.linear ?? frame.length,
          pktType: s.pktType,
          mark: 7,
          vlanTci: s.vlan?.[1] ?? 0,
          vlanProto: s.vlan?.[0] ?? 0,
          ifindex: s.ifindex,
          inum: 4026531840,
        },
        0,
        c.reinsert,
      );
      const snaplen = c.snaplen;
      const rec = ebpf.createMap({
        name: SKB_RECORD_MAP,
        type: 'array',
        keySize: 4,
        valueSize: c.valueSize,
        maxEntries: 1,
      });
      const out = ebpf.run(
        c.prog,
        { kind: 'raw', ctx: sim.ctx },
        {
          env: {
            kernelMemory: sim.memory,
            maps: [
              rec,
              ...c.extra.map((m) => ebpf.createMap({ ...m, type: 'array', keySize: 4, maxEntries: 1 })),
            ],
            pid: 42,
            tgid: 41,
            comm: 'skbtest',
            ktimeNs: 99n,
          },
        },
      );
      assert.ok(out.ok, out.ok ? '' : `${c.filter}: VM error ${out.error} at ${out.pc}`);
      const e = sim.expect;
      const caplen = Math.min(snaplen, e.pktLen, e.linearFromStart);
      const bytes = e.bytes.subarray(0, caplen);
      const judge = e.start === 0 ? c.l2 : c.l3;
      const rest = judge === undefined ? false : lib.filter(judge, bytes, e.pktLen) !== 0;
      const ifindex = s.devType === undefined && !l3only ? 0 : s.ifindex;
      const want = (c.meta ? c.meta.want(s.pktType, ifindex, rest) : rest) ? 1 : 0;
      runs++;
      if (e.start === 1) l3runs++;
      if (caplen < e.pktLen) cut++;
      accepted += want;
      assert.equal(
        Number(out.r0),
        want,
        `${c.filter} snaplen ${snaplen} start ${e.start} caplen ${caplen} len ${e.pktLen}: ${Buffer.from(bytes).toString('hex')}`,
      );
      const v = new DataView(ebpf.mapLookup(rec, new Uint8Array(4))!.buffer);
      const value = ebpf.mapLookup(rec, new Uint8Array(4))!;
      assert.equal(v.getUint8(REC.start), e.start);
      assert.equal(v.getUint32(REC.pktLen, true), e.pktLen);
      assert.equal(v.getUint32(REC.capLen, true), caplen);
      assert.deepEqual(value.subarray(REC.data, REC.data + caplen), bytes);
      assert.equal(v.getUint8(REC.pktType), s.pktType);
      assert.equal(v.getUint32(REC.ifindex, true), s.devType === undefined && !l3only ? 0 : s.ifindex);
      assert.equal(v.getUint32(REC.tgid, true), 41);
      assert.equal(v.getUint32(REC.tid, true), 42);
      assert.equal(v.getUint32(REC.mark, true), 7);
    }),
    { numRuns: 3000, seed: Number(process.env.TFC_SEED ?? 1616), includeErrorInReport: true },
  );
  console.log(
    `skb VM vs libpcap: ${cases.length} filters, ${runs} sk_buffs (${l3runs} at L3, ${cut} cut by the snaplen or the linear part), ${accepted} accepted, 0 disagreements; refused: ${refused.length}; ${envCases} filters with names from /etc or a netmask; ${unrolled} protochain programs without may_goto`,
  );
  c2.dispose();
  c3.dispose();
});
