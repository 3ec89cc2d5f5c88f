// Shared values (chained refs, as pcap's unrolled `protochain` produces): the optimiser's work is linear
// in the distinct subtrees, not in the unfolded tree, and sharing never changes a result.
// (No timed assertions: a chain whose unfolded tree has 3^40 nodes finishes only if the passes memoise;
// the test's timeout is a guard against a hang, not a measurement.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  and,
  arith,
  buildDag,
  cmp,
  cse,
  type EvalInput,
  type Expr,
  evaluateDagOutcome,
  evaluateOutcome,
  type Filter,
  filter,
  filterFromJson,
  filterToJson,
  inline,
  inSet,
  konst,
  load,
  or,
  type Pred,
  printFilter,
  ref,
  runPasses,
  type ValueDef,
  verify,
} from '../src/index.ts';

/** A header walk of `depth` steps, shaped like pcap's protochain: offset x(k+1) uses x(k) and two loads
 *  at x(k), so the unfolded (inlined) tree triples per step, while after cse (loads shared) the printed
 *  IR grows only quadratically; the body tests each step's next-header byte. */
function chain(depth: number): Filter {
  const values: ValueDef[] = [];
  const def = (expr: Expr): Expr => {
    values.push({ id: values.length, expr });
    return ref(values.length - 1);
  };
  let x: Expr = konst(14);
  const next: Expr[] = [];
  for (let k = 0; k < depth; k++) {
    const len = def(load('packet', arith('+', x, konst(1)), 1, 'be'));
    const nh = def(load('packet', x, 1, 'be'));
    next.push(nh);
    const skip = arith('*', arith('+', len, konst(1)), arith('|', arith('&', nh, konst(2)), konst(4)));
    x = def(arith('+', x, skip));
  }
  let p: Pred = cmp('eq', 4, false, next[depth - 1]!, 6);
  for (let k = depth - 2; k >= 0; k--)
    p = or(cmp('eq', 4, false, next[k]!, 6), and(inSet(4, next[k]!, [0, 43, 44, 60]), p));
  return filter(and(cmp('eq', 2, false, load('packet', 12, 2, 'be'), 0x86dd), p), values);
}

/** Distinct objects reachable from a node (identity), walked iteratively. */
function distinctObjects(root: object): number {
  const seen = new Set<object>();
  const stack: object[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const v of Object.values(n)) {
      if (Array.isArray(v)) for (const c of v) stack.push(c as object);
      else if (typeof v === 'object' && v !== null) stack.push(v);
    }
  }
  return seen.size;
}

/** Packets whose bytes are next-header values or small lengths, mostly IPv6-typed: walks end in accept,
 *  reject (another header) and abort (past the end) alike. */
const packetArb = fc
  .tuple(
    fc.boolean(),
    fc.array(fc.constantFrom(0, 1, 2, 6, 17, 43, 44, 60), { minLength: 12, maxLength: 160, size: 'max' }),
  )
  .map(([ip6, bytes]) => {
    const p = Uint8Array.from(bytes);
    if (ip6 && p.length > 13) {
      p[12] = 0x86;
      p[13] = 0xdd;
    }
    return p;
  });

test('inline keeps chained values shared: distinct objects grow linearly, not with the unfolded tree', () => {
  const small = distinctObjects(inline(chain(10)).body);
  const large = distinctObjects(inline(chain(40)).body);
  // Linear: 4x the depth costs about 4x the objects (an unfolded tree would be 3^30 times larger).
  assert.ok(large < small * 6, `${small} → ${large}`);
  assert.ok(large < 40 * 40, `${large} objects for 40 steps`);
});

test('the passes finish on a 40-step chain (3^40 unfolded nodes) and keep every verdict', {
  timeout: 120_000,
}, () => {
  const f = chain(40);
  assert.deepEqual(verify(f), []);
  const r = runPasses(f);
  assert.ok(r.ok);
  assert.deepEqual(verify(r.ir), []);
  // cse re-shares every repeated load: one value per distinct load, never one per occurrence.
  assert.ok(r.ir.values.length <= 2 * 40 + 1, `${r.ir.values.length} values`);
  const d = buildDag(r.ir);
  assert.ok(d.ok);
  const seen = new Set<string>();
  fc.assert(
    fc.property(packetArb, (packet) => {
      const input: EvalInput = { packet };
      const want = evaluateOutcome(f, input);
      seen.add(want);
      assert.equal(evaluateOutcome(r.ir, input), want);
      assert.equal(evaluateDagOutcome(d.dag, input), want);
    }),
    { numRuns: 1000, seed: 40 },
  );
  assert.deepEqual([...seen].sort(), ['abort', 'accept', 'reject']);
});

test('sharing is invisible: the passes give byte-identical output on a shared and an unshared copy', () => {
  for (const depth of [1, 2, 5]) {
    const shared = inline(chain(depth));
    const copy = filterFromJson(filterToJson(shared));
    assert.ok(copy.ok);
    assert.equal(distinctObjects(copy.filter.body) > distinctObjects(shared.body), depth > 1);
    const a = runPasses(shared);
    const b = runPasses(copy.filter);
    assert.ok(a.ok && b.ok);
    assert.equal(printFilter(a.ir), printFilter(b.ir));
    assert.equal(printFilter(cse(shared)), printFilter(cse(copy.filter)));
  }
});

test('cse shares loads that print alike: a numeric offset and a constant offset expression', () => {
  const a = load('packet', 0, 1, 'be');
  const b = load('packet', konst(0), 1, 'be');
  const f = filter(
    and(
      cmp('eq', 4, false, arith('&', a, konst(0xf0)), 0x40),
      cmp('ne', 4, false, arith('&', b, konst(15)), 5),
    ),
  );
  const out = cse(f);
  assert.equal(out.values.length, 1);
  assert.equal(
    printFilter(out),
    '(filter\n  (let 0 (load packet 0 u1be))\n  (and (eq u4 (& %0 240) 64) (ne u4 (& %0 15) 5)))\n',
  );
});
