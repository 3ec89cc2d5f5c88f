/*
 * Suite `compile`: tfc's front-end latency — parse + check of tracefs filters of 1, 16 and 256 predicates against
 * an event format (what `tfc check` does, without process start-up). Unit: µs per filter.
 */
import { bundledEvent, parseFilter } from '@tfc/tracefs';
import { measureNsPerOp } from '../measure.ts';
import { type Row, row } from '../row.ts';
import type { Suite } from '../suite.ts';
import { predicateFilter } from './tracefs-filters.ts';

export const compileSuite: Suite = {
  name: 'compile',
  title: 'tracefs filter parse + check latency',
  run: async (ctx) => {
    const event = bundledEvent('sock', 'inet_sock_set_state');
    if (!event) throw new Error('bundled snapshot lacks sock/inet_sock_set_state');
    const env = { nrCpuIds: 2 };
    const sizes = [1, 16, 256];
    const rows: Row[] = [];
    for (const [i, n] of sizes.entries()) {
      ctx.progress(i, sizes.length, `parse ${n} predicates`);
      const text = predicateFilter(n);
      const check = parseFilter(text, event, env);
      if (!check.ok) throw new Error(`benchmark filter rejected: ${check.error.message}`);
      const s = measureNsPerOp(() => parseFilter(text, event, env), ctx.measure);
      const us = { ...s, min: s.min / 1e3, median: s.median / 1e3, max: s.max / 1e3 };
      rows.push(row('compile', `tracefs-parse-${n}`, 'tfc-tracefs', 'parse_check_latency', 'us', us));
    }
    ctx.progress(sizes.length, sizes.length, 'done');
    return rows;
  },
};
