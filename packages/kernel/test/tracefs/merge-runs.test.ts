// mergeRuns (tfc trace's ordering of one drain): per-CPU runs in time order become one time order, equal to a
// stable sort of the drain by timestamp, each CPU's own order kept.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeRuns, type TimedRecord } from '@tfc/kernel/tracefs';
import fc from 'fast-check';

test('mergeRuns equals a stable sort by timestamp of CPU-ordered runs', () => {
  fc.assert(
    fc.property(
      fc.array(fc.array(fc.bigInt({ min: 0n, max: (1n << 20n) - 1n }), { maxLength: 30 }), { maxLength: 5 }),
      (perCpu) => {
        const drain: TimedRecord[] = perCpu.flatMap((tss, cpu) =>
          [...tss]
            .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
            .map((ts, i) => ({ cpu, data: Uint8Array.of(cpu, i), ts, lostBefore: 0 })),
        );
        const want = [...drain].sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
        assert.deepEqual(mergeRuns(drain), want);
      },
    ),
    { numRuns: 300 },
  );
});
