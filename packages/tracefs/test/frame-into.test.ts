// encodeTraceFrameInto (the streaming tracer's allocation-free encoder) writes exactly encodeTraceFrame's bytes,
// into a dirty reused buffer at any offset, and touches nothing outside the frame.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeTraceFrame, encodeTraceFrame, encodeTraceFrameInto, traceFrameLength } from '@tfc/tracefs';
import fc from 'fast-check';

test('encodeTraceFrameInto equals encodeTraceFrame in a dirty buffer, and the frame decodes back', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 300 }),
      fc.record({
        eventId: fc.integer({ min: 0, max: 0xffff }),
        cpu: fc.integer({ min: 0, max: 0xffff }),
        timestampNs: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        sequence: fc.integer({ min: 0, max: 0xffffffff }),
        comm: fc.oneof(fc.string({ maxLength: 20 }), fc.uint8Array({ maxLength: 20 })),
        lost: fc.boolean(),
        littleEndian: fc.boolean(),
      }),
      fc.nat(40),
      (record, h, at) => {
        const want = encodeTraceFrame(record, h);
        const out = new Uint8Array(at + traceFrameLength(record.length) + 8).fill(0xa5);
        const n = encodeTraceFrameInto(out, at, record, h);
        assert.equal(n, want.length);
        assert.deepEqual(out.subarray(at, at + n), want);
        assert.ok(
          out.subarray(0, at).every((b) => b === 0xa5),
          'nothing before the frame',
        );
        assert.ok(
          out.subarray(at + n).every((b) => b === 0xa5),
          'nothing after the frame',
        );
        const d = decodeTraceFrame(want);
        assert.ok(d.ok);
        assert.deepEqual(d.record, record);
        assert.equal(d.timestampNs, h.timestampNs);
      },
    ),
    { numRuns: 300 },
  );
});
