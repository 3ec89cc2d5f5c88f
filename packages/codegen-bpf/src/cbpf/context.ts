// The classic generator's state and its smallest shared pieces: the labelled item list the code passes and the
// layout read (cbpf-opt.ts Item), fresh labels, M[] words for temporaries (from M[0] up) and for cached shared
// values (from the top down), single-byte packet loads.
// Invariants: one CbpfGen per generated program; `depth` words of M[] hold temporaries and never reach `cacheTop`;
// `avail` holds the shared values whose word is filled on every path to the code being emitted; the abort label
// is the miss return (cBPF aborts return 0, which the caller made the miss value).
import type { Insn, JmpCond, Size } from '@tfc/bpf/cbpf';
import type { Dag, Expr, Width } from '@tfc/ir';
import type { Item } from '../cbpf-opt.ts';
import { baseOffset, MAX_PKT_OFF } from '../lower/access.ts';
import { Unsupported } from '../options.ts';
import { registerNeed } from '../register-need.ts';

export interface CbpfGenOptions {
  readonly onMatch: number;
  readonly onMiss: number;
  readonly binarySearchMin: number;
  /** Run the code passes of cbpf-opt.ts (CBPF_PASSES) before layout (default true). */
  readonly codePasses?: boolean;
}

export const MEMWORDS = 16;

export interface CbpfGen {
  readonly dag: Dag;
  readonly o: CbpfGenOptions;
  readonly items: Item[];
  /** Where aborting code goes: the miss return. */
  readonly abort: string;
  /** M[] words kept for temporaries while shared values are cached (undefined: no caching). */
  readonly reserve: number | undefined;
  /** M[] words an expression needs (Sethi-Ullman number); memoised per node object. */
  readonly need: (x: Expr) => number;
  readonly fresh: () => string;
  readonly ins: (insn: Insn) => void;
  readonly jk: (cond: JmpCond, k: number, jt: string, jf: string) => void;
  readonly jx: (cond: JmpCond, jt: string, jf: string) => void;
  readonly goto: (target: string) => void;
  readonly place: (name: string) => void;
  depth: number;
  /** M[cacheTop..15] hold shared values; temporaries stay under cacheTop. */
  cacheTop: number;
  /** Shared values whose M[] word is filled on every path to the code being emitted. */
  avail: Set<number>;
  /** Shared values worth a word (shared-values.ts sharedValues). */
  cacheable: ReadonlySet<number>;
  readonly cacheSlot: Map<number, number>;
  /** Words of values no later node uses, free for others; such a value is never cached again. */
  readonly freeSlots: number[];
  readonly retired: Set<number>;
  /** Index (in emission order) of the node being emitted, and the last node that read each shared value. */
  nodeIndex: number;
  readonly touched: Map<number, number>;
}

export function newCbpfGen(dag: Dag, o: CbpfGenOptions, reserve: number | undefined): CbpfGen {
  const items: Item[] = [];
  let next = 0;
  return {
    dag,
    o,
    items,
    abort: 'reject',
    reserve,
    need: registerNeed(dag),
    fresh: () => `l${next++}`,
    ins: (insn) => items.push({ op: 'insn', insn }),
    jk: (cond, k, jt, jf) => items.push({ op: 'jmp', cond, src: 'k', k: k >>> 0, jt, jf }),
    jx: (cond, jt, jf) => items.push({ op: 'jmp', cond, src: 'x', k: 0, jt, jf }),
    goto: (target) => items.push({ op: 'ja', target }),
    place: (name) => items.push({ op: 'label', name }),
    depth: 0,
    cacheTop: MEMWORDS,
    avail: new Set(),
    cacheable: new Set(),
    cacheSlot: new Map(),
    freeSlots: [],
    retired: new Set(),
    nodeIndex: 0,
    touched: new Map(),
  };
}

export const COMMUTATIVE: ReadonlySet<string> = new Set(['add', 'mul', 'and', 'or', 'xor']);

export function slot(g: CbpfGen): number {
  if (g.depth >= g.cacheTop)
    throw new Unsupported('expr-depth', `expression needs more than ${MEMWORDS} M[] words`);
  return g.depth++;
}

export function absOff(base: string, off: number): number {
  return off + baseOffset(base);
}

export function size(w: 1 | 2 | 4): Size {
  return w === 1 ? 'b' : w === 2 ? 'h' : 'w';
}

export function ldb(g: CbpfGen, k: number) {
  return g.ins({ kind: 'ld_abs', size: 'b', base: 'packet', offset: k });
}

/** A = little-endian value of bytes [k, k+n) (n = 2 or 4); highest byte loaded first. */
export function leBytes(g: CbpfGen, k: number, n: 2 | 4) {
  ldb(g, k + n - 1);
  g.ins({ kind: 'alu_k', op: 'lsh', value: 8 * (n - 1) });
  for (let i = n - 2; i >= 0; i--) {
    g.ins({ kind: 'tax' });
    ldb(g, k + i);
    if (i > 0) g.ins({ kind: 'alu_k', op: 'lsh', value: 8 * i });
    g.ins({ kind: 'alu_x', op: 'or' });
  }
}

export function checkAccess(g: CbpfGen, k: number, n: number) {
  if (k + n > MAX_PKT_OFF) {
    g.goto(g.abort);
    return false;
  }
  return true;
}

export function maskOf(w: Width) {
  return w === 1 ? 0xff : w === 2 ? 0xffff : 0xffffffff;
}

export function signBit(w: Width) {
  return w === 1 ? 0x80 : w === 2 ? 0x8000 : 0x80000000;
}
