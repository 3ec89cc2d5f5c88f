// Pure tests of the ring-buffer page decoder, the header_page reader, the format reader and the
// oracle command encoding. Invariants: no kernel access; pages are synthesised by an independent
// encoder written from the documented entry-header layout, then decoded and compared.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodePage, encodeCommand, parseHeaderPage, readRawFormat } from '@tfc/kernel/tracefs';
import fc from 'fast-check';

const HEADER_PAGE = `\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;
\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;
\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;
\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;
`;

const LAYOUT = { commitOffset: 8, commitSize: 8, dataOffset: 16 };

test('parseHeaderPage reads commit and data offsets', () => {
  assert.deepEqual(parseHeaderPage(HEADER_PAGE), LAYOUT);
  assert.equal(parseHeaderPage('field: u64 timestamp; offset:0; size:8;'), null);
});

type Item =
  | { kind: 'data'; bytes: Uint8Array }
  | { kind: 'extend' }
  | { kind: 'stamp' }
  | { kind: 'pad'; len: number };

function encodeItem(it: Item): number[] {
  const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
  const delta = 5 << 5;
  if (it.kind === 'extend') return [...u32(30 | delta), 0, 0, 0, 0];
  if (it.kind === 'stamp') return [...u32(31 | delta), 0, 0, 0, 0];
  if (it.kind === 'pad')
    return [...u32(29 | delta), ...u32(it.len), ...new Array<number>(it.len - 4).fill(0xaa)];
  const n = it.bytes.length;
  if (n <= 112 && n % 4 === 0) return [...u32((n / 4) | delta), ...it.bytes];
  // long form: length word counts itself
  return [...u32(delta), ...u32(n + 4), ...it.bytes];
}

const itemArb: fc.Arbitrary<Item> = fc.oneof(
  fc
    .integer({ min: 1, max: 60 })
    .chain((w) => fc.uint8Array({ minLength: w * 4, maxLength: w * 4 }))
    .map((bytes) => ({ kind: 'data' as const, bytes })),
  fc.constant({ kind: 'extend' as const }),
  fc.constant({ kind: 'stamp' as const }),
  fc.integer({ min: 1, max: 8 }).map((w) => ({ kind: 'pad' as const, len: w * 4 })),
);

test('decodePage returns exactly the data payloads, in order, whatever the mix of entries', () => {
  fc.assert(
    fc.property(
      fc.array(itemArb, { maxLength: 12 }),
      fc.boolean(),
      fc.boolean(),
      (items, nullPad, missed) => {
        const body = items.flatMap(encodeItem);
        const page = new Uint8Array(4096);
        page.set(body.slice(0, 4096 - 24), 16);
        const used = Math.min(body.length, 4096 - 24);
        if (used !== body.length) return; // too big for one page: not a valid page
        let commit = used;
        if (nullPad) {
          page.set([29, 0, 0, 0], 16 + used); // padding with zero delta: end of data
          commit += 4;
        }
        const dv = new DataView(page.buffer);
        dv.setUint32(8, (commit | (missed ? 0x80000000 : 0)) >>> 0, true);
        const dec = decodePage(page, LAYOUT);
        assert.equal(dec.error, null);
        const want = items.filter((i) => i.kind === 'data').map((i) => [...i.bytes]);
        assert.deepEqual(
          dec.events.map((e) => [...e]),
          want,
        );
      },
    ),
    { numRuns: 300 },
  );
});

test('decodePage reports a commit length beyond the page and truncated entries', () => {
  const page = new Uint8Array(64);
  new DataView(page.buffer).setUint32(8, 100, true);
  assert.match(decodePage(page, LAYOUT).error ?? '', /beyond/);
  const p2 = new Uint8Array(64);
  new DataView(p2.buffer).setUint32(8, 8, true);
  p2.set([20, 0, 0, 0], 16); // claims 80 bytes of data, only 4 committed
  assert.match(decodePage(p2, LAYOUT).error ?? '', /truncated/);
});

test('decoded payloads are copies (the read buffer may be reused)', () => {
  const page = new Uint8Array(64);
  new DataView(page.buffer).setUint32(8, 8, true);
  page.set([1, 0, 0, 0, 9, 9, 9, 9], 16);
  const dec = decodePage(page, LAYOUT);
  page.fill(0);
  assert.deepEqual([...(dec.events[0] ?? [])], [9, 9, 9, 9]);
});

test('readRawFormat reads names, array suffixes, offsets, sizes and signedness', () => {
  const f = readRawFormat(`name: rec
ID: 42
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;

\tfield:__data_loc char[] str;\toffset:50;\tsize:4;\tsigned:1;
\tfield:char newcomm[16];\toffset:28;\tsize:16;\tsigned:0;
\tfield:u8 arr[];\toffset:67;\tsize:16;\tsigned:0;
`);
  assert.ok(f);
  assert.equal(f.id, 42);
  assert.deepEqual(
    f.fields.map((x) => [x.type, x.name, x.offset, x.size, x.signed]),
    [
      ['unsigned short', 'common_type', 0, 2, false],
      ['__data_loc char[]', 'str', 50, 4, true],
      ['char[16]', 'newcomm', 28, 16, false],
      ['u8[]', 'arr', 67, 16, false],
    ],
  );
  assert.equal(readRawFormat('format:\n'), null);
});

test('encodeCommand lays out the 80-byte header that oracle.c reads', () => {
  const b = encodeCommand({
    op: 'fire',
    rec: {
      idx: 7,
      u8: 0x1ff,
      s8: -1,
      u16: 70000,
      s16: -2,
      u32: -1,
      s32: 5,
      u64: -1n,
      s64: 1n << 63n,
      str: null,
    },
    cpu: 1,
    comm: Buffer.from('abc'),
  });
  assert.equal(b.length, 80);
  assert.equal(String.fromCharCode(b[0] ?? 0), 'F');
  assert.equal(b[1], 3); // comm + NULL string
  assert.equal(b.readInt32LE(4), 1);
  assert.equal(b.subarray(8, 11).toString(), 'abc');
  assert.equal(b.readUInt32LE(24), 7);
  assert.equal(b[28], 0xff);
  assert.equal(b[29], 0xff);
  assert.equal(b.readUInt16LE(30), 70000 & 0xffff);
  assert.equal(b.readInt16LE(32), -2);
  assert.equal(b.readUInt32LE(36), 0xffffffff);
  assert.equal(b.readInt32LE(40), 5);
  assert.equal(b.readBigUInt64LE(48), (1n << 64n) - 1n);
  assert.equal(b.readBigUInt64LE(56), 1n << 63n);
  const r = encodeCommand({ op: 'rename', name: Buffer.from('xyz') });
  assert.equal(r.length, 83);
  assert.equal(String.fromCharCode(r[0] ?? 0), 'R');
  assert.equal(r.readInt32LE(4), -1);
  assert.equal(r.readUInt16LE(2), 3);
});
