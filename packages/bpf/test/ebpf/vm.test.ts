// eBPF VM unit tests, one group per instruction family, written in verifier-log syntax.
// Edge cases: 64/32-bit wrap, zero-extension, division/modulo by zero, signed overflow of sdiv,
// shifts >= width (masked), sign extension, byte swaps, bounds-checked memory, ctx pointer fields,
// helpers with an injected environment, BPF-to-BPF calls, fuel.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createMap,
  mapLookup,
  mapUpdate,
  parseAsm,
  prepare,
  type RunResult,
  run,
  skbTestRunInput,
  type VmEnv,
  type VmInput,
  xdpTestRunInput,
} from '@tfc/bpf/ebpf';
import fc from 'fast-check';

const NO_CTX: VmInput = { kind: 'raw', ctx: new Uint8Array(64) };

function exec(text: string, input: VmInput = NO_CTX, env?: VmEnv, fuel?: number): RunResult {
  const p = parseAsm(text);
  if (!p.ok) throw new Error(`test program does not parse: ${p.error} (line ${p.line})`);
  return run(
    p.insns,
    input,
    env === undefined
      ? fuel === undefined
        ? {}
        : { fuel }
      : { env, ...(fuel === undefined ? {} : { fuel }) },
  );
}
function r0(text: string, input?: VmInput, env?: VmEnv): bigint {
  const r = exec(text, input, env);
  if (!r.ok) throw new Error(`unexpected VM error: ${r.error} at ${r.pc}`);
  return r.r0;
}
const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);

test('alu64: wrap, mul, div/mod by zero, signed div/mod', () => {
  assert.equal(r0('r0 = -1\nr0 += 1\nexit'), 0n);
  assert.equal(r0('r0 = 0\nr0 -= 1\nexit'), u64(-1n));
  assert.equal(r0('r0 = 0xffffffff\nr0 += 1\nexit'), 0x100000000n);
  assert.equal(
    r0('r0 = 0x123456789abcdef\nr1 = 0xfedcba987654321\nr0 *= r1\nexit'),
    u64(0x123456789abcdefn * 0xfedcba987654321n),
  );
  assert.equal(r0('r0 = 7\nr1 = 0\nr0 /= r1\nexit'), 0n);
  assert.equal(r0('r0 = 7\nr1 = 0\nr0 %= r1\nexit'), 7n);
  assert.equal(r0('r0 = -7\nr0 /= 2\nexit'), u64(-7n) / 2n);
  assert.equal(r0('r0 = -7\nr0 s/= 2\nexit'), u64(-3n));
  assert.equal(r0('r0 = -7\nr0 s%= 2\nexit'), u64(-1n));
  assert.equal(r0('r0 = 7\nr0 s%= -2\nexit'), 1n);
  assert.equal(r0('r0 = 0x8000000000000000\nr0 s/= -1\nexit'), 0x8000000000000000n);
  assert.equal(r0('r0 = 0x8000000000000000\nr0 s%= -1\nexit'), 0n);
  assert.equal(r0('r0 = 5\nr1 = 0\nr0 s/= r1\nexit'), 0n);
  assert.equal(r0('r0 = -5\nr1 = 0\nr0 s%= r1\nexit'), u64(-5n));
  assert.equal(r0('r0 = 5\nr0 = -r0\nexit'), u64(-5n));
});

test('alu64: shifts are masked to 63, arsh keeps the sign', () => {
  assert.equal(r0('r0 = 1\nr1 = 65\nr0 <<= r1\nexit'), 2n);
  assert.equal(r0('r0 = 1\nr0 <<= 63\nexit'), 1n << 63n);
  assert.equal(r0('r0 = 1\nr0 <<= 32\nexit'), 1n << 32n);
  assert.equal(r0('r0 = 0x8000000000000000\nr0 >>= 63\nexit'), 1n);
  assert.equal(r0('r0 = 0x8000000000000000\nr0 s>>= 63\nexit'), u64(-1n));
  assert.equal(r0('r0 = 0x8000000000000000\nr0 s>>= 4\nexit'), 0xf800000000000000n);
  assert.equal(r0('r0 = 0x123456789\nr1 = 64\nr0 >>= r1\nexit'), 0x123456789n);
  assert.equal(r0('r0 = 0x123456789\nr0 >>= 4\nexit'), 0x12345678n);
});

test('alu32: results are zero-extended, wrap at 32 bits, masked shifts', () => {
  assert.equal(r0('r0 = -1\nw0 += 1\nexit'), 0n);
  assert.equal(r0('r0 = -1\nw0 = w0\nexit'), 0xffffffffn);
  assert.equal(r0('w0 = -1\nexit'), 0xffffffffn);
  assert.equal(r0('r0 = 0x1ffffffff\nw0 *= 3\nexit'), 0xfffffffdn);
  assert.equal(r0('r0 = -1\nw1 = 0\nw0 /= w1\nexit'), 0n);
  assert.equal(r0('r0 = -1\nw1 = 0\nw0 %= w1\nexit'), 0xffffffffn);
  assert.equal(r0('w0 = -2147483648\nw0 s/= -1\nexit'), 0x80000000n);
  assert.equal(r0('w0 = -7\nw0 s%= 2\nexit'), 0xffffffffn);
  assert.equal(r0('w0 = -7\nw0 s/= 2\nexit'), 0xfffffffdn);
  assert.equal(r0('w0 = 1\nw1 = 33\nw0 <<= w1\nexit'), 2n);
  assert.equal(r0('w0 = -16\nw0 s>>= 2\nexit'), 0xfffffffcn);
  assert.equal(r0('w0 = -16\nw0 >>= 2\nexit'), 0x3ffffffcn);
  assert.equal(r0('w0 = 1\nw0 = -w0\nexit'), 0xffffffffn);
});

test('sign-extending moves and loads', () => {
  assert.equal(r0('r1 = 0x80\nr0 = (s8)r1\nexit'), u64(-128n));
  assert.equal(r0('r1 = 0x18000\nr0 = (s16)r1\nexit'), u64(-32768n));
  assert.equal(r0('r1 = 0x80000000\nr0 = (s32)r1\nexit'), u64(-2147483648n));
  assert.equal(r0('w1 = 255\nw0 = (s8)w1\nexit'), 0xffffffffn);
  assert.equal(r0('*(u16 *)(r10 -2) = -3\nr0 = *(s16 *)(r10 -2)\nexit'), u64(-3n));
  assert.equal(r0('*(u8 *)(r10 -1) = 200\nr0 = *(s8 *)(r10 -1)\nexit'), u64(-56n));
  assert.equal(r0('*(u32 *)(r10 -4) = -1\nr0 = *(u32 *)(r10 -4)\nexit'), 0xffffffffn);
});

test('byte swaps: le truncates, be swaps, bswap swaps (little-endian machine)', () => {
  assert.equal(r0('r0 = 0x1122334455667788\nr0 = le16 r0\nexit'), 0x7788n);
  assert.equal(r0('r0 = 0x1122334455667788\nr0 = le32 r0\nexit'), 0x55667788n);
  assert.equal(r0('r0 = 0x1122334455667788\nr0 = le64 r0\nexit'), 0x1122334455667788n);
  assert.equal(r0('r0 = 0x1122334455667788\nr0 = be16 r0\nexit'), 0x8877n);
  assert.equal(r0('r0 = 0x1122334455667788\nr0 = be32 r0\nexit'), 0x88776655n);
  assert.equal(r0('r0 = 0x1122334455667788\nr0 = be64 r0\nexit'), 0x8877665544332211n);
  assert.equal(r0('r0 = 0x1122334455667788\nr0 = bswap16 r0\nexit'), 0x8877n);
  assert.equal(r0('r0 = 0x1122334455667788\nr0 = bswap64 r0\nexit'), 0x8877665544332211n);
});

test('jumps: unsigned vs signed, JMP32 compares the low half, jset', () => {
  const cmp = (init: string, cond: string): bigint =>
    r0(`${init}\nr0 = 0\nif ${cond} goto pc+1\nexit\nr0 = 1\nexit`);
  assert.equal(cmp('r1 = -1', 'r1 > 0x5'), 1n);
  assert.equal(cmp('r1 = -1', 'r1 s> 0x5'), 0n);
  assert.equal(cmp('r1 = -1', 'r1 s< 0x0'), 1n);
  assert.equal(cmp('r1 = -1', 'r1 == 0xffffffff'), 1n); // imm is sign-extended to 64 bits
  assert.equal(cmp('r1 = 0xffffffff', 'r1 == 0xffffffff'), 0n);
  assert.equal(cmp('r1 = 0xffffffff', 'w1 == 0xffffffff'), 1n);
  assert.equal(cmp('r1 = 0x100000001', 'w1 == 0x1'), 1n);
  assert.equal(cmp('r1 = 0x100000001', 'r1 == 0x1'), 0n);
  assert.equal(cmp('r1 = 0x80000000', 'w1 s< 0x0'), 1n);
  assert.equal(cmp('r1 = 0x80000000', 'r1 s< 0x0'), 0n);
  assert.equal(cmp('r1 = 6\nr2 = 6', 'r1 >= r2'), 1n);
  assert.equal(cmp('r1 = 6\nr2 = 6', 'r1 < r2'), 0n);
  assert.equal(cmp('r1 = 6\nr2 = 6', 'r1 <= r2'), 1n);
  assert.equal(cmp('r1 = 0x100000000', 'r1 & 0x7fffffff'), 0n);
  assert.equal(cmp('r1 = 0x100000000', 'r1 & 0xffffffff'), 1n); // imm -1 sign-extends
  assert.equal(cmp('r1 = 0x100000000\nr2 = 0x100000000', 'r1 & r2'), 1n);
  assert.equal(cmp('r1 = -5\nr2 = 3', 'r1 s<= r2'), 1n);
  assert.equal(cmp('r1 = -5\nr2 = 3', 'w1 s>= w2'), 0n);
  assert.equal(r0('r0 = 1\ngotol pc+1\nr0 = 2\nexit'), 1n);
  assert.equal(r0('r0 = 1\nmay_goto pc+1\nr0 = 2\nexit'), 2n);
});

test('memory: stack bounds, r10 is read only, errors carry pc', () => {
  assert.equal(r0('*(u64 *)(r10 -8) = -1\nr0 = *(u64 *)(r10 -8)\nexit'), u64(-1n));
  assert.equal(
    r0('r1 = 0x1122334455667788\n*(u64 *)(r10 -512) = r1\nr0 = *(u32 *)(r10 -508)\nexit'),
    0x11223344n,
  );
  const over = exec('r0 = *(u64 *)(r10 -4)\nexit');
  assert.equal(over.ok, false);
  assert.equal(over.ok ? -1 : over.pc, 0);
  const under = exec('r0 = 0\n*(u8 *)(r10 -513) = 1\nexit');
  assert.deepEqual(under.ok ? undefined : [under.pc, /invalid write/.test(under.error)], [1, true]);
  assert.equal(exec('r10 = 0\nexit').ok, false);
  assert.equal(exec('r1 = 0\nr0 = *(u8 *)(r1 +0)\nexit').ok, false); // NULL
  assert.equal(exec('r1 = 0x1234\nr0 = *(u8 *)(r1 +0)\nexit').ok, false); // unknown address
  assert.equal(exec('goto pc+5\nexit').ok, false);
  assert.equal(exec('r0 = 0').ok, false); // falls off the end
  assert.match(
    (exec('(ff) raw dst=0 src=0 off=0 imm=0') as { error: string }).error,
    /invalid ALU64 operation 0xf0/,
  );
});

test('atomics on the stack', () => {
  const pre = 'r1 = 10\n*(u64 *)(r10 -8) = r1\nr2 = 5\n';
  assert.equal(r0(`${pre}lock *(u64 *)(r10 -8) += r2\nr0 = *(u64 *)(r10 -8)\nexit`), 15n);
  assert.equal(r0(`${pre}r2 = atomic64_fetch_add((u64 *)(r10 -8), r2)\nr0 = r2\nexit`), 10n);
  assert.equal(r0(`${pre}r2 = atomic64_fetch_or((u64 *)(r10 -8), r2)\nr0 = *(u64 *)(r10 -8)\nexit`), 15n);
  assert.equal(r0(`${pre}lock *(u64 *)(r10 -8) &= r2\nr0 = *(u64 *)(r10 -8)\nexit`), 0n);
  assert.equal(r0(`${pre}lock *(u32 *)(r10 -8) ^= r2\nr0 = *(u64 *)(r10 -8)\nexit`), 15n);
  assert.equal(
    r0(`${pre}r2 = atomic64_xchg((u64 *)(r10 -8), r2)\nr0 = *(u64 *)(r10 -8)\nr0 <<= 8\nr0 |= r2\nexit`),
    0x50an,
  );
  assert.equal(
    r0(`${pre}r0 = 10\nr0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r2)\nr0 = *(u64 *)(r10 -8)\nexit`),
    5n,
  );
  assert.equal(r0(`${pre}r0 = 11\nr0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r2)\nexit`), 10n);
  assert.equal(r0(`${pre}r0 = load_acquire((u64 *)(r10 -8))\nexit`), 10n);
  assert.equal(r0(`${pre}store_release((u32 *)(r10 -8), r2)\nr0 = *(u64 *)(r10 -8)\nexit`), 5n);
});

const frame = Uint8Array.from([
  ...[0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0x08, 0x00], // Ethernet, IPv4
  ...[0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], // IPv4, UDP
  ...[0x13, 0x88, 0x13, 0x8a, 0, 8, 0, 0], // UDP 5000 -> 5002
]);

test('skb ctx: data/data_end pointers, fields at uapi offsets, ld_abs/ld_ind', () => {
  const skb: VmInput = { kind: 'skb', packet: frame, mark: 7 };
  const prog = `
    r2 = *(u32 *)(r1 +76)
    r3 = *(u32 *)(r1 +80)
    r0 = r3
    r0 -= r2
    exit`;
  assert.equal(r0(prog, skb), BigInt(frame.length));
  assert.equal(r0('r0 = *(u32 *)(r1 +16)\nexit', skb), 0x0008n); // __be16 ETH_P_IP read on little-endian
  assert.equal(r0('r0 = *(u32 *)(r1 +0)\nexit', skb), BigInt(frame.length));
  assert.equal(r0('r0 = *(u32 *)(r1 +8)\nexit', skb), 7n);
  assert.equal(r0('r1 = *(u32 *)(r1 +76)\nr0 = *(u16 *)(r1 +36)\nr0 = be16 r0\nexit', skb), 5002n);
  assert.equal(exec('r1 = *(u32 *)(r1 +76)\nr0 = *(u8 *)(r1 +42)\nexit', skb).ok, false);
  assert.equal(exec('r0 = *(u16 *)(r1 +76)\nexit', skb).ok, false);
  assert.equal(r0('r6 = r1\nr0 = *(u16 *)skb[36]\nexit', skb), 5002n);
  assert.equal(r0('r6 = r1\nr2 = 14\nr0 = *(u32 *)skb[r2 + 12]\nexit', skb), 0x0a000001n);
  assert.equal(r0('r6 = r1\nr0 = *(u32 *)skb[40]\nr0 = 9\nexit', skb), 0n); // out of bounds ends with 0
  assert.equal(r0('r2 = 3\n*(u32 *)(r1 +8) = r2\nr0 = *(u32 *)(r1 +8)\nexit', skb), 3n);
  assert.equal(exec('r2 = 3\n*(u32 *)(r1 +0) = r2\nexit', skb).ok, false);
  assert.equal(frame[0], 0); // the input is never mutated
});

test('xdp and tracepoint contexts', () => {
  const xdp: VmInput = { kind: 'xdp', packet: frame };
  assert.equal(r0('r2 = *(u32 *)(r1 +0)\nr3 = *(u32 *)(r1 +4)\nr0 = r3\nr0 -= r2\nexit', xdp), 42n);
  const record = Uint8Array.from([1, 0, 0, 0, 0x39, 0x30, 0, 0, 0x2a, 0, 0, 0, 0, 0, 0, 0]);
  const tp: VmInput = { kind: 'tracepoint', record };
  assert.equal(r0('r0 = *(u64 *)(r1 +8)\nexit', tp), 42n);
  const low = exec('r0 = *(u32 *)(r1 +4)\nexit', tp);
  assert.match(low.ok ? '' : low.error, /unreadable/);
  assert.equal(exec('r0 = *(u64 *)(r1 +16)\nexit', tp).ok, false);
  assert.equal(exec('r2 = 1\n*(u64 *)(r1 +8) = r2\nexit', tp).ok, false);
});

test('helpers with an injected environment', () => {
  const env: VmEnv = { cpu: 1, pid: 1234, tgid: 1000, comm: 'bash', ktimeNs: 99n };
  assert.equal(r0('call bpf_get_smp_processor_id#8\nexit', NO_CTX, env), 1n);
  assert.equal(r0('call bpf_get_current_pid_tgid#14\nexit', NO_CTX, env), (1000n << 32n) | 1234n);
  assert.equal(r0('call bpf_ktime_get_ns#5\nexit', NO_CTX, env), 99n);
  assert.equal(r0('call bpf_ktime_get_boot_ns#125\nexit', NO_CTX, env), 99n);
  assert.equal(
    r0('call bpf_get_current_uid_gid#15\nexit', NO_CTX, { uid: 1000, gid: 100 }),
    (100n << 32n) | 1000n,
  );
  assert.equal(r0('call bpf_get_numa_node_id#42\nexit', NO_CTX, { numaNode: 1 }), 1n);
  const comm = `
    r1 = r10
    r1 += -16
    r2 = 16
    call bpf_get_current_comm#16
    r0 = *(u32 *)(r10 -16)
    exit`;
  assert.equal(r0(comm, NO_CTX, env), 0x68736162n); // "bash"
  const probe = `
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0xffff888000001000
    call bpf_probe_read_kernel_str#115
    r1 = *(u32 *)(r10 -8)
    r0 <<= 32
    r0 |= r1
    exit`;
  const kernelMemory = [{ addr: 0xffff888000001000n, bytes: new TextEncoder().encode('hello world\0') }];
  assert.equal(r0(probe, NO_CTX, { kernelMemory }), (8n << 32n) | 0x6c6c6568n);
  assert.equal(r0(probe, NO_CTX, {}) >> 32n, 0xfffffff2n); // -EFAULT
  const unterminated = [{ addr: 0xffff888000001000n, bytes: new TextEncoder().encode('abc') }];
  assert.equal(r0(probe, NO_CTX, { kernelMemory: unterminated }), 0xfffffff2_00000000n); // fault mid-string
  const unsupported = exec('call bpf_tail_call#12\nexit');
  assert.match(unsupported.ok ? '' : unsupported.error, /unsupported helper #12/);
});

test('bpf_trace_printk output is captured', () => {
  // "x = %d\n" built on the stack: 'x',' ','=',' ','%','d','\n','\0'
  const bytes = new TextEncoder().encode('x = %d\n\0');
  const word = bytes.reduce((acc, b, i) => acc | (BigInt(b) << BigInt(8 * i)), 0n);
  const out = exec(`
    r1 = 0x${word.toString(16)}
    *(u64 *)(r10 -8) = r1
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = -5
    call bpf_trace_printk#6
    exit`);
  assert.ok(out.ok);
  assert.deepEqual(out.printk, ['x = -5\n']);
  assert.equal(out.r0, 7n);
});

test('maps: array and hash lookup/update through helpers', () => {
  const counts = createMap({ name: 'counts', type: 'array', keySize: 4, valueSize: 8, maxEntries: 4 });
  const prog = parseAsm(`
    *(u32 *)(r10 -4) = 2
    r2 = r10
    r2 += -4
    r1 = map_fd[counts]
    call bpf_map_lookup_elem#1
    if r0 == 0x0 goto pc+3
    r1 = 1
    lock *(u64 *)(r0 +0) += r1
    r0 = 1
    exit`);
  assert.ok(prog.ok);
  const p = prepare(prog.insns);
  assert.ok(p.ok);
  for (let k = 0; k < 3; k++) assert.equal(run(p.prog, NO_CTX, { env: { maps: [counts] } }).ok, true);
  const key = Uint8Array.from([2, 0, 0, 0]);
  assert.deepEqual([...counts.entries.get(String.fromCharCode(...key))!], [3, 0, 0, 0, 0, 0, 0, 0]);
  const noMap = run(p.prog, NO_CTX, {});
  assert.match(noMap.ok ? '' : noMap.error, /unknown map counts/);

  const h = createMap({ name: 'h', type: 'hash', keySize: 4, valueSize: 4, maxEntries: 1 });
  const upd = (key: number, flags: number): bigint =>
    r0(
      `*(u32 *)(r10 -4) = ${key}
       *(u32 *)(r10 -8) = 77
       r1 = map_fd[h]
       r2 = r10
       r2 += -4
       r3 = r10
       r3 += -8
       r4 = ${flags}
       call bpf_map_update_elem#2
       exit`,
      NO_CTX,
      { maps: [h] },
    );
  assert.equal(upd(1, 2), u64(-2n)); // BPF_EXIST on a missing key: -ENOENT
  assert.equal(upd(1, 0), 0n);
  assert.equal(upd(1, 1), u64(-17n)); // BPF_NOEXIST on a present key: -EEXIST
  assert.equal(upd(2, 0), u64(-7n)); // full: -E2BIG
  const look = `*(u32 *)(r10 -4) = 1
    r1 = map_fd[h]
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem#1
    if r0 == 0x0 goto pc+1
    r0 = *(u32 *)(r0 +0)
    exit`;
  assert.equal(r0(look, NO_CTX, { maps: [h] }), 77n);
});

test('skb_load_bytes copies from the packet or fails with -EFAULT', () => {
  const skb: VmInput = { kind: 'skb', packet: frame };
  const prog = (off: number): string => `
    r2 = ${off}
    r3 = r10
    r3 += -4
    r4 = 4
    call bpf_skb_load_bytes#26
    if r0 != 0x0 goto pc+2
    r0 = *(u32 *)(r10 -4)
    r0 = be32 r0
    exit`;
  assert.equal(r0(prog(26), skb), 0x0a000001n);
  assert.equal(r0(prog(40), skb), u64(-14n));
});

test('BPF-to-BPF calls: callee-saved r6-r9, own stack frame', () => {
  const text = `
    r6 = 100
    *(u64 *)(r10 -8) = r6
    r1 = 5
    call pc+4
    r1 = *(u64 *)(r10 -8)
    r0 += r6
    r0 += r1
    exit
    r6 = 1
    *(u64 *)(r10 -8) = r6
    r0 = r1
    r0 *= 3
    exit`;
  assert.equal(r0(text), 215n);
  assert.equal(exec('call pc-1').ok, false); // unbounded recursion: frames run out
});

test('fuel bounds every run', () => {
  const r = exec('goto pc-1', NO_CTX, undefined, 1000);
  assert.deepEqual(r.ok ? undefined : [r.error, r.steps], ['fuel exhausted after 1000 instructions', 1000]);
});

test('BPF_PROG_TEST_RUN contexts (values measured on 6.18)', () => {
  const withDst = (mac: number[]): Uint8Array =>
    Uint8Array.from([...mac, 0, 0, 0, 0, 0, 1, 0x08, 0x06, 0, 0]);
  const pkt = (mac: number[]): bigint =>
    r0('r0 = *(u32 *)(r1 +4)\nexit', skbTestRunInput(withDst(mac), 'tc'));
  assert.equal(pkt([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 2n);
  assert.equal(pkt([0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb]), 2n);
  assert.equal(pkt([0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]), 3n);
  assert.equal(pkt([0, 0, 0, 0, 0, 0]), 0n);
  const arp = skbTestRunInput(withDst([0, 0, 0, 0, 0, 0]), 'tc');
  assert.equal(r0('r0 = *(u32 *)(r1 +16)\nexit', arp), 0x0608n);
  assert.equal(r0('r0 = *(u32 *)(r1 +40)\nexit', arp), 1n);
  assert.equal(r0('r0 = *(u32 *)(r1 +0)\nexit', skbTestRunInput(frame, 'socket')), BigInt(frame.length - 14));
  assert.equal(r0('r0 = *(u32 *)(r1 +12)\nexit', xdpTestRunInput(frame)), 1n);
});

test('large map keys and values do not hit argument limits', () => {
  const big = createMap({ name: 'big', type: 'hash', keySize: 200_000, valueSize: 4, maxEntries: 2 });
  assert.equal(big.entries.size, 0);
  const key = new Uint8Array(200_000).fill(7);
  assert.equal(mapUpdate(big, key, Uint8Array.from([1, 2, 3, 4]), 0), 0);
  assert.deepEqual([...(mapLookup(big, key) ?? [])], [1, 2, 3, 4]);
});

test('random programs never hit an internal error (every failure is a VM error value)', () => {
  const insn = fc
    .record({
      code: fc.oneof(
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom(
          0x07,
          0x0f,
          0xb7,
          0xbf,
          0x61,
          0x79,
          0x7b,
          0x63,
          0x15,
          0x2d,
          0x05,
          0x85,
          0x95,
          0x18,
          0xdb,
          0xc3,
        ),
      ),
      dst: fc.integer({ min: 0, max: 11 }),
      src: fc.integer({ min: 0, max: 11 }),
      off: fc.integer({ min: -20, max: 20 }),
      imm: fc.oneof(fc.integer({ min: -20, max: 20 }), fc.integer({ min: -2147483648, max: 2147483647 })),
    })
    .map((i) => (i.code === 0x18 ? { ...i, imm64: BigInt(i.imm >>> 0) } : i));
  const input = fc.oneof(
    fc.uint8Array({ maxLength: 80 }).map((packet): VmInput => ({ kind: 'skb', packet })),
    fc.uint8Array({ maxLength: 80 }).map((packet): VmInput => ({ kind: 'xdp', packet })),
    fc.uint8Array({ maxLength: 40 }).map((record): VmInput => ({ kind: 'tracepoint', record })),
    fc.uint8Array({ maxLength: 40 }).map((ctx): VmInput => ({ kind: 'raw', ctx })),
  );
  let completed = 0;
  fc.assert(
    fc.property(fc.array(insn, { minLength: 1, maxLength: 24 }), input, (p, i) => {
      const r = run(p, i, {
        fuel: 500,
        env: { maps: [createMap({ fd: 1, type: 'array', keySize: 4, valueSize: 8, maxEntries: 2 })] },
      });
      if (!r.ok) assert.doesNotMatch(r.error, /internal/, r.error);
      else completed++;
    }),
    { numRuns: 5000 },
  );
  assert.ok(completed > 0, 'some random programs run to exit');
});
