// An event record carried in a tfc trace frame (EtherType 0x88b5): encoded from JSON fields, decoded back.
// Run in a project that has tfc-filter installed: node trace-frame.mjs
import { bundledEvent, decodeRecord, decodeTraceFrame, encodeTraceFrame, recordFromJson } from 'tfc-filter';

const event = bundledEvent('sock', 'inet_sock_set_state');
const rec = recordFromJson(event, { family: 2, protocol: 6, sport: 40000, dport: 443 });
if (!rec.ok) throw new Error(rec.error);
const frame = encodeTraceFrame(rec.record, { eventId: event.id, cpu: 1, comm: 'curl', sequence: 7 });
console.log(`frame: ${frame.length} bytes, ethertype 0x${((frame[12] << 8) | frame[13]).toString(16)}`);

const d = decodeTraceFrame(frame);
if (!d.ok) throw new Error(d.error);
const comm = new TextDecoder().decode(d.comm).replace(/\0+$/, '');
console.log(
  `event id ${d.eventId === event.id ? 'matches' : 'differs'}, cpu ${d.cpu}, comm ${comm}, seq ${d.sequence}`,
);
for (const f of decodeRecord(event, d.record).fields)
  if (['family', 'protocol', 'sport', 'dport'].includes(f.field.name))
    console.log(`${f.field.name} = ${f.values[0]}`);
