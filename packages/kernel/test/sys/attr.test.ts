// Unit tests without the kernel: the exact bpf_attr / perf_event_attr / sock_fprog bytes each
// command builds, checked through the recording fake `Syscalls`, plus handle close-once semantics.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  attachTracepoint,
  BPF_CMD,
  createMap,
  enableRunTimeStats,
  type FakeCall,
  fakeSyscalls,
  getPinnedObject,
  loadProgram,
  openCbpfSocket,
  openRawTracepoint,
  PERF,
  parseCpuList,
  parseNrCpuIds,
  pinObject,
  progInfo,
  testRun,
} from '../../src/sys/index.ts';

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
/** Little-endian field helpers for expected layouts. */
function le32(v: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b.toString('hex');
}
function le64(v: bigint): string {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b.toString('hex');
}
function zeros(n: number): string {
  return '00'.repeat(n);
}
function bpfCalls(calls: FakeCall[]): Extract<FakeCall, { name: 'bpf' }>[] {
  return calls.filter((c): c is Extract<FakeCall, { name: 'bpf' }> => c.name === 'bpf');
}

const EXIT0 = Uint8Array.of(0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0);

test('BPF_PROG_LOAD attr: type, count, pointers, license, log, name, attach type', () => {
  const sys = fakeSyscalls();
  const r = loadProgram(sys, {
    type: 'XDP',
    insns: EXIT0,
    license: 'GPL',
    logLevel: 1,
    logSize: 256,
    name: 'abcdefghijklmnopq',
    expectedAttachType: 7,
  });
  assert.ok(r.ok);
  const [c] = bpfCalls(sys.calls);
  assert.ok(c);
  assert.equal(c.cmd, BPF_CMD.PROG_LOAD);
  assert.equal(c.attr.length, 144);
  const insns = sys.bufferAt(0x10000n);
  const license = sys.bufferAt(0x20000n);
  const logBuf = sys.bufferAt(0x30000n);
  assert.deepEqual(insns, EXIT0);
  assert.equal(Buffer.from(license ?? []).toString('latin1'), 'GPL\0');
  assert.equal(logBuf?.length, 256);
  const expected =
    le32(6) +
    le32(2) +
    le64(0x10000n) +
    le64(0x20000n) +
    le32(1) +
    le32(256) +
    le64(0x30000n) +
    le32(0) +
    le32(0) +
    Buffer.from('abcdefghijklmno\0').toString('hex') +
    le32(0) +
    le32(7) +
    zeros(144 - 72);
  assert.equal(hex(c.attr), expected);
  assert.equal(r.value.fd, 3);
  r.value.dispose();
  r.value.dispose();
  assert.deepEqual(
    sys.calls.filter((x) => x.name === 'close'),
    [{ name: 'close', fd: 3 }],
  );
});

test('BPF_PROG_LOAD failure retries with log level 1 and returns errno + log', () => {
  const sys = fakeSyscalls((call, live) => {
    if (call.name !== 'bpf') return undefined;
    const level = new DataView(call.attr.buffer).getUint32(24, true);
    if (level === 1 && live) {
      const ptr = new DataView(call.attr.buffer).getBigUint64(32, true);
      const buf = sys.bufferAt(ptr);
      buf?.set(new TextEncoder().encode('0: (95) exit\nR0 !read_ok\nprocessed 1 insns\n'));
    }
    return { ok: false, errno: 13 };
  });
  const r = loadProgram(sys, { type: 'SOCKET_FILTER', insns: EXIT0.subarray(8) });
  assert.ok(!r.ok);
  assert.equal(r.error.errnoName, 'EACCES');
  assert.match(r.error.log ?? '', /R0 !read_ok/);
  assert.match(r.error.message, /EACCES \(R0 !read_ok\)/);
  const calls = bpfCalls(sys.calls);
  assert.equal(calls.length, 2);
  assert.equal(hex(calls[0]?.attr.subarray(24, 40) ?? new Uint8Array()), zeros(16));
  assert.equal(new DataView(calls[1]?.attr.buffer ?? new ArrayBuffer(32)).getUint32(28, true), 1 << 20);
  assert.equal(sys.calls.filter((x) => x.name === 'close').length, 0);
});

test('BPF_PROG_LOAD rejects a length that is not a multiple of 8 before any syscall', () => {
  const sys = fakeSyscalls();
  const r = loadProgram(sys, { type: 'SOCKET_FILTER', insns: new Uint8Array(12) });
  assert.ok(!r.ok);
  assert.equal(r.error.errnoName, 'EINVAL');
  assert.equal(sys.calls.length, 0);
});

test('BPF_PROG_TEST_RUN attr layout and outputs read back', () => {
  const sys = fakeSyscalls((call, live) => {
    if (call.name === 'bpf' && call.cmd === BPF_CMD.PROG_TEST_RUN && live) {
      const v = new DataView(live.buffer);
      v.setUint32(4, 0xdeadbeef, true);
      v.setUint32(12, 3, true);
      v.setUint32(36, 42, true);
      v.setUint32(44, 2, true);
      const out = sys.bufferAt(v.getBigUint64(24, true));
      out?.set([7, 8, 9]);
      return { ok: true, value: 0 };
    }
    return undefined;
  });
  const prog = loadProgram(sys, { type: 'SCHED_CLS', insns: EXIT0 });
  assert.ok(prog.ok);
  const r = testRun(sys, prog.value, {
    data: Uint8Array.of(1, 2, 3, 4),
    dataOutSize: 8,
    ctx: new Uint8Array(20),
    ctxOutSize: 20,
    repeat: 5,
  });
  assert.ok(r.ok);
  assert.equal(r.value.retval, 0xdeadbeef);
  assert.equal(r.value.duration, 42);
  assert.deepEqual(r.value.dataOut, Uint8Array.of(7, 8, 9));
  assert.equal(r.value.ctxOut.length, 2);
  const c = bpfCalls(sys.calls)[1];
  assert.ok(c);
  assert.equal(c.cmd, BPF_CMD.PROG_TEST_RUN);
  // buffers get fake addresses in order: insns 0x10000, license 0x20000, data, dataOut, ctx, ctxOut
  const expected =
    le32(3) +
    le32(0) +
    le32(4) +
    le32(8) +
    le64(0x30000n) +
    le64(0x40000n) +
    le32(5) +
    le32(0) +
    le32(20) +
    le32(20) +
    le64(0x50000n) +
    le64(0x60000n) +
    le32(0) +
    le32(0) +
    zeros(8);
  assert.equal(hex(c.attr), expected);
  prog.value.dispose();
});

test('map create / update / lookup / delete / next key attrs', () => {
  const sys = fakeSyscalls((call) =>
    call.name === 'bpf' && call.cmd === BPF_CMD.MAP_LOOKUP_ELEM ? { ok: false, errno: 2 } : undefined,
  );
  const m = createMap(
    sys,
    { type: 'PERCPU_HASH', keySize: 4, valueSize: 12, maxEntries: 9, name: 'tfc_map' },
    3,
  );
  assert.ok(m.ok);
  assert.equal(m.value.valueBytes, 48);
  const [create] = bpfCalls(sys.calls);
  assert.equal(
    hex(create?.attr ?? new Uint8Array()),
    le32(5) +
      le32(4) +
      le32(12) +
      le32(9) +
      le32(0) +
      zeros(8) +
      Buffer.from('tfc_map').toString('hex') +
      zeros(9) +
      zeros(72 - 44),
  );
  const u = m.value.update(Uint8Array.of(1, 2, 3, 4), new Uint8Array(48), 'NOEXIST');
  assert.ok(u.ok);
  const upd = bpfCalls(sys.calls)[1];
  assert.equal(upd?.cmd, BPF_CMD.MAP_UPDATE_ELEM);
  assert.equal(
    hex(upd?.attr ?? new Uint8Array()),
    le32(3) + zeros(4) + le64(0x10000n) + le64(0x20000n) + le64(1n),
  );
  const bad = m.value.update(Uint8Array.of(1, 2, 3, 4), new Uint8Array(12));
  assert.ok(!bad.ok);
  const l = m.value.lookup(Uint8Array.of(1, 2, 3, 4));
  assert.deepEqual(l, { ok: true, value: undefined });
  assert.ok(m.value.delete(Uint8Array.of(1, 2, 3, 4)).ok);
  const del = bpfCalls(sys.calls)[3];
  assert.equal(del?.cmd, BPF_CMD.MAP_DELETE_ELEM);
  assert.equal(hex(del?.attr.subarray(16) ?? new Uint8Array()), zeros(16));
  assert.ok(m.value.nextKey(undefined).ok);
  const nk = bpfCalls(sys.calls)[4];
  assert.equal(nk?.cmd, BPF_CMD.MAP_GET_NEXT_KEY);
  assert.equal(hex(nk?.attr.subarray(8, 16) ?? new Uint8Array()), le64(0n), 'first key: NULL key pointer');
  m.value.dispose();
});

test('OBJ_PIN / OBJ_GET / INFO_BY_FD / RAW_TRACEPOINT_OPEN / ENABLE_STATS attrs', () => {
  const sys = fakeSyscalls();
  const prog = loadProgram(sys, { type: 'RAW_TRACEPOINT', insns: EXIT0 });
  assert.ok(prog.ok);
  assert.ok(pinObject(sys, prog.value, '/sys/fs/bpf/x').ok);
  const got = getPinnedObject(sys, '/sys/fs/bpf/x', 8);
  assert.ok(got.ok);
  assert.ok(progInfo(sys, prog.value).ok);
  const rt = openRawTracepoint(sys, prog.value, 'sys_enter');
  assert.ok(rt.ok);
  const st = enableRunTimeStats(sys);
  assert.ok(st.ok);
  const c = bpfCalls(sys.calls);
  assert.deepEqual(
    c.map((x) => x.cmd),
    [5, 6, 7, 15, 17, 32],
  );
  assert.equal(
    hex(c[1]?.attr ?? new Uint8Array()),
    le64(0x30000n) + le32(prog.value.fd) + le32(0) + zeros(4),
  );
  assert.equal(Buffer.from(sys.bufferAt(0x30000n) ?? []).toString(), '/sys/fs/bpf/x\0');
  assert.equal(hex(c[2]?.attr ?? new Uint8Array()), le64(0x40000n) + le32(0) + le32(8) + zeros(4));
  assert.equal(hex(c[3]?.attr ?? new Uint8Array()), le32(prog.value.fd) + le32(224) + le64(0x50000n));
  assert.equal(hex(c[4]?.attr ?? new Uint8Array()), le64(0x60000n) + le32(prog.value.fd) + zeros(12));
  assert.equal(hex(c[5]?.attr ?? new Uint8Array()), le32(0));
  for (const h of [st.value, rt.value, got.value, prog.value]) h.dispose();
  assert.equal(sys.calls.filter((x) => x.name === 'close').length, 4);
  // tp_btf: no name → NULL pointer, the kernel uses the program's attach_btf_id
  const btf = openRawTracepoint(sys, prog.value, undefined);
  assert.ok(btf.ok);
  const last = bpfCalls(sys.calls).at(-1);
  assert.equal(last?.cmd, BPF_CMD.RAW_TRACEPOINT_OPEN);
  assert.equal(hex(last?.attr.subarray(0, 8) ?? new Uint8Array(1)), zeros(8));
  btf.value.dispose();
});

test('tracepoint attach: perf_event_attr bytes, SET_BPF then ENABLE, close on failure', () => {
  const sys = fakeSyscalls();
  const prog = loadProgram(sys, { type: 'TRACEPOINT', insns: EXIT0 });
  assert.ok(prog.ok);
  const link = attachTracepoint(sys, prog.value, 1234, 1);
  assert.ok(link.ok);
  const open = sys.calls.find((c) => c.name === 'perfEventOpen');
  assert.ok(open && open.name === 'perfEventOpen');
  assert.deepEqual([open.pid, open.cpu, open.groupFd, open.flags], [-1, 1, -1, PERF.FLAG_FD_CLOEXEC]);
  assert.equal(
    hex(open.attr),
    le32(2) +
      le32(128) +
      le64(1234n) +
      le64(1n) +
      le64(1024n) +
      le64(0n) +
      le64(1n) +
      le32(1) +
      zeros(128 - 52),
  );
  const ioctls = sys.calls.filter((c) => c.name === 'ioctl');
  assert.deepEqual(ioctls, [
    { name: 'ioctl', fd: link.value.fd, request: 0x40042408, arg: prog.value.fd },
    { name: 'ioctl', fd: link.value.fd, request: 0x2400, arg: 0 },
  ]);
  link.value.dispose();
  const failing = fakeSyscalls((c) => (c.name === 'ioctl' ? { ok: false, errno: 22 } : undefined));
  const p2 = loadProgram(failing, { type: 'TRACEPOINT', insns: EXIT0 });
  assert.ok(p2.ok);
  const l2 = attachTracepoint(failing, p2.value, 1);
  assert.ok(!l2.ok);
  assert.equal(l2.error.op, 'PERF_EVENT_IOC_SET_BPF');
  assert.equal(failing.calls.filter((c) => c.name === 'close').length, 1, 'perf fd closed on failure');
});

test('SO_ATTACH_FILTER: sock_fprog bytes, send/recv flags, EAGAIN = rejected', () => {
  let arrived = true;
  const sys = fakeSyscalls((c) => {
    if (c.name === 'recv') return arrived ? { ok: true, value: 5 } : { ok: false, errno: 11 };
    return undefined;
  });
  const prog = Uint8Array.of(0x06, 0, 0, 0, 5, 0, 0, 0);
  const s = openCbpfSocket(sys, prog);
  assert.ok(s.ok);
  const pair = sys.calls[0];
  assert.deepEqual(pair, { name: 'socketpair', domain: 1, type: 2 | 0o2000000, protocol: 0 });
  const so = sys.calls[1];
  assert.ok(so && so.name === 'setsockopt');
  assert.deepEqual([so.fd, so.level, so.optname], [4, 1, 26]);
  assert.equal(hex(so.optval), '0100' + zeros(6) + le64(0x10000n));
  assert.deepEqual(sys.bufferAt(0x10000n), prog);
  assert.deepEqual(s.value.run(new Uint8Array(9)), { ok: true, value: { accepted: true, length: 5 } });
  arrived = false;
  assert.deepEqual(s.value.run(new Uint8Array(9)), { ok: true, value: { accepted: false, length: 0 } });
  const send = sys.calls.find((c) => c.name === 'send');
  const recv = sys.calls.find((c) => c.name === 'recv');
  assert.deepEqual(send && send.name === 'send' ? [send.fd, send.flags] : [], [3, 0x40]);
  assert.deepEqual(recv && recv.name === 'recv' ? [recv.fd, recv.flags] : [], [4, 0x60]);
  s.value.dispose();
  s.value.dispose();
  assert.deepEqual(
    sys.calls.filter((c) => c.name === 'close').map((c) => (c.name === 'close' ? c.fd : -1)),
    [3, 4],
  );
  const tooLong = openCbpfSocket(sys, new Uint8Array(8 * 4097));
  assert.ok(!tooLong.ok);
});

test('parseCpuList', () => {
  assert.equal(parseCpuList('0-1\n'), 2);
  assert.equal(parseCpuList('0,2-3,7'), 4);
  assert.equal(parseCpuList('0'), 1);
  assert.equal(parseCpuList(''), 0);
});

test('parseNrCpuIds: highest possible CPU + 1, holes included', () => {
  assert.equal(parseNrCpuIds('0-1\n'), 2);
  assert.equal(parseNrCpuIds('0,2-3,7'), 8);
  assert.equal(parseNrCpuIds('0'), 1);
  assert.equal(parseNrCpuIds(''), 0);
  assert.equal(parseNrCpuIds('x'), 0);
});
