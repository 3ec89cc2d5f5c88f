// A trace event filter compiled for three targets: a tracepoint eBPF program, tc rules for the trace interface,
// and P4 TCAM entries. Run in a project that has tfc-filter installed: node compile-trace.mjs
import { compile } from 'tfc-filter';

const filter = 'family == 2 && protocol == 6';
const on = { event: 'sock/inet_sock_set_state', kernel: '6.18', nrCpuIds: 4 };

const bpf = compile(filter, { ...on, target: 'ebpf' });
if (!bpf.ok) throw new Error(bpf.diagnostics.map((d) => d.message).join('\n'));
console.log(`ebpf: ${bpf.program.stats.instructions} instructions`);
process.stdout.write(bpf.output);

const tc = compile(filter, { ...on, target: 'tc', dev: 'trace0' });
if (tc.ok && tc.kind === 'tc') process.stdout.write(`tc (${tc.backend}):\n${tc.output}`);

const p4 = compile(filter, { ...on, target: 'p4' });
if (p4.ok && p4.kind === 'p4') console.log(`p4: ${p4.outputs.list.entries.length} entries`);

const bad = compile('family = 2', { ...on, target: 'ebpf' });
if (!bad.ok) console.log(`rejected at ${bad.diagnostics[0].span?.start}: ${bad.diagnostics[0].message}`);
