// The VM: one test per instruction family with the kernel rule it follows (net/core/filter.c as converted by
// bpf_convert_filter), libpcap-mode differences, and the corpus verdicts of libpcap 1.10.3 on 35 frames.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { RawInsn, VmContext, VmOptions } from '../../src/cbpf/index.ts';
import { compileVm, parseBpfAsm, run, tryCompileVm } from '../../src/cbpf/index.ts';
import { arbKernelProgram } from './arbitraries.ts';
import { corpusPrograms, frames, verdicts } from './corpus.ts';

const PKT = Uint8Array.from({ length: 16 }, (_, i) => i * 0x11); // 00 11 22 ... ff

function asm(src: string): RawInsn[] {
  const r = parseBpfAsm(src);
  if (!r.ok) assert.fail(`${r.error} at line ${r.line}`);
  return r.program;
}

/** Runs in the given mode and also through compileVm; both must agree. */
function res(src: string | RawInsn[], opts: VmOptions = {}, pkt: Uint8Array = PKT): number | string {
  const p = typeof src === 'string' ? asm(src) : src;
  const r = run(p, pkt, opts);
  const c = tryCompileVm(p, opts);
  if ('error' in r) {
    if (c.ok) assert.equal(c.fn(pkt), -1, 'compileVm must signal the runtime error');
    return r.error;
  }
  assert.ok(c.ok);
  assert.equal(c.fn(pkt), r.result, 'compileVm and run disagree');
  return r.result;
}
const both = (src: string, pkt?: Uint8Array, ctx?: VmContext) => {
  const k = res(src, ctx ? { ctx } : {}, pkt);
  const l = res(src, ctx ? { semantics: 'libpcap', ctx } : { semantics: 'libpcap' }, pkt);
  return [k, l];
};

test('ret #k / ret a return the u32 value; A = X = 0 at entry', () => {
  assert.deepEqual(both('ret #0xffffffff'), [0xffffffff, 0xffffffff]);
  assert.deepEqual(both('ret a'), [0, 0]);
  assert.deepEqual(both('txa\nret a'), [0, 0]);
});

test('absolute loads are big-endian; a load past the end returns 0 (both semantics)', () => {
  assert.deepEqual(both('ld [0]\nret a'), [0x00112233, 0x00112233]);
  assert.deepEqual(both('ldh [14]\nret a'), [0xeeff, 0xeeff]);
  assert.deepEqual(both('ldb [15]\nret a'), [0xff, 0xff]);
  assert.deepEqual(both('ld [13]\nret #1'), [0, 0]);
  assert.deepEqual(both('ldh [15]\nret #1'), [0, 0]);
  assert.deepEqual(both('ldb [16]\nret #1'), [0, 0]);
  assert.deepEqual(both('ld [0x7fffffff]\nret #1'), [0, 0]);
});

test('indirect loads: kernel wraps X + k to a signed 32-bit offset, libpcap rejects overflow', () => {
  assert.deepEqual(both('ldx #2\nldh [x + 3]\nret a'), [0x5566, 0x5566]);
  assert.deepEqual(both('ldx #14\nld [x + 0]\nret #1'), [0, 0]);
  // X = 0xffffffff, k = 2: kernel offset 1 (wrap), libpcap out of range
  assert.deepEqual(both('ldx #0xffffffff\nldb [x + 2]\nret a'), [0x11, 0]);
});

test('SKF_NET_OFF / SKF_LL_OFF loads (kernel: bpf_internal_load_pointer_neg_helper)', () => {
  const net = asm('ldb [0xfff00001]\nret a');
  assert.equal(res(net, { ctx: { netOffset: 14 } }), 0xff);
  assert.equal(res(net, { ctx: { netOffset: 15 } }), 0); // past the end
  assert.equal(res(net), 0); // no network header known
  assert.equal(res('ldh [0xffe00002]\nret a'), 0x2233);
  assert.equal(res('ldh [0xffe00002]\nret a', { ctx: { macOffset: 4 } }), 0x6677);
  assert.equal(res('ldh [0xffe00002]\nret #1', { ctx: { macOffset: -1 } }), 0); // AF_UNIX: no mac header
  assert.equal(res('ldx #0xfff00000\nldb [x + 0]\nret a', { ctx: { netOffset: 3 } }), 0x33);
  assert.equal(res('ldxb 4*([0xffe00001]&0xf)\ntxa\nret a'), 4);
  assert.equal(res('ld [0x80000000]\nret #1'), 0); // below SKF_LL_OFF
  assert.deepEqual(both('ldb [0xffe00000]\nret #1'), [1, 0]);
});

test('ancillary loads take the context; libpcap has no ancillary data', () => {
  const ctx: VmContext = {
    protocol: 0x86dd,
    pkttype: 3,
    ifindex: 7,
    mark: 0xdeadbeef,
    queue: 2,
    hatype: 1,
    rxhash: 0x12345678,
    cpu: 1,
    vlanTci: 0xa064,
    vlanPresent: true,
    vlanTpid: 0x88a8,
    payOffset: 34,
    random: 4,
  };
  const cases: [string, number][] = [
    ['proto', 0x86dd],
    ['type', 3],
    ['ifidx', 7],
    ['mark', 0xdeadbeef],
    ['queue', 2],
    ['hatype', 1],
    ['rxhash', 0x12345678],
    ['cpu', 1],
    ['vlan_tci', 0xa064],
    ['vlan_avail', 1],
    ['vlan_tpid', 0x88a8],
    ['poff', 34],
    ['rand', 4],
  ];
  for (const [name, want] of cases) {
    // the load size is ignored for ancillary loads (convert_bpf_extensions switches on k only)
    assert.equal(res(`ldb #${name}\nret a`, { ctx }), want, name);
    assert.equal(res(`ld #${name}\nret a`), 0, `${name} default`);
    assert.equal(res(`ld #${name}\nret #1`, { semantics: 'libpcap', ctx: {} }), 0, `${name} libpcap`);
  }
  assert.equal(res('ld #0xf0\nldx #0x0f\nld [0xfffff028]\nret a'), 0xff); // SKF_AD_ALU_XOR_X
  // no device (AF_UNIX): ifindex / hatype end the program with the current A
  assert.equal(res('ld #5\nld #ifidx\nret #0', { ctx: { noDevice: true } }), 5);
  assert.equal(res('ld #6\nld #hatype\nret #0', { ctx: { noDevice: true } }), 6);
  // libpcap reads vlan aux data only for ldb [vlan_tci] / ldb [vlanp], and only when it is supplied
  assert.equal(res('ldb #vlan_avail\nret a', { semantics: 'libpcap', ctx: { vlanPresent: true } }), 1);
  assert.equal(res('ldb #vlan_tci\nret a', { semantics: 'libpcap', ctx: { vlanTci: 0x64 } }), 0x64);
  assert.equal(res('ldh #vlan_tci\nret #1', { semantics: 'libpcap', ctx: { vlanTci: 0x64 } }), 0);
});

test('SKF_AD_NLATTR / NLATTR_NEST walk netlink attributes at offset A for type X', () => {
  // nlattr: { u16 len; u16 type } little-endian, padded to 4
  const msg = Uint8Array.from([
    0,
    0,
    0,
    0, // 4 bytes of header skipped by A = 4
    6,
    0,
    1,
    0,
    0xaa,
    0xbb,
    0,
    0, // attr type 1, len 6 (padded to 8)
    12,
    0,
    2,
    0x80, // attr type 2 | NLA_F_NESTED, len 12
    8,
    0,
    5,
    0,
    1,
    2,
    3,
    4, // nested attr type 5, len 8
  ]);
  const find = (t: number) => res(`ld #4\nldx #${t}\nld #nla\nret a`, {}, msg);
  assert.equal(find(1), 4);
  assert.equal(find(2), 12);
  assert.equal(find(5), 0);
  assert.equal(res('ld #12\nldx #5\nld #nlan\nret a', {}, msg), 16);
  assert.equal(res('ld #12\nldx #9\nld #nlan\nret a', {}, msg), 0);
  assert.equal(res('ld #100\nldx #1\nld #nla\nret a', {}, msg), 0);
});

test('ld #len / ldx #len give the packet length; immediates and scratch memory', () => {
  assert.deepEqual(both('ld #len\nret a'), [16, 16]);
  assert.deepEqual(both('ldx #len\ntxa\nret a'), [16, 16]);
  assert.deepEqual(
    both('ld #7\nst M[15]\nldx #9\nstx M[0]\nld M[0]\nadd #0\nldx M[15]\nadd x\nret a'),
    [16, 16],
  );
});

test('ldxb 4*([k]&0xf) loads the IPv4 header length form; past the end returns 0', () => {
  assert.deepEqual(both('ldxb 4*([1]&0xf)\ntxa\nret a'), [4, 4]);
  assert.deepEqual(both('ldxb 4*([16]&0xf)\nret #1'), [0, 0]);
});

test('ALU with constants and X, all mod 2^32', () => {
  const k = (op: string, a: number, v: number) => both(`ld #${a}\n${op} #${v}\nret a`);
  assert.deepEqual(k('add', 0xffffffff, 2), [1, 1]);
  assert.deepEqual(k('sub', 1, 2), [0xffffffff, 0xffffffff]);
  assert.deepEqual(k('mul', 0x10000, 0x10001), [0x10000, 0x10000]);
  assert.deepEqual(k('div', 0xffffffff, 16), [0x0fffffff, 0x0fffffff]);
  assert.deepEqual(k('mod', 100, 7), [2, 2]);
  assert.deepEqual(k('and', 0xf0f0, 0xff00), [0xf000, 0xf000]);
  assert.deepEqual(k('or', 0xf0, 0x0f), [0xff, 0xff]);
  assert.deepEqual(k('xor', 0xff, 0x0f), [0xf0, 0xf0]);
  assert.deepEqual(k('lsh', 1, 31), [0x80000000, 0x80000000]);
  assert.deepEqual(k('rsh', 0x80000000, 31), [1, 1]);
  const x = (op: string, a: number, v: number) => both(`ld #${a}\nldx #${v}\n${op} x\nret a`);
  assert.deepEqual(x('add', 0xffffffff, 2), [1, 1]);
  assert.deepEqual(x('mul', 3, 0x55555556), [2, 2]);
  assert.deepEqual(x('div', 7, 2), [3, 3]);
  assert.deepEqual(x('mod', 7, 4), [3, 3]);
  assert.deepEqual(both('ld #1\nneg\nret a'), [0xffffffff, 0xffffffff]);
  assert.deepEqual(both('ld #0x80000000\nneg\nret a'), [0x80000000, 0x80000000]);
});

test('division and modulo by X == 0 return 0 (kernel: "if X == 0 return 0"; libpcap: same)', () => {
  assert.deepEqual(both('ld #5\ndiv x\nret #1'), [0, 0]);
  assert.deepEqual(both('ld #5\nmod x\nret #1'), [0, 0]);
});

test('shifts by X >= 32: kernel masks to X & 31 (eBPF ALU32), libpcap gives 0', () => {
  assert.deepEqual(both('ld #1\nldx #33\nlsh x\nret a'), [2, 0]);
  assert.deepEqual(both('ld #0x80000000\nldx #33\nrsh x\nret a'), [0x40000000, 0]);
  // constant shifts >= 32: kernel rejects the program, libpcap shifts by k & 31
  assert.match(String(res('ld #1\nlsh #33\nret a')), /kernel rejects/);
  assert.equal(res('ld #1\nlsh #33\nret a', { semantics: 'libpcap' }), 2);
});

test('jumps compare unsigned; jset tests A & k != 0; ja is relative', () => {
  const j = (cond: string, a: number, v: number) =>
    both(`ld #${a}\n${cond} #${v}, yes, no\nno: ret #0\nyes: ret #1`);
  assert.deepEqual(j('jeq', 5, 5), [1, 1]);
  assert.deepEqual(j('jgt', 0x80000000, 1), [1, 1]);
  assert.deepEqual(j('jgt', 5, 5), [0, 0]);
  assert.deepEqual(j('jge', 5, 5), [1, 1]);
  assert.deepEqual(j('jset', 6, 1), [0, 0]);
  assert.deepEqual(j('jset', 6, 2), [1, 1]);
  assert.deepEqual(both('ldx #9\nld #9\njeq x, yes, no\nno: ret #0\nyes: ret #1'), [1, 1]);
  assert.deepEqual(both('ja over\nret #0\nover: ret #1'), [1, 1]);
  assert.deepEqual(both('tax\nld #3\ntxa\nret a'), [0, 0]);
});

test('kernel mode refuses programs the kernel checker rejects; libpcap mode reports its aborts', () => {
  assert.match(String(res('ld #1')), /the kernel rejects this program: instruction 0: the last instruction/);
  assert.equal(res('ld #1', { semantics: 'libpcap' }), 'execution fell off the end of the program');
  assert.match(
    String(res([{ code: 0x0e, jt: 0, jf: 0, k: 0 }], { semantics: 'libpcap' })),
    /not implemented/,
  );
  assert.match(String(res('ld #1\ndiv #0\nret a', { semantics: 'libpcap' })), /SIGFPE/);
  assert.throws(() => compileVm(asm('ld #1')), /kernel rejects/);
  assert.deepEqual(run([], PKT), {
    error: 'the kernel rejects this program: empty program (the kernel requires 1..4096 instructions)',
  });
});

test('libpcap: backward ja (ip6 protochain) runs; fuel bounds endless loops', () => {
  // 0: ja +1 -> 2; 1: ret #7; 2: ja -2 -> 1
  const p: RawInsn[] = [
    { code: 0x05, jt: 0, jf: 0, k: 1 },
    { code: 0x06, jt: 0, jf: 0, k: 7 },
    { code: 0x05, jt: 0, jf: 0, k: 0xfffffffe },
  ];
  assert.equal(res(p, { semantics: 'libpcap' }), 7);
  const loop: RawInsn[] = [
    { code: 0x00, jt: 0, jf: 0, k: 0 },
    { code: 0x05, jt: 0, jf: 0, k: 0xfffffffe },
    { code: 0x06, jt: 0, jf: 0, k: 0 },
  ];
  assert.deepEqual(run(loop, PKT, { semantics: 'libpcap', fuel: 1000 }), {
    error: 'fuel exhausted after 1000 steps',
    steps: 1000,
  });
});

test('steps count executed instructions; trace records pc, A, X before each one', () => {
  const r = run(asm('ld #2\ntax\nret a'), PKT, { trace: true });
  assert.deepEqual(r, {
    result: 2,
    steps: 3,
    trace: [
      { pc: 0, a: 0, x: 0 },
      { pc: 1, a: 2, x: 0 },
      { pc: 2, a: 2, x: 2 },
    ],
  });
});

test('compileVm agrees with run on random kernel-valid programs and packets', () => {
  fc.assert(
    fc.property(
      arbKernelProgram(24),
      fc.uint8Array({ maxLength: 64 }),
      fc.integer({ min: 0, max: 40 }),
      (p, pkt, net) => {
        for (const semantics of ['kernel', 'libpcap'] as const) {
          const opts = { semantics, ctx: { netOffset: net, vlanPresent: true, mark: 5 } };
          const r = run(p, pkt, opts);
          const fn = compileVm(p, opts);
          assert.equal(fn(pkt), 'error' in r ? -1 : r.result);
          assert.equal(fn(pkt), fn(pkt)); // no state leaks between packets
        }
      },
    ),
    { numRuns: 500 },
  );
});

test('corpus verdicts: every program on every frame matches libpcap 1.10.3 (kernel and libpcap semantics)', () => {
  const fs = frames();
  assert.equal(fs.length, 35);
  const vs = verdicts();
  let checked = 0;
  for (const p of corpusPrograms()) {
    const m = /^(unopt\/|master\/)?(\d\d)-/.exec(p.path);
    if (m === null) continue; // raw/ and live-lo/ have no offline Ethernet verdicts
    const v = vs.find((x) => x.n === Number(m[2]))!;
    const want = m[1] === 'unopt/' ? v.v1_10_3_unopt : m[1] === 'master/' ? v.master_opt : v.v1_10_3_opt;
    assert.ok(want !== null, p.path);
    const backward = p.path.includes('protochain');
    for (const semantics of backward ? (['libpcap'] as const) : (['kernel', 'libpcap'] as const)) {
      const fn = compileVm(p.program, { semantics });
      const got = fs.map((f) => (fn(f.bytes) === 0 ? 0 : 1));
      assert.deepEqual(got, want, `${p.path} (${semantics})`);
      checked++;
    }
  }
  // 64 main + 64 unopt + 65 master programs; protochain (3 of them) only in libpcap mode
  assert.equal(checked, (64 + 64 + 65) * 2 - 3);
});

test('throughput (reported, not asserted): corpus programs over the 35 frames', (t) => {
  const fs = frames().map((f) => f.bytes);
  const progs = corpusPrograms()
    .filter((p) => !p.path.includes('/') && !p.path.includes('protochain'))
    .map((p) => compileVm(p.program));
  let insns = 0;
  for (const p of corpusPrograms().filter((q) => !q.path.includes('/') && !q.path.includes('protochain'))) {
    for (const f of fs) {
      const r = run(p.program, f);
      if ('steps' in r && r.steps !== undefined) insns += r.steps;
    }
  }
  const rounds = 400;
  const t0 = process.hrtime.bigint();
  let sink = 0;
  for (let i = 0; i < rounds; i++) for (const fn of progs) for (const f of fs) sink ^= fn(f);
  const ns = Number(process.hrtime.bigint() - t0);
  const perSec = (insns * rounds) / (ns / 1e9);
  t.diagnostic(
    `cBPF VM: ${(perSec / 1e6).toFixed(1)} M instructions/s over ${insns * rounds} (sink ${sink})`,
  );
  assert.ok(insns > 0);
});
