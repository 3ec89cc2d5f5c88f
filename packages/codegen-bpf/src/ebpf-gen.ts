// eBPF code generation from a decision DAG (tracepoint records, trace frames, packets and sk_buffs).
// Invariants:
//  - forward jumps only, except the back edges of the bounded loops over the per-CPU string buffer
//    (copy and substring search, at most 4,096 iterations, shaped so the verifier's pending-branch
//    stack stays constant; their verifier cost is budgeted, beyond it a diagnostic) and of the may_goto
//    loops over frame strings (ebpf/frame-string.ts) and protochain walks (ebpf/chain-leaf.ts): DAG nodes are emitted in topological order and
//    every other label is placed after the jumps that name it; no instruction is unreachable (the
//    emitter drops code after an unconditional jump until a referenced label revives it; a loop head is
//    referenced only when it is placed in live code);
//  - every packet byte is read only after a bounds check against data_end (tc/xdp) or through
//    bpf_skb_load_bytes whose failure is checked (socket): an out-of-bounds read takes the leaf's
//    abort edge, which ends in the miss return, as the IR's abort does;
//  - tracepoint ctx loads are at offsets >= 8 and naturally aligned; other record reads go through
//    bpf_probe_read_kernel into the stack; common_pid comes from bpf_get_current_pid_tgid,
//    common_type from the layout's constant, cpu from bpf_get_smp_processor_id, comm from
//    bpf_get_current_comm;
//  - compares take their jump opcodes and branch inversion from the IR's OPS table; widths 1/2 are
//    masked or sign-extended to 64 bits, width 4 uses JMP32, width 8 JMP;
//  - sets of `binarySearchMin`+ values become a binary search, smaller ones a chain of jeq;
//  - strings: char[N]/comm by unrolled byte compares and a compiled glob automaton; __data_loc /
//    __rel_loc (full, front, end; middle and glob via the buffer in tracepoints, by may_goto loops over
//    the packet in frames) byte by byte through
//    bpf_probe_read_kernel (tracepoint) or the packet (frames, the whole string bounds-checked
//    first); char * copied with
//    bpf_probe_read_{kernel,user}_str into a 1,024-byte per-CPU map value (full, front, end, middle);
//    a failed copy makes the leaf false regardless of negation;
//  - maps (set lookups, the string buffer) are referenced by name and listed in the result;
//  - ctx skb (skb/program.ts): the prologue copies the packet into a per-CPU record, the DAG reads it there (every
//    read guarded against the captured length, none at or past the snaplen) and the epilogue outputs the record;
//  - ctx tracepoint with `raw` (raw/program.ts): a tp_btf program; record loads come from the tracepoint's
//    arguments through the event's layout, and the epilogue builds and outputs the record of a kept hit;
//  - anything not supported yet raises Unsupported (a precise diagnostic), never wrong code.
//
// This module is the driver: prologue, the DAG's nodes in topological order (one leaf each, by kind: compare.ts,
// string-leaf.ts), the two returns. Loads are ebpf/loads.ts, expressions ebpf/expr.ts; the shared decisions
// (record and packet reads, string matchers, proven bounds) are the lowering's (lower/).
import { alu32, exit, type Insn, mem, mov, R0, R1, R6, R7, R8 } from '@tfc/bpf/ebpf';
import type { Dag } from '@tfc/ir';
import { chainLeaf } from './ebpf/chain-leaf.ts';
import { cmpLeaf, inLeaf } from './ebpf/compare.ts';
import { type EbpfGenOptions, newGen } from './ebpf/context.ts';
import { flushJa, goto, place, resolvedInsns } from './ebpf/emitter.ts';
import { strLeaf } from './ebpf/string-leaf.ts';
import { walkDag } from './lower/dag-walk.ts';
import { provenBounds } from './lower/proven-bounds.ts';
import type { MapDef } from './options.ts';
import { rawEpilogue, rawPrologue, rawRefusals } from './raw/program.ts';
import { skbEpilogue, skbPrologue } from './skb/program.ts';

export { type EbpfGenOptions, setMapName, zeroExtended } from './ebpf/context.ts';

export function genEbpf(dag: Dag, o: EbpfGenOptions): { insns: Insn[]; maps: MapDef[] } {
  const g = newGen(dag, o);
  // Prologue.
  if (o.skb !== undefined) skbPrologue(g, o.skb);
  else if (o.raw !== undefined) {
    rawRefusals(dag, o.raw);
    rawPrologue(g, o.raw);
  } else g.e(mov.reg(R6, R1));
  if (g.direct && o.skb === undefined) {
    const [d, de] = o.progType === 'xdp' ? [0, 4] : [76, 80];
    g.e(mem.ldx('w', R7, R6, d));
    g.e(mem.ldx('w', R8, R6, de));
  }
  const walk = walkDag(dag);
  goto(g.em, walk.entry);
  // Bounds proven on entry to each node (direct access only).
  const provenAt = g.direct ? provenBounds(dag, walk.order) : new Map<number, number>();
  // skb: shared values already stored on every path into a node (the intersection over its true/false in-edges of
  // what the predecessor had after its leaf; an abort edge carries what it had before)
  const availOut = new Map<number, ReadonlySet<number>>();
  const availIn = new Map<number, Set<number>>();
  const meet = (to: number, s: ReadonlySet<number>) => {
    const cur = availIn.get(to);
    if (cur === undefined) availIn.set(to, new Set(s));
    else for (const v of cur) if (!s.has(v)) cur.delete(v);
  };
  for (const n of walk.nodes) {
    g.fallLabel = n.fall;
    g.checked = provenAt.get(n.id) ?? 0;
    place(g.em, n.label);
    g.depth = 0;
    g.refSlots.clear();
    const before = availIn.get(n.id) ?? new Set<number>();
    for (const v of before) g.refSlots.set(v, -1);
    if (n.leaf.kind === 'cmp') cmpLeaf(g, n.leaf, n.t, n.f, n.a);
    else if (n.leaf.kind === 'in') inLeaf(g, n.leaf, n.t, n.f, n.a);
    else if (n.leaf.kind === 'chain') chainLeaf(g, n.leaf, n.t, n.f, n.a);
    else strLeaf(g, n.leaf, n.t, n.f, n.a);
    if (g.buffer !== undefined) {
      const after = new Set(g.refSlots.keys());
      availOut.set(n.id, after);
      meet(n.tId, after);
      meet(n.fId, after);
      const ab = dag.nodes[n.id - 3]?.a;
      if (ab !== undefined && ab !== null) meet(ab, before);
    }
  }
  if (o.skb !== undefined) skbEpilogue(g, o.skb);
  else if (o.raw !== undefined) rawEpilogue(g, o.raw);
  else {
    place(g.em, 'accept');
    g.e(alu32.mov.imm(R0, o.onMatch | 0));
    g.e(exit());
    g.em.dead = true;
    place(g.em, 'reject');
    g.e(alu32.mov.imm(R0, o.onMiss | 0));
    g.e(exit());
  }
  flushJa(g.em);
  return { insns: resolvedInsns(g.em), maps: g.maps };
}
