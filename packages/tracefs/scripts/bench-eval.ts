// Measures evaluate() throughput on a 4-predicate numeric filter over fspecr/pv records.
// Usage (from packages/tracefs): node --import tsx scripts/bench-eval.ts
// Invariant: prints measurements only; no assertions (timing belongs here, not in tests).

import { readFileSync } from 'node:fs';
import { evaluate, parseFilter, parseFormat, recordFromJson } from '../src/index.ts';

const fmt = parseFormat(readFileSync(new URL('../test/fixtures/fspecr_pv.format', import.meta.url), 'utf8'));
if (!fmt.ok) throw new Error(fmt.error.message);
const ev = fmt.event;
const filters = [
  'a32 > 5 && b == 1 || s16 < 0 && c != 7',
  'a64 >= 100 && s64 < -3 || a8 & 4 && x32 == 0x10',
  'str ~ "h*llo" && b == 1 || a32 & CPUS{0-1}',
];
const records = Array.from({ length: 4096 }, (_, i) => {
  const r = recordFromJson(ev, {
    a32: (i * 7919) % 100,
    b: i % 3,
    s16: (i % 200) - 100,
    c: i % 11,
    a64: i,
    s64: -(i % 7),
    a8: i % 256,
    x32: i % 32,
    str: i % 2 === 0 ? 'hello' : 'world',
  });
  if (!r.ok) throw new Error(r.error);
  return r;
});
for (const text of filters) {
  const p = parseFilter(text, ev, { nrCpuIds: 2 });
  if (!p.ok) throw new Error(text);
  let kept = 0;
  let n = 0;
  const t0 = process.hrtime.bigint();
  let t = t0;
  while (t - t0 < 1_000_000_000n) {
    for (const r of records) if (evaluate(p.filter, r.record, r.ctx)) kept++;
    n += records.length;
    t = process.hrtime.bigint();
  }
  const secs = Number(t - t0) / 1e9;
  console.log(`${text}: ${(n / secs / 1e6).toFixed(2)} M records/s (kept ${((kept / n) * 100).toFixed(1)}%)`);
}
