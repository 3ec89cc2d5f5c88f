// pcapng.mjs with types: readCapture sniffs pcap or pcapng and never throws.
import { type CaptureResult, LINKTYPE, readCapture, writePcapng } from 'tfc-filter';

const frame = new Uint8Array(60);
const bytes: Uint8Array = writePcapng([{ ts: 1n, len: frame.length, data: frame }], {
  linkType: LINKTYPE.ETHERNET,
});
const cap: CaptureResult = readCapture(bytes);
if (cap.ok) for (const r of cap.capture.records) console.log(r.ts, r.data.length);
else console.log(`${cap.error} at byte ${cap.offset}`);
