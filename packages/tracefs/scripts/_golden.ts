import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

const events = [];
const of = parseFormat(readFileSync('/tmp/tfprof/oracle.format', 'utf8'), { system: 'x', name: 'rec' });
if (!of.ok) throw new Error('fmt');
events.push(of.event);
for (const f of readdirSync('test/fixtures')) {
  const r = parseFormat(readFileSync(`test/fixtures/${f}`, 'utf8'), { system: 's', name: f });
  if (r.ok) events.push(r.event);
}
events.push(bundledEvent('sock', 'inet_sock_set_state')!);
const inputs = new Set<string>();
const walk = (v: unknown) => {
  if (typeof v === 'string') inputs.add(v);
  else if (Array.isArray(v)) v.forEach(walk);
  else if (v && typeof v === 'object') Object.values(v).forEach(walk);
};
const C = '/work/shared/corpus/tracefs-kernel-6.18';
for (const f of readdirSync(C)) if (f.endsWith('.json')) walk(JSON.parse(readFileSync(`${C}/${f}`, 'utf8')));
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
          evaluate(r.filter, rec, { cpu: 1, comm: new TextEncoder().encode('bash') } as never);
      else if (!r.ok) extra = renderFilterFile(r.error) + renderErrorLog(r.error);
      out.push(JSON.stringify(r, ser) + extra);
    }
const u = parseFilter('u8 == 1', events[0]!, { nrCpuIds: 2 }, { maxBytes: 1 << 20 });
out.push(JSON.stringify(u, ser));
writeFileSync(process.argv[2]!, out.join('\n'));
console.log(inputs.size, out.length);
