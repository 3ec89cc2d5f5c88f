import { readFileSync } from 'node:fs';
import { compilePcap } from '@tfc/pcap';
import { runPasses } from '@tfc/ir';
const n = Number(process.argv[2]);
const text = readFileSync('/tmp/chain.txt', 'utf8').split(' or ').slice(0, n).join(' or ');
let t0 = Date.now();
const r = compilePcap(text, { linktype: 'ethernet' });
console.log('front', r.ok, Date.now() - t0);
if (r.ok) {
  let cnt = 0; const st: unknown[] = [r.ir.body];
  while (st.length) { const x = st.pop() as Record<string, unknown>; cnt++; for (const k of ['offset','left','right','arg','value','expr']) if (typeof x[k]==='object' && x[k]!==null) st.push(x[k]); if (Array.isArray(x.args)) for (const a of x.args) st.push(a); }
  console.log('nodes', cnt);
  t0 = Date.now(); const p = runPasses(r.ir); console.log('passes', p.ok, Date.now() - t0);
}
