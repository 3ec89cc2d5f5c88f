// probeBpfFeatures (src/sys/bpf-features.ts): the may_goto probe's three answers through the fake syscalls (loaded,
// EINVAL, another errno: no answer), its program closed on every path; and, as root, the running kernel's answer, which on a kernel whose release is 6.9+ must be "has may_goto" (skips without bpf(2)).
import assert from 'node:assert/strict';
import { release } from 'node:os';
import { test } from 'node:test';
import { fakeSyscalls, MAY_GOTO_PROBE, probeBpfFeatures, probeFeatures } from '../../src/sys/index.ts';

const BPF_PROG_LOAD = 5;

function answer(errno: number | undefined) {
  const sys = fakeSyscalls((c) =>
    c.name === 'bpf' && c.cmd === BPF_PROG_LOAD && errno !== undefined ? { ok: false, errno } : undefined,
  );
  const r = probeBpfFeatures({ ok: true, value: sys });
  const opened = sys.calls.filter((c) => c.name === 'bpf' && c.cmd === BPF_PROG_LOAD).length;
  const closed = sys.calls.filter((c) => c.name === 'close').length;
  return { r, opened, closed };
}

test('may_goto probe (fake syscalls): loaded → true (closed again), EINVAL → false, EPERM → no answer', () => {
  const yes = answer(undefined);
  assert.deepEqual(yes.r, { ok: true, mayGoto: true, how: 'a may_goto program loaded' });
  assert.equal(yes.closed, 1);
  const no = answer(22);
  assert.ok(no.r.ok && no.r.mayGoto === false);
  assert.equal(no.closed, 0);
  const unknown = answer(1);
  assert.ok(!unknown.r.ok);
  assert.match(unknown.r.reason, /EPERM/);
  assert.ok(!probeBpfFeatures({ ok: false, reason: 'koffi missing' }).ok);
  // the program: may_goto (0xe5, src 0) jumping over one instruction, r0 set on both paths
  assert.equal(MAY_GOTO_PROBE.length, 32);
  assert.deepEqual([...MAY_GOTO_PROBE.subarray(8, 11)], [0xe5, 0, 1]);
});

const F = probeFeatures();
test('may_goto probe, running kernel: answers, and agrees with the release where that is 6.9+', {
  skip: F.bpf.ok ? false : F.bpf.reason,
}, () => {
  const r = probeBpfFeatures(F.syscalls);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  const [major, minor] = release().split('.').map(Number) as [number, number];
  if (major > 6 || (major === 6 && minor >= 9)) assert.equal(r.mayGoto, true);
  console.log(`# may_goto probe: ${r.mayGoto} (${r.how})`);
});
