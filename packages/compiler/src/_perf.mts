// Temporary perf script (deleted when done).
import * as ir from '@tfc/ir';
import { compileBpf } from '@tfc/codegen-bpf';
import { compilePcap } from '@tfc/pcap';
import { bundledEvent, lowerFilter, parseFilter } from '@tfc/tracefs';
import { compile } from './index.ts';
import { predicateFilter, wideOr } from '../../../bench/src/suites/tracefs-filters.ts';

const event = bundledEvent('sock', 'inet_sock_set_state')!;
const env = { nrCpuIds: 2 };
function median(f: () => void, n: number): number {
  for (let i = 0; i < Math.min(n, 50); i++) f();
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    f();
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(n / 2)]!;
}
const fmt = (x: number) => x.toFixed(3).padStart(8) + ' ms';
function stages(name: string, text: string, n: number, setLookup: 'search' | 'map') {
  const parsed = parseFilter(text, event, env, { maxBytes: 1 << 20 });
  if (!parsed.ok) throw new Error('parse');
  const low = lowerFilter(parsed.filter, event, { ctx: 'record', nrCpuIds: 2, commonFields: 'pseudo' });
  if (!low.ok) throw new Error('lower');
  console.log(`== ${name}`);
  console.log('parse   ', fmt(median(() => parseFilter(text, event, env, { maxBytes: 1 << 20 }), n)));
  console.log('lower   ', fmt(median(() => lowerFilter(parsed.filter, event, { ctx: 'record', nrCpuIds: 2, commonFields: 'pseudo' }), n)));
  console.log('verify  ', fmt(median(() => ir.verify(low.ir), n)));
  let cur = low.ir;
  for (const p of ir.PASSES) {
    const input = cur;
    console.log(p.name.padEnd(8), fmt(median(() => p.run(input), n)));
    cur = p.run(input);
  }
  const opt = cur;
  console.log('runPass ', fmt(median(() => ir.runPasses(low.ir), n)));
  console.log('dag     ', fmt(median(() => ir.buildDag(opt, 'cost'), n)));
  const opts = { target: 'ebpf', ctx: 'tracepoint', optimize: false, order: 'cost', setLookup, record: { commonType: event.id, event: 'sock/x' } } as const;
  console.log('codegen ', fmt(median(() => compileBpf(opt, opts), n)));
  const req = { filter: text, event, target: 'ebpf', ctx: 'tracepoint', nrCpuIds: 2, maxFilterBytes: 1 << 20, setLookup } as const;
  const r = compile(req);
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  console.log('TOTAL   ', fmt(median(() => compile(req), n)), 'insns', r.program.stats.instructions);
}
const which = process.argv[2] ?? 'all';
if (which === 'all' || which === '16') stages('16 predicates', predicateFilter(16), 2000, 'search');
if (which === 'all' || which === 'or') {
  stages('or-1000 search', wideOr(1000), 40, 'search');
  stages('or-1000 map', wideOr(1000), 40, 'map');
}
if (which === 'all' || which === 'pcap') {
  const c = compilePcap('ip6 protochain 6', { linktype: 'ethernet' });
  if (!c.ok) throw new Error('pcap');
  const t0 = performance.now();
  const r = ir.runPasses(c.ir);
  const t1 = performance.now();
  if (!r.ok) throw new Error('passes');
  const d = ir.buildDag(r.ir, 'cost');
  const t2 = performance.now();
  console.log(`pcap protochain depth 6: passes ${fmt(t1 - t0)} dag ${fmt(t2 - t1)} text ${ir.printFilter(r.ir).length} B dag ${d.ok ? d.dag.nodes.length : 'fail'}`);
  let cur = c.ir;
  for (const p of ir.PASSES) {
    const a = performance.now();
    cur = p.run(cur);
    console.log('  ', p.name.padEnd(8), fmt(performance.now() - a));
  }
}
