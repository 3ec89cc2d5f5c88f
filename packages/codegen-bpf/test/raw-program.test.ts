// The raw tracepoint context (raw/program.ts) on a hand-made layout of syscalls:sys_enter_lseek: the guard on the
// syscall number, record loads served from the arguments (whole fields, sub-field loads shifted, byte order and sign
// as the load says), the record built on the stack and output to the ring buffer, the modes, and the refusals of
// uncovered fields and string predicates; in the eBPF VM, sched_switch's report state against a transcription of
// the kernel's __trace_sched_switch_state() and a NULL-safe load. The live proof against the kernel is
// packages/tracepoint-test/test/raw-tracepoint-live.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMap, run } from '@tfc/bpf/ebpf';
import { compileBpf, type RawEventLayout, type RawMode, type RawSource } from '@tfc/codegen-bpf';
import { cmp, filter, load, type Pred, str } from '@tfc/ir';
import fc from 'fast-check';

const regs = (offset: number) => ({
  arg: 0,
  path: [{ offset, size: 8 }],
  access: 'btf' as const,
  signed: false,
});

const LSEEK: RawEventLayout = {
  event: 'syscalls/sys_enter_lseek',
  eventId: 844,
  tracepoint: 'sys_enter',
  source: 'test',
  recordSize: 40,
  guard: { value: { arg: 1, path: [], access: 'btf', signed: true }, equals: 8n },
  fields: [
    { name: 'common_type', offset: 0, size: 2, source: { kind: 'const', value: 844n } },
    { name: 'common_pid', offset: 4, size: 4, source: { kind: 'pid' } },
    {
      name: '__syscall_nr',
      offset: 8,
      size: 4,
      source: { kind: 'value', value: { arg: 1, path: [], access: 'btf', signed: true } },
    },
    { name: 'fd', offset: 16, size: 8, source: { kind: 'value', value: regs(112) } },
    { name: 'offset', offset: 24, size: 8, source: { kind: 'value', value: regs(104) } },
  ],
  uncovered: [{ name: 'whence', offset: 32, size: 8, why: 'left out for this test' }],
};

function compile(body: Pred, mode: RawMode = 'output') {
  return compileBpf(filter(body), { target: 'ebpf', ctx: 'tracepoint', raw: { layout: LSEEK, mode } });
}

test('the guard, a field from pt_regs, the record built and output', () => {
  const r = compile(cmp('eq', 8, false, load('record', 16, 8), 3n));
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.diagnostics));
  if (!r.ok || r.program.target !== 'ebpf') return;
  const p = r.program;
  assert.equal(p.progTypeName, 'TRACING');
  assert.deepEqual(p.attach, { kind: 'tp_btf', name: 'sys_enter', expectedAttachType: 23 });
  assert.equal(p.section, 'tp_btf/sys_enter');
  assert.equal(p.raw?.ringbuf, 'tfc_raw_ring');
  const L = p.listing;
  assert.match(L, /^0: \(bf\) r6 = r1\n1: \(79\) r0 = \*\(u64 \*\)\(r6 \+8\)\n2: \(55\) if r0 != 0x8 goto/);
  assert.match(L, /r0 = \*\(u64 \*\)\(r0 \+112\)\n\d+: \(55\) if r0 != 0x3 goto/);
  // the record: header, common_type, common_pid, the fields at their record offsets (fp-512 + 16 + offset)
  assert.match(L, /r0 = 844\n\d+: \(6b\) \*\(u16 \*\)\(r10 -496\) = r0/);
  assert.match(L, /\*\(u64 \*\)\(r10 -480\) = r0/);
  assert.match(L, /r3 = 56\n/);
  assert.match(L, /call bpf_ringbuf_output#130/);
});

test('sub-field loads are shifted and extended as the load says; big-endian loads swapped', () => {
  const hi = compile(cmp('eq', 4, false, load('record', 20, 4), 1n));
  assert.ok(hi.ok && hi.program.target === 'ebpf');
  if (!hi.ok || hi.program.target !== 'ebpf') return;
  assert.match(hi.program.listing, /r0 = \*\(u64 \*\)\(r0 \+112\)\n\d+: \(77\) r0 >>= 32/);
  const be = compile(cmp('eq', 2, false, load('record', 24, 2, 'be'), 1n));
  assert.ok(be.ok && be.program.target === 'ebpf');
  if (!be.ok || be.program.target !== 'ebpf') return;
  assert.match(be.program.listing, /r0 = \*\(u64 \*\)\(r0 \+104\)\n\d+: \(dc\) r0 = be16 r0/);
});

test('modes: count bumps the per-CPU counters and outputs nothing; return returns the verdict', () => {
  const c = compile(cmp('eq', 8, false, load('record', 16, 8), 3n), 'count');
  assert.ok(c.ok && c.program.target === 'ebpf');
  if (!c.ok || c.program.target !== 'ebpf') return;
  assert.equal(c.program.raw?.count, 'tfc_raw_count');
  assert.equal(c.program.raw?.ringbuf, undefined);
  assert.doesNotMatch(c.program.listing, /ringbuf/);
  assert.equal((c.program.listing.match(/map_fd\[tfc_raw_count\]/g) ?? []).length, 2);
  const ret = compile(cmp('eq', 8, false, load('record', 16, 8), 3n), 'return');
  assert.ok(ret.ok && ret.program.target === 'ebpf');
  if (!ret.ok || ret.program.target !== 'ebpf') return;
  assert.doesNotMatch(ret.program.listing, /map_fd/);
  assert.equal(ret.program.onMatch, 1);
});

test('refusals: an uncovered field, a string field, a record too large to build', () => {
  const w = compile(cmp('eq', 8, false, load('record', 32, 8), 1n));
  assert.ok(!w.ok);
  if (w.ok) return;
  assert.equal(w.diagnostics[0]?.code, 'raw-field');
  assert.match(
    w.diagnostics[0]?.message ?? '',
    /field whence is not covered on the raw tracepoint: left out/,
  );
  const s = compile(str('full', 'ab', { kind: 'fixed', base: 'record', offset: 16, size: 8 }));
  assert.ok(!s.ok && s.diagnostics[0]?.code === 'raw-string');
  const big = compileBpf(filter(cmp('eq', 8, false, load('record', 16, 8), 3n)), {
    target: 'ebpf',
    ctx: 'tracepoint',
    raw: { layout: { ...LSEEK, recordSize: 400 } },
  });
  assert.ok(!big.ok && big.diagnostics[0]?.code === 'raw-record');
});

/** A one-field event whose field (8 bytes at 8) comes from `source`, the ctx slots holding the arguments. */
function oneField(source: RawSource): RawEventLayout {
  return {
    event: 'test/one',
    eventId: 1,
    tracepoint: 'one',
    source: 'test',
    recordSize: 16,
    fields: [{ name: 'x', offset: 8, size: 8, source }],
    uncovered: [],
  };
}

/** R0 of the program `x == want` in mode return, on ctx slots `args`. */
function verdict(L: RawEventLayout, want: bigint, args: readonly bigint[]): bigint {
  const r = compileBpf(filter(cmp('eq', 8, false, load('record', 8, 8), want)), {
    target: 'ebpf',
    ctx: 'tracepoint',
    raw: { layout: L, mode: 'return' },
  });
  assert.ok(r.ok && r.program.target === 'ebpf', r.ok ? '' : JSON.stringify(r.diagnostics));
  if (!r.ok || r.program.target !== 'ebpf') return -1n;
  const ctx = new Uint8Array(8 * args.length);
  const view = new DataView(ctx.buffer);
  for (const [i, a] of args.entries()) view.setBigUint64(8 * i, BigInt.asUintN(64, a), true);
  const out = run(r.program.insns, { kind: 'raw', ctx });
  assert.ok(out.ok, out.ok ? '' : `VM: ${out.error} at ${out.pc}`);
  return out.ok ? out.r0 : -1n;
}

/** include/trace/events/sched.h __trace_sched_switch_state with include/linux/sched.h __task_state_index. */
function kernelSwitchState(preempt: boolean, state: number, exitState: number): number {
  if (preempt) return 0x100;
  let s = (state | exitState) & 0x7f;
  if ((state & 0x402) === 0x402) s = 0x80;
  if (state & 0x1000 || state & 0x8000) s = 0x2;
  const fls = s === 0 ? 0 : 32 - Math.clz32(s);
  return fls === 0 ? 0 : 1 << (fls - 1);
}

test('sched_switch prev_state: the report state the kernel computes, on random preempt flags and task states', () => {
  const slot = (arg: number) => ({ arg, path: [], access: 'btf' as const, signed: false });
  const L = oneField({
    kind: 'switchState',
    preempt: slot(0),
    state: slot(1),
    exitState: slot(2),
    report: 0x7f,
    idle: 0x402,
    reportIdle: 0x80,
    asUninterruptible: 0x9000,
    uninterruptible: 2,
    reportMax: 0x100,
  });
  const bits = fc.oneof(
    fc.integer({ min: 0, max: 0xffff }),
    fc.constantFrom(0, 1, 2, 4, 8, 0x402, 0x1000, 0x8001, 0x10, 0x20, 0x40, 0x80, 0x100),
  );
  fc.assert(
    fc.property(fc.boolean(), bits, fc.constantFrom(0, 0x10, 0x20), (preempt, state, exit) => {
      const want = kernelSwitchState(preempt, state, exit);
      assert.equal(verdict(L, BigInt(want), [preempt ? 1n : 0n, BigInt(state), BigInt(exit)]), 1n);
      assert.equal(verdict(L, BigInt(want) + 1n, [preempt ? 1n : 0n, BigInt(state), BigInt(exit)]), 0n);
    }),
    { numRuns: 150, seed: 20261206 },
  );
});

test('orZero: a NULL pointer on the path reads 0 without a load (the check the verifier demands)', () => {
  const value = { arg: 0, path: [{ offset: 4, size: 4 }], access: 'btf' as const, signed: false };
  assert.equal(verdict(oneField({ kind: 'value', value: { ...value, orZero: true } }), 0n, [0n]), 1n);
  const bare = compileBpf(filter(cmp('eq', 8, false, load('record', 8, 8), 0n)), {
    target: 'ebpf',
    ctx: 'tracepoint',
    raw: { layout: oneField({ kind: 'value', value }), mode: 'return' },
  });
  assert.ok(bare.ok && bare.program.target === 'ebpf');
  if (!bare.ok || bare.program.target !== 'ebpf') return;
  const out = run(bare.program.insns, { kind: 'raw', ctx: new Uint8Array(8) });
  assert.ok(!out.ok, 'without the check the load through NULL faults');
});

test('a char * string that may not fit is not built: the record counts as lost (in the eBPF VM)', () => {
  const L: RawEventLayout = {
    event: 'test/exec',
    eventId: 2,
    tracepoint: 'exec',
    source: 'test',
    recordSize: 16,
    dataStart: 12,
    fields: [
      { name: 'common_type', offset: 0, size: 2, source: { kind: 'const', value: 2n } },
      {
        name: 'filename',
        offset: 8,
        size: 4,
        source: {
          kind: 'string',
          value: { arg: 0, path: [], access: 'btf', signed: false },
          max: 32,
          pointer: true,
        },
      },
    ],
    uncovered: [],
  };
  const r = compileBpf(filter(cmp('eq', 8, false, load('record', 0, 2), 2n)), {
    target: 'ebpf',
    ctx: 'tracepoint',
    raw: { layout: L, mode: 'output' },
  });
  assert.ok(r.ok && r.program.target === 'ebpf', r.ok ? '' : JSON.stringify(r.diagnostics));
  if (!r.ok || r.program.target !== 'ebpf') return;
  const prog = r.program;
  const at = 0xffff888000001000n;
  const attempt = (text: string) => {
    const lost = createMap({ name: 'tfc_raw_lost', type: 'array', keySize: 4, valueSize: 8, maxEntries: 1 });
    const ctx = new Uint8Array(8);
    new DataView(ctx.buffer).setBigUint64(0, at, true);
    const bytes = new TextEncoder().encode(`${text}\0`);
    // the ring buffer as a stand-in map (the VM models no ring buffers: a run that gets to the output stops there)
    const ring = createMap({ name: 'tfc_raw_ring', type: 'array', keySize: 4, valueSize: 8, maxEntries: 1 });
    const out = run(
      prog.insns,
      { kind: 'raw', ctx },
      { env: { kernelMemory: [{ addr: at, bytes }], maps: [lost, ring] } },
    );
    const n = lost.entries.values().next().value;
    return { out, lost: n === undefined ? 0n : new DataView(n.buffer, n.byteOffset).getBigUint64(0, true) };
  };
  // 40 bytes do not fit in 32: no record, one lost
  const long = attempt('/a/path/of/forty/bytes/exactly/ok/12345');
  assert.ok(long.out.ok, long.out.ok ? '' : long.out.error);
  assert.equal(long.lost, 1n);
  // a short one gets to the ring buffer (a helper the VM does not model: the run stops there, nothing lost)
  const short = attempt('/bin/true');
  assert.ok(!short.out.ok && /130|ringbuf|helper/.test(short.out.error), short.out.ok ? '' : short.out.error);
  assert.equal(short.lost, 0n);
});

test('tcp_probe ssthresh: tcp_current_ssthresh() on random congestion states, thresholds and windows', () => {
  const slot = (arg: number) => ({ arg, path: [], access: 'btf' as const, signed: false });
  const L = oneField({
    kind: 'currentSsthresh',
    caState: slot(0),
    ssthresh: slot(1),
    cwnd: slot(2),
    reduction: 0x0c,
  });
  // include/net/tcp.h: snd_ssthresh in CWR (2) or Recovery (3), else max(snd_ssthresh, cwnd/2 + cwnd/4)
  const kernel = (ca: number, ssthresh: number, cwnd: number) =>
    (1 << ca) & 0x0c ? ssthresh : Math.max(ssthresh, (cwnd >>> 1) + (cwnd >>> 2));
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 4 }),
      fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constant(0x7fffffff)),
      fc.integer({ min: 0, max: 0xffff }),
      (ca, ssthresh, cwnd) => {
        const want = BigInt(kernel(ca, ssthresh, cwnd));
        const args = [BigInt(ca), BigInt(ssthresh), BigInt(cwnd)];
        assert.equal(verdict(L, want, args), 1n);
        assert.equal(verdict(L, want + 1n, args), 0n);
      },
    ),
    { numRuns: 100, seed: 20261206 },
  );
});
