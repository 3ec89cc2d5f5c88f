// The `chain` leaf (libpcap's protochain walk, @tfc/ir chain.ts) in both BPF generators, against the IR evaluator
// (which packages/pcap/test/protochain.test.ts holds equal to libpcap 1.10.3): eBPF (ebpf/chain-leaf.ts, a may_goto
// loop) in the VM for socket, tc and xdp, and as root loaded by the kernel's verifier and run (BPF_PROG_TEST_RUN for
// tc and xdp, a socket with SO_ATTACH_BPF for socket filters) on chains of 0..100 and several hundred headers and on
// random walks, looping AH walks included (rejected at the bound: 32,768 turns); cBPF (cbpf/chain-leaf.ts, unrolled
// CBPF_CHAIN_DEPTH steps) equal up to its depth and rejecting beyond it (pinned), its size linear in the depth and
// the worst filters well under the kernel's 4,096 instructions; eBPF without may_goto (bpfFeatures.mayGoto false:
// the eBPF generator's unrolled walk, and with ebpfFromCbpf the translated classic walk for socket filters, the
// generator's again for tc and xdp) equal to the IR walk bounded by
// CBPF_CHAIN_DEPTH in the VM and, as root, in the kernel, never holding a may_goto (a property over random filters);
// the listings against golden/chain-leaf.txt. Kernel steps skip with the reason without bpf(2).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import * as cbpf from '@tfc/bpf/cbpf';
import * as ebpf from '@tfc/bpf/ebpf';
import {
  and,
  chain,
  cmp,
  evaluate,
  type Filter,
  filter,
  konst,
  load,
  mapPred,
  not,
  or,
  type Pred,
} from '@tfc/ir';
import { probeFeatures } from '@tfc/kernel/sys';
import { connectivesOver } from '@tfc/testkit/ir';
import fc from 'fast-check';
import { CBPF_CHAIN_DEPTH } from '../src/cbpf/chain-leaf.ts';
import { compileBpf, type EbpfProgram, type ProgType } from '../src/index.ts';
import { kernelVerdicts, vmMaps } from './maps.ts';

const F = probeFeatures();
const sys = F.syscalls.ok ? F.syscalls.value : undefined;
const skipKernel = sys === undefined ? 'bpf(2) unavailable' : F.testRun.ok ? false : F.testRun.reason;
const SEED = Number(process.env.TFC_SEED ?? 1818);
const AH = 51;
const PROG_TYPES = ['socket', 'tc', 'xdp'] as const;

const ethertype = (net: number, v: number): Pred =>
  cmp('eq', 2, false, load('packet', net - 2, 2, 'be'), konst(v));
const walk6 = (net: number, proto: number) => and(ethertype(net, 0x86dd), chain('ip6', net, proto));
const walk4 = (net: number, proto: number) => and(ethertype(net, 0x800), chain('ip', net, proto));

/** Filters as the pcap front end lowers them (Ethernet, and behind one VLAN tag: net 18). */
const FILTERS: readonly [string, Filter][] = [
  ['ip6 protochain 6', filter(walk6(14, 6))],
  ['protochain 17', filter(or(walk4(14, 17), walk6(14, 17)))],
  ['not ip protochain 58', filter(not(walk4(14, 58)))],
  ['vlan and ip6 protochain 59', filter(walk6(18, 59))],
];

/** IPv6 (behind `pre`, ending in the EtherType) with `n` headers of `kinds` in turn then `last`; an AH points right
 *  after itself (1.10.3: X = (len + 2) · 4, possible while X ≤ 1,020). */
function chain6(pre: readonly number[], n: number, last: number, kinds: readonly number[]): Uint8Array {
  const types = Array.from({ length: n + 1 }, (_, i) => (i < n ? kinds[i % kinds.length]! : last));
  const hdrs: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = 40 + 8 * i;
    hdrs.push(types[i + 1]!, types[i] === AH ? ((x + 8) / 4 - 2) & 0xff : 0, 0, 0, 0, 0, 0, 0);
  }
  const ip6 = [0x60, 0, 0, 0, 0, 0, types[0]!, 64, ...Array(32).fill(1)];
  return Uint8Array.from([...pre, ...ip6, ...hdrs, ...Array(8).fill(0)]);
}

const ETH6 = [...Array(12).fill(0x11), 0x86, 0xdd];
const VLAN6 = [...Array(12).fill(0x11), 0x81, 0x00, 0, 7, 0x86, 0xdd];

/** Chains of `counts` headers (AH chains at most 120: past X = 1,020 the AH cannot point on), each shape and last
 *  protocol, whole and cut. */
function chainsOf(counts: Iterable<number>): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const n of counts)
    for (const last of [6, 17, 58, 59])
      for (const [pre, kinds] of [
        [ETH6, [0, 43, 60, 44]],
        [VLAN6, [60, 43]],
        [ETH6, [0, AH]],
      ] as const) {
        const f = chain6(pre, (kinds as readonly number[]).includes(AH) ? Math.min(n, 120) : n, last, kinds);
        out.push(f, f.subarray(0, f.length - 9));
      }
  return out;
}

/** Chains of 0..100 and several hundred headers, whole and cut. */
const chainFrames = (): Uint8Array[] => chainsOf([...Array(101).keys(), 150, 333, 1000, 4000]);

/** Random bytes behind an Ethernet (IPv4 or IPv6) header, a walk planted where it goes; AH headers may loop. */
const randomWalk = fc
  .record({
    ip6: fc.boolean(),
    steps: fc.array(
      fc.record({
        kind: fc.constantFrom(0, 43, 44, 60, AH, -1, 6, 17, 59),
        len: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 255 })),
      }),
      { maxLength: 24 },
    ),
    tail: fc.constantFrom(6, 17, 58, 59),
    size: fc.integer({ min: 30, max: 1400 }),
    fill: fc.integer({ min: 0, max: 0xffffff }),
  })
  .map(({ ip6, steps, tail, size, fill }) => {
    const f = new Uint8Array(14 + size);
    let r = fill;
    for (let i = 14; i < f.length; i++) {
      r = (Math.imul(r, 1103515245) + 12345) >>> 0;
      f[i] = r >>> 24;
    }
    f.set([...Array(12).fill(0x22), ...(ip6 ? [0x86, 0xdd] : [0x08, 0x00])]);
    const put = (k: number, v: number) => {
      if (k < f.length) f[k] = v;
    };
    const ihl = ip6 ? 0 : 5 + (fill % 11);
    put(14, ip6 ? 0x60 : 0x40 | ihl);
    let typeAt = 14 + (ip6 ? 6 : 9);
    let x = ip6 ? 40 : ihl * 4;
    for (const s of steps) {
      const back = s.kind === -1 && x >= 8 && x <= 1028;
      const kind = s.kind === -1 ? AH : s.kind;
      put(typeAt, kind);
      if (kind !== AH && !(ip6 && [0, 43, 44, 60].includes(kind))) return f;
      typeAt = 14 + x;
      const len = back ? x / 4 - 2 : s.len;
      put(14 + x + 1, len);
      x = kind === AH ? (len + 2) * 4 : x + (len + 1) * 8;
      if (back) {
        put(typeAt, AH);
        return f;
      }
    }
    put(typeAt, tail);
    return f;
  });

function vmInput(pt: ProgType, f: Uint8Array): ebpf.VmInput {
  if (pt === 'tc') return ebpf.skbTestRunInput(f, 'tc');
  if (pt === 'xdp') return ebpf.xdpTestRunInput(f);
  return { kind: 'skb', packet: f };
}

/** Without may_goto: the eBPF generator's unrolled walk (`gen`) or the translated classic walk (`cbpf`). */
type Unrolled = 'gen' | 'cbpf';

function ebpfOf(ir: Filter, pt: ProgType, unrolled?: Unrolled): EbpfProgram {
  const r = compileBpf(ir, {
    target: 'ebpf',
    ctx: 'packet',
    progType: pt,
    ...(unrolled === undefined ? {} : { bpfFeatures: { mayGoto: false }, ebpfFromCbpf: unrolled === 'cbpf' }),
  });
  assert.ok(r.ok, r.ok ? '' : r.diagnostics.map((d) => d.message).join('; '));
  return r.program as EbpfProgram;
}

test('chain leaf, eBPF VM (socket, tc, xdp): chains of 0..4,000 headers and random walks decide as the IR evaluator', () => {
  const frames = [...chainFrames(), ...fc.sample(randomWalk, { numRuns: 600, seed: SEED })];
  let pairs = 0;
  for (const [name, ir] of FILTERS)
    for (const pt of PROG_TYPES) {
      const p = ebpfOf(ir, pt);
      assert.ok(
        p.insns.length < 200,
        `${name} ${pt}: ${p.insns.length} instructions (a loop, not an unrolling)`,
      );
      const maps = vmMaps(p);
      for (const f of frames) {
        const want = evaluate(ir, { packet: f }) === 'accept' ? p.onMatch : p.onMiss;
        const got = ebpf.run(p.insns as ebpf.Insn[], vmInput(pt, f), { env: { maps }, fuel: 50_000_000 });
        assert.ok(got.ok, got.ok ? '' : `${name} ${pt}: ${got.error}`);
        assert.equal(
          Number(got.r0 & 0xffffffffn),
          want,
          `${name} ${pt} on ${Buffer.from(f).toString('hex')}`,
        );
        pairs++;
      }
    }
  console.log(`# chain leaf (eBPF VM): ${pairs} (program, frame) pairs agree with the IR evaluator`);
});

test('chain leaf, kernel: eBPF without may_goto (unrolled and translated) loads and decides as the IR bounded by the depth', {
  skip: skipKernel,
}, () => {
  const frames = depthFrames(SEED + 6, 200);
  const counts = { programs: 0, pairs: 0 };
  for (const [name, ir] of FILTERS) {
    const classic = bounded(ir, CBPF_CHAIN_DEPTH);
    for (const pt of PROG_TYPES)
      for (const how of ['gen', 'cbpf'] as const) {
        const p = ebpfOf(ir, pt, how);
        const got = kernelVerdicts(sys, p, pt, frames);
        counts.programs++;
        frames.forEach((f, i) => {
          if (got[i] === undefined) return;
          const want = evaluate(classic, { packet: f }) === 'accept' ? p.onMatch : p.onMiss;
          assert.equal(got[i], want, `kernel ${pt} ${how} ${name} on ${Buffer.from(f).toString('hex')}`);
          counts.pairs++;
        });
      }
  }
  console.log(
    `# chain leaf (kernel, no may_goto): ${counts.programs} programs loaded, ${counts.pairs} (program, frame) pairs agree`,
  );
  assert.ok(counts.programs === FILTERS.length * 6 && counts.pairs > frames.length * 16);
});

/** The filter with every walk bounded by `bound` steps: what the classic unrolling decides. */
function bounded(ir: Filter, bound: number): Filter {
  return { ...ir, body: mapPred(ir.body, (p) => (p.kind === 'chain' ? { ...p, bound } : p)) };
}

const hasMayGoto = (p: EbpfProgram) => p.insns.some((i) => i.code === ebpf.OPCODE.mayGoto && i.src === 0);

/** Frames for the unrolled walks: chains around the depth (0..CBPF_CHAIN_DEPTH + 20 headers) and random walks. */
function depthFrames(seed: number, runs: number): Uint8Array[] {
  return [
    ...fc.sample(randomWalk, { numRuns: runs, seed }),
    ...chainsOf(Array(CBPF_CHAIN_DEPTH + 21).keys()),
  ];
}

test(`chain leaf, eBPF without may_goto (VM; socket, tc, xdp; unrolled and translated): the IR walk bounded by ${CBPF_CHAIN_DEPTH} steps, no may_goto, linear in the depth`, () => {
  const frames = depthFrames(SEED + 3, 400);
  let pairs = 0;
  let beyond = 0;
  for (const [name, ir] of FILTERS) {
    const classic = bounded(ir, CBPF_CHAIN_DEPTH);
    for (const pt of PROG_TYPES)
      for (const how of ['gen', 'cbpf'] as const) {
        const p = ebpfOf(ir, pt, how);
        assert.ok(!hasMayGoto(p), `${name} ${pt} ${how}: a may_goto`);
        assert.ok(p.insns.length < 4096, `${name} ${pt} ${how}: ${p.insns.length} instructions`);
        const maps = vmMaps(p);
        for (const f of frames) {
          const want = evaluate(classic, { packet: f }) === 'accept' ? p.onMatch : p.onMiss;
          const got = ebpf.run(p.insns as ebpf.Insn[], vmInput(pt, f), { env: { maps } });
          assert.ok(got.ok, got.ok ? '' : `${name} ${pt} ${how}: ${got.error}`);
          const hex = Buffer.from(f).toString('hex');
          assert.equal(Number(got.r0 & 0xffffffffn), want, `${name} ${pt} ${how} on ${hex}`);
          if ((evaluate(ir, { packet: f }) === 'accept') !== (want === p.onMatch)) beyond++;
          pairs++;
        }
      }
  }
  console.log(
    `# chain leaf (eBPF, no may_goto, VM): ${pairs} (program, frame) pairs agree with the IR bounded by ${CBPF_CHAIN_DEPTH}; ${beyond} of them walks past it that the exact walk decides otherwise`,
  );
  assert.ok(beyond > 0);
});

test('chain leaf, eBPF without may_goto: property — random filters of walks and compares never hold a may_goto and decide as the bounded IR (VM)', () => {
  const leaf = fc.oneof(
    fc
      .record({ v6: fc.boolean(), net: fc.constantFrom(14, 18, 22), proto: fc.integer({ min: 0, max: 300 }) })
      .map(({ v6, net, proto }) => (v6 ? walk6(net, proto) : walk4(net, proto))),
    fc
      .record({ off: fc.integer({ min: 0, max: 80 }), v: fc.integer({ min: 0, max: 255 }) })
      .map(({ off, v }) => cmp('eq', 1, false, load('packet', off, 1, 'be'), konst(v))),
  );
  const pred = connectivesOver(leaf);
  const frames = depthFrames(SEED + 4, 40).filter((_, i) => i % 7 === 0);
  let programs = 0;
  fc.assert(
    fc.property(
      pred,
      fc.constantFrom(...PROG_TYPES),
      fc.constantFrom('gen', 'cbpf'),
      (body, pt, how: Unrolled) => {
        const ir = filter(body);
        const r = compileBpf(ir, {
          target: 'ebpf',
          ctx: 'packet',
          progType: pt,
          bpfFeatures: { mayGoto: false },
          ebpfFromCbpf: how === 'cbpf',
        });
        if (!r.ok) return; // a filter beyond a size limit is refused by name, never looped
        const p = r.program as EbpfProgram;
        assert.ok(!hasMayGoto(p), p.listing);
        const classic = bounded(ir, CBPF_CHAIN_DEPTH);
        const maps = vmMaps(p);
        for (const f of frames) {
          const want = evaluate(classic, { packet: f }) === 'accept' ? p.onMatch : p.onMiss;
          const got = ebpf.run(p.insns as ebpf.Insn[], vmInput(pt, f), { env: { maps } });
          assert.ok(got.ok, got.ok ? '' : got.error);
          assert.equal(Number(got.r0 & 0xffffffffn), want);
        }
        programs++;
      },
    ),
    { numRuns: 150, seed: SEED + 5 },
  );
  console.log(
    `# chain leaf (eBPF, no may_goto, property): ${programs} random programs without may_goto agree`,
  );
  assert.ok(programs > 100);
});

test('chain leaf, kernel: the verifier takes every program; test runs and socket filters decide as the IR evaluator', {
  skip: skipKernel,
}, () => {
  const frames = [
    ...chainFrames().filter((f) => f.length <= 3000),
    ...fc.sample(randomWalk, { numRuns: 300, seed: SEED + 1 }),
  ];
  const counts = { programs: 0, pairs: 0, loops: 0 };
  for (const [name, ir] of FILTERS)
    for (const pt of PROG_TYPES) {
      const p = ebpfOf(ir, pt);
      const got = kernelVerdicts(sys, p, pt, frames);
      counts.programs++;
      frames.forEach((f, i) => {
        if (got[i] === undefined) return;
        const want = evaluate(ir, { packet: f }) === 'accept' ? p.onMatch : p.onMiss;
        assert.equal(got[i], want, `kernel ${pt} ${name} on ${Buffer.from(f).toString('hex')}`);
        counts.pairs++;
      });
    }
  console.log(
    `# chain leaf (kernel): ${counts.programs} programs loaded, ${counts.pairs} (program, frame) pairs agree`,
  );
  assert.ok(counts.programs === FILTERS.length * 3 && counts.pairs > frames.length * 8);
});

test(`chain leaf, cBPF: the IR walk bounded by ${CBPF_CHAIN_DEPTH} steps — equal to the IR up to ${CBPF_CHAIN_DEPTH} headers, rejecting beyond (pinned); linear and small`, () => {
  let equal = 0;
  let beyond = 0;
  const walks = fc.sample(randomWalk, { numRuns: 600, seed: SEED + 2 });
  for (const [name, ir] of FILTERS) {
    const r = compileBpf(ir, { target: 'cbpf', ctx: 'packet' });
    assert.ok(r.ok, name);
    const insns = r.program.insns as cbpf.RawInsn[];
    const classic = bounded(ir, CBPF_CHAIN_DEPTH);
    const frames: Uint8Array[] = [...walks];
    for (let n = 0; n <= CBPF_CHAIN_DEPTH + 20; n++)
      for (const last of [6, 17, 58, 59])
        for (const pre of [ETH6, VLAN6]) frames.push(chain6(pre, n, last, [0, 43, 60, 44]));
    for (const f of frames) {
      const got = cbpf.run(insns, f);
      assert.ok(!('error' in got));
      const hex = Buffer.from(f).toString('hex');
      assert.equal(got.result !== 0, evaluate(classic, { packet: f }) === 'accept', `${name} on ${hex}`);
      if ((evaluate(ir, { packet: f }) === 'accept') === (got.result !== 0)) equal++;
      else {
        // only a walk past the classic depth differs: libpcap (and the IR) accept, cBPF rejects
        assert.equal(got.result, 0, `${name} on ${hex}`);
        beyond++;
      }
    }
  }
  console.log(
    `# chain leaf (cBPF): ${equal} (filter, frame) pairs agree with the IR; ${beyond} walks past ${CBPF_CHAIN_DEPTH} headers rejected where the IR accepts`,
  );
  assert.ok(beyond > 0);
  // The worst single filters: two walks (ip and ip6) behind vlan and pppoes offsets; and four.
  const sizes: string[] = [];
  for (const [name, ir, max] of [
    ['ip6 protochain 6 or ip protochain 6 (vlan)', filter(or(walk6(18, 6), walk4(18, 6))), 1200],
    ['ip6 protochain 6 or ip protochain 6 (pppoes)', filter(or(walk6(22, 6), walk4(22, 6))), 1200],
    [
      'protochain 6 or protochain 17',
      filter(or(walk4(14, 6), walk6(14, 6), walk4(14, 17), walk6(14, 17))),
      2400,
    ],
  ] as const) {
    const r = compileBpf(ir, { target: 'cbpf', ctx: 'packet' });
    assert.ok(r.ok, name);
    const n = r.program.insns.length;
    assert.ok(n <= max, `${name}: ${n} cBPF instructions`);
    sizes.push(`${name}: ${n}`);
  }
  console.log(`# chain leaf (cBPF sizes): ${sizes.join('; ')}`);
});

test('chain leaf listings (golden/chain-leaf.txt): eBPF socket, tc, xdp and cBPF of ip6 protochain 6', () => {
  const ir = FILTERS[0]![1];
  const parts: string[] = [];
  for (const pt of PROG_TYPES)
    parts.push(`; ip6 protochain 6, eBPF ${pt}\n${ebpfOf(ir, pt).listing.trimEnd()}`);
  const c = compileBpf(ir, { target: 'cbpf', ctx: 'packet' });
  assert.ok(c.ok);
  parts.push(`; ip6 protochain 6, cBPF (tcpdump -d)\n${c.program.listing.trimEnd()}`);
  const text = `${parts.join('\n\n')}\n`;
  const url = new URL('./golden/chain-leaf.txt', import.meta.url);
  // TFC_GOLDEN_RECORD=1 rewrites the file (only for an intended change)
  if (process.env.TFC_GOLDEN_RECORD === '1') writeFileSync(url, text);
  assert.equal(text, readFileSync(url, 'utf8'));
});
