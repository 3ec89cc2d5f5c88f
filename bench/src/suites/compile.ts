/*
 * Suite `compile`: tfc's latency per pipeline stage, without process start-up — parse + check of tracefs filters of
 * 1, 16 and 256 predicates (what `tfc check` does); the whole compile() (parse, lower, passes, DAG, eBPF) of a
 * 16-predicate filter and of a 1,000-way OR of equalities (with its instruction count); and the instruction counts
 * of 200 generated filters at -O0 and -O2. Units: µs per filter, instructions.
 */
import { compile } from '@tfc/compiler';
import { bundledEvent, parseFilter } from '@tfc/tracefs';
import { measureNsPerOp } from '../measure.ts';
import { type Row, row } from '../row.ts';
import { summarize } from '../stats.ts';
import type { Suite } from '../suite.ts';
import { generatedFilters, predicateFilter, wideOr } from './tracefs-filters.ts';

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
    const us = (x: { runs: number; min: number; median: number; max: number }) => ({
      runs: x.runs,
      min: x.min / 1e3,
      median: x.median / 1e3,
      max: x.max / 1e3,
    });
    const whole: [string, string, 'search' | 'map'][] = [
      ['compile-16-predicates', predicateFilter(16), 'search'],
      ['compile-or-1000-search', wideOr(1000), 'search'],
      ['compile-or-1000-map', wideOr(1000), 'map'],
    ];
    for (const [name, text, setLookup] of whole) {
      ctx.progress(sizes.length, sizes.length + 3, name);
      // The 1,000-way OR is longer than a tracefs write may be (4095 bytes): compiled straight to BPF.
      const req = {
        filter: text,
        event,
        target: 'ebpf',
        ctx: 'tracepoint',
        nrCpuIds: 2,
        maxFilterBytes: 1 << 20,
        setLookup,
      } as const;
      const once = compile(req);
      if (!once.ok) throw new Error(`${name}: ${once.diagnostics.map((d) => d.message).join('; ')}`);
      rows.push(
        row(
          'compile',
          name,
          'tfc-compile-ebpf',
          'compile_latency',
          'us',
          us(measureNsPerOp(() => compile(req), ctx.measure)),
        ),
      );
      const n = once.program.stats.instructions;
      rows.push(
        row('compile', name, 'tfc-compile-ebpf', 'instructions', 'insns', {
          runs: 1,
          min: n,
          median: n,
          max: n,
        }),
      );
    }
    ctx.progress(sizes.length + 2, sizes.length + 3, 'generated filters -O0/-O2');
    const filters = generatedFilters(ctx.quick ? 50 : 200);
    for (const level of [0, 2] as const) {
      const counts = filters.map((text) => {
        const r = compile({
          filter: text,
          event,
          target: 'ebpf',
          ctx: 'tracepoint',
          nrCpuIds: 2,
          optimize: level,
        });
        if (!r.ok) throw new Error(`${text}: ${r.diagnostics.map((d) => d.message).join('; ')}`);
        return r.program.stats.instructions;
      });
      rows.push(
        row(
          'compile',
          `generated-${filters.length}`,
          `tfc-O${level}`,
          'instructions_per_filter',
          'insns',
          summarize(counts),
        ),
      );
    }
    ctx.progress(sizes.length + 3, sizes.length + 3, 'done');
    return rows;
  },
};
