// PacketBlockBuffer (the live writers' EPB appender) hands its sink exactly the bytes packetBlock gives for the same
// packets, in order, whatever the chunk size (blocks that do not fit start a new chunk; a block larger than a chunk
// gets one of its own), with whole blocks in between; the result reads back with tfc's reader.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  interfaceBlock,
  LINKTYPE,
  PacketBlockBuffer,
  packetBlock,
  readCapture,
  sectionHeaderBlock,
} from '@tfc/live';
import fc from 'fast-check';

const packetArb = fc.record({
  iface: fc.constant(0),
  ts: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }),
  data: fc.uint8Array({ maxLength: 200 }),
  comment: fc.option(fc.constantFrom('', 'sock:inet_sock_set_state', 'syscalls:sys_enter_lseek', 'é'), {
    nil: undefined,
  }),
});

test('PacketBlockBuffer equals packetBlock, chunk by chunk, for any chunk size', () => {
  fc.assert(
    fc.property(
      fc.array(packetArb, { maxLength: 40 }),
      fc.integer({ min: 32, max: 2048 }),
      (packets, size) => {
        const chunks: Uint8Array[] = [];
        const buf = new PacketBlockBuffer((b) => chunks.push(b), 'nsec', size);
        buf.appendBlock(sectionHeaderBlock());
        buf.appendBlock(interfaceBlock({ linkType: LINKTYPE.ETHERNET, name: 'trace0', precision: 'nsec' }));
        const want = [
          sectionHeaderBlock(),
          interfaceBlock({ linkType: LINKTYPE.ETHERNET, name: 'trace0', precision: 'nsec' }),
        ];
        for (const p of packets) {
          const { comment, ...rest } = p;
          const d = { ...rest, len: p.data.length + 4, ...(comment === undefined ? {} : { comment }) };
          buf.append(d);
          want.push(packetBlock(d, 'nsec'));
        }
        buf.flush();
        assert.deepEqual(Buffer.concat(chunks), Buffer.concat(want));
        const cap = readCapture(new Uint8Array(Buffer.concat(chunks)));
        assert.ok(cap.ok, cap.ok ? '' : cap.error);
        assert.equal(cap.capture.records.length, packets.length);
      },
    ),
    { numRuns: 200 },
  );
});
