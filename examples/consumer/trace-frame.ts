// trace-frame.mjs with types: every decoder reports a malformed input as a value.
import {
  bundledEvent,
  type DecodedTraceFrame,
  decodeTraceFrame,
  type EventFormat,
  encodeTraceFrame,
  recordFromJson,
  type TraceFrameHeader,
} from 'tfc-filter';

const event: EventFormat | undefined = bundledEvent('sock', 'inet_sock_set_state');
if (event === undefined) throw new Error('not in the snapshot');
const rec = recordFromJson(event, { family: 2 });
if (!rec.ok) throw new Error(rec.error);
const header: TraceFrameHeader = { eventId: event.id, cpu: 0, comm: 'curl' };
const d: DecodedTraceFrame = decodeTraceFrame(encodeTraceFrame(rec.record, header));
console.log(d.ok ? d.record.length : d.error);
