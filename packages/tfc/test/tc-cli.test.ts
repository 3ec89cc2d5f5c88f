// The headline on real tc: `tfc encap` writes trace frames, `tfc compile --target tc-bpf --dev DEV` prints a
// batch, the batch goes onto a veth's clsact ingress inside a private network namespace, the frames are injected
// from the peer, and the per-rule match counters must equal `tfc eval`'s verdicts.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { applyBatch, filterShow } from '@tfc/iproute2';
import { readCapture } from '@tfc/live';
import { createTcLab, LAB_DEV } from '@tfc/tc-test';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';

const EVENT = ['--event', 'sock/inet_sock_set_state', '--source', 'bundled'];
const FILTER = 'family == 2 && protocol == 6';
const RECORDS = [
  { family: 2, protocol: 6, sport: 1 },
  { family: 10, protocol: 6 },
  { family: 2, protocol: 17 },
  { family: 2, protocol: 6, dport: 443 },
  { family: 0, protocol: 0 },
];

async function tfc(args: string[], files: Record<string, string> = {}) {
  const io = memoryIo(files);
  const code = await main(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

test('tfc compile --target tc-bpf: the printed batch, applied to a veth, matches the frames tfc eval accepts', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root (network namespaces, tc, AF_PACKET)');
  const dir = mkdtempSync(join(tmpdir(), `tfc-tccli-${process.pid}-`));
  const made = await createTcLab('tfc-tccli');
  if (!made.ok) assert.fail(`lab setup failed: ${made.error}`);
  const lab = made.lab;
  t.after(async () => {
    await lab.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  const recs = `${RECORDS.map((r) => JSON.stringify(r)).join('\n')}\n`;
  const verdicts = await tfc(['eval', FILTER, ...EVENT, '--records', 'r.jsonl'], { 'r.jsonl': recs });
  assert.equal(verdicts.code, 0, verdicts.err);
  const want = verdicts.out
    .trim()
    .split('\n')
    .map((v) => v === '1');
  assert.deepEqual(want, [true, false, false, true, false]);
  const pcap = join(dir, 'frames.pcap');
  const enc = await tfc(['encap', ...EVENT, '--records', 'r.jsonl', '-o', pcap], { 'r.jsonl': recs });
  assert.equal(enc.code, 0, enc.err);
  const capture = readCapture(new Uint8Array(readFileSync(pcap)));
  assert.ok(capture.ok);
  assert.equal(capture.capture.records.length, RECORDS.length);
  const rules = [
    { prio: 1, extra: ['--mode', 'classic'] },
    { prio: 2, extra: ['--mode', 'obj', '--object', join(dir, 'f.o')] },
  ];
  const lines: string[] = [];
  for (const r of rules) {
    const b = await tfc([
      'compile',
      FILTER,
      ...EVENT,
      '--target',
      'tc-bpf',
      '--dev',
      LAB_DEV,
      '--prio',
      String(r.prio),
      '--action',
      lab.countAction,
      ...r.extra,
    ]);
    assert.equal(b.code, 0, b.err);
    assert.match(b.out, new RegExp(`^filter add dev ${LAB_DEV} ingress protocol all prio ${r.prio} bpf `));
    lines.push(...b.out.trimEnd().split('\n'));
  }
  const applied = await applyBatch(lab.ns.name, lines);
  assert.ok(applied.ok, applied.ok ? '' : applied.failure.error.message);
  const counts = async () => {
    const s = await filterShow(lab.ns.name, LAB_DEV, 'ingress');
    assert.ok(s.ok, s.ok ? '' : s.error.message);
    return new Map(s.value.map((f) => [f.pref, f.actions.reduce((n, a) => n + a.packets, 0n)]));
  };
  let before = await counts();
  for (const [i, rec] of capture.capture.records.entries()) {
    const sent = lab.send(rec.data);
    assert.ok(sent.ok, sent.ok ? '' : sent.error);
    const after = await counts();
    for (const r of rules) {
      const got = (after.get(r.prio) ?? 0n) - (before.get(r.prio) ?? 0n);
      assert.equal(
        got,
        want[i] ? 1n : 0n,
        `frame ${i + 1} (${JSON.stringify(RECORDS[i])}), rule prio ${r.prio}`,
      );
    }
    before = after;
  }
});

test('tfc encap and tc-bpf usage errors', async () => {
  const noOut = await tfc(['encap', ...EVENT, '--records', 'r.jsonl'], { 'r.jsonl': '{}\n' });
  assert.equal(noOut.code, 2);
  assert.match(noOut.err, /-o FILE is needed/);
  const bad = await tfc(['encap', ...EVENT, '--records', 'r.jsonl', '-o', '/tmp/never.pcap'], {
    'r.jsonl': '{"family": 2}\n{"bogus": 1}\n',
  });
  assert.equal(bad.code, 2);
  assert.match(bad.err, /r\.jsonl:2: .*bogus/);
  const noDev = await tfc(['compile', FILTER, ...EVENT, '--target', 'tc-bpf']);
  assert.equal(noDev.code, 2);
  assert.match(noDev.err, /needs --dev DEV/);
  const noObj = await tfc([
    'compile',
    FILTER,
    ...EVENT,
    '--target',
    'tc-bpf',
    '--dev',
    'x0',
    '--mode',
    'obj-da',
  ]);
  assert.equal(noObj.code, 2);
  assert.match(noObj.err, /needs --object FILE/);
});

// The issue's headline, exactly as printed: `tfc compile 'family == 2 && protocol == 6' --event
// sock/inet_sock_set_state --target tc --dev trace0`, applied to a veth named trace0 in a private namespace. The
// printed rules stop classification on a match (classid 1:1: TC_ACT_OK), so a catch-all counter behind them at
// prio 2 counts exactly the frames they do not match; a second copy with --action counts the matches directly.
test('headline: tfc compile … --target tc --dev trace0 matches exactly the frames with family 2 and protocol 6', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root (network namespaces, tc, AF_PACKET)');
  const headline = await tfc([
    'compile',
    'family == 2 && protocol == 6',
    ...EVENT,
    '--target',
    'tc',
    '--dev',
    'trace0',
  ]);
  assert.equal(headline.code, 0, headline.err);
  assert.match(headline.err, /^tfc: tc: u32 \(/m);
  assert.match(
    headline.out,
    /^filter add dev trace0 ingress protocol 0x88b5 prio 1 handle ::1 u32 match u32 /,
  );
  assert.ok(!headline.out.includes('nexthdr'));
  const counted = await tfc([
    'compile',
    'family == 2 && protocol == 6',
    ...EVENT,
    '--target',
    'tc',
    '--dev',
    'trace0',
    '--prio',
    '3',
    '--action',
    'action mirred egress mirror dev s0 continue',
  ]);
  assert.equal(counted.code, 0, counted.err);
  const made = await createTcLab('tfc-headline', { dev: 'trace0', peer: 'trace1' });
  if (!made.ok) assert.fail(`lab setup failed: ${made.error}`);
  const lab = made.lab;
  t.after(() => lab.dispose());
  // The exact headline batch and the catch-all on trace0 ingress; the counting copy on the peer's egress hook.
  const lines = [
    ...headline.out.trimEnd().split('\n'),
    `filter add dev trace0 ingress protocol all prio 2 u32 match u32 0 0 at -4 ${lab.countAction}`,
    ...counted.out
      .trimEnd()
      .split('\n')
      .map((l) => l.replace('dev trace0 ingress', 'dev trace1 egress')),
  ];
  const applied = await applyBatch(lab.ns.name, lines);
  assert.ok(applied.ok, applied.ok ? '' : applied.failure.error.message);
  const show = async (dev: string, dir: 'ingress' | 'egress') => {
    const s = await filterShow(lab.ns.name, dev, dir);
    assert.ok(s.ok, s.ok ? '' : s.error.message);
    return s.value.reduce((n, f) => n + f.actions.reduce((m, a) => m + a.packets, 0n), 0n);
  };
  const records = [
    { family: 2, protocol: 6, sport: 1 },
    { family: 10, protocol: 6 },
    { family: 2, protocol: 17 },
    { family: 2, protocol: 6, dport: 443, newstate: 7 },
    { family: 0, protocol: 0 },
    { family: 2, protocol: 256 + 6 },
    { family: 0x102, protocol: 6 },
  ];
  const recs = `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;
  const verdicts = await tfc(['eval', FILTER, ...EVENT, '--records', 'r.jsonl'], { 'r.jsonl': recs });
  assert.equal(verdicts.code, 0, verdicts.err);
  const want = verdicts.out
    .trim()
    .split('\n')
    .map((v) => v === '1');
  assert.deepEqual(want, [true, false, false, true, false, false, false]);
  const dir = mkdtempSync(join(tmpdir(), `tfc-headline-${process.pid}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pcap = join(dir, 'frames.pcap');
  const enc = await tfc(['encap', ...EVENT, '--records', 'r.jsonl', '-o', pcap], { 'r.jsonl': recs });
  assert.equal(enc.code, 0, enc.err);
  const capture = readCapture(new Uint8Array(readFileSync(pcap)));
  assert.ok(capture.ok);
  const frames = capture.capture.records.map((r, i) => ({
    data: r.data,
    want: want[i] === true,
    why: JSON.stringify(records[i]),
  }));
  // A record of another event with the same bytes where family/protocol would be: not this event, no match.
  const first = frames[0];
  assert.ok(first);
  const other = Uint8Array.from(first.data);
  other[18] = 0;
  other[19] = 1;
  frames.push({ data: other, want: false, why: 'family 2, protocol 6 under event id 1' });
  let miss0 = await show('trace0', 'ingress');
  let hit0 = await show('trace1', 'egress');
  for (const f of frames) {
    assert.ok(lab.send(f.data).ok);
    const miss1 = await show('trace0', 'ingress');
    const hit1 = await show('trace1', 'egress');
    assert.deepEqual(
      [hit1 - hit0, miss1 - miss0],
      f.want ? [1n, 0n] : [0n, 1n],
      `${f.why}: [counted by the --action copy, passed to the catch-all behind the headline rules]`,
    );
    miss0 = miss1;
    hit0 = hit1;
  }
});

test('tfc compile --target tc without --event covers every event with the fields, keyed on the event id', async () => {
  const r = await tfc([
    'compile',
    'family==2 && protocol==6',
    '--source',
    'bundled',
    '--target',
    'tc',
    '--dev',
    'trace0',
  ]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /of the bundled snapshot \(Linux /);
  assert.match(r.err, /covers \d+ events: .*sock\/inet_sock_set_state/);
  assert.match(r.err, /sock\/sk_data_ready/);
  assert.match(r.out, /match u32 0x08ef0000 0xffff0000 at 4 /); // inet_sock_set_state's id (2287) in the event-id word
  const sub = await tfc([
    'compile',
    'family==2 && protocol==6',
    '--subsystem',
    'sock',
    '--target',
    'u32',
    '--dev',
    'x0',
  ]);
  assert.equal(sub.code, 0, sub.err);
  assert.match(sub.err, /covers 5 events: sock\//);
  // Exactly as the user writes it (no --dev, no --source): trace0, live tracefs when it answers, else the snapshot.
  const live = await tfc(['compile', 'family==2 && protocol==6', '--target', 'tc']);
  assert.equal(live.code, 0, live.err);
  assert.match(live.err, /no --dev: the rules are for trace0/);
  assert.match(live.out, /^filter add dev trace0 ingress protocol 0x88b5 prio 1 handle ::1 u32 /);
  assert.match(live.err, /of (live tracefs|the bundled snapshot)/);
  assert.match(live.err, /covers \d+ events: .*sock\/inet_sock_set_state/);
  const none = await tfc(['compile', 'famly == 2', '--source', 'bundled', '--target', 'tc', '--dev', 'x0']);
  assert.equal(none.code, 1);
  assert.match(none.err, /no event defines every field the filter names; closest: .*family for famly\?/);
  const glob = await tfc(['compile', 'comm ~ "s*s?"', ...EVENT, '--target', 'u32', '--dev', 'x0']);
  assert.equal(glob.code, 1);
  assert.match(glob.err, /u32 cannot express a glob match .*use --target tc-bpf/);
  // 'p*' on a char[N] array is one ternary cube, which u32 expresses.
  const prefix = await tfc(['compile', 'comm ~ "ss*"', ...EVENT, '--target', 'u32', '--dev', 'x0']);
  assert.equal(prefix.code, 0, prefix.err);
  const tp = await tfc(['compile', 'family == 2', '--target', 'ebpf']);
  assert.equal(tp.code, 2);
  assert.match(tp.err, /an event is needed/);
  const cbpf = await tfc([
    'compile',
    'family == 2',
    '--subsystem',
    'sock',
    '--target',
    'cbpf',
    '--emit',
    'd',
  ]);
  assert.equal(cbpf.code, 0, cbpf.err);
  const p4 = await tfc(['compile', 'family == 2', '--subsystem', 'sock', '--target', 'p4']);
  assert.equal(p4.code, 0, p4.err);
  assert.match(p4.out, /event_id/);
});
