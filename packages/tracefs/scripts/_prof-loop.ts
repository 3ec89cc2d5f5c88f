import { bundledEvent, parseFilter } from '@tfc/tracefs';
import { predicateFilter } from '../../../bench/src/suites/tracefs-filters.ts';

const event = bundledEvent('sock', 'inet_sock_set_state')!;
const env = { nrCpuIds: 2 };
const n = Number(process.argv[2] ?? 16);
const text = predicateFilter(n);
let k = 0;
for (let i = 0; i < 20000; i++) {
  const r = parseFilter(text, event, env);
  if (r.ok) k++;
}
const t = performance.now();
const N = Number(process.argv[3] ?? 50000);
for (let i = 0; i < N; i++) {
  const r = parseFilter(text, event, env);
  if (r.ok) k++;
}
console.log(n, (((performance.now() - t) * 1000) / N).toFixed(2), 'us/op', k);
