// A parse+check loop over the bench's n-predicate filter (bench/src/suites/tracefs-filters.ts) on the
// bundled sock/inet_sock_set_state, for profiling the front end.
// Usage (from packages/tracefs): node --cpu-prof --import tsx scripts/profile-parse.ts [PREDICATES] [ITERATIONS]
// Invariant: prints µs per parse after a warm-up; no assertions (timing belongs here, not in tests).

import { predicateFilter } from '../../../bench/src/suites/tracefs-filters.ts';
import { bundledEvent, parseFilter } from '../src/index.ts';

const event = bundledEvent('sock', 'inet_sock_set_state');
if (!event) throw new Error('bundled snapshot lacks sock/inet_sock_set_state');
const env = { nrCpuIds: 2 };
const n = Number(process.argv[2] ?? 16);
const iterations = Number(process.argv[3] ?? 50_000);
const text = predicateFilter(n);
let accepted = 0;
for (let i = 0; i < 20_000; i++) if (parseFilter(text, event, env).ok) accepted++;
const t0 = performance.now();
for (let i = 0; i < iterations; i++) if (parseFilter(text, event, env).ok) accepted++;
const us = ((performance.now() - t0) * 1000) / iterations;
console.log(`${n} predicates: ${us.toFixed(2)} µs per parse+check (${accepted} accepted)`);
