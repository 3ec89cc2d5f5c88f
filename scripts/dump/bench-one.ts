/*
 * bench-one: the compile suite's 16-predicate compile() latency of one checkout, alone in its process (no other
 * compiler's garbage or JIT state beside it): `node --import tsx scripts/dump/bench-one.ts CHECKOUT`; prints the
 * median wall µs of bench/src/measure.ts FULL runs and the CPU µs per call over 300 more calls. Invariant: the same
 * request as bench/src/suites/compile.ts.
 */
import { join } from 'node:path';
import { FULL, measureNsPerOp } from '../../bench/src/measure.ts';
import { predicateFilter } from '../../bench/src/suites/tracefs-filters.ts';

const root = process.argv[2];
if (root === undefined) throw new Error('usage: bench-one.ts CHECKOUT');
const c = (await import(
  join(root, 'packages/compiler/src/index.ts')
)) as typeof import('../../packages/compiler/src/index.ts');
const t = (await import(
  join(root, 'packages/tracefs/src/index.ts')
)) as typeof import('../../packages/tracefs/src/index.ts');
const event = t.bundledEvent('sock', 'inet_sock_set_state');
if (!event) throw new Error('no bundled sock/inet_sock_set_state');
const req = {
  filter: predicateFilter(16),
  event,
  target: 'ebpf',
  ctx: 'tracepoint',
  nrCpuIds: 2,
  maxFilterBytes: 1 << 20,
  setLookup: 'search',
} as const;
const s = measureNsPerOp(() => c.compile(req), FULL);
// CPU time as well: on a shared, loaded machine wall time inflates with other processes' load, CPU time much less.
const n = 300;
const cpu0 = process.cpuUsage();
for (let i = 0; i < n; i++) c.compile(req);
const cpu = process.cpuUsage(cpu0);
console.log(`${(s.median / 1e3).toFixed(1)} ${((cpu.user + cpu.system) / n).toFixed(1)}`);
