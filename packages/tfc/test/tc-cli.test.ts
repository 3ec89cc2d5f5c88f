// The headline on real tc: `tfc encap` writes trace frames, `tfc compile --target tc-bpf --dev DEV` prints a
// batch, the batch goes onto a veth's clsact ingress inside a private network namespace, the frames are injected
// from the peer, and the per-rule match counters must equal `tfc eval`'s verdicts.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { applyBatch, filterShow } from '@tfc/iproute2';
import { createTcLab, LAB_DEV } from '@tfc/tc-test';
import { readCapture } from '../src/capture/index.ts';
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
