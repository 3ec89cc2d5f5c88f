// Trace captures that viewers understand (issue 15 item 7): two trace devices as two interfaces, each frame's
// event in its EPB comment, one statistics block per device with per-CPU and per-event counts. Read back by tfc's
// own reader (everything, exactly), by libpcap (tcpdump -r: every frame, in order, with its timestamp) and by
// Wireshark's (tshark -r: every frame with its interface name and comment; capinfos: the statistics blocks).
// The external readers skip with the reason when the tool is missing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type EventFormat, encodeTraceFrame, recordFromJson } from '@tfc/tracefs';
import fc from 'fast-check';
import {
  concatBlocks,
  interfaceBlock,
  packetBlock,
  readCapture,
  sectionHeaderBlock,
  statisticsBlock,
  TraceCounters,
  type TraceDeviceCapture,
  writeTracePcapng,
} from '../src/index.ts';
import { proofEvents, recordArb } from './records.ts';

const events = proofEvents();
const byId = new Map(events.map((e) => [e.id, `${e.system}:${e.name}`]));
const namer = (id: number) => byId.get(id);

function device(name: string, seed: number, n: number, t0: bigint): TraceDeviceCapture {
  const samples = fc.sample(fc.tuple(fc.constantFrom(...events), fc.nat(3), fc.boolean(), fc.nat(5000)), {
    numRuns: n,
    seed,
  });
  let ts = t0;
  const seq = new Map<number, number>();
  const frames = samples.map(([event, cpu, lost, gap], i) => {
    const json = fc.sample(recordArb(event as EventFormat), { numRuns: 1, seed: seed + i })[0];
    const r = recordFromJson(event, json);
    if (!r.ok) throw new Error(r.error);
    ts += BigInt(gap) + 1n;
    const s = seq.get(cpu) ?? 0;
    seq.set(cpu, s + 1);
    const data = encodeTraceFrame(r.record, {
      eventId: event.id,
      cpu,
      comm: name,
      timestampNs: ts,
      sequence: s,
      lost,
    });
    return { ts, data };
  });
  return {
    name,
    description: `tfc trace device ${name}`,
    frames,
    lost: new Map([
      [1, 7n],
      [9, 2n],
    ]),
    osDropped: 1n,
  };
}

const devices = [
  device('trace0', 1, 60, 1_700_000_000_000_000_000n),
  device('trace1', 2, 40, 1_700_000_000_000_001_000n),
];
const bytes = writeTracePcapng(devices, namer);
const all = devices
  .flatMap((d, iface) => d.frames.map((f) => ({ ...f, iface })))
  .sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.iface - b.iface));

test("tfc's reader gets back every frame, its device and comment, and the statistics", () => {
  const r = readCapture(bytes);
  assert.ok(r.ok);
  const c = r.capture;
  assert.deepEqual(
    c.interfaces.map((i) => [i.name, i.description, i.linkType, i.precision]),
    [
      ['trace0', 'tfc trace device trace0', 1, 'nsec'],
      ['trace1', 'tfc trace device trace1', 1, 'nsec'],
    ],
  );
  assert.equal(c.records.length, all.length);
  c.records.forEach((rec, i) => {
    const w = all[i]!;
    assert.equal(rec.iface, w.iface);
    assert.equal(rec.ts, w.ts);
    assert.deepEqual(rec.data, w.data);
    const id = (w.data[18]! << 8) | w.data[19]!;
    assert.equal(rec.comment, namer(id));
  });
  assert.equal(c.statistics?.length, 2);
  devices.forEach((d, i) => {
    const s = c.statistics![i]!;
    assert.equal(s.iface, i);
    assert.equal(s.delivered, BigInt(d.frames.length));
    assert.equal(s.dropped, 9n);
    assert.equal(s.received, BigInt(d.frames.length) + 9n);
    assert.equal(s.osDropped, 1n);
    assert.equal(s.start, d.frames[0]!.ts);
    assert.equal(s.end, d.frames.at(-1)!.ts);
    const cpuLines = s.comments.filter((l) => l.startsWith('cpu '));
    assert.ok(cpuLines.includes(`cpu 9: frames 0, lost 2, lost marks 0`), cpuLines.join('\n'));
    const perCpu = cpuLines.map((l) => Number(/frames (\d+)/.exec(l)![1]));
    assert.equal(
      perCpu.reduce((a, b) => a + b, 0),
      d.frames.length,
    );
    const perEvent = s.comments
      .filter((l) => l.startsWith('event '))
      .map((l) => Number(/: (\d+)$/.exec(l)![1]));
    assert.equal(
      perEvent.reduce((a, b) => a + b, 0),
      d.frames.length,
    );
  });
  // Deterministic.
  assert.deepEqual(writeTracePcapng(devices, namer), bytes);
});

function tool(name: string, args: string[]): string | undefined {
  const r = spawnSync(name, args, { encoding: 'utf8' });
  return r.error || r.status !== 0 ? undefined : r.stdout;
}

test('libpcap (tcpdump -r) reads every frame of the two-device capture, in order, with its timestamp', (t) => {
  if (tool('tcpdump', ['--version']) === undefined) {
    t.skip('tcpdump is not installed');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), `tfc-trace-cap-${process.pid}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'trace.pcapng');
  writeFileSync(file, bytes);
  const r = spawnSync('tcpdump', ['-r', file, '-n', '-tt', '-e', '--time-stamp-precision=nano'], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n').filter((l) => /^\d+\.\d+ /.test(l));
  assert.equal(lines.length, all.length);
  lines.forEach((l, i) => {
    const ts = all[i]!.ts;
    assert.ok(l.startsWith(`${ts / 1_000_000_000n}.${String(ts % 1_000_000_000n).padStart(9, '0')} `), l);
    assert.match(l, /ethertype Unknown \(0x88b5\)/);
  });
});

test('Wireshark (tshark -r, capinfos) reads every frame with its device name and event comment, and the statistics', (t) => {
  if (tool('tshark', ['--version']) === undefined) {
    t.skip('tshark is not installed (scripts/ensure-tools.sh installs it as root)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), `tfc-trace-cap-${process.pid}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'trace.pcapng');
  writeFileSync(file, bytes);
  const r = spawnSync(
    'tshark',
    [
      '-r',
      file,
      '-T',
      'fields',
      '-E',
      'separator=|',
      '-e',
      'frame.interface_name',
      '-e',
      'frame.comment',
      '-e',
      'frame.time_epoch',
    ],
    { encoding: 'utf8', cwd: dir },
  );
  assert.equal(r.status, 0, r.stderr);
  const rows = r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('|'));
  assert.equal(rows.length, all.length);
  rows.forEach(([ifName, comment, epoch], i) => {
    const w = all[i]!;
    assert.equal(ifName, devices[w.iface]!.name);
    assert.equal(comment, namer((w.data[18]! << 8) | w.data[19]!));
    const ts = w.ts;
    assert.equal(epoch, `${ts / 1_000_000_000n}.${String(ts % 1_000_000_000n).padStart(9, '0')}`);
  });
  const info = tool('capinfos', ['-M', file]);
  if (info !== undefined) {
    assert.match(info, /Number of interfaces in file: 2/);
    assert.equal((info.match(/Number of stat entries = 1/g) ?? []).length, 2, info);
  }
});

test('streamed block by block (TraceCounters, block encoders) the capture is the same bytes', () => {
  const d = devices[0]!;
  const counters = new TraceCounters(namer);
  const parts = [
    sectionHeaderBlock(),
    interfaceBlock({ linkType: 1, name: d.name!, description: d.description!, precision: 'nsec' }),
  ];
  for (const f of d.frames) {
    counters.add(f);
    const id = (f.data[18]! << 8) | f.data[19]!;
    parts.push(
      packetBlock({ iface: 0, ts: f.ts, len: f.data.length, data: f.data, comment: namer(id)! }, 'nsec'),
    );
  }
  parts.push(statisticsBlock(counters.statistics(0, { lost: d.lost!, osDropped: d.osDropped! }), 'nsec'));
  assert.deepEqual(concatBlocks(parts), writeTracePcapng([d], namer));
});
