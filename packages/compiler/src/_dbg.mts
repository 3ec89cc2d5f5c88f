import * as nw from '@tfc/ir';
import { compilePcap } from '@tfc/pcap';
const c = compilePcap('ip[0] & 0xf != 5', { linktype: 'raw' });
if (!c.ok) throw 1;
const b = c.ir.body as any;
console.log(b.args[0].left.left === b.args[1].left.left, b.args[0].left.left, b.args[1].left.left);
console.log(nw.printFilter(nw.cse(c.ir)));
const { makeInterner } = await import('../../ir/src/intern.ts'); const k = makeInterner().expr;
console.log(k(b.args[0].left.left), k(b.args[1].left.left), k(b.args[0].left), k(b.args[1].left));
