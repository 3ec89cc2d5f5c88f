// Classic BPF code optimisation on the generator's labelled item list: the passes are listed in one place
// (CBPF_PASSES), each named, pure (blocks in → blocks out) and semantics-preserving on every packet.
// Invariants:
//  - a program is a list of basic blocks in emission order; every jump goes forward (to a later block), and
//    every pass keeps it so (retargeting only ever moves a jump's target later; merging keeps the later copy);
//  - the first block is the entry and is never removed or moved;
//  - values are named by static keys (`packetH12`, `#5`, `len`, `msh14`, `[msh14+16]h`, ALU terms): a key's
//    value is fixed for one packet, so a fact learnt about a key on a path (from a jump's outcome) holds
//    wherever that path goes; registers and M[] words hold keys, unknown contents are null;
//  - an instruction is dropped only when its result is already in its destination on every path into it
//    (a packet load that succeeded once cannot fail again); a block's instructions are dropped only when
//    every path from it returns a constant and they can have no effect but an abort that returns 0 too;
//  - cBPF aborts (a load past the end, division by X = 0) return 0.
import type { Insn, JmpCond } from '@tfc/bpf/cbpf';

export type Item =
  | { readonly op: 'insn'; readonly insn: Insn }
  | {
      readonly op: 'jmp';
      readonly cond: JmpCond;
      readonly src: 'k' | 'x';
      readonly k: number;
      jt: string;
      jf: string;
    }
  | { readonly op: 'ja'; readonly target: string }
  | { readonly op: 'label'; readonly name: string };

type Term =
  | {
      readonly op: 'jmp';
      readonly cond: JmpCond;
      readonly src: 'k' | 'x';
      readonly k: number;
      jt: string;
      jf: string;
    }
  | { readonly op: 'ja'; target: string }
  | { readonly op: 'ret'; readonly value: number };

export interface Block {
  readonly label: string;
  readonly insns: readonly Insn[];
  readonly term: Term;
}

export interface CbpfPass {
  readonly name: string;
  readonly run: (blocks: readonly Block[]) => Block[];
}

/** The passes, in the order they run; the list is run until the program stops shrinking (at most 4 rounds), and the
 *  smallest program seen is kept. */
export const CBPF_PASSES: readonly CbpfPass[] = [
  { name: 'known-values', run: knownValues },
  { name: 'mask-tests', run: maskTests },
  { name: 'dead-ends', run: deadEnds },
  { name: 'thread-jumps', run: threadJumps },
  { name: 'merge-tails', run: mergeTails },
  { name: 'drop-unreachable', run: dropUnreachable },
  { name: 'place-fallthrough', run: placeFallthrough },
];
export const CBPF_PASS_NAMES: readonly string[] = CBPF_PASSES.map((p) => p.name);

export function optimizeItems(items: readonly Item[]): Item[] {
  let blocks = toBlocks(items);
  let best = blocks;
  let size = countInsns(blocks);
  for (let round = 0; round < 4; round++) {
    for (const p of CBPF_PASSES) blocks = p.run(blocks);
    const s = countInsns(blocks);
    if (s >= size) break;
    size = s;
    best = blocks;
  }
  return fromBlocks(best);
}

function countInsns(blocks: readonly Block[]): number {
  let n = 0;
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i]!;
    n += b.insns.length;
    if (b.term.op !== 'ja' || blocks[i + 1]?.label !== b.term.target) n++;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------------------------
// Items ⇄ blocks

export function toBlocks(items: readonly Item[]): Block[] {
  const blocks: Block[] = [];
  const alias = new Map<string, string>();
  let cur: { label: string; insns: Insn[] } | null = { label: 'entry', insns: [] };
  const close = (term: Term) => {
    if (cur === null) return;
    blocks.push({ label: cur.label, insns: cur.insns, term });
    cur = null;
  };
  for (const it of items) {
    if (it.op === 'label') {
      if (cur !== null && cur.insns.length === 0) {
        alias.set(it.name, cur.label);
        continue;
      }
      if (cur !== null) close({ op: 'ja', target: it.name });
      cur = { label: it.name, insns: [] };
    } else if (cur === null) {
      // unreachable code after a terminator
    } else if (it.op === 'insn') {
      if (it.insn.kind === 'ret_k') close({ op: 'ret', value: it.insn.value >>> 0 });
      else cur.insns.push(it.insn);
    } else if (it.op === 'ja') close({ op: 'ja', target: it.target });
    else close({ op: 'jmp', cond: it.cond, src: it.src, k: it.k, jt: it.jt, jf: it.jf });
  }
  if (cur !== null) throw new Error('cbpf-opt: program falls off its end');
  return retarget(blocks, (l) => resolve(alias, l));
}

export function fromBlocks(blocks: readonly Block[]): Item[] {
  const out: Item[] = [];
  for (const b of blocks) {
    out.push({ op: 'label', name: b.label });
    for (const insn of b.insns) out.push({ op: 'insn', insn });
    const t = b.term;
    if (t.op === 'ret') out.push({ op: 'insn', insn: { kind: 'ret_k', value: t.value } });
    else if (t.op === 'ja') out.push({ op: 'ja', target: t.target });
    else out.push({ op: 'jmp', cond: t.cond, src: t.src, k: t.k, jt: t.jt, jf: t.jf });
  }
  return out;
}

function resolve(alias: ReadonlyMap<string, string>, l: string): string {
  let x = l;
  for (let guard = 0; guard < 1_000_000; guard++) {
    const y = alias.get(x);
    if (y === undefined || y === x) return x;
    x = y;
  }
  return x;
}

function retarget(blocks: readonly Block[], f: (l: string) => string): Block[] {
  return blocks.map((b) => {
    const t = b.term;
    if (t.op === 'ja') return { ...b, term: { op: 'ja', target: f(t.target) } };
    if (t.op === 'jmp') return { ...b, term: { ...t, jt: f(t.jt), jf: f(t.jf) } };
    return b;
  });
}

function successors(t: Term): string[] {
  return t.op === 'ja' ? [t.target] : t.op === 'jmp' ? [t.jt, t.jf] : [];
}

// ---------------------------------------------------------------------------------------------------------------
// known-values: forward value numbering of A, X and M[] with facts from jump outcomes. Drops loads whose value
// is already in place, folds jumps whose outcome is known, and threads a jump past a block whose instructions
// are all redundant on that edge and whose own jump the edge's facts decide.

interface Fact {
  readonly lo: number;
  readonly hi: number;
  readonly ne: readonly number[];
  readonly ones: number;
  readonly zeros: number;
  /** Masks known to have at least one bit set in the value (a taken multi-bit jset). */
  readonly nz: readonly number[];
}

interface State {
  readonly a: string | null;
  readonly x: string | null;
  readonly m: readonly (string | null)[];
  readonly facts: ReadonlyMap<string, Fact>;
}

const U32 = 0xffffffff;
const MAX_KEY = 240;
const MAX_NE = 16;
const EMPTY: State = { a: null, x: null, m: Array(16).fill(null), facts: new Map() };

/** Natural range of the value a key names (its width, a mask, a shift). */
function keyRange(ranges: Map<string, number>, key: string | null): number {
  if (key === null) return U32;
  return ranges.get(key) ?? U32;
}

const SIZE_MAX = { b: 0xff, h: 0xffff, w: U32 } as const;

/** A with the value `a` (unknown when too long a key), its natural range recorded the first time it is seen. */
function setA(st: State, ranges: Map<string, number>, a: string | null, max?: number): State {
  const key = a !== null && a.length > MAX_KEY ? null : a;
  if (key !== null && max !== undefined && !ranges.has(key)) ranges.set(key, max);
  return { a: key, x: st.x, m: st.m, facts: st.facts };
}

/** X with the value `x`, likewise. */
function setX(st: State, ranges: Map<string, number>, x: string | null, max?: number): State {
  const key = x !== null && x.length > MAX_KEY ? null : x;
  if (key !== null && max !== undefined && !ranges.has(key)) ranges.set(key, max);
  return { a: st.a, x: key, m: st.m, facts: st.facts };
}

/** Whether `i`, run in state `st` (giving `next`), only put into its destination the value already there. */
function redundant(st: State, i: Insn, next: State): boolean {
  switch (i.kind) {
    case 'st':
      return st.a !== null && st.m[i.index] === st.a;
    case 'stx':
      return st.x !== null && st.m[i.index] === st.x;
    case 'tax':
      return st.a !== null && st.a === st.x;
    case 'txa':
      return st.x !== null && st.a === st.x;
    case 'ldx_len':
    case 'ldx_imm':
    case 'ldx_mem':
    case 'ldx_msh':
      return next.x !== null && next.x === st.x;
    case 'ld_abs':
    case 'ld_anc':
    case 'ld_ind':
    case 'ld_len':
    case 'ld_imm':
    case 'ld_mem':
    case 'alu_k':
    case 'alu_x':
    case 'neg':
      return next.a !== null && next.a === st.a;
    default:
      return false;
  }
}

function stepInsn(st: State, i: Insn, ranges: Map<string, number>): State {
  switch (i.kind) {
    case 'ld_abs':
      return setA(st, ranges, `${i.base}${i.size}${i.offset}`, SIZE_MAX[i.size]);
    case 'ld_anc':
      return setA(st, ranges, `anc:${i.ext}:${i.size}`);
    case 'ld_ind':
      return setA(st, ranges, st.x === null ? null : `[${st.x}+${i.offset}]${i.size}`, SIZE_MAX[i.size]);
    case 'ld_len':
      return setA(st, ranges, 'len', 0xffff_ffff);
    case 'ldx_len':
      return setX(st, ranges, 'len');
    case 'ld_imm':
      return setA(st, ranges, `#${i.value >>> 0}`, i.value >>> 0);
    case 'ldx_imm':
      return setX(st, ranges, `#${i.value >>> 0}`, i.value >>> 0);
    case 'ld_mem':
      return setA(st, ranges, st.m[i.index] ?? null);
    case 'ldx_mem':
      return setX(st, ranges, st.m[i.index] ?? null);
    case 'ldx_msh':
      return setX(st, ranges, `msh${i.offset}`, 60);
    case 'st':
    case 'stx': {
      const m = [...st.m];
      m[i.index] = i.kind === 'st' ? st.a : st.x;
      return { ...st, m };
    }
    case 'alu_k': {
      if (st.a === null) return setA(st, ranges, null);
      const hi = keyRange(ranges, st.a);
      const v = i.value >>> 0;
      const max =
        i.op === 'and'
          ? Math.min(hi, v)
          : i.op === 'rsh'
            ? Math.floor(hi / 2 ** Math.min(v, 32))
            : i.op === 'lsh' && hi * 2 ** v <= U32
              ? hi * 2 ** v
              : i.op === 'add' && hi + v <= U32
                ? hi + v
                : i.op === 'div' && v > 0
                  ? Math.floor(hi / v)
                  : i.op === 'mod' && v > 0
                    ? Math.min(hi, v - 1)
                    : U32;
      return setA(st, ranges, `(${st.a} ${i.op} ${v})`, max);
    }
    case 'alu_x':
      return setA(st, ranges, st.a === null || st.x === null ? null : `(${st.a} ${i.op} x${st.x})`);
    case 'neg':
      return setA(st, ranges, st.a === null ? null : `(neg ${st.a})`);
    case 'tax':
      return { ...st, x: st.a };
    case 'txa':
      return { ...st, a: st.x };
    default:
      return { ...st, a: null, x: null };
  }
}

function constOf(key: string | null): number | undefined {
  return key?.startsWith('#') ? Number(key.slice(1)) : undefined;
}

function factOf(st: State, key: string, ranges: Map<string, number>): Fact {
  const f = st.facts.get(key);
  if (f !== undefined) return f;
  const c = constOf(key);
  if (c !== undefined) return { lo: c, hi: c, ne: [], ones: c, zeros: ~c >>> 0, nz: [] };
  return { lo: 0, hi: keyRange(ranges, key), ne: [], ones: 0, zeros: 0, nz: [] };
}

/** The operand a jump compares A with, when known. */
function operand(st: State, t: Extract<Term, { op: 'jmp' }>): number | undefined {
  return t.src === 'k' ? t.k >>> 0 : constOf(st.x);
}

function decide(f: Fact, cond: JmpCond, k: number): boolean | undefined {
  switch (cond) {
    case 'jeq':
      if (f.lo === k && f.hi === k) return true;
      if (k < f.lo || k > f.hi || f.ne.includes(k)) return false;
      if ((k & f.zeros) !== 0 || (~k & f.ones) !== 0) return false;
      return undefined;
    case 'jgt':
      if (f.lo > k) return true;
      if (f.hi <= k) return false;
      return undefined;
    case 'jge':
      if (f.lo >= k) return true;
      if (f.hi < k) return false;
      return undefined;
    case 'jset':
      if ((f.ones & k) !== 0 || f.nz.some((m) => (m & ~k) >>> 0 === 0)) return true;
      if ((k & ~f.zeros) >>> 0 === 0 || f.hi === 0) return false;
      return undefined;
  }
}

function learn(f: Fact, cond: JmpCond, k: number, taken: boolean): Fact {
  switch (cond) {
    case 'jeq':
      if (taken) return { lo: k, hi: k, ne: [], ones: k, zeros: ~k >>> 0, nz: [] };
      return {
        ...f,
        lo: f.lo === k ? k + 1 : f.lo,
        hi: f.hi === k ? k - 1 : f.hi,
        ne: f.ne.includes(k) || f.ne.length >= MAX_NE ? f.ne : [...f.ne, k],
      };
    case 'jgt':
      return taken ? { ...f, lo: Math.max(f.lo, k + 1) } : { ...f, hi: Math.min(f.hi, k) };
    case 'jge':
      return taken ? { ...f, lo: Math.max(f.lo, k) } : { ...f, hi: Math.min(f.hi, k - 1) };
    case 'jset': {
      if (!taken) return { ...f, zeros: (f.zeros | k) >>> 0 };
      const single = k !== 0 && (k & (k - 1)) === 0;
      if (single) return { ...f, ones: (f.ones | k) >>> 0 };
      return f.nz.includes(k) || f.nz.length >= MAX_NE ? f : { ...f, nz: [...f.nz, k] };
    }
  }
}

function withFact(st: State, key: string | null, f: Fact): State {
  if (key === null || constOf(key) !== undefined) return st;
  const facts = new Map(st.facts);
  facts.set(key, f);
  return { ...st, facts };
}

function meet(states: readonly State[]): State {
  const [first, ...rest] = states as [State, ...State[]];
  if (rest.length === 0) return first;
  const m = first.m.map((v0, i) => {
    const v = v0 ?? null;
    return rest.every((s) => (s.m[i] ?? null) === v) ? v : null;
  });
  const facts = new Map<string, Fact>();
  for (const [key, f0] of first.facts) {
    let f = f0;
    let everywhere = true;
    for (const s of rest) {
      const g = s.facts.get(key);
      if (g === undefined) {
        everywhere = false;
        break;
      }
      f = {
        lo: Math.min(f.lo, g.lo),
        hi: Math.max(f.hi, g.hi),
        ne: f.ne.filter((v) => g.ne.includes(v)),
        ones: (f.ones & g.ones) >>> 0,
        zeros: (f.zeros & g.zeros) >>> 0,
        nz: f.nz.filter((v) => g.nz.includes(v)),
      };
    }
    if (everywhere) facts.set(key, f);
  }
  const a = rest.every((s) => s.a === first.a) ? first.a : null;
  const x = rest.every((s) => s.x === first.x) ? first.x : null;
  return { a, x, m, facts };
}

// Register sets as bit masks: A = 1, X = 2, M[i] = 4 << i.
const R_A = 1;
const R_X = 2;
const rM = (i: number) => 4 << i;

function defOf(i: Insn): number {
  switch (i.kind) {
    case 'st':
    case 'stx':
      return rM(i.index);
    case 'ldx_len':
    case 'ldx_imm':
    case 'ldx_mem':
    case 'ldx_msh':
    case 'tax':
      return R_X;
    case 'ret_k':
    case 'ret_a':
    case 'ja':
    case 'jmp_k':
    case 'jmp_x':
      return 0;
    default:
      return R_A;
  }
}

function useOf(i: Insn): number {
  switch (i.kind) {
    case 'st':
    case 'tax':
    case 'neg':
    case 'ret_a':
    case 'alu_k':
      return R_A;
    case 'stx':
    case 'txa':
    case 'ld_ind':
      return R_X;
    case 'alu_x':
      return R_A | R_X;
    case 'ld_mem':
    case 'ldx_mem':
      return rM(i.index);
    default:
      return 0;
  }
}

/** Registers each block may read before writing them (all jumps go forward: one backward sweep). */
function liveIn(blocks: readonly Block[]): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = blocks.length - 1; i >= 0; i--) {
    const b = blocks[i]!;
    const t = b.term;
    let l = 0;
    for (const s of successors(t)) l |= out.get(s) ?? 0;
    if (t.op === 'jmp') l |= R_A | (t.src === 'x' ? R_X : 0);
    for (let j = b.insns.length - 1; j >= 0; j--) {
      const insn = b.insns[j]!;
      l = (l & ~defOf(insn)) | useOf(insn);
    }
    out.set(b.label, l);
  }
  return out;
}

/** Whether insn, run in state st (giving next), cannot abort: no packet load but of a value some test on
 *  every path here already read, no division by X. */
function abortFree(st: State, insn: Insn, next: State): boolean {
  switch (insn.kind) {
    case 'ld_abs':
    case 'ld_ind':
      return next.a !== null && st.facts.has(next.a);
    case 'ldx_msh':
      return false;
    case 'alu_x':
      return insn.op !== 'div' && insn.op !== 'mod';
    case 'ld_anc':
    case 'invalid':
    case 'ret_a':
    case 'ret_k':
    case 'ja':
    case 'jmp_k':
    case 'jmp_x':
      return false;
    default:
      return true;
  }
}

function knownValues(blocks: readonly Block[]): Block[] {
  const ranges = new Map<string, number>();
  const at = new Map<string, number>();
  blocks.forEach((b, i) => {
    at.set(b.label, i);
  });
  const arriving = new Map<string, State[]>();
  const arrive = (label: string, st: State) => {
    const l = arriving.get(label);
    if (l === undefined) arriving.set(label, [st]);
    else l.push(st);
  };
  const live = liveIn(blocks);
  /** Follows an edge carrying `st` past blocks that do nothing new on it — every instruction redundant, or
   *  abort-free here (a load of a value already loaded on every path) with results dead where the block's
   *  decided jump goes — and whose jump is decided; returns the final target. */
  const route = (target: string, st0: State): string => {
    let label = target;
    let st = st0;
    for (;;) {
      const b = blocks[at.get(label)!]!;
      let s = st;
      let transparent = true;
      let defs = 0;
      for (const insn of b.insns) {
        const after = stepInsn(s, insn, ranges);
        if (!redundant(s, insn, after)) {
          if (!abortFree(s, insn, after)) {
            transparent = false;
            break;
          }
          defs |= defOf(insn);
        }
        s = after;
      }
      if (!transparent) break;
      const t = b.term;
      let next: string;
      if (t.op === 'ja') next = t.target;
      else {
        if (t.op !== 'jmp' || s.a === null) break;
        const k = operand(s, t);
        if (k === undefined) break;
        const d = decide(factOf(s, s.a, ranges), t.cond, k);
        if (d === undefined) break;
        next = d ? t.jt : t.jf;
      }
      if (defs !== 0) {
        if ((defs & (live.get(next) ?? 0)) !== 0) break;
        // The skipped definitions are dead: registers keep what they held before the block.
        s = { ...st, facts: s.facts };
      }
      label = next;
      st = s;
    }
    arrive(label, st);
    return label;
  };
  const out: Block[] = [];
  blocks.forEach((b, idx) => {
    const ins = idx === 0 ? [EMPTY] : (arriving.get(b.label) ?? []);
    if (ins.length === 0) return; // unreachable
    let st = meet(ins);
    const all: Insn[] = [];
    for (const insn of b.insns) {
      const next = stepInsn(st, insn, ranges);
      if (!redundant(st, insn, next)) all.push(insn);
      st = next;
    }
    // Nothing dropped: the block's own array (mergeTails memoises its text per array).
    const kept = all.length === b.insns.length ? b.insns : all;
    const t = b.term;
    if (t.op === 'ret') {
      out.push({ label: b.label, insns: kept, term: t });
      return;
    }
    if (t.op === 'ja') {
      out.push({ label: b.label, insns: kept, term: { op: 'ja', target: route(t.target, st) } });
      return;
    }
    const k = operand(st, t);
    const key = st.a;
    if (k !== undefined && key !== null) {
      const f = factOf(st, key, ranges);
      const d = decide(f, t.cond, k);
      if (d !== undefined) {
        const target = route(d ? t.jt : t.jf, st);
        out.push({ label: b.label, insns: kept, term: { op: 'ja', target } });
        return;
      }
      const jt = route(t.jt, withFact(st, key, learn(f, t.cond, k, true)));
      const jf = route(t.jf, withFact(st, key, learn(f, t.cond, k, false)));
      out.push({
        label: b.label,
        insns: kept,
        term: jt === jf ? { op: 'ja', target: jt } : { ...t, jt, jf },
      });
      return;
    }
    const jt = route(t.jt, st);
    const jf = route(t.jf, st);
    out.push({ label: b.label, insns: kept, term: jt === jf ? { op: 'ja', target: jt } : { ...t, jt, jf } });
  });
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// mask-tests: `and #k` then `jeq #0` (or `jgt #0`) is `jset #k` with the targets swapped (or kept), when neither
// target reads A (jset leaves A unmasked).

function maskTests(blocks: readonly Block[]): Block[] {
  const live = liveIn(blocks);
  return blocks.map((b) => {
    const t = b.term;
    const last = b.insns[b.insns.length - 1];
    if (t.op !== 'jmp' || t.src !== 'k' || t.k !== 0 || (t.cond !== 'jeq' && t.cond !== 'jgt')) return b;
    if (last?.kind !== 'alu_k' || last.op !== 'and') return b;
    if ((((live.get(t.jt) ?? 0) | (live.get(t.jf) ?? 0)) & R_A) !== 0) return b;
    const [jt, jf] = t.cond === 'jeq' ? [t.jf, t.jt] : [t.jt, t.jf];
    return {
      label: b.label,
      insns: b.insns.slice(0, -1),
      term: { op: 'jmp', cond: 'jset', src: 'k', k: last.value >>> 0, jt, jf },
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// dead-ends: a jump whose two targets agree is a `ja`; a block that goes straight to a `ret` has no live register
// effects, so its instructions go when they cannot abort or when the ret returns 0 (what an abort returns).

const MAY_ABORT: ReadonlySet<Insn['kind']> = new Set(['ld_abs', 'ld_ind', 'ldx_msh', 'ld_anc', 'invalid']);

function mayAbort(i: Insn): boolean {
  return MAY_ABORT.has(i.kind) || (i.kind === 'alu_x' && (i.op === 'div' || i.op === 'mod'));
}

function deadEnds(blocks: readonly Block[]): Block[] {
  const byLabel = new Map(blocks.map((b) => [b.label, b]));
  return blocks.map((b) => {
    let t = b.term;
    if (t.op === 'jmp' && t.jt === t.jf) t = { op: 'ja', target: t.jt };
    if (t.op !== 'ja' || b.insns.length === 0) return t === b.term ? b : { ...b, term: t };
    const next = byLabel.get(t.target)!;
    if (next.term.op !== 'ret' || next.insns.length > 0) return t === b.term ? b : { ...b, term: t };
    if (next.term.value === 0 || !b.insns.some(mayAbort)) return { ...b, insns: [], term: t };
    return { ...b, term: t };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// thread-jumps: a jump to an empty block that only jumps on goes to its final target; a `ja` to an empty `ret`
// block is that `ret`.

function threadJumps(blocks: readonly Block[]): Block[] {
  const alias = new Map<string, string>();
  const byLabel = new Map(blocks.map((b) => [b.label, b]));
  blocks.forEach((b, i) => {
    if (i > 0 && b.insns.length === 0 && b.term.op === 'ja') alias.set(b.label, b.term.target);
  });
  return retarget(blocks, (l) => resolve(alias, l)).map((b, i, all) => {
    if (b.term.op !== 'ja' || all[i + 1]?.label === b.term.target) return b;
    const next = byLabel.get(b.term.target)!;
    if (next.insns.length === 0 && next.term.op === 'ret') return { ...b, term: next.term };
    return b;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// merge-tails: identical blocks (instructions and targets) are one; the later copy stays so jumps stay forward.

/** The JSON text of a block's instructions, memoised per array: passes keep the arrays of unchanged blocks, so the
 *  rounds of optimizeItems and the programs genCbpf tries serialise each once (a block's array is never mutated
 *  after the block is made). */
const INSNS_TEXT = new WeakMap<readonly Insn[], string>();
function insnsText(insns: readonly Insn[]): string {
  let t = INSNS_TEXT.get(insns);
  if (t === undefined) {
    t = JSON.stringify(insns);
    INSNS_TEXT.set(insns, t);
  }
  return t;
}

function mergeTails(blocks: readonly Block[]): Block[] {
  const alias = new Map<string, string>();
  // Blocks seen, by instruction text, then by terminator text (a pair of keys: the memoised instruction text keeps
  // its hash, where a concatenated signature would be hashed anew).
  const seen = new Map<string, Map<string, string>>();
  const drop = new Set<string>();
  for (let i = blocks.length - 1; i > 0; i--) {
    const b = blocks[i]!;
    const t = b.term;
    const term =
      t.op === 'ret'
        ? `ret ${t.value}`
        : t.op === 'ja'
          ? `ja ${resolve(alias, t.target)}`
          : `${t.cond} ${t.src} ${t.k} ${resolve(alias, t.jt)} ${resolve(alias, t.jf)}`;
    const text = insnsText(b.insns);
    let byTerm = seen.get(text);
    if (byTerm === undefined) {
      byTerm = new Map();
      seen.set(text, byTerm);
    }
    const other = byTerm.get(term);
    if (other !== undefined) {
      alias.set(b.label, other);
      drop.add(b.label);
    } else byTerm.set(term, b.label);
  }
  if (drop.size === 0) return [...blocks];
  return retarget(
    blocks.filter((b) => !drop.has(b.label)),
    (l) => resolve(alias, l),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// drop-unreachable: blocks no path from the entry reaches.

function dropUnreachable(blocks: readonly Block[]): Block[] {
  const live = new Set<string>([blocks[0]!.label]);
  for (const b of blocks) if (live.has(b.label)) for (const s of successors(b.term)) live.add(s);
  return blocks.filter((b) => live.has(b.label));
}

// ---------------------------------------------------------------------------------------------------------------
// place-fallthrough: a block whose only predecessor ends in `ja` to it moves right behind that predecessor, so the
// `ja` becomes a fall-through (its successors were after it, and still are).

function placeFallthrough(blocks: readonly Block[]): Block[] {
  const preds = new Map<string, number>();
  for (const b of blocks) for (const s of new Set(successors(b.term))) preds.set(s, (preds.get(s) ?? 0) + 1);
  const order = [...blocks];
  for (let i = 0; i < order.length; i++) {
    const b = order[i]!;
    if (b.term.op !== 'ja') continue;
    const target = b.term.target;
    if (order[i + 1]?.label === target || preds.get(target) !== 1) continue;
    const j = order.findIndex((x) => x.label === target);
    if (j <= i) continue;
    const [moved] = order.splice(j, 1);
    order.splice(i + 1, 0, moved!);
  }
  return order;
}
