// Guard facts of the lowering (src/lower/proven-bounds.ts): what a leaf always checks of the packet, and the bounds
// proven on entry to each node (the minimum over incoming edges), which let eBPF direct access guard each range once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  and,
  arith,
  buildDag,
  cmp,
  FRAME_RECORD_OFFSET,
  filter,
  konst,
  type LeafPred,
  load,
  or,
  str,
} from '@tfc/ir';
import { topoOrder } from '../src/dag-order.ts';
import { exprGuardEnd, leafGuardEnd, provenBounds } from '../src/lower/proven-bounds.ts';

const values = { values: [] };

test('exprGuardEnd / leafGuardEnd: constant-offset packet reads count, record and computed offsets do not', () => {
  assert.equal(exprGuardEnd(values, load('packet', 12, 2, 'be')), 14);
  assert.equal(exprGuardEnd(values, load('frame', 0, 4, 'le')), FRAME_RECORD_OFFSET + 4);
  assert.equal(exprGuardEnd(values, load('record', 12, 2, 'le')), 0);
  assert.equal(
    exprGuardEnd(values, load('packet', arith('+', load('packet', 14, 1, 'be'), konst(2n)), 2, 'be')),
    15,
  );
  assert.equal(exprGuardEnd(values, load('packet', 0xfffe, 4, 'be')), 0);
  const leaf = cmp('eq', 2, false, load('packet', 12, 2, 'be'), load('packet', 30, 4, 'be'));
  assert.equal(leafGuardEnd(values, leaf as LeafPred), 34);
  const s = str('full', 'a', { kind: 'fixed', base: 'packet', offset: 40, size: 8 });
  assert.equal(leafGuardEnd(values, s as LeafPred), 48);
});

test('provenBounds: a node reached only after a leaf that read [0, 14) starts with 14; a join takes the minimum', () => {
  const a = cmp('eq', 2, false, load('packet', 12, 2, 'be'), konst(0x800n));
  const b = cmp('eq', 1, false, load('packet', 23, 1, 'be'), konst(6n));
  const c = cmp('eq', 1, false, load('packet', 0, 1, 'be'), konst(1n));
  const d = buildDag(filter(or(and(a, b), c)), 'source');
  assert.ok(d.ok);
  if (!d.ok) return;
  const order = topoOrder(d.dag);
  const proven = provenBounds(d.dag, order);
  assert.equal(proven.get(order[0]!), 0);
  const ends = order.map((id) => proven.get(id));
  // b follows a (14 proven); c is reached from a (false) and from b (false): min(14, 24) = 14
  assert.deepEqual(ends, [0, 14, 14]);
});
