// The capture suite's pure parts, without the kernel: the sender's lines, per-packet figures, quantiles and the
// ratio distribution; and the kernel-side filter it writes is one tfc's kernel-exact front end accepts on the
// bundled skb:kfree_skb format and that rejects the suite's IPv4 traffic. Figures are measured, never asserted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bundledEvent, evaluate, parseFilter, recordFromJson } from '@tfc/tracefs';
import { KERNEL_FILTER } from '../src/suites/capture.ts';
import { parseSenderLine, perPacket, quantile, ratioDistribution } from '../src/suites/capture-figures.ts';

test('capture figures: sender lines parse, malformed ones are errors', () => {
  assert.deepEqual(parseSenderLine('2000 1000 100\n'), { wallNs: 2000, cpuNs: 1000, sent: 100 });
  assert.deepEqual(perPacket({ wallNs: 2000, cpuNs: 1000, sent: 100 }), { wall: 20, cpu: 10 });
  assert.ok('error' in parseSenderLine('error sendmmsg: Operation not permitted'));
  assert.ok('error' in parseSenderLine('10 10 0'));
});

test('capture figures: quantiles interpolate and refuse empty samples', () => {
  assert.equal(quantile([3, 1, 2], 0.5), 2);
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantile([0, 10], 0.9), 9);
  assert.equal(quantile([5], 0.9), 5);
  assert.throws(() => quantile([], 0.5));
  assert.throws(() => quantile([1], 1.5));
});

test('capture figures: ratio distribution names the largest and skips zero denominators', () => {
  const d = ratioDistribution([
    { name: 'a', ours: 10, theirs: 5 },
    { name: 'b', ours: 30, theirs: 3 },
    { name: 'c', ours: 4, theirs: 4 },
    { name: 'z', ours: 1, theirs: 0 },
  ]);
  assert.ok(d);
  assert.equal(d.n, 3);
  assert.equal(d.median, 2);
  assert.equal(d.max, 10);
  assert.equal(d.maxCase, 'b');
  assert.equal(d.min, 1);
  assert.equal(ratioDistribution([]), undefined);
});

test('capture suite: the kernel filter is accepted on skb:kfree_skb and rejects IPv4', () => {
  const ev = bundledEvent('skb', 'kfree_skb');
  assert.ok(ev);
  const r = parseFilter(KERNEL_FILTER, ev, { nrCpuIds: 2 });
  assert.ok(r.ok);
  for (const [protocol, want] of [
    [0x0800, false],
    [0x86dd, true],
  ] as const) {
    const rec = recordFromJson(ev, { protocol });
    assert.ok(rec.ok);
    assert.equal(evaluate(r.filter, rec.record, rec.ctx), want);
  }
});
