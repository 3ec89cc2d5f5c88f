// Properties of the front end on generated filters and frames (no libpcap needed): scopedEncap changes
// nothing for filters without vlan/mpls/pppoes/geneve; @tfc/ir's runPasses keeps every verdict; compiling is
// deterministic. Protochain filters are left out of the passes property (their unrolled loop makes the
// passes slow; the corpus test covers `ip6 protochain 6`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluate, printFilter, runPasses } from '@tfc/ir';
import fc from 'fast-check';
import { compilePcap } from '../src/index.ts';
import { filterText } from './filters.ts';
import { ethernetFrame, withRunts } from './frames.ts';

test('scopedEncap is the identity on filters without vlan/mpls/pppoes/geneve', () => {
  let compared = 0;
  fc.assert(
    fc.property(filterText, (f) => {
      if (/vlan|mpls|pppoes|geneve/.test(f)) return;
      const a = compilePcap(f, { linktype: 'ethernet' });
      const b = compilePcap(f, { linktype: 'ethernet', scopedEncap: true });
      assert.equal(a.ok, b.ok, f);
      if (a.ok && b.ok) {
        assert.equal(printFilter(a.ir), printFilter(b.ir), f);
        compared++;
      }
    }),
    { numRuns: 500 },
  );
  assert.ok(compared > 100, `${compared}`);
});

test('runPasses preserves the verdict of every compiled filter on random frames', () => {
  let pairs = 0;
  fc.assert(
    fc.property(
      filterText,
      fc.array(withRunts(ethernetFrame), { minLength: 20, maxLength: 20 }),
      (f, frames) => {
        if (/protochain/.test(f)) return;
        const r = compilePcap(f, { linktype: 'ethernet' });
        if (!r.ok) return;
        assert.equal(
          printFilter(r.ir),
          printFilter((compilePcap(f, { linktype: 'ethernet' }) as typeof r).ir),
        );
        const p = runPasses(r.ir, { verifyEach: true });
        assert.ok(p.ok, `${f}: passes failed`);
        for (const fr of frames) {
          assert.equal(
            evaluate(p.ir, { packet: fr }),
            evaluate(r.ir, { packet: fr }),
            `${f} on ${Buffer.from(fr).toString('hex')}`,
          );
          pairs++;
        }
      },
    ),
    { numRuns: 300 },
  );
  assert.ok(pairs > 2000, `${pairs}`);
});
