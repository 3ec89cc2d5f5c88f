// The pcap / pcapng readers and writers: the corpus capture (written by libpcap's tools) read against its JSON
// description, write→read round trips for both formats, byte orders and resolutions, libpcap (tcpdump -r)
// reading what the writers produce, and hostile input (random bytes, every truncation) giving error values.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  type CaptureResult,
  readCapture,
  readPcap,
  readPcapng,
  writePcap,
  writePcapng,
} from '../src/capture/index.ts';

const CORPUS = new URL('../../../../shared/corpus/pcap-libpcap-1.10.3/semantic/', import.meta.url).pathname;

interface JsonPacket {
  readonly n: number;
  readonly len: number;
  readonly hex: string;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function ok(r: CaptureResult) {
  if (!r.ok) throw new Error(`unexpected error: ${r.error} at ${r.offset}`);
  return r.capture;
}

test('the corpus capture reads as its JSON description says (35 Ethernet frames)', () => {
  const bytes = new Uint8Array(readFileSync(join(CORPUS, 'packets.pcap')));
  const want = JSON.parse(readFileSync(join(CORPUS, 'packets.json'), 'utf8')) as JsonPacket[];
  const c = ok(readCapture(bytes));
  assert.equal(c.format, 'pcap');
  assert.equal(c.order, 'le');
  assert.deepEqual(c.interfaces, [{ linkType: 1, snaplen: 262144, precision: 'usec' }]);
  assert.equal(c.records.length, 35);
  assert.equal(c.records.length, want.length);
  c.records.forEach((r, i) => {
    assert.equal(hex(r.data), want[i]!.hex, `frame ${i + 1}`);
    assert.equal(r.len, want[i]!.len, `frame ${i + 1}`);
  });
  // Re-writing it with the same parameters gives the same bytes.
  assert.deepEqual(writePcap(c.records, { linkType: 1, snaplen: 262144 }), bytes);
});

const arbRecord = fc.record({
  ts: fc.bigInt({ min: 0n, max: (1n << 32n) * 1_000_000_000n - 1n }),
  data: fc.uint8Array({ maxLength: 80 }),
  extra: fc.nat(100),
});

test('pcap: read(write(records)) gives the records back, both byte orders and resolutions', () => {
  fc.assert(
    fc.property(
      fc.array(arbRecord, { maxLength: 8 }),
      fc.constantFrom('usec' as const, 'nsec' as const),
      fc.constantFrom('le' as const, 'be' as const),
      fc.nat(300),
      (recs, precision, order, linkType) => {
        const records = recs.map((r) => ({ ts: r.ts, len: r.data.length + r.extra, data: r.data }));
        const bytes = writePcap(records, { linkType, precision, order, snaplen: 65535 });
        const c = ok(readPcap(bytes));
        assert.equal(c.order, order);
        assert.deepEqual(c.interfaces, [{ linkType, snaplen: 65535, precision }]);
        assert.equal(c.records.length, records.length);
        c.records.forEach((r, i) => {
          const w = records[i]!;
          const ts = precision === 'usec' ? (w.ts / 1000n) * 1000n : w.ts;
          assert.equal(r.ts, ts);
          assert.equal(r.len, w.len);
          assert.deepEqual(r.data, w.data);
        });
        assert.deepEqual(writePcap(c.records, { linkType, precision, order, snaplen: 65535 }), bytes);
      },
    ),
    { numRuns: 200 },
  );
});

test('pcapng: read(write(records)) gives the records back (microsecond and nanosecond interfaces)', () => {
  fc.assert(
    fc.property(
      fc.array(arbRecord, { maxLength: 8 }),
      fc.constantFrom('usec' as const, 'nsec' as const),
      (recs, precision) => {
        const records = recs.map((r) => ({ ts: r.ts, len: r.data.length + r.extra, data: r.data }));
        const bytes = writePcapng(records, { linkType: 1, precision });
        assert.equal(bytes.length % 4, 0);
        const c = ok(readCapture(bytes));
        assert.equal(c.format, 'pcapng');
        assert.deepEqual(c.interfaces, [{ linkType: 1, snaplen: 262144, precision }]);
        assert.equal(c.records.length, records.length);
        c.records.forEach((r, i) => {
          const w = records[i]!;
          assert.equal(r.ts, precision === 'usec' ? (w.ts / 1000n) * 1000n : w.ts);
          assert.equal(r.len, w.len);
          assert.equal(r.iface, 0);
          assert.deepEqual(r.data, w.data);
        });
      },
    ),
    { numRuns: 200 },
  );
});

test('pcapng: big-endian sections, simple packet blocks and unknown blocks are read', () => {
  // Hand-built: SHB (BE), IDB (linktype 101, snaplen 4), unknown block type 0x99, SPB (orig 6 bytes, 4 kept).
  const be = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  const shb = [
    ...be(0x0a0d0d0a),
    ...be(28),
    ...be(0x1a2b3c4d),
    0,
    1,
    0,
    0,
    ...Array(8).fill(0xff),
    ...be(28),
  ];
  const idb = [...be(1), ...be(20), 0, 101, 0, 0, ...be(4), ...be(20)];
  const unknown = [...be(0x99), ...be(16), 1, 2, 3, 4, ...be(16)];
  const spb = [...be(3), ...be(20), ...be(6), 0xde, 0xad, 0xbe, 0xef, ...be(20)];
  const c = ok(readPcapng(Uint8Array.from([...shb, ...idb, ...unknown, ...spb])));
  assert.equal(c.order, 'be');
  assert.deepEqual(c.interfaces, [{ linkType: 101, snaplen: 4, precision: 'usec' }]);
  assert.equal(c.records.length, 1);
  assert.equal(hex(c.records[0]!.data), 'deadbeef');
  assert.equal(c.records[0]!.len, 6);
});

test('libpcap (tcpdump -r) reads what both writers produce', (t) => {
  if (spawnSync('tcpdump', ['--version']).status !== 0) {
    t.skip('tcpdump is not installed');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), `tfc-capture-${process.pid}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const want = JSON.parse(readFileSync(join(CORPUS, 'packets.json'), 'utf8')) as JsonPacket[];
  const records = want.map((p, i) => ({
    ts: 1_700_000_000_123_456_789n + BigInt(i) * 1_000_000n,
    len: p.len,
    data: Uint8Array.from(Buffer.from(p.hex, 'hex')),
  }));
  const files = {
    'usec.pcap': writePcap(records, { linkType: 1 }),
    'nsec-be.pcap': writePcap(records, { linkType: 1, precision: 'nsec', order: 'be' }),
    'usec.pcapng': writePcapng(records, { linkType: 1 }),
    'nsec.pcapng': writePcapng(records, { linkType: 1, precision: 'nsec' }),
  };
  for (const [name, bytes] of Object.entries(files)) {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    const nsec = name.startsWith('nsec');
    const r = spawnSync(
      'tcpdump',
      ['-r', path, '-n', '-tt', '-x', ...(nsec ? ['--time-stamp-precision=nano'] : [])],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, `${name}: ${r.stderr}`);
    const lines = r.stdout.split('\n').filter((l) => /^\d+\.\d+ /.test(l));
    assert.equal(lines.length, records.length, name);
    assert.match(lines[0]!, nsec ? /^1700000000\.123456789 / : /^1700000000\.123456 /, name);
    assert.match(lines[1]!, nsec ? /^1700000000\.124456789 / : /^1700000000\.124456 /, name);
  }
});

test('hostile input: random bytes and every truncation give values, never exceptions', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      for (const r of [readCapture(b), readPcap(b), readPcapng(b)]) {
        assert.equal(typeof r.ok, 'boolean');
        if (!r.ok) assert.ok(r.offset >= 0 && r.offset <= b.length);
      }
    }),
    { numRuns: 1000 },
  );
  // Valid headers followed by random bytes exercise the record parsers.
  const pcapHead = writePcap([], { linkType: 1 });
  const ngHead = writePcapng([], { linkType: 1 });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), (tail) => {
      for (const head of [pcapHead, ngHead]) {
        const r = readCapture(Uint8Array.from([...head, ...tail]));
        if (r.ok) for (const rec of r.capture.records) assert.ok(rec.data.length <= tail.length);
      }
    }),
    { numRuns: 1000 },
  );
  const rec = { ts: 0n, len: 60, data: new Uint8Array(60).fill(7) };
  for (const whole of [
    writePcap([rec, rec], { linkType: 1 }),
    writePcapng([rec, rec], { linkType: 1, precision: 'nsec' }),
  ]) {
    let errors = 0;
    for (let n = 0; n < whole.length; n++) {
      const r = readCapture(whole.subarray(0, n));
      if (!r.ok) {
        errors++;
        assert.match(r.error, /truncated|magic|missing|unknown|too short|shorter/, `cut at ${n}: ${r.error}`);
      } else assert.ok(r.capture.records.length < 2, `cut at ${n} still has both records`);
    }
    assert.ok(errors > whole.length / 2, `only ${errors} of ${whole.length} truncations were errors`);
  }
});

test('a record claiming an absurd length is refused without allocating it', () => {
  const b = writePcap([{ ts: 0n, len: 4, data: Uint8Array.of(1, 2, 3, 4) }], { linkType: 1 });
  new DataView(b.buffer).setUint32(24 + 8, 0xfffffff0, true);
  const r = readPcap(b);
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.match(r.error, /claims 4294967280 captured bytes/);
    assert.equal(r.offset, 24);
  }
});
