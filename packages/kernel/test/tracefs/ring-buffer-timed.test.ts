// Pure tests of decodePageTimed and parseHeaderEvent: pages synthesised from random entries (data of both length
// forms, time extends, absolute stamps, padding) with an independent timestamp model written from the documented
// rules (base + deltas; extend adds array<<27|delta; stamp sets it, top 5 bits carried), and the commit word's
// missed-events flags with and without a stored count. No kernel access.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_EVENT_HEADER, decodePageTimed, parseHeaderEvent } from '@tfc/kernel/tracefs';
import fc from 'fast-check';

const LAYOUT = { commitOffset: 8, commitSize: 8, dataOffset: 16 };

test('parseHeaderEvent reads the type values of events/header_event', () => {
  const text = `# compressed entry header
\ttype_len    :    5 bits
\ttime_delta  :   27 bits
\tarray       :   32 bits

\tpadding     : type == 29
\ttime_extend : type == 30
\ttime_stamp : type == 31
\tdata max type_len  == 28
`;
  assert.deepEqual(parseHeaderEvent(text), DEFAULT_EVENT_HEADER);
  assert.equal(parseHeaderEvent('padding : type == 29'), null);
});

type Entry =
  | { kind: 'data'; words: number; long: boolean; delta: number }
  | { kind: 'extend'; hi: number; delta: number }
  | { kind: 'stamp'; hi: number; delta: number }
  | { kind: 'pad'; words: number; delta: number };

const delta = fc.integer({ min: 0, max: (1 << 27) - 1 });
const entryArb: fc.Arbitrary<Entry> = fc.oneof(
  fc.record({
    kind: fc.constant('data' as const),
    words: fc.integer({ min: 1, max: 28 }),
    long: fc.boolean(),
    delta,
  }),
  fc.record({ kind: fc.constant('extend' as const), hi: fc.integer({ min: 0, max: 0xffff }), delta }),
  fc.record({ kind: fc.constant('stamp' as const), hi: fc.integer({ min: 0, max: 0xffffffff }), delta }),
  fc.record({
    kind: fc.constant('pad' as const),
    words: fc.integer({ min: 1, max: 4 }),
    delta: fc.integer({ min: 1, max: 1000 }),
  }),
);

function build(entries: Entry[], base: bigint, missed: 'none' | 'flag' | 'count') {
  const page = new Uint8Array(4096);
  const dv = new DataView(page.buffer);
  dv.setBigUint64(0, base, true);
  let p = 16;
  let ts = base;
  let tag = 1;
  const want: { ts: bigint; first: number; len: number }[] = [];
  for (const e of entries) {
    const size = e.kind === 'data' ? (e.long ? 8 : 4) + e.words * 4 : e.kind === 'pad' ? 8 + e.words * 4 : 8;
    if (p + size + 8 > 4096 - 16) break;
    if (e.kind === 'data') {
      ts += BigInt(e.delta);
      if (e.long) {
        dv.setUint32(p, (e.delta << 5) >>> 0, true);
        dv.setUint32(p + 4, e.words * 4 + 4, true);
      } else dv.setUint32(p, ((e.delta << 5) | e.words) >>> 0, true);
      const at = p + (e.long ? 8 : 4);
      page.fill(tag, at, at + e.words * 4);
      want.push({ ts, first: tag, len: e.words * 4 });
      tag = (tag % 250) + 1;
    } else if (e.kind === 'pad') {
      ts += BigInt(e.delta);
      dv.setUint32(p, ((e.delta << 5) | 29) >>> 0, true);
      dv.setUint32(p + 4, 4 + e.words * 4, true);
    } else {
      dv.setUint32(p, ((e.delta << 5) | (e.kind === 'extend' ? 30 : 31)) >>> 0, true);
      dv.setUint32(p + 4, e.hi, true);
      const v = (BigInt(e.hi) << 27n) + BigInt(e.delta);
      if (e.kind === 'extend') ts += v;
      else {
        const msb = 0xf8n << 56n;
        let abs = v;
        if (ts & msb) {
          abs |= ts & msb;
          if (abs < ts) abs += 1n << 59n;
        }
        ts = abs;
      }
    }
    p += size;
  }
  const len = p - 16;
  let commit = len;
  if (missed !== 'none') commit |= 0x80000000;
  if (missed === 'count') {
    commit |= 0x40000000;
    dv.setBigUint64(p, 77n, true);
  }
  dv.setUint32(8, commit >>> 0, true);
  return { page, want };
}

test('decodePageTimed: every event with the timestamp the entry rules give, and the page’s lost events', () => {
  fc.assert(
    fc.property(
      fc.array(entryArb, { maxLength: 40 }),
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      fc.constantFrom('none', 'flag', 'count'),
      (entries, base, missed) => {
        const { page, want } = build(entries, base, missed as 'none' | 'flag' | 'count');
        const got = decodePageTimed(page, LAYOUT);
        assert.equal(got.error, null);
        assert.equal(got.lost, missed === 'none' ? 0 : missed === 'flag' ? -1 : 77);
        assert.equal(got.events.length, want.length);
        got.events.forEach((e, i) => {
          const w = want[i];
          assert.ok(w);
          assert.equal(e.ts, w.ts, `event ${i}`);
          assert.equal(e.data.length, w.len);
          assert.ok(e.data.every((b) => b === w.first));
        });
      },
    ),
    { numRuns: 500 },
  );
});

test('decodePageTimed reports a corrupt page instead of reading past the commit', () => {
  const page = new Uint8Array(64);
  const dv = new DataView(page.buffer);
  dv.setUint32(8, 16, true);
  dv.setUint32(16, 0, true);
  dv.setUint32(20, 400, true);
  assert.match(decodePageTimed(page, LAYOUT).error ?? '', /bad event length/);
  dv.setUint32(8, 4000, true);
  assert.match(decodePageTimed(page, LAYOUT).error ?? '', /beyond page size/);
});
