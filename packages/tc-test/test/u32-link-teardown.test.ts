// Linked u32 rule sets come off a device completely, in a namespace this test creates and always deletes. A u32
// hash table belongs to the qdisc, not to a prio: `tc filter del … prio N` alone leaves it (its handle stays taken)
// while other u32 prios remain, and applying the same batch again then fails ("Filter already exists"). With another
// u32 prio on the device: filterDel of the linked prio (what `tfc unapply` runs), then the same batch applies again;
// a batch that fails after creating its table rolls back so that the batch applies again too.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileTc } from '@tfc/compiler';
import { applyBatch, filterDel, run } from '@tfc/iproute2';
import { createTcLab, LAB_DEV } from '../src/index.ts';

const root = process.getuid?.() === 0;

test('a linked u32 prio is deleted with its table, by filterDel and by a rolled-back batch', async (t) => {
  if (!root) return t.skip('needs root (network namespaces, tc)');
  const made = await createTcLab('tfc-u32down');
  if (!made.ok) assert.fail(`lab setup failed: ${made.error}`);
  const lab = made.lab;
  t.after(() => lab.dispose());
  const batch = (prio: number): readonly string[] => {
    const r = compileTc({
      source: { lang: 'pcap', filter: 'tcp port 80' },
      target: 'u32',
      dev: LAB_DEV,
      direction: 'ingress',
      prio,
      action: lab.countAction,
    });
    assert.ok(r.ok && r.u32 !== undefined && (r.u32.tables ?? []).length === 1);
    return r.lines;
  };
  const apply = async (lines: readonly string[]) => {
    const a = await applyBatch(lab.ns.name, lines);
    return a.ok ? 'ok' : a.failure.error.stderr.trim();
  };
  const tables = async (): Promise<number> => {
    const s = await run('tc', ['filter', 'show', 'dev', LAB_DEV, 'ingress'], { netns: lab.ns.name });
    assert.ok(s.ok);
    return s.value.stdout.split('\n').filter((l) => / fh [0-9a-f]+: ht divisor/.test(l)).length;
  };
  // Another u32 prio keeps the qdisc's u32 state alive.
  assert.equal(
    await apply([`filter add dev ${LAB_DEV} ingress protocol all prio 1 u32 match u32 0 0 at -4`]),
    'ok',
  );
  assert.equal(await apply(batch(2)), 'ok');
  assert.equal(await tables(), 3, 'two roots and table 2:');
  assert.ok((await filterDel(lab.ns.name, LAB_DEV, 'ingress', 2)).ok);
  assert.equal(await apply(batch(2)), 'ok', 'the same batch applies again after filterDel');
  // A batch that fails on its last line, after its table and the link exist.
  const broken = [
    ...batch(3),
    `filter add dev ${LAB_DEV} ingress protocol all prio 3 handle ::2 u32 match u32 0 0 at 2`,
  ];
  assert.notEqual(await apply(broken), 'ok');
  assert.equal(await apply(batch(3)), 'ok', 'the batch applies after the rollback');
  // And one that fails before its link (a child knode with a bad action).
  const early = batch(4).map((l, i) => (i === 1 ? l.replace(lab.countAction, 'action nosuchaction') : l));
  assert.notEqual(await apply(early), 'ok');
  assert.equal(await apply(batch(4)), 'ok', 'the batch applies after a rollback before its link');
  assert.ok((await filterDel(lab.ns.name, LAB_DEV, 'ingress')).ok);
});
