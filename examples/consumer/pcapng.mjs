// Trace frames written as a pcapng capture (one interface, event names as packet comments), then read back.
// Run in a project that has tfc-filter installed: node pcapng.mjs
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { bundledEvent, encapJsonLines, readCapture, writeTracePcapng } from 'tfc-filter';

const event = bundledEvent('sock', 'inet_sock_set_state');
const jsonl = ['{"family":2,"protocol":6}', '{"family":10,"protocol":17}'].join('\n');
const frames = encapJsonLines(event, jsonl, { startNs: 1_700_000_000_000_000_000n });
if (!frames.ok) throw new Error(frames.diagnostics.map((d) => `line ${d.line}: ${d.message}`).join('\n'));
const bytes = writeTracePcapng([{ name: 'trace0', frames: frames.frames }], (id) =>
  id === event.id ? `${event.system}:${event.name}` : undefined,
);
writeFileSync('events.pcapng', bytes);

const cap = readCapture(new Uint8Array(readFileSync('events.pcapng')));
rmSync('events.pcapng');
if (!cap.ok) throw new Error(`${cap.error} at byte ${cap.offset}`);
console.log(
  `${cap.capture.format}: ${cap.capture.records.length} packets on ${cap.capture.interfaces[0].name}`,
);
for (const r of cap.capture.records) console.log(`${r.ts} ${r.len} bytes ${r.comment}`);
