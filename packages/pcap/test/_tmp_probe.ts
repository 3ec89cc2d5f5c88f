import { runPasses, printFilter } from '@tfc/ir';
import { compilePcap } from '/work/main/packages/pcap/src/index.ts';
const r = compilePcap(process.argv[2]!, { linktype: 'ethernet' });
if (!r.ok) { console.log(r.diagnostics); process.exit(0); }
const t0 = Date.now();
const p = runPasses(r.ir);
console.log(printFilter(r.ir).length, p.ok ? printFilter(p.ir).length : p, Date.now() - t0, 'ms');
if (process.argv[3]) console.log(printFilter(p.ok ? p.ir : r.ir));
