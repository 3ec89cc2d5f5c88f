// The kernel suite's cases, checked without the kernel: every filter is safe to write (kernelHazard), fits the
// kernel's 4,096-byte write limit, is accepted by tfc's kernel-exact front end and compiles to a tracepoint program
// whose decision on the cases' hits is the one the suite asserts live (reject all, or accept half). The live timing
// itself is not a test (figures are measured, never asserted).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compile } from '@tfc/compiler';
import { evaluate } from '@tfc/ir';
import { kernelHazard } from '@tfc/kernel';
import { bundledEvent } from '@tfc/tracefs';
import { kernelCases } from '../src/suites/kernel.ts';

test('kernel suite cases: safe, short enough, compiled, and rejecting (or accepting half of) their hits', () => {
  const ev = bundledEvent('syscalls', 'sys_enter_lseek');
  assert.ok(ev);
  const cases = kernelCases();
  assert.deepEqual(
    cases.map((c) => c.name),
    ['or-1', 'or-4', 'or-16', 'or-64', 'or-256', 'range', 'mixed', 'or-64-accept-half'],
  );
  for (const k of cases) {
    assert.equal(kernelHazard(k.filter), null, k.name);
    assert.ok(Buffer.byteLength(k.filter) < 4096, `${k.name}: ${Buffer.byteLength(k.filter)} bytes`);
    const r = compile({ filter: k.filter, event: ev, target: 'ebpf', ctx: 'tracepoint', nrCpuIds: 2 });
    assert.ok(r.ok, `${k.name}: ${r.ok ? '' : r.diagnostics.map((d) => d.message).join('; ')}`);
    let accepted = 0;
    for (const h of k.hits) {
      const rec = new Uint8Array(40);
      const v = new DataView(rec.buffer);
      v.setUint16(0, ev.id, true);
      v.setBigUint64(16, h.fd, true);
      v.setBigUint64(24, h.offset, true);
      v.setBigUint64(32, h.whence, true);
      const verdict = evaluate(r.optimized, {
        record: rec,
        pid: 4242,
        cpu: 0,
        comm: new TextEncoder().encode('tfc-firer'),
      });
      if (verdict === 'accept') accepted++;
    }
    assert.equal(accepted * 64, k.accepts * k.hits.length, k.name);
  }
});
