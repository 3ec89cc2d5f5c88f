// The compile-and-load path `tfc apply --target ebpf` and `tfc trace --engine ebpf` share, on the bundled
// sys_enter_lseek format and the fake syscall layer (no kernel): a filter compiles to a TRACEPOINT program; a filter
// the kernel would refuse comes back as the kernel's filter-file text; a load refused for lack of privilege is told
// apart from a verifier refusal (which carries the log and the listing); the ebpf engine refuses such a filter
// before it loads or opens anything, and names the events' formats for trimming.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BPF_CMD, fakeSyscalls } from '@tfc/kernel/sys';
import { bundledEvent, NEWEST, parseFilter, renderFilterFile } from '@tfc/tracefs';
import { startEbpfEngine } from '../src/cli/trace/ebpf-engine.ts';
import { compileTracepointFilter, loadTracepointProgram } from '../src/cli/trace/tracepoint-program.ts';
import { createHost } from '../src/host/index.ts';

const lseek = bundledEvent('syscalls', 'sys_enter_lseek');

test('compileTracepointFilter: a TRACEPOINT program, or the kernel’s own text for a filter it refuses', () => {
  assert.ok(lseek);
  const host = createHost();
  const ok = compileTracepointFilter('whence == 2 && offset == 0', lseek, NEWEST, host);
  assert.ok(ok.ok);
  assert.equal(ok.spec.progTypeName, 'TRACEPOINT');
  assert.ok(ok.spec.stats.instructions > 2);
  const bad = compileTracepointFilter('nosuch == 1', lseek, NEWEST, host);
  assert.equal(bad.ok, false);
  const kernel = parseFilter('nosuch == 1', lseek, { nrCpuIds: host.nrCpuIds(), dialect: NEWEST });
  assert.ok(!kernel.ok);
  if (!bad.ok) assert.equal(bad.stderr, renderFilterFile(kernel.error));
});

test('loadTracepointProgram: privilege refusals are told apart from verifier refusals', () => {
  assert.ok(lseek);
  const c = compileTracepointFilter('whence == 2', lseek, NEWEST, createHost());
  assert.ok(c.ok);
  const eperm = fakeSyscalls((call) =>
    call.name === 'bpf' && call.cmd === BPF_CMD.PROG_LOAD ? { ok: false, errno: 1 } : undefined,
  );
  const p = loadTracepointProgram(eperm, c.spec, 'tfc_trace');
  assert.ok(!p.ok && p.privilege !== undefined, 'EPERM without a verifier log: a privilege problem');
  const einval = fakeSyscalls((call, live) => {
    if (call.name !== 'bpf' || call.cmd !== BPF_CMD.PROG_LOAD) return undefined;
    // log_level@24, log_size@28, log_buf@32: write a verifier line into the caller's log buffer when one is given
    const v = new DataView(live!.buffer, live!.byteOffset);
    const logPtr = v.getBigUint64(32, true);
    const buf = logPtr === 0n ? undefined : einval.bufferAt(logPtr);
    if (buf !== undefined) buf.set(new TextEncoder().encode('R1 invalid mem access\n'));
    return { ok: false, errno: 13 };
  });
  const r = loadTracepointProgram(einval, c.spec, 'tfc_trace');
  assert.ok(!r.ok);
  assert.equal(r.privilege, undefined);
  assert.match(r.stderr, /^tfc: the verifier rejects the program/);
  assert.match(r.stderr, /R1 invalid mem access/);
  assert.ok(r.stderr.endsWith(c.spec.listing), 'the listing closes the message');
});

test('startEbpfEngine: a refused filter is rejected with the kernel’s text before anything is loaded', () => {
  assert.ok(lseek);
  const r = startEbpfEngine({
    events: [lseek],
    filter: 'whence == "x"',
    dialect: NEWEST,
    host: createHost(),
    bufferKb: 64,
    root: '/nonexistent',
  });
  assert.equal(r.ok, false);
  assert.ok(!r.ok && 'rejected' in r);
  if (!r.ok && 'rejected' in r) assert.match(r.rejected, /^whence == "x"\n/);
});
