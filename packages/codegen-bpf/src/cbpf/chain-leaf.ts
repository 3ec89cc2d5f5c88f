// Classic BPF protochain walks (the IR's `chain` leaf, @tfc/ir chain.ts) unrolled CBPF_CHAIN_DEPTH steps: classic
// BPF jumps only forward (the kernel refuses libpcap's backward `ja`), so each step is its own code, and the code is
// linear in the depth (about 22 instructions a step for ip6, 10 for ip). A walk that reaches the protocol within
// CBPF_CHAIN_DEPTH extension headers decides as libpcap; one still going after them aborts (the program returns 0,
// the packet is rejected) where libpcap and the IR walk on (up to the leaf's bound) — the documented cBPF limit.
// Invariants: A and X are libpcap's registers (A = next header, X = its offset from the network header), one M[]
// temporary holds A while X is advanced; both bytes of a step are read before the next test (an out-of-bounds
// `ld_ind` ends the program with 0: the IR's abort, the caller having made the miss value 0).
import type { ChainPred } from '@tfc/ir';
import { CHAIN_AH_PROTO, CHAIN_EXT6 } from '@tfc/ir';
import { type CbpfGen, checkAccess, ldb, slot } from './context.ts';

/** Extension headers a classic walk steps over before it gives up (rejects). */
export const CBPF_CHAIN_DEPTH = 32;

/** A = P[net + X] (kept in M[m]); X = the next header's offset; A = M[m]. */
function advance(g: CbpfGen, p: ChainPred, m: number, ah: boolean) {
  const n = p.net;
  g.ins({ kind: 'ld_ind', size: 'b', offset: n });
  g.ins({ kind: 'st', index: m });
  g.ins({ kind: 'ld_ind', size: 'b', offset: n + 1 });
  g.ins({ kind: 'alu_k', op: 'add', value: ah ? 2 : 1 });
  g.ins({ kind: 'alu_k', op: 'lsh', value: ah ? 2 : 3 });
  if (!ah || p.ah === 'advance') g.ins({ kind: 'alu_x', op: 'add' });
  g.ins({ kind: 'tax' });
  g.ins({ kind: 'ld_mem', index: m });
}

/** The `chain` leaf: true → t, false → f; a walk longer than CBPF_CHAIN_DEPTH aborts. */
export function chainLeaf(g: CbpfGen, p: ChainPred, t: string, f: string): void {
  const n = p.net;
  const first = n + (p.family === 'ip' ? 9 : 6);
  // a start past MAX_PKT_OFF aborts on every packet (as every later read would)
  if (!checkAccess(g, first, 1)) return;
  const m = slot(g);
  ldb(g, first);
  if (p.family === 'ip') g.ins({ kind: 'ldx_msh', offset: n });
  else g.ins({ kind: 'ldx_imm', value: 40 });
  const depth = Math.min(CBPF_CHAIN_DEPTH, p.bound);
  for (let k = 0; k <= depth; k++) {
    const last = k === depth;
    const ext = g.fresh();
    const ah = g.fresh();
    const next = g.fresh();
    const no = last ? g.abort : ah;
    let here = g.fresh();
    g.jk('jeq', p.proto, t, here);
    if (p.family === 'ip6')
      for (const x of CHAIN_EXT6) {
        g.place(here);
        here = g.fresh();
        g.jk('jeq', x, last ? g.abort : ext, here);
      }
    g.place(here);
    g.jk('jeq', CHAIN_AH_PROTO, no, f);
    if (last) break;
    if (p.family === 'ip6') {
      g.place(ext);
      advance(g, p, m, false);
      g.goto(next);
    }
    g.place(ah);
    advance(g, p, m, true);
    g.place(next);
  }
  g.depth--;
}
