// Restricted C for a decision DAG: one function per program, one labelled block per DAG node, gotos
// between them, that `clang -O2 -target bpf` compiles to a program equivalent to the eBPF target's.
// Invariants:
//  - self-contained text: fixed-width typedefs, helpers declared by id, no headers; deterministic;
//  - every subexpression is a fresh u64 local assigned in evaluation order, so aborts (packet reads
//    past the end, division by zero) are `goto reject` statements placed before the read;
//  - compares truncate to the width and cast to the signed type for signed ordered operators, as the
//    IR defines; u32 arithmetic wraps; shifts >= 32 give 0;
//  - packet reads are preceded by an explicit data_end check (tc/xdp) or use bpf_skb_load_bytes
//    (socket); tracepoint reads are ctx + constant offset >= 8 (aligned) or bpf_probe_read_kernel;
//  - features the C form does not cover yet (maps, __data_loc, char *) are Unsupported diagnostics.
//
// This module is the driver: the prelude, the function, one labelled block per node in topological order (leaves
// by kind: c/leaves.ts; expressions and loads: c/expr.ts), the two returns, the license.
import type { Dag } from '@tfc/ir';
import { type CEmitOptions, line, newCGen, PRELUDE } from './c/context.ts';
import { cmpLeaf, inLeaf, strLeaf } from './c/leaves.ts';
import { walkDag } from './lower/dag-walk.ts';
import { Unsupported } from './options.ts';

export type { CEmitOptions } from './c/context.ts';

export function emitC(dag: Dag, o: CEmitOptions): string {
  const g = newCGen(dag, o);
  const out = g.out;
  out.push(PRELUDE);
  out.push(`__attribute__((section("${o.section}"), used))`);
  out.push('int tfc_filter(void *ctx)');
  out.push('{');
  if (g.direct) {
    const [d, de] = o.progType === 'xdp' ? [0, 4] : [76, 80];
    line(g, `void *data = (void *)(long)*(u32 *)((u8 *)ctx + ${d});`);
    line(g, `void *data_end = (void *)(long)*(u32 *)((u8 *)ctx + ${de});`);
  }
  const walk = walkDag(dag);
  line(g, `goto ${walk.entry};`);
  for (const n of walk.nodes) {
    out.push(`${n.label}: {`);
    g.indent = '    ';
    if (n.leaf.kind === 'cmp') cmpLeaf(g, n.leaf, n.t, n.f, n.a);
    else if (n.leaf.kind === 'in') inLeaf(g, n.leaf, n.t, n.f, n.a);
    else if (n.leaf.kind === 'chain')
      throw new Unsupported(
        'protochain',
        'protochain header walks are not written in the C form yet (the eBPF program and listings have them)',
      );
    else strLeaf(g, n.leaf, n.t, n.f, n.a);
    g.indent = '  ';
    out.push('  }');
  }
  out.push(`accept:`);
  line(g, `return (int)${o.onMatch >>> 0}U;`);
  out.push(`reject:`);
  line(g, `return (int)${o.onMiss >>> 0}U;`);
  out.push('}');
  out.push('');
  out.push('__attribute__((section("license"), used)) char _license[] = "GPL";');
  return `${out.join('\n')}\n`;
}
