/*
 * Suite `p4`: TCAM entries per filter — for 200 generated trace event filters over inet_sock_set_state (with and
 * without range matches) and for the libpcap corpus filters that the packet header model
 * expresses (ethernet/arp/ipv4/ipv6/tcp/udp/sctp/icmp keys: L4 ports through IHL, validity keys).
 * Counts, not times: each row summarises entries per filter (median, min, max over the filters; `runs` = filters).
 */

import { compileP4, compilePcapP4 } from '@tfc/compiler';
import { bundledEvent } from '@tfc/tracefs';
import { type Row, row } from '../row.ts';
import { summarize } from '../stats.ts';
import type { Suite } from '../suite.ts';
import { pcapCorpusFilters } from './pcap-corpus.ts';
import { generatedFilters } from './tracefs-filters.ts';

export const p4Suite: Suite = {
  name: 'p4',
  title: 'TCAM entries per filter',
  run: async (ctx) => {
    const event = bundledEvent('sock', 'inet_sock_set_state');
    if (!event) throw new Error('bundled snapshot lacks sock/inet_sock_set_state');
    const rows: Row[] = [];
    const filters = generatedFilters(ctx.quick ? 50 : 200, 7);
    for (const ranges of [true, false]) {
      ctx.progress(ranges ? 0 : 1, 3, `generated filters, ranges ${ranges}`);
      const counts: number[] = [];
      let failed = 0;
      for (const text of filters) {
        const r = compileP4({ filter: text, event, nrCpuIds: 2, ranges });
        if (r.ok) counts.push(r.outputs.list.entries.length);
        else failed++;
      }
      if (failed > 0)
        ctx.note(`${failed} generated filters not expressible as TCAM entries (ranges ${ranges})`);
      if (counts.length > 0)
        rows.push(
          row(
            'p4',
            `tracefs-generated-${filters.length}`,
            ranges ? 'tfc-p4-ranges' : 'tfc-p4-ternary',
            'entries_per_filter',
            'entries',
            summarize(counts),
          ),
        );
    }
    ctx.progress(2, 3, 'pcap corpus');
    const exprs = pcapCorpusFilters((t) => ctx.note(t), 'pcap rows');
    const withRanges: number[] = [];
    const withoutRanges: number[] = [];
    const refused = new Map<string, number>();
    for (const expr of exprs) {
      const a = compilePcapP4({ filter: expr, ranges: true });
      const b = compilePcapP4({ filter: expr, ranges: false });
      if (!a.ok || !b.ok) {
        const d = (a.ok ? b : a) as Extract<typeof a, { ok: false }>;
        const code =
          d.diagnostics[0]?.message.match(/\[(p4-[a-z-]+)\]$/)?.[1] ?? d.diagnostics[0]?.stage ?? '?';
        refused.set(code, (refused.get(code) ?? 0) + 1);
        continue;
      }
      withRanges.push(a.outputs.list.entries.length);
      withoutRanges.push(b.outputs.list.entries.length);
    }
    if (refused.size > 0)
      ctx.note(
        `pcap corpus filters the packet model cannot express: ${[...refused].map(([c, n]) => `${n} ${c}`).join(', ')}`,
      );
    if (withRanges.length > 0) {
      rows.push(
        row(
          'p4',
          `pcap-corpus-${withRanges.length}`,
          'tfc-p4-ranges',
          'entries_per_filter',
          'entries',
          summarize(withRanges),
        ),
      );
      rows.push(
        row(
          'p4',
          `pcap-corpus-${withRanges.length}`,
          'tfc-p4-ternary',
          'entries_per_filter',
          'entries',
          summarize(withoutRanges),
        ),
      );
    }
    ctx.progress(3, 3, 'done');
    return rows;
  },
};
