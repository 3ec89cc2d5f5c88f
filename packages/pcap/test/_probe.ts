import { evaluate, printFilter } from '@tfc/ir';
import { compilePcap } from '../src/index.ts';

const r = compilePcap(process.argv[2]!, { linktype: (process.argv[4] ?? 'ethernet') as 'raw' });
if (!r.ok) {
  console.log(r.diagnostics);
  process.exit(0);
}
console.log(printFilter(r.ir));
if (process.argv[3]) console.log(evaluate(r.ir, { packet: Buffer.from(process.argv[3], 'hex') }));
