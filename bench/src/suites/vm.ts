/*
 * Suite `vm`: throughput of tfc's reference interpreter (the kernel's filter semantics in TypeScript) over
 * encoded inet_sock_set_state records, half of them accepted. Unit: records per second.
 */
import { bundledEvent, type EvalContext, evaluate, parseFilter, recordFromJson } from '@tfc/tracefs';
import { measureNsPerOp } from '../measure.ts';
import { type Row, rate, row } from '../row.ts';
import type { Suite } from '../suite.ts';
import { FOUR_PREDICATES, predicateFilter } from './tracefs-filters.ts';

export const vmSuite: Suite = {
  name: 'vm',
  title: 'reference interpreter throughput',
  run: async (ctx) => {
    const event = bundledEvent('sock', 'inet_sock_set_state');
    if (!event) throw new Error('bundled snapshot lacks sock/inet_sock_set_state');
    const env = { nrCpuIds: 2 };
    const recs: { record: Uint8Array; ctx: EvalContext }[] = [];
    for (let i = 0; i < 64; i++) {
      const r = recordFromJson(event, {
        family: i % 2 === 0 ? 2 : 10,
        protocol: 6,
        sport: 1000 + i * 3,
        dport: i % 5 === 0 ? 22 : 80,
      });
      if (!r.ok) throw new Error(r.error);
      recs.push({ record: r.record, ctx: r.ctx });
    }
    const cases: [string, string][] = [
      ['interp-4-predicates', FOUR_PREDICATES],
      ['interp-16-predicates', predicateFilter(16)],
    ];
    const rows: Row[] = [];
    for (const [i, [name, text]] of cases.entries()) {
      ctx.progress(i, cases.length, name);
      const f = parseFilter(text, event, env);
      if (!f.ok) throw new Error(`benchmark filter rejected: ${f.error.message}`);
      const filter = f.filter;
      let k = 0;
      const s = measureNsPerOp(() => {
        const r = recs[k++ & 63] as (typeof recs)[number];
        return evaluate(filter, r.record, r.ctx);
      }, ctx.measure);
      rows.push(row('vm', name, 'tfc-interpreter', 'records_per_second', 'records/s', rate(s)));
    }
    ctx.progress(cases.length, cases.length, 'done');
    return rows;
  },
};
