// topoOrder (src/dag-order.ts): the emission order every BPF emitter walks — the root first, each reachable internal
// node once, every edge (t, f and abort) forward, terminals left out; and no recursion (a 2,000-node chain).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { and, buildDag, cmp, filter, konst, load, type Pred } from '@tfc/ir';
import fc from 'fast-check';
import { topoOrder } from '../src/dag-order.ts';
import { packetPredArb } from './packet-filters.ts';

const leaf = (k: number) => cmp('eq', 1, false, load('packet', k, 1, 'be'), konst(1n));

test('topoOrder: the root first, every internal edge forward, each node once', () => {
  fc.assert(
    fc.property(packetPredArb, (p) => {
      const d = buildDag(filter(p), 'cost');
      if (!d.ok) return;
      const order = topoOrder(d.dag);
      if (d.dag.root < 3) {
        assert.deepEqual(order, []);
        return;
      }
      assert.equal(order[0], d.dag.root);
      assert.equal(new Set(order).size, order.length);
      const at = new Map(order.map((id, i) => [id, i]));
      for (const id of order) {
        const n = d.dag.nodes[id - 3]!;
        for (const v of [n.t, n.f, n.a ?? 0]) if (v >= 3) assert.ok(at.get(v)! > at.get(id)!, `${id} → ${v}`);
      }
    }),
    { numRuns: 500 },
  );
});

test('topoOrder: a constant filter has no nodes; a deep chain (the DAG limit: 2,000 leaves) needs no recursion', () => {
  const t = buildDag(filter({ kind: 'true' }), 'source');
  assert.ok(t.ok);
  if (t.ok) assert.deepEqual(topoOrder(t.dag), []);
  const preds: Pred[] = Array.from({ length: 2000 }, (_, i) => leaf(i));
  const d = buildDag(filter(and(...preds)), 'source');
  assert.ok(d.ok);
  if (d.ok) assert.equal(topoOrder(d.dag).length, 2000);
});
