// The kernel suite's cases, checked without the kernel: every filter is safe to write (kernelHazard), fits the
// kernel's 4,096-byte write limit, is accepted by tfc's kernel-exact front end, and compiles to a tracepoint program
// whose decision on the cases' hits (built as the workload makes them: lseek(1000, V, SEEK_SET), a frame of
// ethertype V dropped on loopback) is the one the suite asserts live (reject all, or accept half); and the kernel's
// own filter semantics (tfc's reference evaluator) agree. The live timing itself is not a test (figures are
// measured, never asserted).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compile } from '@tfc/compiler';
import { evaluate } from '@tfc/ir';
import { kernelHazard } from '@tfc/kernel';
import { bundledEvent, parseFilter, recordFromJson, evaluate as tracefsEvaluate } from '@tfc/tracefs';
import { kernelCases } from '../src/suites/kernel.ts';
import { halfIndex, KFREE_SKB, LSEEK, SERIES_SIZES, type SeriesEvent } from '../src/suites/kernel-cases.ts';

const fieldsOf = (ev: SeriesEvent, v: bigint) => ({
  common_pid: 4242,
  ...(ev === LSEEK ? { fd: 1000, offset: Number(v), whence: 0 } : { protocol: Number(v), reason: 74 }),
});

test('kernel suite cases: both events, every size, accepting nothing and half', () => {
  const names = kernelCases().map((c) => c.name);
  for (const ev of [LSEEK, KFREE_SKB])
    for (const n of SERIES_SIZES) {
      assert.ok(names.includes(`${ev.name}-or-${n}`), `${ev.name}-or-${n}`);
      assert.ok(names.includes(`${ev.name}-or-${n}-accept-half`), `${ev.name}-or-${n}-accept-half`);
    }
  assert.ok(names.includes('lseek-range') && names.includes('lseek-mixed'));
  assert.equal(new Set(names).size, names.length);
  assert.deepEqual([1, 4, 16, 64, 256].map(halfIndex), [0, 2, 10, 40, 160]);
});

test('kernel suite: no series value is the miss, and kfree_skb values have no protocol handler', () => {
  for (const ev of [LSEEK, KFREE_SKB])
    for (let i = 0; i < 256; i++) assert.notEqual(ev.value(i), ev.miss, `${ev.name} ${i}`);
  for (const v of [KFREE_SKB.miss, KFREE_SKB.value(0), KFREE_SKB.value(255)]) {
    assert.ok(v >= 0x600n && v <= 0xffffn, `${v}: an ethertype, not an 802.3 length`);
    assert.ok(![0x800n, 0x806n, 0x86ddn, 0x8100n, 0x88a8n].includes(v));
  }
});

test('kernel suite cases: safe, short enough, compiled, and rejecting (or accepting half of) their hits', () => {
  for (const k of kernelCases()) {
    const ev = bundledEvent(k.event.group, k.event.event);
    assert.ok(ev, k.name);
    assert.equal(kernelHazard(k.filter), null, k.name);
    assert.ok(Buffer.byteLength(k.filter) < 4096, `${k.name}: ${Buffer.byteLength(k.filter)} bytes`);
    const r = compile({ filter: k.filter, event: ev, target: 'ebpf', ctx: 'tracepoint', nrCpuIds: 2 });
    assert.ok(r.ok, `${k.name}: ${r.ok ? '' : r.diagnostics.map((d) => d.message).join('; ')}`);
    const kf = parseFilter(k.filter, ev, { nrCpuIds: 2 });
    assert.ok(kf.ok, k.name);
    let accepted = 0;
    let kernelAccepted = 0;
    for (const h of k.hits) {
      const rec = recordFromJson(ev, fieldsOf(k.event, h));
      assert.ok(rec.ok, k.name);
      const verdict = evaluate(r.optimized, {
        record: rec.record,
        pid: 4242,
        cpu: 0,
        comm: new TextEncoder().encode('tfc-kernel-work'),
      });
      if (verdict === 'accept') accepted++;
      if (tracefsEvaluate(kf.filter, rec.record, rec.ctx)) kernelAccepted++;
    }
    assert.equal(accepted * 64, k.accepts * k.hits.length, k.name);
    assert.equal(kernelAccepted, accepted, k.name);
  }
});
