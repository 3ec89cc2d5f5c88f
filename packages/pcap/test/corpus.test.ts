// The 66 corpus filters × 35 frames: the IR evaluator's verdict on compilePcap(filter) equals libpcap
// 1.10.3's (verdicts.json), before and after the IR passes. Filters libpcap cannot compile (vxlan is
// not in 1.10.3) must be rejected; `tcp[13] = 2 and ip6` (optimizer: "rejects all packets") compiles
// and rejects every frame, as libpcap's unoptimized program does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluate, runPasses } from '@tfc/ir';
import { compilePcap } from '../src/index.ts';
import { corpusFilters, corpusFrames } from './corpus.ts';

const frames = corpusFrames();
const filters = corpusFilters();

test('corpus has 66 filters and 35 frames', () => {
  assert.equal(filters.length, 66);
  assert.equal(frames.length, 35);
});

test('IR verdicts = libpcap 1.10.3 verdicts on all 66 × 35 pairs', () => {
  let pairs = 0;
  let rejected = 0;
  for (const f of filters) {
    const want = f.v1_10_3_opt ?? f.v1_10_3_unopt;
    const r = compilePcap(f.filter, { linktype: 'ethernet' });
    if (want === null) {
      assert.ok(!r.ok, `${f.filter}: libpcap 1.10.3 rejects it, tfc must too`);
      rejected++;
      continue;
    }
    assert.ok(r.ok, `${f.filter}: ${r.ok ? '' : r.diagnostics[0]?.message}`);
    const passed = runPasses(r.ir, { verifyEach: true });
    assert.ok(passed.ok, `${f.filter}: IR passes failed`);
    const opt = passed.ir;
    for (const [i, fr] of frames.entries()) {
      const exp: 'accept' | 'reject' = want[i] === 1 ? 'accept' : 'reject';
      assert.equal(evaluate(r.ir, { packet: fr.bytes }), exp, `${f.filter} on frame ${fr.n} (${fr.desc})`);
      assert.equal(evaluate(opt, { packet: fr.bytes }), exp, `passes: ${f.filter} on frame ${fr.n}`);
      pairs++;
    }
  }
  assert.equal(pairs, 65 * 35);
  assert.equal(rejected, 1);
});
