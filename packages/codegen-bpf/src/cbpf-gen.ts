// Classic BPF code generation from a decision DAG (trace frames and packets, socket filters).
// Invariants:
//  - the DAG must be abortSafe: cBPF ends the program with 0 on an out-of-bounds load or a division
//    by X == 0, which is the IR's abort only when the miss value is 0 (the caller checks both);
//  - A holds the low 32 bits of a value, a 64-bit value is handled as two 32-bit halves (hi, lo);
//    little-endian record fields are assembled from byte loads, highest byte first, so the first
//    load is the one that runs out of the packet; X and M[] are temporaries; shared values (refs, and
//    subexpressions that occur more than once) may live in M[] words taken from the top, stored where they are
//    first computed and reloaded only where that store ran on every path (availability over the DAG) and the
//    word is not reused yet; the program with caching is kept only when it is shorter than the one without and
//    passes the kernel's scratch-memory check;
//  - signed compares use sign-bias (x ^ sign bit of the width) on the masked values; jump opcodes
//    and inversion come from the IR's OPS table (cbpf column);
//  - jumps are forward only; conditional targets farther than 255 instructions go through shared `ja`
//    islands placed as far ahead as reach allows, else `ja` trampolines right after the jump (iterated to a
//    fixpoint, each jump expanded at most once);
//  - unsupported features raise Unsupported (a precise diagnostic), never wrong code.
import type { Insn, JmpCond, RawInsn, Size } from '@tfc/bpf/cbpf';
import { toRaw, validate } from '@tfc/bpf/cbpf';
import type { Dag, Expr, LeafPred, StrPred, Width } from '@tfc/ir';
import { FRAME_RECORD_OFFSET, OPS } from '@tfc/ir';
import { ARITH_ALU } from './arith-ops.ts';
import { type Item, optimizeItems } from './cbpf-opt.ts';
import { topoOrder } from './dag-order.ts';
import { type GlobNext, globAutomaton, MAX_GLOB_STATES } from './glob-automaton.ts';
import { Unsupported } from './options.ts';
import { registerNeed } from './register-need.ts';

export interface CbpfGenOptions {
  readonly onMatch: number;
  readonly onMiss: number;
  readonly binarySearchMin: number;
  /** Run the code passes of cbpf-opt.ts (CBPF_PASSES) before layout (default true). */
  readonly codePasses?: boolean;
}

const MEMWORDS = 16;
const MAX_PKT_OFF = 0xffff;

function intersect(a: ReadonlySet<number>, b: ReadonlySet<number>): Set<number> {
  const out = new Set<number>();
  for (const v of a) if (b.has(v)) out.add(v);
  return out;
}

/** Longest structural key `shareSubtrees` builds; larger subtrees are left as they are. */
const MAX_SHARE_KEY = 1 << 16;

/** The DAG with every non-trivial subexpression that occurs more than once (in leaves and value definitions,
 *  compared structurally, shared values by id) turned into a shared value of its own, so the cache below computes
 *  it once: pcap's unrolled `protochain` repeats each header offset in several loads. Same semantics: a shared
 *  value is its definition. */
function shareSubtrees(dag: Dag): Dag {
  const keyOf = new Map<Expr, string | null>();
  const key = (x: Expr): string | null => {
    const hit = keyOf.get(x);
    if (hit !== undefined) return hit;
    let k: string | null;
    switch (x.kind) {
      case 'const':
        k = `#${x.value}`;
        break;
      case 'len':
        k = 'len';
        break;
      case 'ref':
        k = `%${x.id}`;
        break;
      case 'pseudo':
        k = `@${x.name}`;
        break;
      case 'neg': {
        const a = key(x.arg);
        k = a === null ? null : `(neg ${a})`;
        break;
      }
      case 'arith': {
        const l = key(x.left);
        const r = key(x.right);
        k = l === null || r === null ? null : `(${x.op} ${l} ${r})`;
        break;
      }
      case 'load': {
        const off = typeof x.offset === 'number' ? `${x.offset}` : key(x.offset);
        k = off === null ? null : `[${x.base} ${off} ${x.width}${x.order}${x.signed ? 's' : 'u'}]`;
        break;
      }
    }
    if (k !== null && k.length > MAX_SHARE_KEY) k = null;
    keyOf.set(x, k);
    return k;
  };
  const trivial = (x: Expr) =>
    x.kind === 'const' ||
    x.kind === 'len' ||
    x.kind === 'ref' ||
    x.kind === 'pseudo' ||
    (x.kind === 'load' && typeof x.offset === 'number');
  const counts = new Map<string, number>();
  const visit = (x: Expr): void => {
    if (trivial(x)) return;
    const k = key(x);
    if (k === null) return;
    const c = (counts.get(k) ?? 0) + 1;
    counts.set(k, c);
    if (c > 1) return; // its parts were counted at the first occurrence
    if (x.kind === 'arith') {
      visit(x.left);
      visit(x.right);
    } else if (x.kind === 'neg') visit(x.arg);
    else if (x.kind === 'load' && typeof x.offset !== 'number') visit(x.offset);
  };
  for (const v of dag.values) visit(v.expr);
  for (const l of dag.leaves) {
    if (l.kind === 'cmp') {
      visit(l.left);
      visit(l.right);
    } else if (l.kind === 'in') visit(l.value);
  }
  const values = [...dag.values];
  const idOf = new Map<string, number>();
  const rewritten = new Map<Expr, Expr>();
  const rewrite = (x: Expr): Expr => {
    if (trivial(x)) return x;
    const done = rewritten.get(x);
    if (done !== undefined) return done;
    const k = key(x);
    const shared = k !== null && (counts.get(k) ?? 0) > 1;
    if (shared) {
      const id = idOf.get(k);
      if (id !== undefined) return { kind: 'ref', id };
    }
    let y: Expr = x;
    if (x.kind === 'arith') y = { ...x, left: rewrite(x.left), right: rewrite(x.right) };
    else if (x.kind === 'neg') y = { ...x, arg: rewrite(x.arg) };
    else if (x.kind === 'load' && typeof x.offset !== 'number') y = { ...x, offset: rewrite(x.offset) };
    if (shared) {
      const id = values.length;
      values.push({ id, expr: y });
      idOf.set(k, id);
      y = { kind: 'ref', id };
    }
    rewritten.set(x, y);
    return y;
  };
  if (![...counts.values()].some((c) => c > 1)) return dag;
  const own = dag.values.map((v) => ({ ...v, expr: rewrite(v.expr) }));
  const leaves = dag.leaves.map((l): LeafPred => {
    if (l.kind === 'cmp') return { ...l, left: rewrite(l.left), right: rewrite(l.right) };
    if (l.kind === 'in') return { ...l, value: rewrite(l.value) };
    return l;
  });
  return { ...dag, values: [...own, ...values.slice(dag.values.length)], leaves };
}

/** For each cacheable value, the index in `order` of the last node whose leaf needs it (directly or through the
 *  definitions of other values). */
function lastUses(dag: Dag, order: readonly number[], cacheable: ReadonlySet<number>): Map<number, number> {
  const closure = new Map<number, ReadonlySet<number>>();
  const refsOf = (x: Expr, into: Set<number>): void => {
    switch (x.kind) {
      case 'ref': {
        if (into.has(x.id)) return;
        into.add(x.id);
        let c = closure.get(x.id);
        if (c === undefined) {
          const inner = new Set<number>();
          const d = dag.values[x.id];
          if (d !== undefined) refsOf(d.expr, inner);
          closure.set(x.id, inner);
          c = inner;
        }
        for (const v of c) into.add(v);
        return;
      }
      case 'arith':
        refsOf(x.left, into);
        refsOf(x.right, into);
        return;
      case 'neg':
        refsOf(x.arg, into);
        return;
      case 'load':
        if (typeof x.offset !== 'number') refsOf(x.offset, into);
        return;
      default:
        return;
    }
  };
  const last = new Map<number, number>();
  order.forEach((id, k) => {
    const l = dag.leaves[dag.nodes[id - 3]!.leaf]!;
    const refs = new Set<number>();
    if (l.kind === 'cmp') {
      refsOf(l.left, refs);
      refsOf(l.right, refs);
    } else if (l.kind === 'in') refsOf(l.value, refs);
    for (const v of refs) if (cacheable.has(v)) last.set(v, k);
  });
  return last;
}

/** Shared values worth a word of M[]: u32-valued, used at least twice (in leaves and in other values' definitions),
 *  and dearer than the one instruction a reload costs (not a constant, the length, or a load at a fixed offset
 *  that is one ld_abs). */
function sharedValues(dag: Dag, u32Valued: (x: Expr) => boolean): Set<number> {
  const uses = new Map<number, number>();
  const count = (x: Expr): void => {
    switch (x.kind) {
      case 'ref':
        uses.set(x.id, (uses.get(x.id) ?? 0) + 1);
        return;
      case 'arith':
        count(x.left);
        count(x.right);
        return;
      case 'neg':
        count(x.arg);
        return;
      case 'load':
        if (typeof x.offset !== 'number') count(x.offset);
        return;
      default:
        return;
    }
  };
  for (const v of dag.values) count(v.expr);
  for (const l of dag.leaves) {
    if (l.kind === 'cmp') {
      count(l.left);
      count(l.right);
    } else if (l.kind === 'in') count(l.value);
  }
  const out = new Set<number>();
  for (const v of dag.values) {
    const e = v.expr;
    const oneLoad =
      e.kind === 'const' ||
      e.kind === 'len' ||
      (e.kind === 'load' &&
        typeof e.offset === 'number' &&
        e.base !== 'record' &&
        e.width <= 4 &&
        (e.order === 'be' || e.width === 1) &&
        !e.signed);
    if ((uses.get(v.id) ?? 0) >= 2 && !oneLoad && u32Valued({ kind: 'ref', id: v.id })) out.add(v.id);
  }
  return out;
}

export function genCbpf(dag: Dag, o: CbpfGenOptions): RawInsn[] {
  // Shared values in M[] may leave too few words for an expression's temporaries: keep more words free, at last
  // recompute every shared value where it is used.
  // A value's word is freed after the last node that reads it; the first round bounds that by the leaves'
  // transitive references, later rounds by the reads the previous round made (a value read after its word was
  // freed is recomputed, never reloaded: any bound is safe). The shortest program wins.
  // Recomputing is kept where it is shorter (a reload and a store can cost more than a load the code passes
  // reuse from a register).
  // A cached program must also pass the kernel's scratch-memory check, whose linear walk is more conservative than
  // availability (it carries what a `ret` had into the next instruction).
  // Without caching the expressions are re-expanded at every use: generated only while their unfolded size stays
  // small (a header walk unfolds exponentially), and always as the last resort.
  const plain = () => generate(dag, o, undefined, undefined).prog;
  let best: RawInsn[] | undefined = unfoldedSize(dag) <= MAX_UNFOLDED ? plain() : undefined;
  const better = (p: RawInsn[]) => (best === undefined || p.length < best.length) && validate(p).length === 0;
  for (const reserve of [4, 8, 12]) {
    try {
      let lastUse: ReadonlyMap<number, number> | undefined;
      let prev = Number.POSITIVE_INFINITY;
      for (let round = 0; round < 3; round++) {
        const r = generate(dag, o, reserve, lastUse);
        if (r.shared === 0) break;
        if (better(r.prog)) best = r.prog;
        if (r.prog.length >= prev) break;
        prev = r.prog.length;
        lastUse = r.touched;
      }
      return best ?? plain();
    } catch (e) {
      if (!(e instanceof Unsupported && e.code === 'expr-depth')) throw e;
    }
  }
  return best ?? plain();
}

/** Unfolded expression size (shared values expanded at every use) above which the program without caching is not
 *  even generated unless nothing else works. */
const MAX_UNFOLDED = 20_000;

/** Nodes of the leaves' expressions with every shared value expanded where it is used (memoised: linear time). */
function unfoldedSize(dag: Dag): number {
  const memo = new Map<number, number>();
  const size = (x: Expr): number => {
    switch (x.kind) {
      case 'ref': {
        const hit = memo.get(x.id);
        if (hit !== undefined) return hit;
        const d = dag.values[x.id];
        const n = d === undefined ? 1 : Math.min(size(d.expr), 1e9);
        memo.set(x.id, n);
        return n;
      }
      case 'arith':
        return 1 + size(x.left) + size(x.right);
      case 'neg':
        return 1 + size(x.arg);
      case 'load':
        return typeof x.offset === 'number' ? 1 : 1 + size(x.offset);
      default:
        return 1;
    }
  };
  let n = 0;
  for (const l of dag.leaves)
    if (l.kind === 'cmp') n += size(l.left) + size(l.right);
    else if (l.kind === 'in') n += size(l.value);
    else n += 1;
  return n;
}

/** `reserve`: M[] words kept for temporaries while shared values are cached (undefined: no caching). */
function generate(
  dag0: Dag,
  o: CbpfGenOptions,
  reserve: number | undefined,
  lastUseHint: ReadonlyMap<number, number> | undefined,
): { prog: RawInsn[]; touched: Map<number, number>; shared: number } {
  const cache = reserve !== undefined;
  const dag = cache ? shareSubtrees(dag0) : dag0;
  const items: Item[] = [];
  let next = 0;
  let depth = 0;
  /** M[cacheTop..15] hold shared values (below); temporaries stay under cacheTop. */
  let cacheTop = MEMWORDS;
  /** Shared values whose M[] word is filled on every path to the code being emitted. */
  let avail = new Set<number>();
  const fresh = () => `l${next++}`;
  const ins = (insn: Insn) => items.push({ op: 'insn', insn });
  const jk = (cond: JmpCond, k: number, jt: string, jf: string) =>
    items.push({ op: 'jmp', cond, src: 'k', k: k >>> 0, jt, jf });
  const jx = (cond: JmpCond, jt: string, jf: string) =>
    items.push({ op: 'jmp', cond, src: 'x', k: 0, jt, jf });
  const goto = (target: string) => items.push({ op: 'ja', target });
  const place = (name: string) => items.push({ op: 'label', name });
  const abort = 'reject';

  const slot = (): number => {
    if (depth >= cacheTop)
      throw new Unsupported('expr-depth', `expression needs more than ${MEMWORDS} M[] words`);
    return depth++;
  };

  const absOff = (base: string, off: number): number => off + (base === 'frame' ? FRAME_RECORD_OFFSET : 0);
  const size = (w: 1 | 2 | 4): Size => (w === 1 ? 'b' : w === 2 ? 'h' : 'w');
  const ldb = (k: number) => ins({ kind: 'ld_abs', size: 'b', base: 'packet', offset: k });

  /** A = little-endian value of bytes [k, k+n) (n = 2 or 4); highest byte loaded first. */
  const leBytes = (k: number, n: 2 | 4) => {
    ldb(k + n - 1);
    ins({ kind: 'alu_k', op: 'lsh', value: 8 * (n - 1) });
    for (let i = n - 2; i >= 0; i--) {
      ins({ kind: 'tax' });
      ldb(k + i);
      if (i > 0) ins({ kind: 'alu_k', op: 'lsh', value: 8 * i });
      ins({ kind: 'alu_x', op: 'or' });
    }
  };

  const checkAccess = (k: number, n: number) => {
    if (k + n > MAX_PKT_OFF) {
      goto(abort);
      return false;
    }
    return true;
  };

  const u32Valued = (x: Expr): boolean => {
    switch (x.kind) {
      case 'const':
        return x.value <= 0xffffffffn;
      case 'load':
        return !x.signed && x.width <= 4;
      case 'arith':
      case 'neg':
      case 'len':
        return true;
      case 'ref': {
        const d = dag.values[x.id];
        return d !== undefined && u32Valued(d.expr);
      }
      case 'pseudo':
        return false;
    }
  };

  type Load = Extract<Expr, { kind: 'load' }>;
  const deref = (x: Expr): Expr => {
    let e = x;
    while (e.kind === 'ref') {
      const d = dag.values[e.id];
      if (d === undefined) throw new Unsupported('ref', `unknown value %${e.id}`);
      e = d.expr;
    }
    return e;
  };

  /** Largest u32 value x can take (2^32 - 1 when unknown). */
  const maxOf = (x0: Expr): number => {
    const x = deref(x0);
    const U = 0xffffffff;
    switch (x.kind) {
      case 'const':
        return x.value <= BigInt(U) ? Number(x.value) : U;
      case 'load':
        return x.signed || x.width > 4 ? U : 2 ** (8 * x.width) - 1;
      case 'len':
        return U;
      case 'arith': {
        const r = deref(x.right);
        const a = maxOf(x.left);
        const b = maxOf(x.right);
        const cap = (v: number) => Math.min(v, U);
        switch (x.op) {
          case '&':
            return Math.min(a, b);
          case '+':
            return cap(a + b);
          case '*':
            return cap(a * b);
          case '<<':
            return r.kind === 'const' && r.value < 32n ? cap(a * 2 ** Number(r.value)) : U;
          case '>>':
            return r.kind === 'const' ? (r.value < 32n ? Math.floor(a / 2 ** Number(r.value)) : 0) : a;
          case '/':
            return a;
          case '%':
            return r.kind === 'const' && r.value > 0n ? Math.min(a, b - 1) : a;
          default:
            return U;
        }
      }
      default:
        return U;
    }
  };

  /** offset = rest + k (u32), constants pulled out of a `+` chain; rest null when the offset is constant. */
  const splitOffset = (x: Expr): { rest: Expr | null; k: number } => {
    let k = 0;
    const terms: Expr[] = [];
    const walk = (e0: Expr) => {
      if (e0.kind === 'ref' && cacheable.has(e0.id)) {
        terms.push(e0);
        return;
      }
      const e = deref(e0);
      if (e.kind === 'arith' && e.op === '+') {
        walk(e.left);
        walk(e.right);
      } else if (e.kind === 'const') k = (k + Number(e.value & 0xffffffffn)) >>> 0;
      else terms.push(e0);
    };
    walk(x);
    if (terms.length === 0) return { rest: null, k };
    const rest = terms
      .slice(1)
      .reduce<Expr>((l, r) => ({ kind: 'arith', op: '+', left: l, right: r }), terms[0]!);
    return { rest, k };
  };

  /** k when x is 4 * (P[k:1] & 0xf), what `ldx 4*([k]&0xf)` loads (the IPv4 header length idiom). */
  const mshOffset = (x0: Expr): number | undefined => {
    const x = deref(x0);
    if (x.kind !== 'arith') return undefined;
    const r = deref(x.right);
    let inner: Expr | undefined;
    if (x.op === '<<' && r.kind === 'const' && r.value === 2n) inner = deref(x.left);
    else if (x.op === '*' && r.kind === 'const' && r.value === 4n) inner = deref(x.left);
    if (inner === undefined || inner.kind !== 'arith' || inner.op !== '&') return undefined;
    const m = deref(inner.right);
    const l = deref(inner.left);
    if (m.kind !== 'const' || m.value !== 15n) return undefined;
    if (l.kind !== 'load' || l.width !== 1 || l.signed || typeof l.offset !== 'number' || l.base === 'record')
      return undefined;
    const k = absOff(l.base, l.offset);
    return k + 1 <= MAX_PKT_OFF ? k : undefined;
  };

  const loadLo = (x: Load) => {
    if (x.base === 'record') throw new Unsupported('base', 'record loads need --ctx tracepoint (eBPF)');
    const w = x.width;
    if (typeof x.offset !== 'number') {
      if ((x.order !== 'be' && w !== 1) || w === 8)
        throw new Unsupported(
          'computed-offset',
          'cBPF supports computed offsets for big-endian loads of 1/2/4 bytes only',
        );
      if (!u32Valued(x.offset))
        throw new Unsupported('computed-offset', 'computed offset may exceed 32 bits');
      const { rest, k } = splitOffset(x.offset);
      const kAbs = absOff(x.base, k);
      if (rest === null) {
        if (!checkAccess(kAbs, w)) return;
        ins({ kind: 'ld_abs', size: size(w), base: 'packet', offset: kAbs });
      } else if (maxOf(rest) + kAbs <= MAX_PKT_OFF) {
        // X + k cannot leave [0, 0xffff]: no range check, and the constant rides in the load.
        const msh = mshOffset(rest);
        if (msh !== undefined) ins({ kind: 'ldx_msh', offset: msh });
        else {
          lo(rest);
          ins({ kind: 'tax' });
        }
        ins({ kind: 'ld_ind', size: size(w), offset: kAbs });
      } else {
        lo(x.offset);
        const ok = fresh();
        jk('jgt', MAX_PKT_OFF, abort, ok);
        place(ok);
        ins({ kind: 'tax' });
        ins({ kind: 'ld_ind', size: size(w), offset: absOff(x.base, 0) });
      }
    } else {
      const k = absOff(x.base, x.offset);
      if (!checkAccess(k, w)) return;
      if (w === 8) {
        if (x.order === 'be') ins({ kind: 'ld_abs', size: 'w', base: 'packet', offset: k + 4 });
        else {
          ldb(k + 7);
          leBytes(k, 4);
        }
        return;
      }
      if (x.order === 'be' || w === 1) ins({ kind: 'ld_abs', size: size(w), base: 'packet', offset: k });
      else leBytes(k, w);
    }
    if (x.signed && w < 4) {
      const neg = fresh();
      const done = fresh();
      jk('jset', w === 1 ? 0x80 : 0x8000, neg, done);
      place(neg);
      ins({ kind: 'alu_k', op: 'or', value: w === 1 ? 0xffffff00 : 0xffff0000 });
      place(done);
    }
  };

  const ALU = ARITH_ALU;

  const COMMUTATIVE: ReadonlySet<string> = new Set(['add', 'mul', 'and', 'or', 'xor']);
  /** M[] words an expression needs (Sethi-Ullman number); memoised per node object. */
  const need = registerNeed(dag);

  // Shared values (`ref`) used more than once and dearer than one load are computed once into an M[] word, taken
  // from the top (temporaries grow from M[0]), and reloaded where that computation is known to have run: on every
  // path into the node (availability, intersected over the DAG's t/f edges, nodes emitted in topological order) or
  // earlier in the same leaf (a leaf's expression code is straight-line up to its jump; its inner diamonds rejoin
  // before any value is stored). A reload never hides an abort: the load that could fail already succeeded there.
  const cacheable = cache ? sharedValues(dag, u32Valued) : new Set<number>();
  // nothing worth caching: the caller keeps the program without
  if (cache && cacheable.size === 0) return { prog: [], touched: new Map(), shared: 0 };
  const cacheSlot = new Map<number, number>();
  /** Words of values no later node uses, free for others; such a value is never cached again (stale entries of
   *  `avail` then name no word). */
  const freeSlots: number[] = [];
  const retired = new Set<number>();
  /** Index (in emission order) of the node being emitted, and the last node that read each shared value. */
  let nodeIndex = 0;
  const touched = new Map<number, number>();

  /** A = low 32 bits of x (aborting loads end the program with 0). */
  const lo = (x: Expr): void => {
    switch (x.kind) {
      case 'const':
        ins({ kind: 'ld_imm', value: Number(x.value & 0xffffffffn) });
        return;
      case 'ref': {
        const d = dag.values[x.id];
        if (d === undefined) throw new Unsupported('ref', `unknown value %${x.id}`);
        touched.set(x.id, nodeIndex);
        const cached = cacheSlot.get(x.id);
        if (cached !== undefined && avail.has(x.id)) {
          ins({ kind: 'ld_mem', index: cached });
          return;
        }
        lo(d.expr);
        if (!cacheable.has(x.id) || retired.has(x.id)) return;
        let s = cached;
        if (s === undefined) {
          s = freeSlots.pop();
          if (s === undefined && cacheTop - 1 >= depth + (reserve ?? MEMWORDS)) s = --cacheTop;
          if (s !== undefined) cacheSlot.set(x.id, s);
        }
        if (s !== undefined) {
          ins({ kind: 'st', index: s });
          avail.add(x.id);
        }
        return;
      }
      case 'pseudo':
        throw new Unsupported('pseudo', `pseudo-field ${x.name} is not available to classic BPF`);
      case 'len':
        ins({ kind: 'ld_len' });
        return;
      case 'load':
        loadLo(x);
        return;
      case 'neg':
        lo(x.arg);
        ins({ kind: 'neg' });
        return;
      case 'arith': {
        const op = ALU[x.op];
        if (x.left.kind === 'const' && x.right.kind !== 'const' && COMMUTATIVE.has(op)) {
          lo({ ...x, left: x.right, right: x.left });
          return;
        }
        // e op 4*(P[k]&0xf): the header length straight into X (`ldx 4*([k]&0xf)`), no word of M[]; shifts keep
        // their >= 32 test below
        if (op !== 'lsh' && op !== 'rsh') {
          const mr = mshOffset(x.right);
          const ml = mr === undefined && COMMUTATIVE.has(op) ? mshOffset(x.left) : undefined;
          if (mr !== undefined || ml !== undefined) {
            lo(mr !== undefined ? x.left : x.right);
            ins({ kind: 'ldx_msh', offset: (mr ?? ml)! });
            ins({ kind: 'alu_x', op });
            return;
          }
        }
        if (x.left.kind === 'const' && x.right.kind !== 'const' && op === 'sub') {
          // c - e = -e + c (u32): no word of M[] for the constant
          lo(x.right);
          ins({ kind: 'neg' });
          const c = Number(x.left.value & 0xffffffffn);
          if (c !== 0) ins({ kind: 'alu_k', op: 'add', value: c });
          return;
        }
        if (x.right.kind === 'const') {
          const k = Number(x.right.value & 0xffffffffn);
          lo(x.left);
          if ((op === 'div' || op === 'mod') && k === 0) goto(abort);
          else if ((op === 'lsh' || op === 'rsh') && k >= 32) ins({ kind: 'ld_imm', value: 0 });
          else ins({ kind: 'alu_k', op, value: k });
          return;
        }
        if (COMMUTATIVE.has(op) && need(x.right) > need(x.left)) {
          lo(x.right);
          const s = slot();
          ins({ kind: 'st', index: s });
          lo(x.left);
          ins({ kind: 'ldx_mem', index: s });
          ins({ kind: 'alu_x', op });
          depth--;
          return;
        }
        lo(x.left);
        const s = slot();
        ins({ kind: 'st', index: s });
        lo(x.right);
        ins({ kind: 'tax' });
        if (op === 'lsh' || op === 'rsh') {
          const big = fresh();
          const small = fresh();
          const done = fresh();
          jk('jge', 32, big, small);
          place(small);
          ins({ kind: 'ld_mem', index: s });
          ins({ kind: 'alu_x', op });
          goto(done);
          place(big);
          ins({ kind: 'ld_imm', value: 0 });
          place(done);
        } else {
          ins({ kind: 'ld_mem', index: s });
          ins({ kind: 'alu_x', op });
        }
        depth--;
        return;
      }
    }
  };

  /** A = high 32 bits of x's 64-bit value. */
  const hi = (x: Expr): void => {
    switch (x.kind) {
      case 'const':
        ins({ kind: 'ld_imm', value: Number((x.value >> 32n) & 0xffffffffn) });
        return;
      case 'ref': {
        const d = dag.values[x.id];
        if (d === undefined) throw new Unsupported('ref', `unknown value %${x.id}`);
        if (cacheable.has(x.id)) {
          // a u32 value: its high half is 0 once it evaluated (from its word, or computed and stored)
          lo(x);
          ins({ kind: 'ld_imm', value: 0 });
          return;
        }
        hi(d.expr);
        return;
      }
      case 'pseudo':
        throw new Unsupported('pseudo', `pseudo-field ${x.name} is not available to classic BPF`);
      case 'load': {
        if (x.width === 8) {
          if (x.base === 'record') throw new Unsupported('base', 'record loads need --ctx tracepoint (eBPF)');
          if (typeof x.offset !== 'number')
            throw new Unsupported(
              'computed-offset',
              'cBPF supports computed offsets for 1/2/4-byte loads only',
            );
          const k = absOff(x.base, x.offset);
          if (!checkAccess(k, 8)) return;
          if (x.order === 'be') {
            ldb(k + 7);
            ins({ kind: 'ld_abs', size: 'w', base: 'packet', offset: k });
          } else leBytes(k + 4, 4);
          return;
        }
        loadLo(x);
        if (x.signed) {
          const neg = fresh();
          const pos = fresh();
          const done = fresh();
          jk('jset', 0x80000000, neg, pos);
          place(neg);
          ins({ kind: 'ld_imm', value: 0xffffffff });
          goto(done);
          place(pos);
          ins({ kind: 'ld_imm', value: 0 });
          place(done);
        } else ins({ kind: 'ld_imm', value: 0 });
        return;
      }
      default:
        // u32 results: evaluate for aborts (loads, division by zero), then 0.
        lo(x);
        ins({ kind: 'ld_imm', value: 0 });
        return;
    }
  };

  const maskOf = (w: Width) => (w === 1 ? 0xff : w === 2 ? 0xffff : 0xffffffff);
  const signBit = (w: Width) => (w === 1 ? 0x80 : w === 2 ? 0x8000 : 0x80000000);

  const cmpLeaf = (p: Extract<LeafPred, { kind: 'cmp' }>, t: string, f: string) => {
    const info = OPS[p.op];
    const cond = info.cbpf.jump;
    const [yes, no] = info.cbpf.invert ? [f, t] : [t, f];
    const bias = info.ordered && p.signed;
    const w = p.width;
    if (w !== 8) {
      const norm = (x: Expr) => {
        if (w < 4 && !(x.kind === 'load' && !x.signed && x.width <= w))
          ins({ kind: 'alu_k', op: 'and', value: maskOf(w) });
        if (bias) ins({ kind: 'alu_k', op: 'xor', value: signBit(w) });
      };
      if (p.right.kind === 'const') {
        lo(p.left);
        norm(p.left);
        let c = Number(p.right.value & BigInt(maskOf(w)));
        if (bias) c = (c ^ signBit(w)) >>> 0;
        jk(cond, c, yes, no);
      } else if (need(p.right) > need(p.left)) {
        // Deeper side first (fewer M[] words); operands are pure, any abort ends the program alike.
        lo(p.right);
        norm(p.right);
        const s = slot();
        ins({ kind: 'st', index: s });
        lo(p.left);
        norm(p.left);
        ins({ kind: 'ldx_mem', index: s });
        depth--;
        jx(cond, yes, no);
      } else {
        lo(p.left);
        norm(p.left);
        const s = slot();
        ins({ kind: 'st', index: s });
        lo(p.right);
        norm(p.right);
        ins({ kind: 'tax' });
        ins({ kind: 'ld_mem', index: s });
        depth--;
        jx(cond, yes, no);
      }
      return;
    }
    // 64-bit: halves.
    const sl = slot();
    const sh = slot();
    lo(p.left);
    ins({ kind: 'st', index: sl });
    hi(p.left);
    if (bias) ins({ kind: 'alu_k', op: 'xor', value: 0x80000000 });
    ins({ kind: 'st', index: sh });
    let rlo: (() => void) | number;
    let rhi: (() => void) | number;
    if (p.right.kind === 'const') {
      rlo = Number(p.right.value & 0xffffffffn);
      rhi = Number((p.right.value >> 32n) & 0xffffffffn);
      if (bias) rhi = (rhi ^ 0x80000000) >>> 0;
    } else {
      const right = p.right;
      const rl = slot();
      const rh = slot();
      lo(right);
      ins({ kind: 'st', index: rl });
      hi(right);
      if (bias) ins({ kind: 'alu_k', op: 'xor', value: 0x80000000 });
      ins({ kind: 'st', index: rh });
      rlo = () => {
        ins({ kind: 'ld_mem', index: rl });
        ins({ kind: 'tax' });
      };
      rhi = () => {
        ins({ kind: 'ld_mem', index: rh });
        ins({ kind: 'tax' });
      };
    }
    const j = (c: JmpCond, r: (() => void) | number, jt: string, jf: string, load: number) => {
      if (typeof r === 'number') {
        ins({ kind: 'ld_mem', index: load });
        jk(c, r, jt, jf);
      } else {
        r();
        ins({ kind: 'ld_mem', index: load });
        jx(c, jt, jf);
      }
    };
    const cont = fresh();
    if (cond === 'jeq') {
      j('jeq', rhi, cont, no, sh);
      place(cont);
      j('jeq', rlo, yes, no, sl);
    } else if (cond === 'jset') {
      j('jset', rhi, yes, cont, sh);
      place(cont);
      j('jset', rlo, yes, no, sl);
    } else {
      const eq = fresh();
      j('jgt', rhi, yes, eq, sh);
      place(eq);
      j('jeq', rhi, cont, no, sh);
      place(cont);
      j(cond, rlo, yes, no, sl);
    }
    depth = 0;
  };

  const inLeaf = (p: Extract<LeafPred, { kind: 'in' }>, t: string, f: string) => {
    if (p.width === 8) {
      // 64-bit membership: halves in M[], values grouped by high word (linear).
      const sl = slot();
      const sh = slot();
      lo(p.value);
      ins({ kind: 'st', index: sl });
      hi(p.value);
      ins({ kind: 'st', index: sh });
      const byHi = new Map<number, number[]>();
      for (const v of p.set) {
        const h = Number((v >> 32n) & 0xffffffffn);
        byHi.set(h, [...(byHi.get(h) ?? []), Number(v & 0xffffffffn)]);
      }
      for (const [h, los] of byHi) {
        const nextHi = fresh();
        const loTests = fresh();
        ins({ kind: 'ld_mem', index: sh });
        jk('jeq', h, loTests, nextHi);
        place(loTests);
        ins({ kind: 'ld_mem', index: sl });
        for (const l of los) {
          const nx = fresh();
          jk('jeq', l, t, nx);
          place(nx);
        }
        goto(f);
        place(nextHi);
      }
      goto(f);
      depth = 0;
      return;
    }
    lo(p.value);
    const v = p.value;
    if (p.width < 4 && !(v.kind === 'load' && !v.signed && v.width <= p.width))
      ins({ kind: 'alu_k', op: 'and', value: maskOf(p.width) });
    const set = p.set.map((v) => Number(v & 0xffffffffn));
    const linear = (a: number, b: number) => {
      for (let i = a; i <= b; i++) {
        const nx = fresh();
        jk('jeq', set[i]!, t, nx);
        place(nx);
      }
      goto(f);
    };
    if (set.length < o.binarySearchMin) {
      linear(0, set.length - 1);
      return;
    }
    const work: { lo: number; hi: number; label?: string }[] = [{ lo: 0, hi: set.length - 1 }];
    while (work.length > 0) {
      const w = work.pop()!;
      if (w.label !== undefined) place(w.label);
      if (w.hi - w.lo < 4) {
        linear(w.lo, w.hi);
        continue;
      }
      const mid = (w.lo + w.hi) >> 1;
      const right = fresh();
      const left = fresh();
      const ne = fresh();
      jk('jeq', set[mid]!, t, ne);
      place(ne);
      jk('jgt', set[mid]!, right, left);
      place(left);
      work.push({ lo: mid + 1, hi: w.hi, label: right });
      work.push({ lo: w.lo, hi: mid - 1 });
    }
  };

  /** __data_loc / __rel_loc strings in frames/packets: M[sS] = absolute start, M[sL] = len; the
   *  whole string must lie inside the packet (else abort, as the IR's view read does); len 0 reads the
   *  bytes at the offset up to what the matcher examines, a load past the packet aborting (IR alike). */
  const dataLocLeaf = (
    p: StrPred,
    src: Extract<StrPred['source'], { kind: 'dataloc' }>,
    t: string,
    f: string,
  ) => {
    if (p.match === 'middle' || p.match === 'glob')
      throw new Unsupported(
        'string-match',
        `string match kind ${p.match} on __data_loc strings not supported by the cBPF target yet`,
      );
    const sS = slot();
    const sL = slot();
    const tmp = slot();
    lo({ kind: 'load', base: src.base, offset: src.offset, width: 4, order: src.order, signed: false });
    ins({ kind: 'st', index: tmp });
    ins({ kind: 'alu_k', op: 'rsh', value: 16 });
    ins({ kind: 'st', index: sL });
    ins({ kind: 'ld_mem', index: tmp });
    ins({ kind: 'alu_k', op: 'and', value: 0xffff });
    ins({ kind: 'alu_k', op: 'add', value: absOff(src.base, src.rel ? src.offset + 4 : 0) });
    ins({ kind: 'st', index: sS });
    ins({ kind: 'ldx_mem', index: sL });
    ins({ kind: 'alu_x', op: 'add' });
    ins({ kind: 'st', index: tmp });
    ins({ kind: 'ld_len' });
    ins({ kind: 'tax' });
    ins({ kind: 'ld_mem', index: tmp });
    const inside = fresh();
    jx('jgt', abort, inside);
    place(inside);
    const pat = [...p.pattern].map((c) => c.charCodeAt(0) & 0xff);
    const plen = pat.length;
    const yes = p.negate ? f : t;
    const no = p.negate ? t : f;
    const byteIs = (plusLen: boolean, k: number, c: number) => {
      ins({ kind: 'ld_mem', index: sS });
      if (plusLen) {
        ins({ kind: 'ldx_mem', index: sL });
        ins({ kind: 'alu_x', op: 'add' });
      }
      if (k !== 0) ins({ kind: 'alu_k', op: 'add', value: k >>> 0 });
      ins({ kind: 'tax' });
      ins({ kind: 'ld_ind', size: 'b', offset: 0 });
      const ok = fresh();
      jk('jeq', c, ok, no);
      place(ok);
    };
    const lenAtLeast = (v: number, otherwise: string) => {
      ins({ kind: 'ld_mem', index: sL });
      const ok = fresh();
      jk('jge', v, ok, otherwise);
      place(ok);
    };
    switch (p.match) {
      case 'full': {
        // len 0 (a zero-length locator): strcmp from the offset, each byte a bounds-checked load.
        const nz = fresh();
        const nulEnded = fresh();
        ins({ kind: 'ld_mem', index: sL });
        jk('jeq', 0, nulEnded, nz);
        place(nz);
        for (let i = 0; i <= plen; i++) {
          if (i > 0) lenAtLeast(i + 1, yes);
          byteIs(false, i, i < plen ? pat[i]! : 0);
        }
        goto(yes);
        place(nulEnded);
        for (let i = 0; i <= plen; i++) byteIs(false, i, i < plen ? pat[i]! : 0);
        goto(yes);
        break;
      }
      case 'front': {
        if (plen === 0) {
          goto(yes);
          break;
        }
        // false when 0 < len < plen; len 0 compares the plen bytes at the offset.
        const nz = fresh();
        const cmp = fresh();
        ins({ kind: 'ld_mem', index: sL });
        jk('jeq', 0, cmp, nz);
        place(nz);
        lenAtLeast(plen, no);
        goto(cmp);
        place(cmp);
        for (let i = 0; i < plen; i++) byteIs(false, i, pat[i]!);
        goto(yes);
        break;
      }
      case 'end':
        lenAtLeast(plen + 1, no);
        for (let j = 0; j < plen; j++) byteIs(true, j - 1 - plen, pat[j]!);
        goto(yes);
        break;
    }
    depth = 0;
  };

  const strLeaf = (p: StrPred, t: string, f: string) => {
    const src = p.source;
    if (src.kind === 'dataloc' && src.base !== 'record') {
      dataLocLeaf(p, src, t, f);
      return;
    }
    if (src.kind !== 'fixed' || src.base === 'record')
      throw new Unsupported('string-source', `string source ${src.kind} is not supported by the cBPF target`);
    const n = src.size;
    const k = absOff(src.base, src.offset);
    if (!checkAccess(k, n)) return;
    // Touch the last byte first: an array that does not fit aborts, whatever the matcher examines.
    ldb(k + n - 1);
    const pat = [...p.pattern].map((c) => c.charCodeAt(0) & 0xff);
    const plen = pat.length;
    const yes = p.negate ? f : t;
    const no = p.negate ? t : f;
    const eqByte = (i: number, c: number, fail: string) => {
      ldb(k + i);
      const ok = fresh();
      jk('jeq', c, ok, fail);
      place(ok);
    };
    switch (p.match) {
      case 'glob': {
        const g = globAutomaton(pat, n);
        if (g === undefined)
          throw new Unsupported(
            'string-size',
            `glob pattern over char[${n}] needs more than ${MAX_GLOB_STATES} states`,
          );
        const base = fresh();
        const to = (x: GlobNext) => (x === 'T' ? yes : x === 'F' ? no : `${base}g${x}`);
        goto(to(g.start));
        g.states.forEach((st, i) => {
          place(to(i));
          ldb(k + st.byte);
          for (const tst of st.tests) {
            const nx = fresh();
            if (tst.lo === tst.hi) jk('jeq', tst.lo, to(tst.next), nx);
            else if (tst.lo === 0) jk('jgt', tst.hi, nx, to(tst.next));
            else {
              const ge = fresh();
              jk('jge', tst.lo, ge, nx);
              place(ge);
              jk('jgt', tst.hi, nx, to(tst.next));
            }
            place(nx);
          }
          goto(to(st.otherwise));
        });
        return;
      }
      case 'full':
        for (let i = 0; i < n; i++) {
          const c2 = i < plen ? pat[i]! : 0;
          eqByte(i, c2, no);
          if (c2 === 0) break;
        }
        goto(yes);
        return;
      case 'front':
        if (n < plen) {
          goto(no);
          return;
        }
        for (let i = 0; i < plen; i++) eqByte(i, pat[i]!, no);
        goto(yes);
        return;
      case 'middle':
        if (plen === 0) {
          goto(yes);
          return;
        }
        for (let s = 0; s + plen <= n; s++) {
          const nx = fresh();
          for (let j = 0; j < plen; j++) eqByte(s + j, pat[j]!, nx);
          goto(yes);
          place(nx);
        }
        goto(no);
        return;
      case 'end': {
        const last = n - 1;
        if (n === 0 || last < plen) {
          goto(no);
          return;
        }
        for (let j = 0; j < plen; j++) eqByte(last - plen + j, pat[j]!, no);
        goto(yes);
        return;
      }
    }
  };

  const label = (u: number) => (u === 1 ? 'accept' : u === 0 || u === 2 ? 'reject' : `n${u}`);
  goto(label(dag.root));
  /** Shared values filled on exit of each emitted node, and on entry of each node: the intersection over its
   *  t/f predecessors (aborts end the program; a node only an abort edge names is unreachable: nothing). */
  const availIn = new Map<number, ReadonlySet<number>>([[dag.root, new Set()]]);
  const order = topoOrder(dag);
  const lastUse =
    lastUseHint ?? (cacheable.size === 0 ? new Map<number, number>() : lastUses(dag, order, cacheable));
  for (const [k, id] of order.entries()) {
    nodeIndex = k;
    place(label(id));
    const n = dag.nodes[id - 3]!;
    const leaf = dag.leaves[n.leaf]!;
    depth = 0;
    avail = new Set(availIn.get(id) ?? []);
    if (leaf.kind === 'cmp') cmpLeaf(leaf, label(n.t), label(n.f));
    else if (leaf.kind === 'in') inLeaf(leaf, label(n.t), label(n.f));
    else strLeaf(leaf, label(n.t), label(n.f));
    for (const v of [n.t, n.f]) {
      if (v < 3) continue;
      const prev = availIn.get(v);
      availIn.set(v, prev === undefined ? avail : intersect(prev, avail));
    }
    // Nodes come in topological order and every path goes forward: a value no later node names is dead.
    for (const [v, w] of cacheSlot)
      if ((lastUse.get(v) ?? -1) <= k) {
        cacheSlot.delete(v);
        retired.add(v);
        freeSlots.push(w);
      }
  }
  place('accept');
  ins({ kind: 'ret_k', value: o.onMatch >>> 0 });
  place('reject');
  ins({ kind: 'ret_k', value: o.onMiss >>> 0 });
  return {
    prog: layout(o.codePasses === false ? items : optimizeItems(items)),
    touched,
    shared: cacheable.size,
  };
}

/** Conditional jumps farther than 255 instructions reach an island instead: a `ja` to their target put where
 *  control cannot fall in (right after a `ja` or a `ret`, before the labels there; where there is no such place in
 *  reach, behind a `ja` over it), shared by every later jump to that target within reach, and as far ahead as reach
 *  allows so that few serve many (one trampoline per far jump cost `host-or` over 800 scattered addresses 2,861 of
 *  its 6,040 instructions). Islands are jumps, never copies of a `ret`: the kernel's scratch-memory check carries
 *  what is known valid past a `ret` into the next instruction but starts afresh after a `ja`. What is left gets
 *  trampolines. */
function jumpIslands(input: readonly Item[]): Item[] {
  const items = [...input];
  let made = 0;
  const islandOf = new Map<string, string>();
  for (let guard = 0; guard < 4096; guard++) {
    // positions, and the places an island may go (item index before which nothing falls through)
    const pos: number[] = [];
    const at = new Map<string, number>();
    const places: { index: number; pos: number }[] = [];
    let n = 0;
    let barrier = false;
    let labelsFrom = -1;
    items.forEach((it, i) => {
      pos.push(n);
      if (it.op === 'label') {
        at.set(it.name, n);
        if (labelsFrom < 0) labelsFrom = i;
        return;
      }
      // before the labels of this instruction: what jumps there still lands on it
      if (barrier) places.push({ index: labelsFrom < 0 ? i : labelsFrom, pos: n });
      labelsFrom = -1;
      barrier =
        it.op === 'ja' || (it.op === 'insn' && (it.insn.kind === 'ret_k' || it.insn.kind === 'ret_a'));
      n++;
    });
    let fixed = false;
    for (let i = 0; i < items.length && !fixed; i++) {
      const it = items[i]!;
      if (it.op !== 'jmp') continue;
      const here = pos[i]!;
      for (const side of ['jt', 'jf'] as const) {
        const target = it[side];
        if (at.get(target)! - (here + 1) <= 255) continue;
        let best: string | undefined;
        for (const [name, w] of islandOf) {
          const p = at.get(name)!;
          if (w === target && p > here && p - (here + 1) <= 255 && (best === undefined || p > at.get(best)!))
            best = name;
        }
        if (best === undefined) {
          // the farthest place in reach (an island shifts what follows by one: keep a margin)
          let place: { index: number; pos: number } | undefined;
          for (const pl of places) if (pl.pos > here && pl.pos - (here + 1) <= 250) place = pl;
          best = `isl${made++}`;
          const island: Item[] = [
            { op: 'label', name: best },
            { op: 'ja', target },
          ];
          if (place !== undefined) items.splice(place.index, 0, ...island);
          else {
            // no such place in reach: make one, jumping over the island (two instructions, still shared)
            let k = -1;
            for (let j = i + 1; j < items.length; j++) {
              if (items[j]!.op === 'label') continue;
              if (pos[j]! - (here + 1) > 249) break;
              k = j;
            }
            if (k < 0) continue;
            while (k > 0 && items[k - 1]!.op === 'label') k--;
            const over = `${best}o`;
            items.splice(k, 0, { op: 'ja', target: over }, ...island, { op: 'label', name: over });
          }
          islandOf.set(best, target);
        }
        items[i] = { ...it, [side]: best };
        fixed = true;
        break;
      }
    }
    if (!fixed) break;
  }
  return items;
}

/** Drops jumps to the next instruction, inserts trampolines for far targets, resolves offsets. */
function layout(input: readonly Item[]): RawInsn[] {
  let items = [...input];
  // A `ja` directly followed (through labels only) by its target label is a fall-through.
  const peep: Item[] = [];
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    if (it.op === 'ja') {
      let j = i + 1;
      let fall = false;
      while (j < items.length && items[j]!.op === 'label') {
        if ((items[j] as { name: string }).name === it.target) fall = true;
        j++;
      }
      if (fall) continue;
    }
    peep.push(it);
  }
  items = peep;
  items = jumpIslands(items);
  let tramp = 0;
  for (;;) {
    const pos = new Map<string, number>();
    let n = 0;
    for (const it of items) {
      if (it.op === 'label') pos.set(it.name, n);
      else n++;
    }
    let changed = false;
    const out: Item[] = [];
    let at = 0;
    for (const it of items) {
      if (it.op === 'jmp') {
        const dt = pos.get(it.jt)! - (at + 1);
        const df = pos.get(it.jf)! - (at + 1);
        if (dt > 255 || df > 255) {
          changed = true;
          const extra: Item[] = [];
          const copy = { ...it };
          if (dt > 255) {
            const l = `t${tramp++}`;
            extra.push({ op: 'label', name: l }, { op: 'ja', target: it.jt });
            copy.jt = l;
          }
          if (df > 255) {
            const l = `t${tramp++}`;
            extra.push({ op: 'label', name: l }, { op: 'ja', target: it.jf });
            copy.jf = l;
          }
          out.push(copy, ...extra);
          at += 1 + extra.filter((e) => e.op !== 'label').length;
          continue;
        }
      }
      out.push(it);
      if (it.op !== 'label') at++;
    }
    items = out;
    if (!changed) break;
  }
  const pos = new Map<string, number>();
  let n = 0;
  for (const it of items) {
    if (it.op === 'label') pos.set(it.name, n);
    else n++;
  }
  const prog: RawInsn[] = [];
  for (const it of items) {
    const here = prog.length;
    if (it.op === 'label') continue;
    if (it.op === 'insn') prog.push(toRaw(it.insn));
    else if (it.op === 'ja') prog.push(toRaw({ kind: 'ja', offset: pos.get(it.target)! - (here + 1) }));
    else {
      const jt = pos.get(it.jt)! - (here + 1);
      const jf = pos.get(it.jf)! - (here + 1);
      prog.push(
        toRaw(
          it.src === 'k'
            ? { kind: 'jmp_k', cond: it.cond, value: it.k, jt, jf }
            : { kind: 'jmp_x', cond: it.cond, jt, jf },
        ),
      );
    }
  }
  return prog;
}
