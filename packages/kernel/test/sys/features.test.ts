// Feature detection: missing pieces come back as reasons (never throws), through the fake syscall
// layer for EPERM/ENOSYS and a missing koffi/libpcap; on this machine (root) the real probe must
// find bpf(2), TEST_RUN, cBPF sockets, tracepoints and libpcap.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import {
  fakeSyscalls,
  loadLibpcap,
  nrCpuIds,
  possibleCpuCount,
  probeFeatures,
  probeTracepoints,
} from '../../src/sys/index.ts';

test('EPERM from bpf(2) becomes a reason naming uid and unprivileged_bpf_disabled', () => {
  const sys = fakeSyscalls((c) => (c.name === 'bpf' ? { ok: false, errno: 1 } : undefined));
  const f = probeFeatures({ ok: true, value: sys });
  assert.ok(!f.bpf.ok);
  assert.match(f.bpf.reason, /EPERM.*uid \d+.*unprivileged_bpf_disabled=/);
  assert.deepEqual(f.testRun, f.bpf);
  assert.ok(f.cbpfSocket.ok, 'cBPF sockets need no privilege');
  // every fd the probe opened was closed again
  const opened = sys.calls.filter((c) => c.name === 'socketpair').length * 2;
  assert.equal(sys.calls.filter((c) => c.name === 'close').length, opened);
});

test('ENOSYS from bpf(2) says the syscall is missing', () => {
  const f = probeFeatures({
    ok: true,
    value: fakeSyscalls((c) => (c.name === 'bpf' ? { ok: false, errno: 38 } : undefined)),
  });
  assert.ok(!f.bpf.ok);
  assert.match(f.bpf.reason, /no bpf syscall/);
});

test('no syscall layer (e.g. koffi missing): every kernel feature carries that reason', async () => {
  const f = probeFeatures({ ok: false, reason: 'koffi unavailable: Cannot find module' });
  for (const a of [f.bpf, f.testRun, f.cbpfSocket, f.bpffs, await probeTracepoints(f)]) {
    assert.deepEqual(a, { ok: false, reason: 'koffi unavailable: Cannot find module' });
  }
});

test('a missing shared library is a reason, not a throw', () => {
  const r = loadLibpcap('libtfc-does-not-exist.so.0');
  assert.ok(!r.ok);
  assert.match(r.reason, /libtfc-does-not-exist/);
});

// Tracepoint availability is asserted by kernel.test.ts, which skips with the probe's reason when tracefs is wedged.
test('this machine (root) has bpf(2), TEST_RUN, cBPF sockets and libpcap', {
  skip: process.getuid?.() === 0 ? false : 'not root',
}, () => {
  const before = new Set(readdirSync('/proc/self/fd'));
  const f = probeFeatures();
  assert.deepEqual(
    readdirSync('/proc/self/fd').filter((fd) => !before.has(fd)),
    [],
    'probe leaks no fd',
  );
  for (const [name, a] of Object.entries({
    bpf: f.bpf,
    testRun: f.testRun,
    cbpfSocket: f.cbpfSocket,
    libpcap: f.libpcap,
  })) {
    assert.ok(a.ok, `${name}: ${a.ok ? '' : a.reason}`);
  }
  assert.equal(f.possibleCpus, possibleCpuCount());
  assert.ok(f.possibleCpus >= 1);
  assert.ok(nrCpuIds() >= f.possibleCpus, 'nr_cpu_ids counts the holes too');
});
