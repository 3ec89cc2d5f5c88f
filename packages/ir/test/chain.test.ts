// The `chain` leaf (chain.ts: libpcap's protochain walk): its walk step by step on hand-built headers (IPv6
// extension headers, IPv4 and IPv6 AH with 1.10.3's `reset` rule and the `advance` rule, reads past the end, the
// bound), its text form (print/parse round trip, verify), and the passes keeping it opaque: `not` stays explicit,
// the pipeline keeps the verdict on every frame of a small grid.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  and,
  CHAIN_BOUND,
  type ChainPred,
  chain,
  cmp,
  evaluateOutcome,
  filter,
  konst,
  load,
  negate,
  not,
  or,
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
