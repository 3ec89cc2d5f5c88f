// Differential proof of the link types (linklayer.ts, linktypes.ts) against libpcap 1.10.3 through koffi:
// for every link type tfc compiles — EN10MB, RAW, IPV4, IPV6, LINUX_SLL, LINUX_SLL2, IEEE802_11,
// IEEE802_11_RADIO — libpcap compiles each filter on pcap_open_dead(DLT) (unoptimized: gencode's own
// semantics), bpf_filter runs it on generated frames of that link type (linkframes.ts, runts included),
// and the IR evaluator on compilePcap(filter, { linktype }) must give the same verdict, before and after
// @tfc/ir's passes. Filters: the
// link-layer specific ones below, the corpus, and generated ones. A filter libpcap rejects must be rejected
// by tfc; one tfc refuses must carry an `unsupported`/`name` diagnostic (counted). Per-link counts printed.
// And libpcap's errors for link-layer primitives on each link type (`no VLAN support for Linux cooked v1`, …)
// come out of tfc word for word.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluate, type Filter, runPasses } from '@tfc/ir';
import { loadLibpcap } from '@tfc/kernel/sys';
import fc from 'fast-check';
import { compilePcap, type LinkType } from '../src/index.ts';
import { LINK_TYPES } from '../src/linktypes.ts';
import { corpusFilters } from './corpus.ts';
import { filterText } from './filters.ts';
import { LINK_FILTERS, linkFrames } from './linkframes.ts';

const pcap = loadLibpcap();
const skip = pcap.ok ? false : pcap.reason;

interface Judge {
  readonly ir: Filter;
  /** The IR after @tfc/ir's passes (what the code generators get). */
  readonly passed: Filter;
  readonly unopt: Uint8Array;
}

test('link types: IR evaluator = libpcap bpf_filter on frames of each link type', { skip }, () => {
  assert.ok(pcap.ok);
  const lib = pcap.value;
  const corpus = corpusFilters().map((f) => f.filter);
  const report: string[] = [];
  const disagreements: string[] = [];
  const tfcOnly: string[] = [];
  for (const info of LINK_TYPES) {
    const link: LinkType = info.id;
    using c = lib.compiler(info.dlt, 262144);
    const cache = new Map<string, Judge | undefined>();
    let gaps = 0;
    let both = 0;
    const judge = (text: string): Judge | undefined => {
      if (cache.has(text)) return cache.get(text);
      const r = c.compile(text, { optimize: false });
      const t = compilePcap(text, { linktype: link });
      let j: Judge | undefined;
      if (!r.ok) {
        if (t.ok) tfcOnly.push(`${info.name}: ${text} (libpcap: ${r.error})`);
        else both++;
      } else if (!t.ok) {
        const d = t.diagnostics[0]!;
        if (d.code !== 'unsupported' && d.code !== 'name')
          tfcOnly.push(`${info.name}: '${text}' rejected by tfc only: ${d.message}`);
        gaps++;
      } else {
        const p = runPasses(t.ir, { verifyEach: true });
        if (!p.ok) tfcOnly.push(`${info.name}: '${text}': passes failed`);
        else j = { ir: t.ir, passed: p.ir, unopt: r.program };
      }
      cache.set(text, j);
      return j;
    };
    let pairs = 0;
    let accepted = 0;
    const check = (text: string, frames: readonly Uint8Array[]) => {
      const j = judge(text);
      if (j === undefined) return;
      for (const fr of frames) {
        const want = lib.filter(j.unopt, fr) !== 0 ? 'accept' : 'reject';
        const got = evaluate(j.ir, { packet: fr });
        const passed = evaluate(j.passed, { packet: fr });
        pairs++;
        if (passed !== got && disagreements.length < 20)
          disagreements.push(
            `${info.name} '${text}' frame ${Buffer.from(fr).toString('hex')}: passes change ${got}`,
          );
        if (want === 'accept') accepted++;
        if (got !== want && disagreements.length < 20)
          disagreements.push(
            `${info.name} '${text}' frame ${Buffer.from(fr).toString('hex')}: libpcap ${want}, tfc ${got}`,
          );
      }
    };
    const frames = fc.array(linkFrames(link), { minLength: 30, maxLength: 30 });
    fc.assert(fc.property(fc.constantFrom(...LINK_FILTERS), frames, check), { numRuns: 200 });
    fc.assert(fc.property(fc.constantFrom(...corpus), frames, check), { numRuns: 100 });
    fc.assert(fc.property(filterText, frames, check), { numRuns: 150 });
    report.push(
      `${info.name} (${info.dlt}): ${cache.size} filters, ${pairs} filter×frame pairs, ${accepted} accepted, ${both} rejected by both, ${gaps} refused by tfc only`,
    );
    assert.ok(accepted > pairs / 100, `${info.name}: only ${accepted} of ${pairs} accepted`);
  }
  for (const r of report) console.log(`# ${r}`);
  assert.deepEqual(disagreements, []);
  assert.deepEqual(tfcOnly, []);
});

test("link types: libpcap's errors for link-layer primitives, word for word", { skip }, () => {
  assert.ok(pcap.ok);
  const filters = [
    'vlan',
    'vlan 100',
    'mpls',
    'mpls 5 and ip',
    'ether host 1:2:3:4:5:6',
    'ether src 1:2:3:4:5:6',
    'wlan dst 1:2:3:4:5:6',
    'ether broadcast',
    'ether multicast',
    'broadcast',
    'multicast',
    'ip6 protochain 6',
    'protochain 17',
    'pppoes',
    'pppoes and vlan',
    'geneve',
    'type data',
    'type 5',
    'type data subtype 0x81',
    'type data subtype beacon',
    'subtype bogus',
    'dir tods',
    'dir bogus',
  ];
  let same = 0;
  for (const info of LINK_TYPES) {
    using c = pcap.value.compiler(info.dlt);
    for (const f of filters) {
      const r = c.compile(f, { optimize: false });
      const t = compilePcap(f, { linktype: info.id });
      if (!r.ok) {
        assert.ok(!t.ok, `${info.name} '${f}': libpcap rejects (${r.error}), tfc compiles`);
        // a primitive tfc refuses earlier in the text (`pppoes` on 802.11) is refused, not misreported
        if (t.diagnostics[0]!.code === 'unsupported') continue;
        assert.equal(t.diagnostics[0]!.message, r.error, `${info.name} '${f}'`);
        same++;
      } else if (!t.ok) assert.equal(t.diagnostics[0]!.code, 'unsupported', `${info.name} '${f}'`);
    }
  }
  console.log(`# ${same} libpcap errors reproduced word for word`);
  assert.ok(same >= 30);
});
