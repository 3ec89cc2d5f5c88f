// expandIhl (one case per IHL value, so u32 can key transport-header fields at fixed offsets) preserves the IR's
// verdicts: every libpcap corpus filter whose only computed offsets are libpcap's 14 + 4·IHL + k, on random IPv4/IPv6
// frames of every IHL value and length from 15 bytes (many shorter than the loads, so aborts are compared too; the case
// split reads the IHL byte first, so a 14-byte frame is outside its contract).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandIhl } from '@tfc/compiler';
import { evaluateOutcome, type Filter, runPasses } from '@tfc/ir';
import { compilePcap } from '@tfc/pcap';
import fc from 'fast-check';
import { corpusFilters } from './corpus.ts';

const frameArb = fc
  .record({
    len: fc.integer({ min: 15, max: 110 }),
    et: fc.constantFrom(0x0800, 0x0800, 0x0800, 0x86dd),
    vihl: fc.integer({ min: 0, max: 255 }),
    proto: fc.constantFrom(1, 6, 17, 47),
    frag: fc.constantFrom(0, 0, 0x2000, 0x00b9),
    fill: fc.uint8Array({ minLength: 110, maxLength: 110 }),
    port: fc.constantFrom(53, 80, 443, 1500),
  })
  .map((r) => {
    const f = Uint8Array.from(r.fill.subarray(0, r.len));
    const set = (at: number, v: number) => {
      if (at < f.length) f[at] = v;
    };
    set(12, r.et >> 8);
    set(13, r.et & 0xff);
    set(14, r.vihl);
    set(20, r.frag >> 8);
    set(21, r.frag & 0xff);
    set(23, r.proto);
    set(20, r.et === 0x86dd ? r.proto : (f[20] ?? 0));
    const t = 14 + 4 * (r.vihl & 15);
    set(t + 2, r.port >> 8);
    set(t + 3, r.port & 0xff);
    return f;
  });

test('expandIhl ≡ the IR on the libpcap corpus filters × random frames', () => {
  let filters = 0;
  let cases = 0;
  for (const c of corpusFilters()) {
    const front = compilePcap(c.filter, { linktype: 'ethernet' });
    if (!front.ok) continue; // libpcap rejects it too (the corpus keeps such filters)
    const o = runPasses(front.ir);
    assert.ok(o.ok);
    const e = expandIhl(o.ir);
    if (e === undefined || e === o.ir) continue;
    filters++;
    const oe = runPasses(e);
    assert.ok(oe.ok);
    for (const frame of fc.sample(frameArb, { seed: c.n, numRuns: 300 })) {
      const forms: Filter[] = [e, oe.ir];
      for (const x of forms) {
        const want: boolean = evaluateOutcome(o.ir, { packet: frame }) === 'accept';
        const got: boolean = evaluateOutcome(x, { packet: frame }) === 'accept';
        assert.equal(got, want, `'${c.filter}' on ${Buffer.from(frame).toString('hex')}`);
        cases++;
      }
    }
  }
  assert.ok(filters >= 15, `${filters} corpus filters with IHL offsets`);
  assert.ok(cases >= 9000);
});
