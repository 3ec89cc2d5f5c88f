import * as ir from '@tfc/ir';
import { and, arith, cmp, filter, inSet, konst, load, or, ref } from '@tfc/ir';
import type { Expr, Pred, ValueDef } from '@tfc/ir';
// Mirror of pcap lower.ts protochain (ip6, ethernet) with a depth parameter.
function chain(depth: number, proto: number): ir.Filter {
  const n = 14;
  const values: ValueDef[] = [];
  const def = (expr: Expr): Expr => { const id = values.length; values.push({ id, expr }); return ref(id); };
  const u = (v: number) => konst(v);
  const ld = (off: Expr | number) => load('packet', off, 1, 'be');
  const eq = (e: Expr, v: number) => cmp('eq', 4, false, e, v);
  const head = cmp('eq', 4, false, load('packet', 12, 2, 'be'), 0x86dd);
  let a = def(ld(n + 6));
  let x: Expr = u(40);
  const steps: Expr[] = [a];
  for (let k = 0; k < depth; k++) {
    const len = def(ld(arith('+', x, u(n + 1))));
    const nextA = def(arith('&', ld(arith('+', x, u(n))), arith('|', len, u(0xff))));
    const ah = arith('*', arith('+', len, u(2)), u(4));
    const notAh = arith('>>', arith('+', arith('^', a, u(51)), u(255)), u(8));
    const extX = arith('+', x, arith('*', arith('+', len, u(1)), u(8)));
    x = def(arith('+', arith('*', notAh, extX), arith('*', arith('-', u(1), notAh), ah)));
    a = nextA;
    steps.push(a);
  }
  let p: Pred = eq(steps[depth]!, proto);
  for (let k = depth - 1; k >= 0; k--) p = or(eq(steps[k]!, proto), and(inSet(4, steps[k]!, [0, 43, 44, 51, 60]), p));
  return filter(and(head, p), values);
}
for (const d of [6, 8, 12, 16, 24, 32]) {
  const f = chain(d, 6);
  const t0 = performance.now();
  const r = ir.runPasses(f);
  const t1 = performance.now();
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  const g = ir.buildDag(r.ir);
  const t2 = performance.now();
  console.log(`depth ${d}: runPasses ${(t1 - t0).toFixed(1)} ms, buildDag ${(t2 - t1).toFixed(1)} ms, out ${ir.printFilter(r.ir).length} B, dag ${g.ok ? g.dag.nodes.length : 'x'}`);
}
