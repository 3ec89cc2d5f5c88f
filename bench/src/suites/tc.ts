/*
 * Suite `tc`: what a filter costs as tc rules — u32 rules and 32-bit keys per filter against cls_bpf classic
 * instructions per filter, for 200 generated trace event filters over inet_sock_set_state and for the libpcap corpus
 * filters (u32 where it can express them; cls_bpf for every filter). Counts, not times: each row summarises one
 * count per filter (median, min, max over the filters; `runs` = filters).
 */

import { compileTc, type TcRequest, type TcSource } from '@tfc/compiler';
import { bundledEvent } from '@tfc/tracefs';
import { type Row, row } from '../row.ts';
import { summarize } from '../stats.ts';
import type { Suite } from '../suite.ts';
import { pcapCorpusFilters } from './pcap-corpus.ts';
import { generatedFilters } from './tracefs-filters.ts';

const base: Omit<TcRequest, 'source' | 'target'> = { dev: 'eth0', direction: 'ingress', prio: 1 };

interface Counts {
  readonly rules: number[];
  readonly keys: number[];
  readonly insns: number[];
  u32Failed: number;
}

function measure(sources: readonly TcSource[]): Counts {
  const c: Counts = { rules: [], keys: [], insns: [], u32Failed: 0 };
  for (const source of sources) {
    const u = compileTc({ ...base, source, target: 'u32' });
    if (u.ok && u.u32) {
      c.rules.push(u.u32.knodes.length);
      c.keys.push(u.u32.knodes.reduce((n, k) => n + Math.max(1, k.keys.length), 0));
    } else c.u32Failed++;
    const b = compileTc({ ...base, source, target: 'tc-bpf' });
    if (b.ok && b.program !== undefined && b.program.target === 'cbpf') c.insns.push(b.program.insns.length);
  }
  return c;
}

function rowsFor(kase: string, c: Counts): Row[] {
  const out: Row[] = [];
  if (c.rules.length > 0) {
    out.push(row('tc', kase, 'tfc-u32', 'rules_per_filter', 'rules', summarize(c.rules)));
    out.push(row('tc', kase, 'tfc-u32', 'keys_per_filter', 'keys', summarize(c.keys)));
  }
  if (c.insns.length > 0)
    out.push(row('tc', kase, 'tfc-tc-bpf', 'insns_per_filter', 'instructions', summarize(c.insns)));
  return out;
}

export const tcSuite: Suite = {
  name: 'tc',
  title: 'tc rules per filter: u32 rules and keys vs cls_bpf instructions',
  run: async (ctx) => {
    const event = bundledEvent('sock', 'inet_sock_set_state');
    if (!event) throw new Error('bundled snapshot lacks sock/inet_sock_set_state');
    const rows: Row[] = [];
    const filters = generatedFilters(ctx.quick ? 50 : 200, 7);
    ctx.progress(0, 2, 'generated trace filters');
    const t = measure(filters.map((filter) => ({ lang: 'tracefs', filter, events: [event], nrCpuIds: 2 })));
    if (t.u32Failed > 0)
      ctx.note(`${t.u32Failed} generated trace filters not expressible as u32 (tc-bpf only)`);
    rows.push(...rowsFor(`tracefs-generated-${filters.length}`, t));
    ctx.progress(1, 2, 'pcap corpus');
    const exprs = pcapCorpusFilters((t) => ctx.note(t), 'pcap rows');
    if (exprs.length > 0) {
      const p = measure(exprs.map((filter) => ({ lang: 'pcap', filter })));
      if (p.u32Failed > 0)
        ctx.note(
          `${p.u32Failed} of ${exprs.length} pcap corpus filters not expressible as u32 (packet length, nested computed offsets, …)`,
        );
      rows.push(...rowsFor(`pcap-corpus-${exprs.length}`, p));
    }
    ctx.progress(2, 2, 'done');
    return rows;
  },
};
