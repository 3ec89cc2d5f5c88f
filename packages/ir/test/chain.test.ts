// The `chain` leaf (chain.ts: libpcap's protochain walk): its walk step by step on hand-built headers (IPv6
// extension headers, IPv4 and IPv6 AH with 1.10.3's `reset` rule and the `advance` rule, reads past the end, the
// bound), its text form (print/parse round trip, verify), and the passes keeping it opaque: `not` stays explicit,
// the pipeline keeps the verdict on every frame of a small grid; a property: random filters mixing chain leaves and
// compares under and/or/not keep every verdict through the passes and the decision DAG.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  and,
  buildDag,
  CHAIN_BOUND,
  type ChainPred,
  chain,
  cmp,
  evaluateDagOutcome,
  evaluateOutcome,
  filter,
  konst,
  load,
  negate,
  not,
  or,
  type Pred,
  parseFilter,
  printFilter,
  runPasses,
  verify,
  walkChain,
} from '../src/index.ts';

/** An IPv6 header at 0 whose next header is `first`, then 8-byte headers [next, len] as given. */
function ip6(first: number, hdrs: readonly (readonly [number, number])[], tail = 8): Uint8Array {
  const f = new Uint8Array(40 + hdrs.length * 8 + tail);
  f[0] = 0x60;
  f[6] = first;
  hdrs.forEach(([next, len], i) => {
    f[40 + 8 * i] = next;
    f[41 + 8 * i] = len;
  });
  return f;
}

test('walkChain: IPv6 extension headers, the protocol, another protocol, a cut', () => {
  const c = chain('ip6', 0, 6);
  assert.equal(walkChain(c, ip6(6, [])), 1);
  assert.equal(walkChain(c, ip6(17, [])), 0);
  assert.equal(
    walkChain(
      c,
      ip6(0, [
        [43, 0],
        [60, 0],
        [44, 0],
        [6, 0],
      ]),
    ),
    1,
  );
  assert.equal(
    walkChain(
      c,
      ip6(0, [
        [43, 0],
        [59, 0],
      ]),
    ),
    0,
  );
  // hop-by-hop of length 1 (16 bytes): the next header lies 16 bytes on
  const long = ip6(0, [
    [60, 1],
    [99, 0],
  ]);
  long[56] = 6;
  assert.equal(walkChain(c, long), 1);
  // both bytes of a step are read: a header whose length byte is past the end aborts
  assert.equal(walkChain(c, ip6(0, [[6, 0]], 0).subarray(0, 41)), 2);
  assert.equal(walkChain(c, new Uint8Array(6)), 2);
});

test('walkChain: AH with 1.10.3 `reset` (the old offset forgotten) and `advance`; a loop aborts at the bound', () => {
  // IPv4, IHL 5: AH at 20 with len 4 → reset: X = 24; advance: X = 20 + 24 = 44
  const f = new Uint8Array(80);
  f[0] = 0x45;
  f[9] = 51;
  f[20] = 6;
  f[21] = 4;
  assert.equal(walkChain(chain('ip', 0, 6), f), 1);
  f[20] = 51;
  f[24] = 6;
  f[44] = 17;
  assert.equal(walkChain(chain('ip', 0, 6, 'reset'), f), 1);
  assert.equal(walkChain(chain('ip', 0, 6, 'advance'), f), 0);
  // an AH pointing at itself: X = (3 + 2) · 4 = 20 forever; the walk aborts after `bound` steps
  f[21] = 3;
  assert.equal(walkChain(chain('ip', 0, 6), f), 2);
  assert.equal(walkChain(chain('ip', 0, 6, 'reset', 7), f), 2);
  // IPv4 walks step over AH only
  f[9] = 0;
  assert.equal(walkChain(chain('ip', 0, 6), f), 0);
  // a bound of n steps: chains of n headers decide, n + 1 abort
  const five = ip6(0, [
    [0, 0],
    [0, 0],
    [0, 0],
    [0, 0],
    [6, 0],
  ]);
  assert.equal(walkChain(chain('ip6', 0, 6, 'reset', 5), five), 1);
  assert.equal(walkChain(chain('ip6', 0, 6, 'reset', 4), five), 2);
  assert.equal(CHAIN_BOUND, 32768);
});

test('chain leaves: text form round trip, verify, negation keeps a not, the passes keep the verdicts', () => {
  const c6: ChainPred = chain('ip6', 14, 17);
  const c4: ChainPred = chain('ip', 18, 6, 'advance', 100);
  const eth = (v: number) => cmp('eq', 2, false, load('packet', 12, 2, 'be'), konst(v));
  const f = filter(or(and(eth(0x86dd), c6), and(eth(0x800), not(c4)), and(not(c6), c6)));
  assert.deepEqual(verify(f), []);
  const text = printFilter(f);
  assert.match(text, /\(chain ip6 14 17 reset 32768\)/);
  assert.match(text, /\(chain ip 18 6 advance 100\)/);
  const back = parseFilter(text);
  assert.ok(back.ok);
  assert.deepEqual(back.filter, f);
  assert.deepEqual(negate(c6), { kind: 'not', arg: c6 });
  const run = runPasses(f, { verifyEach: true });
  assert.ok(run.ok);
  const opt = run.ir;
  assert.deepEqual(verify(opt), []);
  let frames = 0;
  for (const type of [0x86dd, 0x800])
    for (const first of [6, 17, 0, 51, 59])
      for (let cut = 14; cut <= 80; cut += 11) {
        const p = new Uint8Array(90);
        p[12] = type >> 8;
        p[13] = type & 0xff;
        p[14] = type === 0x800 ? 0x45 : 0x60;
        p[14 + 6] = first;
        p[14 + 9] = first;
        p[14 + 40] = 17;
        const x = p.subarray(0, cut);
        assert.equal(evaluateOutcome(opt, { packet: x }), evaluateOutcome(f, { packet: x }));
        frames++;
      }
  assert.equal(frames, 70);
  for (const bad of [
    '(filter (chain ipx 14 6 reset 1))',
    '(filter (chain ip 14 6 skip 1))',
    '(filter (chain ip 14))',
  ])
    assert.equal(parseFilter(bad).ok, false, bad);
});

/** Random filters over chain leaves and the loads they share (EtherType, the next-header bytes) under and/or/not. */
const leafArb = fc.oneof(
  fc
    .record({ fam: fc.constantFrom('ip', 'ip6'), proto: fc.constantFrom(6, 17, 51, 0, 59) })
    .map(({ fam, proto }): Pred => chain(fam as 'ip' | 'ip6', 14, proto, 'reset', 40)),
  fc.constantFrom(0x800, 0x86dd).map((v): Pred => cmp('eq', 2, false, load('packet', 12, 2, 'be'), konst(v))),
  fc
    .record({ off: fc.constantFrom(20, 23, 54, 60), v: fc.constantFrom(0, 6, 51) })
    .map(({ off, v }): Pred => cmp('eq', 1, false, load('packet', off, 1, 'be'), konst(v))),
);
const predArb: fc.Arbitrary<Pred> = fc.letrec((tie) => ({
  p: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.tuple(tie('p'), tie('p')).map(([a, b]) => and(a as Pred, b as Pred)),
    fc.tuple(tie('p'), tie('p')).map(([a, b]) => or(a as Pred, b as Pred)),
    tie('p').map((a) => not(a as Pred)),
  ),
})).p;
/** Frames whose bytes after the EtherType come from a few values (so walks step, match, stop, loop and run out). */
const frameArb = fc
  .record({
    type: fc.constantFrom(0x800, 0x86dd),
    bytes: fc.array(fc.constantFrom(0, 6, 17, 51, 59, 1, 3, 0x45), { maxLength: 110 }),
  })
  .map(({ type, bytes }) => Uint8Array.from([...Array(12).fill(1), type >> 8, type & 0xff, ...bytes]));

test('property: the passes and the decision DAG keep every verdict of filters with chain leaves', () => {
  fc.assert(
    fc.property(predArb, fc.array(frameArb, { minLength: 8, maxLength: 8 }), (body, frames) => {
      const f = filter(body);
      const run = runPasses(f, { verifyEach: true });
      assert.ok(run.ok);
      const dag = buildDag(run.ir);
      assert.ok(dag.ok);
      for (const packet of frames) {
        const want = evaluateOutcome(f, { packet });
        assert.equal(evaluateOutcome(run.ir, { packet }), want);
        const got = evaluateDagOutcome(dag.dag, { packet });
        assert.equal(got === 'accept', want === 'accept');
      }
    }),
    { numRuns: Number(process.env.TFC_IR_RUNS ?? 400), seed: Number(process.env.TFC_SEED ?? 18) },
  );
});
