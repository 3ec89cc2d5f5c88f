// The BPF lowering's walk of a decision DAG, shared by every BPF emitter (eBPF, cBPF, C): the internal nodes in
// emission order (topological, dag-order.ts), each with its leaf and the labels of its true, false and abort
// edges, and the node emitted after it (a jump there is a fall-through).
// Invariants: labels are `accept` (terminal 1), `reject` (terminals 0 and 2, and a missing abort edge: an abort
// rejects), `n<id>` for internal nodes; every edge goes to a later node or a terminal; the entry is the root's label.
import type { Dag, LeafPred } from '@tfc/ir';
import { topoOrder } from '../dag-order.ts';

export interface WalkNode {
  readonly id: number;
  readonly label: string;
  readonly leaf: LeafPred;
  /** Successor ids (terminals 0..2 included) of the true and false edges. */
  readonly tId: number;
  readonly fId: number;
  readonly t: string;
  readonly f: string;
  /** Where an abort (a read past the packet, a division by zero) in the leaf goes. */
  readonly a: string;
  /** The label placed right after this node's code. */
  readonly fall: string;
}

export interface DagWalk {
  readonly entry: string;
  /** Node ids in emission order. */
  readonly order: readonly number[];
  readonly nodes: readonly WalkNode[];
}

export function nodeLabel(u: number): string {
  return u === 1 ? 'accept' : u === 0 || u === 2 ? 'reject' : `n${u}`;
}

export function walkDag(dag: Dag): DagWalk {
  const order = topoOrder(dag);
  const nodes = order.map((id, k): WalkNode => {
    const n = dag.nodes[id - 3]!;
    return {
      id,
      label: nodeLabel(id),
      leaf: dag.leaves[n.leaf]!,
      tId: n.t,
      fId: n.f,
      t: nodeLabel(n.t),
      f: nodeLabel(n.f),
      a: nodeLabel(n.a ?? 2),
      fall: k + 1 < order.length ? nodeLabel(order[k + 1]!) : 'accept',
    };
  });
  return { entry: nodeLabel(dag.root), order, nodes };
}
