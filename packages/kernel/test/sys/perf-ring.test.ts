// The perf ring reader and record decoder on the fake syscall layer (no kernel): samples with TID, TIME, CPU and
// RAW decode field by field, lost records carry their count, a ring that wraps reads back contiguous and publishes
// data_tail, bad sizes stop the decode with an error; the sampler opens every event disabled, maps it, attaches
// each program to the first CPU's event only, enables last, and releases everything when a step fails.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FdHandle } from '../../src/sys/fd.ts';
import { fakeSyscalls, PERF, tracepointSampleAttr } from '../../src/sys/index.ts';
import { decodePerfRecords, PERF_RECORD, PERF_SAMPLE } from '../../src/sys/perf-records.ts';
import { PerfRing, ringPages } from '../../src/sys/perf-ring.ts';
import { mergeByTime, SAMPLER_SAMPLE_TYPE, TracepointSampler } from '../../src/tracepoint/sampler.ts';

const TYPE = SAMPLER_SAMPLE_TYPE;

/** A PERF_RECORD_SAMPLE with TID, TIME, CPU and RAW (raw padded by the caller). */
function sample(pid: number, tid: number, time: bigint, cpu: number, raw: Uint8Array): Uint8Array {
  const size = 8 + 8 + 8 + 8 + 4 + raw.length;
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  v.setUint32(0, PERF_RECORD.SAMPLE, true);
  v.setUint16(6, size, true);
  v.setInt32(8, pid, true);
  v.setInt32(12, tid, true);
  v.setBigUint64(16, time, true);
  v.setUint32(24, cpu, true);
  v.setUint32(32, raw.length, true);
  b.set(raw, 36);
  return b;
}

function lost(n: bigint): Uint8Array {
  const b = new Uint8Array(24);
  const v = new DataView(b.buffer);
  v.setUint32(0, PERF_RECORD.LOST, true);
  v.setUint16(6, 24, true);
  v.setBigUint64(8, 77n, true);
  v.setBigUint64(16, n, true);
  return b;
}

const cat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

const raw44 = Uint8Array.from({ length: 44 }, (_, i) => i);

test('decodePerfRecords: samples field by field, lost counts, other records, and errors', () => {
  const d = decodePerfRecords(
    cat(sample(10, 11, 123n, 1, raw44), lost(5n), sample(12, 13, 124n, 0, raw44)),
    TYPE,
  );
  assert.equal(d.error, null);
  assert.equal(d.records.length, 3);
  const [a, l, b] = d.records;
  assert.ok(a?.kind === 'sample' && l?.kind === 'lost' && b?.kind === 'sample');
  assert.deepEqual([a.pid, a.tid, a.time, a.cpu, a.raw.length], [10, 11, 123n, 1, 44]);
  assert.deepEqual([...a.raw], [...raw44]);
  assert.equal(l.lost, 5n);
  assert.deepEqual([b.pid, b.cpu], [12, 0]);
  const throttle = new Uint8Array(24);
  new DataView(throttle.buffer).setUint32(0, PERF_RECORD.THROTTLE, true);
  new DataView(throttle.buffer).setUint16(6, 24, true);
  assert.deepEqual(decodePerfRecords(throttle, TYPE).records, [
    { kind: 'other', type: PERF_RECORD.THROTTLE },
  ]);
  const bad = sample(1, 1, 1n, 0, raw44);
  new DataView(bad.buffer).setUint16(6, 4, true);
  const e = decodePerfRecords(cat(sample(1, 1, 1n, 0, raw44), bad), TYPE);
  assert.equal(e.records.length, 1, 'records before the bad one are kept');
  assert.match(e.error ?? '', /bad size 4/);
  const rawPast = sample(1, 1, 1n, 0, raw44);
  new DataView(rawPast.buffer).setUint32(32, 400, true);
  assert.match(decodePerfRecords(rawPast, TYPE).error ?? '', /raw size 400 past the record/);
  assert.match(decodePerfRecords(new Uint8Array(0), TYPE | 1).error ?? '', /does not know/);
});

test('PerfRing: reads what lies between tail and head, across the wrap, and publishes the tail', () => {
  const sys = fakeSyscalls();
  const ring = PerfRing.map(sys, 9, 1, 4096);
  assert.ok(ring.ok);
  const region = sys.regions[0] as Uint8Array;
  assert.equal(region.length, 2 * 4096, 'one control page and one data page');
  const ctl = new DataView(region.buffer);
  const data = region.subarray(4096);
  assert.equal(ring.value.read().bytes.length, 0, 'empty ring');
  // Move both positions to 20 bytes before the end of the data area (three laps in): the next two records wrap.
  const a = sample(1, 1, 1n, 0, raw44);
  const b = sample(2, 2, 2n, 0, raw44);
  const pos = 4096 * 3 + 4096 - a.length - 20;
  ctl.setBigUint64(1024, BigInt(pos), true);
  const skipped = ring.value.read();
  assert.match(skipped.error ?? '', /out of step/, 'more than the ring holds: dropped');
  assert.equal(ctl.getBigUint64(1032, true), BigInt(pos), 'tail resynchronised to the head');
  const both = cat(a, b);
  for (let i = 0; i < both.length; i++) data[(pos + i) % 4096] = both[i] as number;
  ctl.setBigUint64(1024, BigInt(pos + both.length), true);
  const got = ring.value.read();
  assert.equal(got.error, null);
  assert.deepEqual([...got.bytes], [...both], 'contiguous copy across the wrap');
  assert.equal(ctl.getBigUint64(1032, true), BigInt(pos + both.length), 'data_tail published');
  const dec = decodePerfRecords(got.bytes, TYPE);
  assert.deepEqual(
    dec.records.map((x) => (x.kind === 'sample' ? x.pid : -1)),
    [1, 2],
  );
  ring.value.dispose();
  ring.value.dispose();
  ctl.setBigUint64(1024, BigInt(pos + both.length + 8), true);
  assert.equal(ring.value.read().bytes.length, 0, 'nothing after dispose');
  assert.equal(PerfRing.map(sys, 9, 3, 4096).ok, false, 'data pages must be a power of two');
  assert.deepEqual(
    [ringPages(1, 4096), ringPages(4, 4096), ringPages(5, 4096), ringPages(1024, 4096)],
    [1, 1, 2, 256],
  );
});

test('tracepointSampleAttr: sample_period 1, the sample type, disabled, watermark wakeups', () => {
  const a = tracepointSampleAttr(42, TYPE, 8192);
  const v = new DataView(a.buffer);
  assert.equal(v.getUint32(0, true), PERF.TYPE_TRACEPOINT);
  assert.equal(v.getBigUint64(8, true), 42n);
  assert.equal(v.getBigUint64(16, true), 1n);
  assert.equal(
    v.getBigUint64(24, true),
    BigInt(PERF_SAMPLE.TID | PERF_SAMPLE.TIME | PERF_SAMPLE.CPU | PERF_SAMPLE.RAW),
  );
  assert.equal(v.getBigUint64(40, true), 1n | (1n << 14n), 'disabled and watermark');
  assert.equal(v.getUint32(48, true), 8192);
});

test('TracepointSampler: open disabled, map, attach the program to the first CPU only, enable last', () => {
  const sys = fakeSyscalls();
  const prog = new FdHandle(sys, 100, 'bpf-prog');
  const s = TracepointSampler.open(sys, {
    events: [{ id: 7, prog }, { id: 8 }],
    cpus: [0, 1],
    dataPages: 1,
  });
  assert.ok(s.ok);
  const names = sys.calls.map((c) =>
    c.name === 'ioctl'
      ? `ioctl ${c.request === PERF.IOC_SET_BPF ? 'SET_BPF' : c.request === PERF.IOC_ENABLE ? 'ENABLE' : c.request.toString(16)} ${c.fd}`
      : c.name === 'perfEventOpen'
        ? `open cpu${c.cpu}`
        : c.name,
  );
  const opens = names.filter((n) => n.startsWith('open'));
  assert.deepEqual(opens, ['open cpu0', 'open cpu1', 'open cpu0', 'open cpu1']);
  assert.equal(names.filter((n) => n.startsWith('mmap')).length, 4);
  const setBpf = names.filter((n) => n.includes('SET_BPF'));
  assert.deepEqual(
    setBpf,
    ['ioctl SET_BPF 3'],
    'one attach, on the first event of the tracepoint with a program',
  );
  const firstEnable = names.findIndex((n) => n.includes('ENABLE'));
  assert.ok(firstEnable > names.lastIndexOf('mmap') && firstEnable > names.indexOf('ioctl SET_BPF 3'));
  assert.equal(names.filter((n) => n.includes('ENABLE')).length, 4);
  for (const c of sys.calls)
    if (c.name === 'perfEventOpen') assert.equal(new DataView(c.attr.buffer).getBigUint64(40, true) & 1n, 1n);
  const before = sys.calls.length;
  s.value.dispose();
  s.value.dispose();
  assert.equal(
    sys.calls.slice(before).filter((c) => c.name === 'close').length,
    4,
    'four events closed, once',
  );
});

test('TracepointSampler: a failing attach releases every event it opened', () => {
  const sys = fakeSyscalls((call) =>
    call.name === 'ioctl' && call.request === PERF.IOC_SET_BPF ? { ok: false, errno: 17 } : undefined,
  );
  const prog = new FdHandle(sys, 100, 'bpf-prog');
  const s = TracepointSampler.open(sys, { events: [{ id: 7, prog }], cpus: [0, 1, 2], dataPages: 1 });
  assert.equal(s.ok, false);
  if (!s.ok) assert.match(s.error.message, /SET_BPF/);
  const opened = sys.calls.filter((c) => c.name === 'perfEventOpen').length;
  const closed = sys.calls.filter((c) => c.name === 'close').length;
  assert.deepEqual([opened, closed], [3, 3]);
  assert.equal(sys.calls.filter((c) => c.name === 'ioctl' && c.request === PERF.IOC_ENABLE).length, 0);
});

test('TracepointSampler.finish: disables every event, then reports the losses no lost record reported', () => {
  const sys = fakeSyscalls((call, live) => {
    if (call.name !== 'read' || live === undefined) return undefined;
    new DataView(live.buffer, live.byteOffset).setBigUint64(8, 5n, true);
    return { ok: true, value: 16 };
  });
  const s = TracepointSampler.open(sys, { events: [{ id: 7 }], cpus: [0, 1], dataPages: 1 });
  assert.ok(s.ok);
  const from = sys.calls.length;
  const out = s.value.finish();
  const after = sys.calls.slice(from);
  const disables = after.filter((c) => c.name === 'ioctl' && c.request === PERF.IOC_DISABLE).length;
  const firstRead = after.findIndex((c) => c.name === 'read');
  assert.equal(disables, 2);
  assert.ok(
    firstRead > after.findLastIndex((c) => c.name === 'ioctl'),
    'counts are read after every disable',
  );
  assert.deepEqual(
    out.records.map((r) => [r.cpu, r.data.length, r.lostBefore]),
    [
      [0, 0, 5],
      [1, 0, 5],
    ],
  );
  assert.deepEqual(s.value.finish().records, [], 'a loss is reported once');
  s.value.dispose();
  assert.deepEqual(s.value.finish().records, [], 'nothing once disposed');
});

test('mergeByTime: CPUs interleave by time, one CPU’s ring order is never changed', () => {
  const r = (cpu: number, ts: bigint, tag: number) => ({
    cpu,
    ts,
    data: Uint8Array.of(tag),
    lostBefore: 0,
    pid: 0,
    tid: 0,
  });
  // cpu0: 10, 30, 25 (a nested sample written after a later one), 40; cpu1: 20, 27, 35
  const input = [
    r(0, 10n, 1),
    r(0, 30n, 2),
    r(0, 25n, 3),
    r(0, 40n, 4),
    r(1, 20n, 5),
    r(1, 27n, 6),
    r(1, 35n, 7),
  ];
  const out = mergeByTime(input).map((x) => x.data[0]);
  assert.deepEqual(out, [1, 5, 6, 2, 3, 7, 4]);
});
