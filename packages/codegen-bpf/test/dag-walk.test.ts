// The lowering's DAG walk (src/lower/dag-walk.ts): emission order, node labels, edges, abort edges (missing ones
// reject) and the fall-through label every BPF emitter uses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { and, buildDag, cmp, filter, konst, load } from '@tfc/ir';
import { nodeLabel, walkDag } from '../src/lower/dag-walk.ts';

test('nodeLabel: terminals accept / reject (abort rejects), internal nodes n<id>', () => {
  assert.deepEqual([0, 1, 2, 3, 7].map(nodeLabel), ['reject', 'accept', 'reject', 'n3', 'n7']);
});

test('walkDag: nodes in topological order, each falling through to the next, the last to accept', () => {
  const f = filter(
    and(
      cmp('eq', 2, false, load('packet', 12, 2, 'be'), konst(0x800n)),
      cmp('eq', 1, false, load('packet', 23, 1, 'be'), konst(6n)),
    ),
  );
  const d = buildDag(f, 'source');
  assert.ok(d.ok);
  if (!d.ok) return;
  const w = walkDag(d.dag);
  assert.equal(w.nodes.length, 2);
  assert.equal(w.entry, w.nodes[0]!.label);
  assert.equal(w.nodes[0]!.t, w.nodes[1]!.label);
  assert.equal(w.nodes[0]!.fall, w.nodes[1]!.label);
  assert.equal(w.nodes[1]!.fall, 'accept');
  assert.equal(w.nodes[1]!.t, 'accept');
  for (const n of w.nodes) {
    assert.equal(n.f, 'reject');
    assert.equal(n.a, 'reject');
  }
  assert.deepEqual(
    w.order,
    w.nodes.map((n) => n.id),
  );
});
