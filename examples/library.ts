// Worked example: tfc as a library. Run from the repository root: node --import tsx examples/library.ts
import { bundledEvent, evaluate, parseFilter, recordFromJson, renderFilterFile } from 'tfc';

const event = bundledEvent('sock', 'inet_sock_set_state');
if (!event) throw new Error('the bundled snapshot has no sock/inet_sock_set_state');

const parsed = parseFilter('family == 2 && protocol == 6', event, { nrCpuIds: 2 });
if (!parsed.ok) {
  process.stdout.write(renderFilterFile(parsed.error));
  process.exit(1);
}
for (const json of [
  { family: 2, protocol: 6 },
  { family: 10, protocol: 6 },
]) {
  const r = recordFromJson(event, json);
  if (!r.ok) throw new Error(r.error);
  console.log(JSON.stringify(json), evaluate(parsed.filter, r.record, r.ctx) ? 'accepted' : 'rejected');
}
