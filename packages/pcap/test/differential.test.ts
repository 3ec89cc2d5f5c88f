// Differential proof against libpcap 1.10.3 through koffi: for random structured frames (Ethernet and
// raw IP, VLAN/QinQ/MPLS, IPv4 options/fragments, IPv6 extension headers, TCP/UDP/ICMP/SCTP/ARP/LLC,
// runts) × the corpus filters and generated filters, the IR evaluator on compilePcap(filter) gives the
// verdict of libpcap's bpf_filter on libpcap's own unoptimized program (gencode's semantics), and the
// verdict of its optimized program (what tcpdump runs) wherever libpcap's two programs agree with each
// other (the optimizer deletes loads it proves dead, so on runts they can differ; those frames are
// counted). At least 50,000 (filter, frame) pairs per run; every disagreement fails unless listed in
// divergences.json with a reason. Generated filters
// that libpcap accepts but tfc rejects must carry an `unsupported`/`name` diagnostic (a documented
// gap, counted; TFC_GAPS=n prints the first n of them, default 8); the reverse (tfc accepts what libpcap
// rejects) fails.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { evaluate, type Filter, verify } from '@tfc/ir';
import { DLT, loadLibpcap } from '@tfc/kernel/sys';
import fc from 'fast-check';
import { compilePcap, type LinkType } from '../src/index.ts';
import { corpusFilters } from './corpus.ts';
import { filterText } from './filters.ts';
import { ethernetFrame, rawFrame, withRunts } from './frames.ts';

const pcap = loadLibpcap();
const skip = pcap.ok ? false : pcap.reason;

interface Divergence {
  readonly filter: string;
  readonly linktype: LinkType;
  readonly frame: string;
  readonly reason: string;
}
const KNOWN: readonly Divergence[] = JSON.parse(
  readFileSync(new URL('./divergences.json', import.meta.url), 'utf8'),
) as Divergence[];
const isKnown = (filter: string, linktype: LinkType, frame: Uint8Array) =>
  KNOWN.some(
    (d) => d.filter === filter && d.linktype === linktype && d.frame === Buffer.from(frame).toString('hex'),
  );

interface Judge {
  readonly ir: Filter;
  readonly unopt: Uint8Array;
  /** undefined when the optimizer reports "expression rejects all packets". */
  readonly opt: Uint8Array | undefined;
}

function makeJudge(
  lib: NonNullable<Extract<typeof pcap, { ok: true }>['value']>,
  compilers: Partial<Record<LinkType, ReturnType<typeof lib.compiler>>>,
  stats: { gaps: Map<string, string>; both: number; tfcOnly: string[] },
) {
  const cache = new Map<string, Judge | undefined>();
  return (text: string, linktype: LinkType): Judge | undefined => {
    const key = `${linktype}\u0000${text}`;
    if (cache.has(key)) return cache.get(key);
    const c = compilers[linktype]!;
    const r = c.compile(text, { optimize: false });
    const o = c.compile(text, { optimize: true });
    const t = compilePcap(text, { linktype });
    let j: Judge | undefined;
    if (!r.ok) {
      if (t.ok) stats.tfcOnly.push(`${linktype}: ${text} (libpcap: ${r.error})`);
      else stats.both++;
    } else if (!t.ok) {
      const d = t.diagnostics[0]!;
      if (d.code !== 'unsupported' && d.code !== 'name')
        stats.tfcOnly.push(`${linktype}: ${text} rejected by tfc only: ${d.message}`);
      stats.gaps.set(`${linktype}: ${text}`, d.message);
    } else {
      const bad = verify(t.ir);
      if (bad.length > 0) stats.tfcOnly.push(`${linktype}: ${text}: IR fails verify: ${bad[0]!.message}`);
      j = { ir: t.ir, unopt: r.program, opt: o.ok ? o.program : undefined };
    }
    cache.set(key, j);
    void lib;
    return j;
  };
}

test('IR evaluator = libpcap bpf_filter on ≥ 50,000 (filter, frame) pairs', { skip }, () => {
  assert.ok(pcap.ok);
  const lib = pcap.value;
  using eth = lib.compiler(DLT.EN10MB, 262144);
  using raw = lib.compiler(DLT.RAW, 262144);
  const stats = { gaps: new Map<string, string>(), both: 0, tfcOnly: [] as string[] };
  const judge = makeJudge(lib, { ethernet: eth, raw }, stats);
  const corpus = corpusFilters()
    .map((f) => f.filter)
    .filter((f) => f !== 'vxlan');
  let pairs = 0;
  let accepted = 0;
  let optimizerDiffers = 0;
  const disagreements: string[] = [];
  const check = (text: string, linktype: LinkType, frames: readonly Uint8Array[]) => {
    const j = judge(text, linktype);
    if (j === undefined) return;
    for (const fr of frames) {
      const want = lib.filter(j.unopt, fr) !== 0 ? 'accept' : 'reject';
      const optWant = j.opt === undefined ? 'reject' : lib.filter(j.opt, fr) !== 0 ? 'accept' : 'reject';
      const got = evaluate(j.ir, { packet: fr });
      pairs++;
      if (optWant !== want) optimizerDiffers++;
      if (want === 'accept') accepted++;
      if (got !== want && !isKnown(text, linktype, fr) && disagreements.length < 20)
        disagreements.push(
          `${linktype} '${text}' frame ${Buffer.from(fr).toString('hex')}: libpcap ${want}, tfc ${got}`,
        );
    }
  };
  const ethFrames = fc.array(withRunts(ethernetFrame), { minLength: 40, maxLength: 40 });
  const rawFrames = fc.array(withRunts(rawFrame), { minLength: 40, maxLength: 40 });
  fc.assert(
    fc.property(fc.constantFrom(...corpus), ethFrames, (f, frames) => check(f, 'ethernet', frames)),
    { numRuns: 400 },
  );
  fc.assert(
    fc.property(fc.constantFrom(...corpus), rawFrames, (f, frames) => check(f, 'raw', frames)),
    { numRuns: 100 },
  );
  fc.assert(
    fc.property(filterText, ethFrames, (f, frames) => check(f, 'ethernet', frames)),
    { numRuns: 1100 },
  );
  fc.assert(
    fc.property(filterText, rawFrames, (f, frames) => check(f, 'raw', frames)),
    { numRuns: 250 },
  );
  assert.deepEqual(disagreements, []);
  assert.deepEqual(stats.tfcOnly, []);
  assert.ok(pairs >= 50_000, `only ${pairs} pairs`);
  // the generators must exercise both verdicts
  assert.ok(accepted > pairs / 50, `only ${accepted} of ${pairs} accepted`);
  console.log(
    `# differential: ${pairs} pairs, ${accepted} accepted, ${optimizerDiffers} where libpcap's optimized program differs from its unoptimized one, ${stats.both} filters rejected by both, ${stats.gaps.size} libpcap-only (unsupported in tfc)`,
  );
  for (const [f, why] of [...stats.gaps].slice(0, Number(process.env.TFC_GAPS ?? 8)))
    console.log(`#   libpcap-only: ${f} — ${why}`);
});
