// The IR size budget (src/budget.ts) and flat chains: a 100,000-term `or` chain is refused quickly with a
// `size` diagnostic (it used to end, after ~9 s, in a stack overflow: @tfc/ir's verify spread the operands
// of the chain's `or` into one call, as did the lowering's and/or of a long run); chains under the budget
// compile and pass the IR passes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cmp, filter, konst, load, runPasses, verify } from '@tfc/ir';
import { irSize, MAX_IR_NODES } from '../src/budget.ts';
import { compilePcap } from '../src/index.ts';

const chain = (n: number) => Array.from({ length: n }, (_, i) => `port ${(i % 65535) + 1}`).join(' or ');

test('a 100,000-term port chain is a size diagnostic within seconds, not a stack overflow', () => {
  const t0 = Date.now();
  const r = compilePcap(chain(100_000), { linktype: 'ethernet' });
  const ms = Date.now() - t0;
  assert.ok(!r.ok);
  const d = r.diagnostics[0]!;
  assert.equal(d.code, 'size');
  assert.match(
    d.message,
    /^filter too large: its IR passes 1,000,000 nodes \(at the primitive at offset \d+\)/,
  );
  assert.ok(ms < 10_000, `${ms} ms`);
  console.log(`# budget: 100,000-term chain refused in ${ms} ms: ${d.message}`);
});

test('a chain under the budget compiles and passes the IR passes', () => {
  const r = compilePcap(chain(2000), { linktype: 'ethernet' });
  assert.ok(r.ok);
  assert.ok(irSize(r.ir.body) < MAX_IR_NODES);
  const p = runPasses(r.ir);
  assert.ok(p.ok, p.ok ? '' : p.diagnostics[0]!.message);
});

test('a 150,000-term chain of small primitives compiles (operands are never spread into a call)', () => {
  const r = compilePcap(Array.from({ length: 150_000 }, (_, i) => `less ${i}`).join(' or '), {
    linktype: 'ethernet',
  });
  assert.ok(r.ok, r.ok ? '' : r.diagnostics[0]!.message);
  assert.equal(r.ir.body.kind === 'or' ? r.ir.body.args.length : 0, 150_000);
});

test('verify takes an or of 200,000 operands (no spread of the operand list)', () => {
  const args = Array.from({ length: 200_000 }, (_, i) =>
    cmp('eq', 4, false, load('packet', konst(0), 2, 'be'), konst(i)),
  );
  // built as data: a spread of 200,000 arguments would overflow the stack in the test itself
  assert.deepEqual(verify(filter({ kind: 'or', args })), []);
});
