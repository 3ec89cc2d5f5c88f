// The BPF ring buffer consumer over plain memory laid out as the kernel maps it (consumer page; producer page and
// the data area twice in a row), with a model producer that reserves, commits and discards as bpf_ringbuf_*
// do: samples come out in order, a busy sample stops the drain until committed, discarded ones are skipped, the
// consumer position advances by round_up(len + 8, 8), and samples that wrap the area's end arrive whole.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  RINGBUF_BUSY_BIT,
  RINGBUF_DISCARD_BIT,
  RingConsumer,
  type RingMemory,
} from '../../src/skb/ring-consumer.ts';

const PAGE = 64;

/** Plain memory as the kernel maps a ring, and a producer that writes both copies of the data area. */
function ring(size: number) {
  const consumer = new Uint8Array(new ArrayBuffer(PAGE));
  const producer = new Uint8Array(new ArrayBuffer(PAGE + 2 * size));
  const mem: RingMemory = { consumer, producer, dataOffset: PAGE, size };
  const pv = new DataView(producer.buffer);
  const cv = new DataView(consumer.buffer);
  let prod = 0n;
  const put = (pos: bigint, bytes: Uint8Array) => {
    for (let i = 0; i < bytes.length; i++) {
      const at = Number((pos + BigInt(i)) % BigInt(size));
      producer[PAGE + at] = bytes[i] as number;
      producer[PAGE + size + at] = bytes[i] as number;
    }
  };
  const word = (pos: bigint, w: number) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, w >>> 0, true);
    put(pos, b);
  };
  return {
    mem,
    /** bpf_ringbuf_reserve: the sample's position, or undefined when it does not fit. */
    reserve(data: Uint8Array): bigint | undefined {
      const total = BigInt((data.length + 8 + 7) & ~7);
      const cons = cv.getBigUint64(0, true);
      if (prod - cons + total > BigInt(size)) return undefined;
      const at = prod;
      word(at, (data.length | RINGBUF_BUSY_BIT) >>> 0);
      word(at + 4n, 0);
      put(at + 8n, data);
      prod += total;
      pv.setBigUint64(0, prod, true);
      return at;
    },
    commit(at: bigint, len: number, discard: boolean) {
      word(at, discard ? (len | RINGBUF_DISCARD_BIT) >>> 0 : len);
    },
    consumerPos: () => cv.getBigUint64(0, true),
  };
}

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (seed * 31 + i) & 0xff);

test('samples come out in order; busy stops the drain; discarded samples are skipped; positions advance', () => {
  const r = ring(256);
  const c = new RingConsumer(r.mem);
  const a = r.reserve(bytes(5, 1));
  const b = r.reserve(bytes(16, 2));
  const d = r.reserve(bytes(3, 3));
  assert.ok(a !== undefined && b !== undefined && d !== undefined);
  r.commit(a, 5, false);
  r.commit(d, 3, false);
  const got: number[][] = [];
  assert.equal(
    c.drain((s) => got.push([...s])),
    1,
    'the busy second sample stops the drain',
  );
  assert.deepEqual(got, [[...bytes(5, 1)]]);
  assert.equal(r.consumerPos(), 16n, 'round_up(5 + 8, 8)');
  r.commit(b, 16, true);
  assert.equal(
    c.drain((s) => got.push([...s])),
    1,
  );
  assert.deepEqual(got[1], [...bytes(3, 3)], 'the discarded sample is skipped');
  assert.equal(r.consumerPos(), 16n + 24n + 16n);
  assert.equal(c.pending(), 0n);
});

test('a sample that wraps the end of the data area arrives whole', () => {
  const r = ring(64);
  const c = new RingConsumer(r.mem);
  for (let i = 0; i < 5; i++) {
    const data = bytes(20, i);
    const at = r.reserve(data);
    assert.ok(at !== undefined, `sample ${i} fits`);
    r.commit(at, data.length, false);
    const got: Uint8Array[] = [];
    c.drain((s) => got.push(s.slice()));
    assert.deepEqual(got, [data], `sample ${i} (at ${at % 64n})`);
  }
  assert.equal(r.consumerPos(), 5n * 32n);
});

test('drain(max) delivers at most max samples and leaves the rest', () => {
  const r = ring(256);
  const c = new RingConsumer(r.mem);
  for (let i = 0; i < 4; i++) {
    const at = r.reserve(bytes(4, i));
    assert.ok(at !== undefined);
    r.commit(at, 4, false);
  }
  assert.equal(
    c.drain(() => {}, 3),
    3,
  );
  assert.equal(
    c.drain(() => {}),
    1,
  );
});

test('property: against a model producer, the consumer delivers exactly the committed samples, in order', () => {
  const op = fc.oneof(
    fc.record({
      kind: fc.constant('write' as const),
      len: fc.integer({ min: 0, max: 90 }),
      discard: fc.boolean(),
    }),
    fc.record({ kind: fc.constant('hold' as const), len: fc.integer({ min: 0, max: 40 }) }),
    fc.record({ kind: fc.constant('drain' as const), max: fc.integer({ min: 1, max: 4 }) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const r = ring(128);
      const c = new RingConsumer(r.mem);
      const expected: number[][] = [];
      const got: number[][] = [];
      const held: { at: bigint; data: Uint8Array }[] = [];
      let seed = 0;
      const release = () => {
        for (const h of held.splice(0)) r.commit(h.at, h.data.length, false);
      };
      for (const o of ops) {
        if (o.kind === 'drain') {
          c.drain((s) => got.push([...s]), o.max);
          continue;
        }
        const data = bytes(o.len, seed++);
        const at = r.reserve(data);
        if (at === undefined) {
          release();
          c.drain((s) => got.push([...s]));
          continue;
        }
        if (o.kind === 'hold') {
          held.push({ at, data });
          expected.push([...data]);
        } else {
          if (held.length === 0) r.commit(at, data.length, o.discard);
          else held.push({ at, data: o.discard ? new Uint8Array(0) : data });
          if (!o.discard) expected.push([...data]);
          if (o.discard && held.length > 0) {
            held.pop();
            r.commit(at, data.length, true);
          }
        }
      }
      release();
      c.drain((s) => got.push([...s]));
      assert.deepEqual(got, expected);
      assert.equal(c.pending(), 0n);
    }),
    { numRuns: 300 },
  );
});
