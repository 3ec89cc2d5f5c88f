// The packet's Linux metadata — the IR's `pkttype`, `ifindex`, `vlan_present` and `vlan_tci` pseudo-fields — in
// every form the generators write, against the IR evaluator: cBPF (ancillary loads, run by the cBPF VM with kernel
// semantics), eBPF socket filters both ways (the translated classic program and the eBPF generator), tc, and XDP
// (ifindex only: ingress_ifindex) in the eBPF VM, over random filters mixing metadata and packet tests and random
// metadata; the listings; and lower/packet-meta.ts, the one table of where a packet program finds them: struct
// __sk_buff's pkt_type (4), vlan_present (20), vlan_tci (24), ifindex (40) for socket filters and tc (and the C
// names), XDP's ingress_ifindex (12) and nothing else there, refusals naming the reason in the skb and tracepoint
// contexts and for the trace environment's cpu/pid.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as cbpf from '@tfc/bpf/cbpf';
import * as ebpf from '@tfc/bpf/ebpf';
import {
  arith,
  cmp,
  evaluate,
  type Filter,
  filter,
  konst,
  load,
  or,
  type Pred,
  PSEUDO_NAMES,
  pseudo,
} from '@tfc/ir';
import { connectivesOver } from '@tfc/testkit/ir';
import fc from 'fast-check';
import { compileBpf, type ProgType } from '../src/index.ts';
import { isPacketMeta, packetMetaField } from '../src/lower/packet-meta.ts';
import { Unsupported } from '../src/options.ts';

const SEED = Number(process.env.TFC_SEED ?? 4242);
const u = (v: number) => konst(BigInt(v));

/** A leaf: pkt_type == / != a value, ifindex == / < a value, or an EtherType test on the packet. */
const leaf: fc.Arbitrary<Pred> = fc.oneof(
  fc
    .tuple(fc.constantFrom('eq' as const, 'ne' as const), fc.integer({ min: 0, max: 4 }))
    .map(([op, v]) => cmp(op, 4, false, pseudo('pkttype'), u(v))),
  fc
    .tuple(fc.constantFrom('eq' as const, 'lt' as const), fc.integer({ min: 1, max: 8 }))
    .map(([op, v]) => cmp(op, 4, false, pseudo('ifindex'), u(v))),
  fc.integer({ min: 0, max: 1 }).map((v) => cmp('eq', 4, false, pseudo('vlan_present'), u(v))),
  fc
    .integer({ min: 0, max: 7 })
    .map((v) => cmp('eq', 4, false, arith('&', pseudo('vlan_tci'), u(0xfff)), u(v))),
  fc.constantFrom(0x0800, 0x86dd).map((t) => cmp('eq', 2, false, load('packet', 12, 2, 'be'), u(t))),
);
const pred = connectivesOver(leaf);

const frames = [
  Uint8Array.from([...Array(12).fill(2), 0x08, 0x00, ...Array(46).fill(0)]),
  Uint8Array.from([...Array(12).fill(2), 0x86, 0xdd, ...Array(46).fill(0)]),
  Uint8Array.from([...Array(12).fill(2), 0x08]),
];
const metas = fc.record({
  pkttype: fc.integer({ min: 0, max: 4 }),
  ifindex: fc.integer({ min: 1, max: 8 }),
  vlan_present: fc.integer({ min: 0, max: 1 }),
  vlan_tci: fc.constantFrom(0, 3, 0x2005, 0xf007),
});

function ebpfVerdict(ir: Filter, progType: ProgType, fromCbpf: boolean, f: Uint8Array, m: Meta): boolean {
  const r = compileBpf(ir, { target: 'ebpf', ctx: 'packet', progType, ebpfFromCbpf: fromCbpf });
  assert.ok(r.ok, r.ok ? '' : r.diagnostics[0]!.message);
  assert.equal(r.program.target, 'ebpf');
  const insns = (r.program as { insns: readonly ebpf.Insn[] }).insns as ebpf.Insn[];
  const input: ebpf.VmInput =
    progType === 'xdp'
      ? { kind: 'xdp', packet: f, ingressIfindex: m.ifindex }
      : {
          kind: 'skb',
          packet: f,
          pktType: m.pkttype,
          ifindex: m.ifindex,
          vlanPresent: m.vlan_present === 1,
          vlanTci: m.vlan_tci,
        };
  const x = ebpf.run(insns, input);
  assert.ok(x.ok, x.ok ? '' : x.error);
  const miss = progType === 'tc' ? 2n : progType === 'xdp' ? 1n : 0n;
  return x.r0 !== miss;
}

interface Meta {
  readonly pkttype: number;
  readonly ifindex: number;
  readonly vlan_present: number;
  readonly vlan_tci: number;
}

test('packet metadata: cBPF, eBPF socket (both ways), tc and XDP decide as the IR evaluator', () => {
  let runs = 0;
  fc.assert(
    fc.property(pred, metas, (p, m) => {
      const ir = filter(p);
      const c = compileBpf(ir, { target: 'cbpf', ctx: 'packet' });
      assert.ok(c.ok, c.ok ? '' : c.diagnostics[0]!.message);
      const insns = (c.program as { insns: readonly cbpf.RawInsn[] }).insns;
      for (const f of frames) {
        const want = evaluate(ir, { packet: f, ...m }) === 'accept';
        const r = cbpf.run(insns, f, {
          ctx: {
            pkttype: m.pkttype,
            ifindex: m.ifindex,
            vlanPresent: m.vlan_present === 1,
            vlanTci: m.vlan_tci,
          },
        });
        assert.ok(!('error' in r));
        assert.equal(r.result !== 0, want, 'cBPF');
        assert.equal(ebpfVerdict(ir, 'socket', true, f, m), want, 'eBPF socket (translated classic)');
        assert.equal(ebpfVerdict(ir, 'socket', false, f, m), want, 'eBPF socket (generator)');
        assert.equal(ebpfVerdict(ir, 'tc', false, f, m), want, 'eBPF tc');
        // XDP has neither pkt_type nor VLAN metadata (refused: the last test)
        const text = JSON.stringify(ir, (_k, v) => (typeof v === 'bigint' ? `${v}` : v));
        if (!/pkttype|vlan_/.test(text)) assert.equal(ebpfVerdict(ir, 'xdp', false, f, m), want, 'eBPF xdp');
        runs++;
      }
    }),
    { seed: SEED, numRuns: 150 },
  );
  assert.ok(runs >= 450);
});

test('pkttype / ifindex: the listings read what libpcap and the uapi name', () => {
  const ir = filter(
    or(cmp('eq', 4, false, pseudo('pkttype'), u(4)), cmp('eq', 4, false, pseudo('ifindex'), u(3))),
  );
  const c = compileBpf(ir, { target: 'cbpf', ctx: 'packet' });
  assert.ok(c.ok && c.program.target === 'cbpf');
  assert.match(c.program.listing, /ldh +\[type\]/);
  assert.match(c.program.listing, /ld +\[ifidx\]/);
  const tc = compileBpf(ir, { target: 'ebpf', ctx: 'packet', progType: 'tc', ebpfFromCbpf: false });
  assert.ok(tc.ok && tc.program.target === 'ebpf');
  assert.match(tc.program.listing, /\*\(u32 \*\)\(r6 \+4\)/, '__sk_buff.pkt_type');
  assert.match(tc.program.listing, /\*\(u32 \*\)\(r6 \+40\)/, '__sk_buff.ifindex');
  const xdp = compileBpf(filter(cmp('eq', 4, false, pseudo('ifindex'), u(3))), {
    target: 'ebpf',
    ctx: 'packet',
    progType: 'xdp',
  });
  assert.ok(xdp.ok && xdp.program.target === 'ebpf');
  assert.match(xdp.program.listing, /\*\(u32 \*\)\(r6 \+12\)/, 'xdp_md.ingress_ifindex');
});

test('pkttype / ifindex: refusals name the reason', () => {
  const pk = filter(cmp('eq', 4, false, pseudo('pkttype'), u(4)));
  const x = compileBpf(pk, { target: 'ebpf', ctx: 'packet', progType: 'xdp' });
  assert.ok(!x.ok);
  assert.match(x.diagnostics[0]!.message, /XDP has no pkt_type/);
  const t = compileBpf(pk, { target: 'ebpf', ctx: 'tracepoint' });
  assert.ok(!t.ok);
  assert.match(t.diagnostics[0]!.message, /needs a packet context/);
  const cpu = compileBpf(filter(cmp('eq', 4, false, pseudo('cpu'), u(0))), { target: 'cbpf', ctx: 'packet' });
  assert.ok(!cpu.ok);
  assert.match(cpu.diagnostics[0]!.message, /not available to classic BPF/);
  const cpuE = compileBpf(filter(cmp('eq', 4, false, pseudo('cpu'), u(0))), {
    target: 'ebpf',
    ctx: 'packet',
    progType: 'tc',
  });
  assert.ok(!cpuE.ok);
  assert.match(cpuE.diagnostics[0]!.message, /needs --ctx tracepoint/);
});

/** fn throws tfc's Unsupported with a message matching re. */
const refuses = (fn: () => unknown, re: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof Unsupported && re.test(e.message));

test('socket filters and tc read __sk_buff; XDP only its ingress ifindex', () => {
  const want = {
    pkttype: [4, 'pkt_type'],
    ifindex: [40, 'ifindex'],
    vlan_present: [20, 'vlan_present'],
    vlan_tci: [24, 'vlan_tci'],
  } as const;
  for (const progType of ['socket', 'tc', undefined] as const)
    for (const [name, [offset, cField]] of Object.entries(want) as [
      keyof typeof want,
      (typeof want)[keyof typeof want],
    ][])
      assert.deepEqual(packetMetaField('packet', progType, name), { offset, cField }, `${progType} ${name}`);
  assert.deepEqual(packetMetaField('packet', 'xdp', 'ifindex'), { offset: 12, cField: 'ingress_ifindex' });
  for (const name of ['pkttype', 'vlan_present', 'vlan_tci'] as const)
    refuses(() => packetMetaField('packet', 'xdp', name), /XDP has no/);
  refuses(() => packetMetaField('packet', 'xdp', 'vlan_tci'), /no VLAN metadata/);
});

test('which pseudo-fields are packet metadata, and where none is served', () => {
  assert.deepEqual(PSEUDO_NAMES.filter(isPacketMeta), ['pkttype', 'ifindex', 'vlan_present', 'vlan_tci']);
  refuses(() => packetMetaField('packet', 'socket', 'cpu'), /needs --ctx tracepoint/);
  refuses(() => packetMetaField('skb', undefined, 'vlan_present'), /capture record/);
  refuses(() => packetMetaField('tracepoint', undefined, 'vlan_tci'), /needs a packet context/);
});
