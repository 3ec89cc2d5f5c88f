// `tfc apply --target tc|u32` and `tfc unapply` on real tc inside a private namespace: a batch that fails on a later
// line leaves nothing behind (the filters it added and the clsact qdisc it created are removed again); a good batch
// installs and matches; a taken prio is refused before anything runs; unapply removes exactly that prio.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deleteClsact, filterShow, qdiscShow } from '@tfc/iproute2';
import { createTcLab } from '@tfc/tc-test';
import { bundledEvent, encodeTraceFrame, recordFromJson } from '@tfc/tracefs';
import { runApplyTc } from '../src/cli/commands/apply-tc.ts';
import { memoryIo, UsageError } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';
import { createHost } from '../src/host/index.ts';

const EVENT = ['--event', 'sock/inet_sock_set_state', '--source', 'bundled'];

async function apply(args: string[]) {
  const io = memoryIo({});
  try {
    const code = await runApplyTc(args, io, createHost());
    return { code, out: io.stdout(), err: io.stderr() };
  } catch (e) {
    // main() turns a UsageError into exit 2 (apply is dispatched by main once wired).
    if (e instanceof UsageError) return { code: 2, out: io.stdout(), err: e.message };
    throw e;
  }
}
async function tfc(args: string[]) {
  const io = memoryIo({});
  const code = await main(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

test('tfc apply is all or nothing; tfc unapply removes the prio', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root (network namespaces, tc, AF_PACKET)');
  const made = await createTcLab('tfc-apply', { dev: 'trace0', peer: 'trace1' });
  if (!made.ok) assert.fail(`lab setup failed: ${made.error}`);
  const lab = made.lab;
  t.after(() => lab.dispose());
  const ns = ['--netns', lab.ns.name];
  assert.ok((await deleteClsact(lab.ns.name, 'trace0')).ok);

  // Exclusion rules (no action) come first and install; the hit rule's action names a missing device and fails.
  const bad = await apply([
    'sport >= 1024 && !(dport == 80)',
    ...EVENT,
    '--target',
    'u32',
    '--dev',
    'trace0',
    '--action',
    'action mirred egress mirror dev nosuchdev0',
    ...ns,
  ]);
  assert.equal(bad.code, 1, bad.err);
  assert.match(bad.err, /tc failed on line 4/);
  assert.match(bad.err, /rolled back: filter del dev trace0 ingress protocol 0x88b5 prio 1/);
  assert.match(bad.err, /rolled back: qdisc del dev trace0 clsact/);
  assert.match(bad.err, /nothing stays installed/);
  const q = await qdiscShow(lab.ns.name, 'trace0');
  assert.ok(q.ok);
  assert.ok(!q.value.some((x) => x.kind === 'clsact'), 'the clsact qdisc apply added is gone');

  const good = await apply([
    'family == 2 && protocol == 6',
    ...EVENT,
    '--target',
    'tc',
    '--dev',
    'trace0',
    '--action',
    lab.countAction,
    ...ns,
  ]);
  assert.equal(good.code, 0, good.err);
  assert.match(good.err, /applied 1 u32 rule on trace0 ingress prio 1 \(clsact added\)/);
  const ev = bundledEvent('sock', 'inet_sock_set_state');
  assert.ok(ev);
  const count = async () => {
    const s = await filterShow(lab.ns.name, 'trace0', 'ingress');
    assert.ok(s.ok);
    return s.value.reduce((n, f) => n + f.actions.reduce((m, a) => m + a.packets, 0n), 0n);
  };
  for (const [rec, want] of [
    [{ family: 2, protocol: 6 }, 1n],
    [{ family: 2, protocol: 17 }, 0n],
  ] as const) {
    const r = recordFromJson(ev, rec);
    assert.ok(r.ok);
    const before = await count();
    assert.ok(lab.send(encodeTraceFrame(r.record, { eventId: ev.id, cpu: 0, comm: 'sh' })).ok);
    assert.equal((await count()) - before, want, JSON.stringify(rec));
  }

  const again = await apply(['family == 2', ...EVENT, '--target', 'u32', '--dev', 'trace0', ...ns]);
  assert.equal(again.code, 1);
  assert.match(again.err, /prio 1 on trace0 ingress already holds filters/);

  const un = await tfc(['unapply', '--dev', 'trace0', '--prio', '1', ...ns]);
  assert.equal(un.code, 0, un.err);
  assert.match(un.err, /removed 1 rule at prio 1 on trace0 ingress/);
  const after = await filterShow(lab.ns.name, 'trace0', 'ingress');
  assert.ok(after.ok && after.value.length === 0);
  const un2 = await tfc(['unapply', '--dev', 'trace0', '--prio', '1', ...ns]);
  assert.equal(un2.code, 1);

  // Two prios, removed as a range.
  for (const prio of ['5', '6']) {
    const a = await apply([
      'family == 2',
      ...EVENT,
      '--target',
      'u32',
      '--dev',
      'trace0',
      '--prio',
      prio,
      ...ns,
    ]);
    assert.equal(a.code, 0, a.err);
  }
  const range = await tfc(['unapply', '--dev', 'trace0', '--prio', '5', '--last', '6', ...ns]);
  assert.equal(range.code, 0, range.err);
  assert.match(range.err, /removed 2 rules at prio 5…6/);

  // Flower rules take a prio each; this kernel has no cls_flower, so tc refuses the first line and nothing stays.
  const fl = await apply([
    '--lang',
    'pcap',
    'ip6 and tcp port 443',
    '--target',
    'flower',
    '--dev',
    'trace0',
    ...ns,
  ]);
  assert.equal(fl.code, 1, fl.err);
  assert.match(fl.err, /tc failed on line 1/);
  const left = await filterShow(lab.ns.name, 'trace0', 'ingress');
  assert.ok(left.ok && left.value.length === 0, 'nothing installed');
});

test('tfc apply / unapply usage', async () => {
  const noTarget = await apply(['family == 2', ...EVENT, '--dev', 'x0']);
  assert.equal(noTarget.code, 2);
  const help = await apply(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /tfc apply 'family == 2 && protocol == 6'/);
  const un = await tfc(['unapply']);
  assert.equal(un.code, 2);
  assert.match(un.err, /needs --dev DEV/);
  const rejected = await apply(['comm ~ "x*y?"', ...EVENT, '--target', 'u32', '--dev', 'x0']);
  assert.equal(rejected.code, 1);
  assert.match(rejected.err, /use --target tc-bpf/);
});
