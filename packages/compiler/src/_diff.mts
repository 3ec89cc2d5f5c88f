// Temporary differential check: new IR passes/DAG vs HEAD's copy in /tmp/irorig (deleted when done).
import { readdirSync, readFileSync } from 'node:fs';
import * as nw from '@tfc/ir';
import { compilePcap } from '@tfc/pcap';
import { bundledEvent, lowerFilter, parseFilter } from '@tfc/tracefs';
import { generatedFilters, predicateFilter, wideOr } from '../../../bench/src/suites/tracefs-filters.ts';
// @ts-ignore
import * as old from '/tmp/irorig/packages/ir/src/index.ts';

const irs: [string, nw.Filter][] = [];
const event = bundledEvent('sock', 'inet_sock_set_state')!;
const texts = [predicateFilter(1), predicateFilter(16), predicateFilter(64), wideOr(1000), ...generatedFilters(400)];
for (const t of texts) {
  const p = parseFilter(t, event, { nrCpuIds: 2 }, { maxBytes: 1 << 20 });
  if (!p.ok) continue;
  for (const ctx of ['record', 'trace-frame'] as const) {
    const l = lowerFilter(p.filter, event, { ctx, nrCpuIds: 2, ...(ctx === 'record' ? { commonFields: 'pseudo' as const } : {}) });
    if (l.ok) irs.push([t, l.ir]);
  }
}
const dir = '/work/shared/corpus/pcap-libpcap-1.10.3';
const pcapTexts = readdirSync(dir).filter((f) => f.endsWith('.ddd')).map((f) => readFileSync(`${dir}/${f}`, 'utf8').split('\n')[0]!);
pcapTexts.push('ip6 protochain 6', 'protochain 17', 'ip protochain 51 or ip6 protochain 58', 'not ip6 protochain 6 and tcp');
for (const t of pcapTexts)
  for (const linktype of ['ethernet', 'raw'] as const) {
    const c = compilePcap(t, { linktype });
    if (c.ok) irs.push([t, c.ir]);
  }
for (const w of nw.benchWorkloads()) irs.push([w.name, w.filter]);
let diffs = 0;
for (const [t, f] of irs) {
  const a = old.runPasses(f);
  const b = nw.runPasses(f);
  const sa = a.ok ? old.printFilter(a.ir) : JSON.stringify(a);
  const sb = b.ok ? nw.printFilter(b.ir) : JSON.stringify(b);
  let da = '', db = '';
  if (a.ok && b.ok) {
    const x = old.buildDag(a.ir);
    const y = nw.buildDag(b.ir);
    da = x.ok ? old.printDag(x.dag) : JSON.stringify(x);
    db = y.ok ? nw.printDag(y.dag) : JSON.stringify(y);
  }
  if (sa !== sb || da !== db) {
    diffs++;
    { console.log("DIFF", t); if (sa !== sb) { const i = [...sa].findIndex((c, j) => c !== sb[j]); console.log(sa.slice(Math.max(0,i-300), i+200), "\n-----\n", sb.slice(Math.max(0,i-300), i+200)); } else console.log("dag only"); }
  }
}
console.log(`${irs.length} filters compared, ${diffs} differ`);
