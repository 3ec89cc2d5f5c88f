// registerNeed (src/register-need.ts): the Sethi–Ullman number both generators use to order operands and count
// temporaries — constants on the right cost nothing, equal needs add one, shared values count their definition.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { arith, konst, load } from '@tfc/ir';
import { registerNeed } from '../src/register-need.ts';

const a = load('packet', 0, 1, 'be');
const b = load('packet', 1, 1, 'be');

test('registerNeed: leaves 0; a constant right operand adds nothing; equal sides add one, unequal take the max', () => {
  const need = registerNeed({ values: [] });
  assert.equal(need(a), 0);
  assert.equal(need(arith('+', a, konst(1n))), 0);
  assert.equal(need(arith('+', a, b)), 1);
  const ab = arith('+', a, b);
  assert.equal(need(arith('*', ab, ab)), 2);
  assert.equal(need(arith('*', ab, a)), 1);
  assert.equal(need(load('packet', ab, 2, 'be')), 1);
});

test('registerNeed: a shared value costs what its definition costs', () => {
  const need = registerNeed({ values: [{ id: 0, expr: arith('+', a, b) }] });
  assert.equal(need({ kind: 'ref', id: 0 }), 1);
  assert.equal(need({ kind: 'ref', id: 5 }), 0);
});
