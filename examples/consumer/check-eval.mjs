// A trace filter checked as two kernels would check it, then run over records by the reference interpreter.
// Run in a project that has tfc-filter installed: node check-eval.mjs
import { check, evalRecords } from 'tfc-filter';

for (const kernel of ['6.18', '5.15']) {
  const r = check('prev_pid == 1 && cpu & CPUS{1}', { event: 'sched/sched_switch', kernel, nrCpuIds: 4 });
  process.stdout.write(`--- kernel ${kernel}: ${r.ok ? 'accepted' : 'rejected'}\n${r.filterFile}`);
  if (!r.ok) for (const note of r.notes) console.log(`note: ${note}`);
}

const verdicts = evalRecords('family == 2 && (protocol == 6 || dport >= 5000)', {
  event: 'sock/inet_sock_set_state',
  records: [
    { family: 2, protocol: 6 },
    { family: 10, protocol: 6 },
    { family: 2, protocol: 17, dport: 5353 },
  ],
});
if (verdicts.ok) console.log(verdicts.verdicts.map((v) => (v ? 1 : 0)).join(' '));
