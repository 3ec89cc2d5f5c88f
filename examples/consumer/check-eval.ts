// check-eval.mjs with types: CheckResult and EvalResult are unions on `ok`.
import { type CheckResult, check, type EvalResult, evalRecords, profileNames } from 'tfc-filter';

for (const kernel of profileNames()) {
  const r: CheckResult = check('prev_pid == 1 && cpu & CPUS{1}', {
    event: 'sched/sched_switch',
    kernel,
    nrCpuIds: 4,
  });
  console.log(kernel, r.ok ? 'accepted' : `rejected: ${r.filterError.message} at ${r.filterError.position}`);
}
const e: EvalResult = evalRecords('family == 2', {
  event: 'sock/inet_sock_set_state',
  records: [{ family: 2 }],
});
if (e.ok) console.log(e.verdicts);
else if ('record' in e) console.log(`record ${e.record}: ${e.message}`);
