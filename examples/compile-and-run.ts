// Worked example: compile a trace event filter for trace frames, load it into the kernel as a tc (sched_cls)
// program and test-run it on frames that carry inet_sock_set_state records (needs root and bpf(2)).
// Run from the repository root: node --import tsx examples/compile-and-run.ts
import { bundledEvent, compile, encodeTraceFrame, recordFromJson } from 'tfc';
import { loadKoffiSyscalls, loadProgram, testRun } from 'tfc/live';

const event = bundledEvent('sock', 'inet_sock_set_state');
if (!event) throw new Error('the bundled snapshot has no sock/inet_sock_set_state');

const result = compile({
  filter: 'family == 2 && protocol == 6',
  event,
  target: 'ebpf',
  ctx: 'trace-frame',
  progType: 'tc',
  nrCpuIds: 2,
});
if (!result.ok) throw new Error(result.diagnostics.map((d) => d.message).join('\n'));
console.log(`${result.program.stats.instructions} instructions:\n${result.program.listing}`);

const sys = loadKoffiSyscalls();
if (!sys.ok) {
  console.log(`not loading into the kernel: ${sys.reason}`);
  process.exit(0);
}
const prog = loadProgram(sys.value, { type: 'SCHED_CLS', insns: result.program.bytes, license: 'GPL' });
if (!prog.ok) throw new Error(prog.error.log ?? prog.error.message);
try {
  for (const fields of [
    { family: 2, protocol: 6 },
    { family: 10, protocol: 6 },
  ]) {
    const rec = recordFromJson(event, fields);
    if (!rec.ok) throw new Error(rec.error);
    const frame = encodeTraceFrame(rec.record, { eventId: event.id, cpu: 0, comm: 'example' });
    const run = testRun(sys.value, prog.value, { data: frame });
    if (!run.ok) throw new Error(run.error.message);
    // tc programs return TC_ACT_OK (0) for frames the filter keeps and TC_ACT_SHOT (2) for the others.
    console.log(
      JSON.stringify(fields),
      run.value.retval === 0 ? 'kept (TC_ACT_OK)' : 'dropped (TC_ACT_SHOT)',
    );
  }
} finally {
  prog.value.dispose();
}
