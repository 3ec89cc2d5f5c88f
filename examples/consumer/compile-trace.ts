// compile-trace.mjs with types: the result is narrowed by `ok` and `kind` before its product is read.
import { type Compiled, compile, type Diagnostic, type TraceSource } from 'tfc-filter';

const filter = 'family == 2 && protocol == 6';
const on: TraceSource = { event: 'sock/inet_sock_set_state', kernel: '6.18', nrCpuIds: 4 };

const bpf: Compiled = compile(filter, { ...on, target: 'ebpf' });
if (bpf.ok && bpf.kind === 'bpf') {
  const listing: string | Uint8Array = bpf.output;
  console.log(`ebpf: ${bpf.program.stats.instructions} instructions`, typeof listing);
}
const tc = compile(filter, { ...on, target: 'tc', dev: 'trace0' });
if (tc.ok && tc.kind === 'tc') {
  const lines: readonly string[] = tc.lines;
  console.log(tc.backend, lines.length);
}
const p4 = compile(filter, { ...on, target: 'p4', emit: 'p4' });
if (p4.ok && p4.kind === 'p4') console.log(p4.output.length);
const bad = compile('family = 2', { ...on, target: 'ebpf' });
if (!bad.ok) {
  const first: Diagnostic | undefined = bad.diagnostics[0];
  console.log(first?.span?.start, first?.message);
}
