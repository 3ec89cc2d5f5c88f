import * as ir from '@tfc/ir';
import { bundledEvent, lowerFilter, parseFilter } from '@tfc/tracefs';
import { predicateFilter, wideOr } from '../../../bench/src/suites/tracefs-filters.ts';
const event = bundledEvent('sock', 'inet_sock_set_state')!;
const which = process.argv[2] ?? '16';
const text = which === '16' ? predicateFilter(16) : wideOr(1000);
const p = parseFilter(text, event, { nrCpuIds: 2 }, { maxBytes: 1 << 20 });
if (!p.ok) throw 1;
const l = lowerFilter(p.filter, event, { ctx: 'record', nrCpuIds: 2, commonFields: 'pseudo' });
if (!l.ok) throw 1;
const N = which === '16' ? 20000 : 300;
const t0 = performance.now();
for (let i = 0; i < N; i++) {
  const r = ir.runPasses(l.ir);
  if (r.ok) ir.buildDag(r.ir);
}
console.log(((performance.now() - t0) / N).toFixed(3), 'ms/iter');
