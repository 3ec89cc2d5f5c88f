// The trace suite's pure helpers, without the kernel: /proc stat parsing and process trees, the tracers' summary
// and report lines, loss accounting, the tracer list (engines as data) and the rows with their tfc / reference
// ratios. The live measurement itself is not a test (figures are measured, never asserted).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { label, rateRows, type Sample, TFC_ENGINES, tracerSpecs } from '../src/suites/trace.ts';
import { descendants, parseProcStat } from '../src/trace/proc-cpu.ts';
import {
  loss,
  parseRusageNs,
  parseTfcSummary,
  parseWorkloadDone,
  TraceCmdReportCounter,
} from '../src/trace/tracer-report.ts';

test('parseProcStat: fields after the last parenthesis, a command name with spaces and parentheses', () => {
  const line = '4242 (a) b (c)) S 17 4242 4242 0 -1 4194560 100 0 0 0 31 7 2 1 20 0 3 0 555 1000 10 1844 0\n';
  assert.deepEqual(parseProcStat(line), { pid: 4242, ppid: 17, cpuTicks: 31 + 7 + 2 + 1 });
  assert.equal(parseProcStat(''), undefined);
  assert.equal(parseProcStat('12 (x) S 1 2'), undefined);
  assert.equal(parseProcStat('x (y) S 1 1 1 0 -1 0 0 0 0 0 1 1 0 0'), undefined);
});

test('descendants: the root first, each pid once, unrelated processes left out', () => {
  const p = (pid: number, ppid: number) => ({ pid, ppid, cpuTicks: 0 });
  const procs = [p(1, 0), p(10, 1), p(11, 10), p(12, 10), p(13, 11), p(20, 1)];
  assert.deepEqual(descendants(10, procs), [10, 11, 12, 13]);
  assert.deepEqual(descendants(99, procs), [99]);
});

test("parseTfcSummary: tfc trace's summary line, with per-CPU detail and losses of unknown size", () => {
  const err =
    'tfc: trace: recording syscalls/sys_enter_lseek\n' +
    'tfc: trace: 41234 events in 3.4 s, lost events 58766 (cpu1: 58766)\n';
  assert.deepEqual(parseTfcSummary(err), { recorded: 41234, reportedLost: 58766, unknownLosses: 0 });
  assert.deepEqual(
    parseTfcSummary(
      'tfc: trace: 7 events in 0.1 s, lost events 0; 2 losses of unknown size (stopped by SIGINT)\n',
    ),
    { recorded: 7, reportedLost: 0, unknownLosses: 2 },
  );
  assert.equal(parseTfcSummary('tfc: trace: recording syscalls/sys_enter_lseek\n'), undefined);
});

test('TraceCmdReportCounter: records of the event and EVENTS DROPPED marks, lines split across chunks', () => {
  const c = new TraceCmdReportCounter('sys_enter_lseek');
  const text =
    'cpus=2\n' +
    '  lseek-workload-9  [001]  10.000001: sys_enter_lseek:      fd: 0x00000003, offset: 0x00000000, whence: 0x00000001\n' +
    'CPU:1 [120 EVENTS DROPPED]\n' +
    '  lseek-workload-9  [001]  10.000009: sys_enter_lseek:      fd: 0x00000003, offset: 0x00000000, whence: 0x00000001\n' +
    'CPU:0 [EVENTS DROPPED]\n' +
    '  other-1  [000]  10.000010: sys_enter_read:      fd: 0x00000003\n';
  for (let i = 0; i < text.length; i += 17) c.push(text.slice(i, i + 17));
  assert.deepEqual(c.end(), { recorded: 2, reportedLost: 120, unknownLosses: 1 });
});

test('parseRusageNs and parseWorkloadDone: the helpers’ own lines, the last rusage line wins', () => {
  assert.equal(parseRusageNs('tfc: trace: 1 events\nrusage 1500 250\n'), 1_750_000);
  assert.equal(parseRusageNs('rusage 1 1\nrusage 2 3\n'), 5000);
  assert.equal(parseRusageNs('no such line'), undefined);
  assert.deepEqual(parseWorkloadDone('pid 12\ndone 200000 812345678\n'), {
    calls: 200000,
    elapsedNs: 812345678,
  });
  assert.equal(parseWorkloadDone('pid 12\n'), undefined);
});

test('loss: fired vs recorded, the unreported rest, unknown-size losses never counted as unreported', () => {
  assert.deepEqual(loss(100, { recorded: 60, reportedLost: 40, unknownLosses: 0 }), {
    lost: 40,
    lostPct: 40,
    unreported: 0,
  });
  assert.deepEqual(loss(100, { recorded: 60, reportedLost: 30, unknownLosses: 0 }), {
    lost: 40,
    lostPct: 40,
    unreported: 10,
  });
  assert.equal(loss(100, { recorded: 60, reportedLost: 0, unknownLosses: 1 }).unreported, 0);
  assert.equal(loss(0, { recorded: 0, reportedLost: 0, unknownLosses: 0 }).lostPct, 0);
});

test('tracerSpecs: trace-cmd is the one reference; every tfc engine into pcapng and a veth', () => {
  const specs = tracerSpecs();
  assert.deepEqual(specs.filter((s) => s.reference).map(label), ['trace-cmd -> trace.dat']);
  for (const e of TFC_ENGINES)
    for (const o of ['pcapng', 'veth'])
      assert.ok(
        specs.some((s) => s.engine === `tfc-${e}` && s.output === o && !s.reference),
        `${e} ${o}`,
      );
});

test('rateRows: per-run ratios against the reference of the same run, medians over runs', () => {
  const s = (recorded: number, elapsedNs: number, cpuNs: number, reportedLost = 0): Sample => ({
    fired: 1000,
    elapsedNs,
    cpuNs,
    counts: { recorded, reportedLost, unknownLosses: 0 },
  });
  const ref = 'trace-cmd -> trace.dat';
  const tfc = 'tfc-kernel -> pcapng';
  const rows = rateRows(
    'flat-out',
    new Map([
      [ref, [s(1000, 1e9, 1e6), s(1000, 2e9, 2e6), s(1000, 1e9, 1e6)]],
      [tfc, [s(500, 1e9, 5e6, 500), s(1000, 2e9, 20e6), s(250, 1e9, 2.5e6, 700)]],
    ]),
    ref,
  );
  const get = (engine: string, metric: string) =>
    rows.find((r) => r.engine === engine && r.metric === metric);
  assert.equal(get(ref, 'recorded_events_per_s')?.median, 1000);
  assert.equal(get(tfc, 'recorded_events_per_s')?.median, 500);
  assert.equal(get(tfc, 'lost_pct')?.median, 50);
  assert.equal(get(tfc, 'unreported_lost')?.max, 50);
  const ratio = get(`${tfc} / ${ref}`, 'recorded_events_per_s_ratio');
  assert.deepEqual([ratio?.min, ratio?.median, ratio?.max], [0.25, 0.5, 1]);
  assert.equal(get(`${tfc} / ${ref}`, 'cpu_ns_per_event_ratio')?.median, 10);
  assert.equal(get('workload', 'matching_calls_per_s')?.runs, 6);
});

test('rateRows: a failed run (undefined) and a reference that recorded nothing leave the ratios, not Infinity', () => {
  const s = (recorded: number): Sample => ({
    fired: 100,
    elapsedNs: 1e9,
    cpuNs: 1e6,
    counts: { recorded, reportedLost: 0, unknownLosses: 0 },
  });
  const ref = 'trace-cmd -> trace.dat';
  const tfc = 'tfc-kernel -> veth';
  const rows = rateRows(
    'x',
    new Map([
      [ref, [s(100), s(0), s(100), undefined]],
      [tfc, [s(50), s(50), undefined, s(50)]],
    ]),
    ref,
  );
  const ratio = rows.find(
    (r) => r.engine === `${tfc} / ${ref}` && r.metric === 'recorded_events_per_s_ratio',
  );
  assert.deepEqual([ratio?.runs, ratio?.median], [1, 0.5]);
  assert.ok(rows.every((r) => Number.isFinite(r.median) && Number.isFinite(r.max)));
  assert.equal(rows.find((r) => r.engine === ref && r.metric === 'cpu_ns_per_event')?.runs, 2);
});
