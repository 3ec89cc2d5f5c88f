// Dumps parseFilter's complete results (AST, program, tree, errors and both renderings, a verdict on
// one fixed record) for ~9,500 filters × the test fixtures' events × 2 CPU counts into one file, so a
// front-end change (e.g. for speed) can be shown to change no output byte: dump before and after, cmp.
// Filters: every string of the shared corpus tables, the bench filters, the kernel suite's generators
// (fixed seeds) and seeded random junk, deep nesting, 4096+ bytes.
// Usage (from packages/tracefs): node --import tsx scripts/parse-golden.ts OUT [EXTRA.format ...]
// Invariant: deterministic output for a given source tree; writes only OUT.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  bundledEvent,
  evaluate,
  formatFilter,
  parseFilter,
  parseFormat,
  renderErrorLog,
  renderFilterFile,
} from '@tfc/tracefs';
import fc from 'fast-check';
import { generatedFilters, predicateFilter, wideOr } from '../../../bench/src/suites/tracefs-filters.ts';
import { invalidFilterArb, validFilterArb } from '../test/kernel/generators.ts';

const events: EventFormat[] = [];
for (const extra of process.argv.slice(3)) {
  const r = parseFormat(readFileSync(extra, 'utf8'), { system: 'x', name: 'extra' });
  if (!r.ok) throw new Error(`${extra}: ${r.error.message}`);
  events.push(r.event);
}
const FIXTURES = fileURLToPath(new URL('../test/fixtures', import.meta.url));
for (const f of readdirSync(FIXTURES).sort()) {
  const r = parseFormat(readFileSync(`${FIXTURES}/${f}`, 'utf8'), { system: 's', name: f });
  if (r.ok) events.push(r.event);
}
events.push(bundledEvent('sock', 'inet_sock_set_state')!);
const inputs = new Set<string>();
const walk = (v: unknown) => {
  if (typeof v === 'string') inputs.add(v);
  else if (Array.isArray(v)) v.forEach(walk);
  else if (v && typeof v === 'object') Object.values(v).forEach(walk);
};
const C = fileURLToPath(new URL('../../../../shared/corpus/tracefs-kernel-6.18', import.meta.url));
for (const f of readdirSync(C).sort())
  if (f.endsWith('.json')) walk(JSON.parse(readFileSync(`${C}/${f}`, 'utf8')));
for (const n of [1, 2, 16, 100, 256]) inputs.add(predicateFilter(n));
for (const t of generatedFilters(500, 3)) inputs.add(t);
inputs.add(wideOr(300));
const env = { pid: 1234, nrCpuIds: 2 };
for (const t of fc.sample(validFilterArb(env), { seed: 42, numRuns: 3000 })) inputs.add(t.text);
for (const t of fc.sample(invalidFilterArb(env), { seed: 43, numRuns: 3000 })) inputs.add(t.text);
// random junk
let s = 99;
const rnd = (n: number) => {
  s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
  return (s >>> 8) % n;
};
const alpha = ' \t\n()!&|=<>~"\'{}x9-.,#_abcu8s16CPUS0123xXé\u0000\u00ff';
for (let k = 0; k < 3000; k++) {
  let t = '';
  const n = rnd(40);
  for (let i = 0; i < n; i++) t += alpha[rnd(alpha.length)];
  inputs.add(t);
}
inputs.add('('.repeat(10000) + 'u8 == 1' + ')'.repeat(10000));
inputs.add('u8 == 1 && '.repeat(400));
const lookupSymbol = (x: string | bigint) =>
  x === 'foo' || x === 0x1000n ? { start: 0x1000n, size: 0x10n } : undefined;
const ser = (_k: string, v: unknown) =>
  typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? `U8:${Buffer.from(v).toString('hex')}` : v;
const out: string[] = [];
const rec = new Uint8Array(120);
for (let i = 0; i < rec.length; i++) rec[i] = (i * 37) & 0xff;
for (const ev of events)
  for (const nr of [2, 8])
    for (const t of inputs) {
      const r = parseFilter(t, ev, { nrCpuIds: nr, lookupSymbol });
      let extra = '';
      if (r.ok && r.filter)
        extra =
          formatFilter(r.filter) +
          '|' +
          evaluate(r.filter, rec, { cpu: 1, comm: new TextEncoder().encode('bash') });
      else if (!r.ok) extra = renderFilterFile(r.error) + renderErrorLog(r.error);
      out.push(JSON.stringify(r, ser) + extra);
    }
const u = parseFilter('u8 == 1', events[0] as EventFormat, { nrCpuIds: 2 }, { maxBytes: 1 << 20 });
out.push(JSON.stringify(u, ser));
const target = process.argv[2];
if (!target) throw new Error('usage: parse-golden.ts OUT [EXTRA.format ...]');
writeFileSync(target, out.join('\n'));
console.log(inputs.size, out.length);
