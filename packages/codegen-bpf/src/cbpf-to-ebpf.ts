// A classic BPF program (the optimised output of cbpf-gen) as eBPF, instruction by instruction, the way the kernel
// runs classic programs (net/core/filter.c bpf_convert_filter). Two load modes:
//  - 'ld-abs' (socket filters): when three or more constant loads fall in a header span of at most 256 bytes, one
//    bpf_skb_load_bytes copies the span to the stack and a fast body reads those fields from the copy (aligned
//    ones; the verifier refuses misaligned stack reads); packets shorter than the span, and every other load, go
//    through the legacy LD_ABS/LD_IND loads (a slow body, the same program), which the verifier turns into helper
//    calls; a load past the end ends the program with 0, as in cBPF, so this mode is used only where the miss
//    value is 0;
//  - 'direct' (tc, xdp): direct packet access between data (r7) and data_end (r8), each load after a bounds check
//    unless a check on every path to it already covers its bytes (forward dataflow: all jumps go forward); a
//    failed check, like a division by X = 0, goes to the miss return.
// Invariants:
//  - A is w0; X is w7 ('ld-abs': callee-saved across LD_ABS, which clobbers r1-r5) or w9 ('direct'); M[i] is the
//    u32 at fp-4(i+1); the ctx stays in r6 (LD_ABS requires it);
//  - A and X start at 0 when read before written, as in cBPF; ALU is 32-bit, jumps are JMP32 on w0;
//  - the classic program returns `cbpfMatch` / 0; they become `onMatch` / `onMiss` (identity for 'ld-abs');
//  - jumps stay forward; targets are labels `c<index>` resolved by the assembler.
import type { Insn as CInsn, JmpCond, RawInsn } from '@tfc/bpf/cbpf';
import { fromRaw } from '@tfc/bpf/cbpf';
import {
  alu32,
  alu64,
  call,
  exit,
  type Insn,
  ja,
  jmp,
  jmp32,
  mem,
  mov,
  R0,
  R1,
  R2,
  R3,
  R4,
  R6,
  R7,
  R8,
  R9,
  R10,
  toBe,
} from '@tfc/bpf/ebpf';

const A = R0;

export interface TranslateOptions {
  readonly mode: 'ld-abs' | 'direct';
  /** Direct mode: where data / data_end live in the ctx (tc __sk_buff 76/80, xdp_md 0/4) and how len is read. */
  readonly progType: 'socket' | 'tc' | 'xdp';
  readonly cbpfMatch: number;
  readonly onMatch: number;
  readonly onMiss: number;
}

const MAX_PKT_OFF = 0xffff;
/** Largest header span a socket filter copies to the stack (M[] takes the top 64 bytes of the 512). */
const MAX_SPAN = 256;
const SKB_LOAD_BYTES = 26;

const slot = (i: number) => -4 * (i + 1);

/** Whether A / X is read (before being written) from each instruction on: one backward sweep (jumps go
 *  forward). */
function liveness(
  prog: readonly CInsn[],
  reads: (c: CInsn) => boolean,
  writes: (c: CInsn) => boolean,
): boolean[] {
  const live: boolean[] = Array(prog.length + 1).fill(false);
  for (let i = prog.length - 1; i >= 0; i--) {
    const c = prog[i]!;
    const at = (d: number) => live[i + 1 + d] ?? false;
    if (reads(c)) live[i] = true;
    else if (c.kind === 'ret_k') live[i] = false;
    else if (c.kind === 'ja') live[i] = at(c.offset);
    else if (c.kind === 'jmp_k' || c.kind === 'jmp_x') live[i] = at(c.jt) || at(c.jf);
    else live[i] = writes(c) ? false : at(0);
  }
  return live;
}

const READS_A: ReadonlySet<CInsn['kind']> = new Set([
  'ret_a',
  'st',
  'tax',
  'alu_k',
  'alu_x',
  'neg',
  'jmp_k',
  'jmp_x',
]);
const WRITES_A: ReadonlySet<CInsn['kind']> = new Set([
  'ld_abs',
  'ld_ind',
  'ld_len',
  'ld_imm',
  'ld_mem',
  'txa',
  'ld_anc',
]);
const READS_X: ReadonlySet<CInsn['kind']> = new Set(['ld_ind', 'stx', 'txa', 'alu_x', 'jmp_x']);
const WRITES_X: ReadonlySet<CInsn['kind']> = new Set(['ldx_len', 'ldx_imm', 'ldx_mem', 'ldx_msh', 'tax']);

/** Direct mode: a load whose bytes end past MAX_PKT_OFF fails on every packet; it becomes a jump to the miss
 *  return, and nothing flows past it. */
function neverInBounds(c: CInsn): boolean {
  if (c.kind === 'ld_abs')
    return c.base === 'packet' && c.offset + { b: 1, h: 2, w: 4 }[c.size] > MAX_PKT_OFF;
  if (c.kind === 'ld_ind') return c.offset + { b: 1, h: 2, w: 4 }[c.size] > MAX_PKT_OFF;
  if (c.kind === 'ldx_msh') return c.offset + 1 > MAX_PKT_OFF;
  return false;
}

/** Instructions some path from the entry reaches (jumps go forward: one sweep); in direct mode a load no packet
 *  can satisfy ends its path. */
function reachable(prog: readonly CInsn[], direct: boolean): boolean[] {
  const r: boolean[] = Array(prog.length + 1).fill(false);
  r[0] = true;
  prog.forEach((c, i) => {
    if (!r[i]) return;
    if (direct && neverInBounds(c)) return;
    if (c.kind === 'ja') r[i + 1 + c.offset] = true;
    else if (c.kind === 'jmp_k' || c.kind === 'jmp_x') {
      r[i + 1 + c.jt] = true;
      r[i + 1 + c.jf] = true;
    } else if (c.kind !== 'ret_k' && c.kind !== 'ret_a') r[i + 1] = true;
  });
  return r;
}

export function cbpfToEbpf(raw: readonly RawInsn[], o: TranslateOptions): Insn[] | undefined {
  const prog = raw.map(fromRaw);
  const direct = o.mode === 'direct';
  const X = direct ? R9 : R7;
  const TMP = direct ? R2 : R8;
  const live = liveness(
    prog,
    (c) => READS_A.has(c.kind),
    (c) => WRITES_A.has(c.kind),
  );
  const liveX = liveness(
    prog,
    (c) => READS_X.has(c.kind),
    (c) => WRITES_X.has(c.kind),
  );
  const targets = new Set<number>();
  // Aborts (direct mode) share the classic program's last `ret #0` when it comes after them (jumps stay forward).
  const reach = reachable(prog, direct);
  // Socket filters: the header span [0, span) that constant loads read, when at least three of them do.
  let spanEnd = 0;
  let spanLoads = 0;
  if (!direct)
    prog.forEach((c, i) => {
      if (!reach[i]) return;
      const end =
        c.kind === 'ld_abs' && c.base === 'packet'
          ? c.offset + { b: 1, h: 2, w: 4 }[c.size]
          : c.kind === 'ldx_msh'
            ? c.offset + 1
            : 0;
      if (end > 0 && end <= MAX_SPAN) {
        spanEnd = Math.max(spanEnd, end);
        spanLoads++;
      }
    });
  const span = spanLoads >= 3 ? spanEnd : 0;
  let ret0 = -1;
  if (direct)
    for (let i = prog.length - 1; i >= 0 && ret0 < 0; i--) {
      const c = prog[i]!;
      if (reach[i] && c.kind === 'ret_k' && c.value === 0) ret0 = i;
    }
  if (ret0 >= 0) targets.add(ret0);
  let DIV0 = 'c_div0';
  // The copy's base is 6 mod 8 below fp, so fields at offsets 2 mod 4 (IPv4 behind Ethernet) are 4-aligned: the
  // verifier requires aligned stack accesses; a field that is not aligned there is read with LD_ABS.
  const SPAN_AT = 64 + span + ((6 - ((64 + span) % 8) + 8) % 8);
  const aligned = (k: number, n: number) => (((k - SPAN_AT) % n) + n) % n === 0;
  prog.forEach((c, i) => {
    if (c.kind === 'ja') targets.add(i + 1 + c.offset);
    if (c.kind === 'jmp_k' || c.kind === 'jmp_x') {
      targets.add(i + 1 + c.jt);
      targets.add(i + 1 + c.jf);
    }
  });
  const out: Insn[] = [mov.reg(R6, 1)];
  if (direct) {
    const [d, de] = o.progType === 'xdp' ? [0, 4] : [76, 80];
    out.push(mem.ldx('w', R7, R6, d), mem.ldx('w', R8, R6, de));
  }
  /** Direct mode: packet bytes [0, checked[i]) are bounds-checked on every path into instruction i. */
  const checked: number[] = Array(prog.length + 1).fill(Number.POSITIVE_INFINITY);
  checked[0] = 0;
  let now = 0;
  /** Largest value X can hold here when an `ldx 4*([k]&0xf)` set it in this block (else unknown). */
  let xMax: number | undefined;
  const flow = (to: number, v: number) => {
    checked[to] = Math.min(checked[to] ?? 0, v);
  };
  /** R1-free bounds check of bytes [0, end) (direct mode); false when no packet can hold them. */
  const bounds = (end: number): boolean => {
    if (end > MAX_PKT_OFF) {
      e(ja(DIV0));
      if (DIV0.endsWith('c_div0')) usesDiv0 = true;
      ended = true;
      return false;
    }
    if (end <= now) return true;
    e(mov.reg(R1, R7));
    e(alu64.add.imm(R1, end));
    e(jmp.jgt.reg(R1, R8, DIV0));
    if (DIV0.endsWith('c_div0')) usesDiv0 = true;
    now = end;
    return true;
  };
  const directLoad = (
    size: 'b' | 'h' | 'w',
    base: typeof R7 | typeof R1,
    k: number,
    dst: typeof A | typeof TMP,
  ) => {
    if (k <= 0x7fff) e(mem.ldx(size, dst, base, k));
    else {
      e(mov.reg(R3, base));
      e(alu64.add.imm(R3, k));
      e(mem.ldx(size, dst, R3, 0));
    }
    if (size !== 'b') e(toBe(dst, size === 'h' ? 16 : 32));
  };
  const bytesOf = { b: 1, h: 2, w: 4 } as const;
  const ret = (k: number) => (direct ? (k === o.cbpfMatch ? o.onMatch : k === 0 ? o.onMiss : undefined) : k);
  let usesDiv0 = false;
  /** The current classic instruction became an unconditional jump (an access no packet can satisfy): nothing
   *  flows to the next one, so it is emitted only if a jump reaches it (the verifier refuses unreachable code). */
  let ended = false;
  let pending: string | undefined;
  /** Labels of instructions that emitted nothing, to the label of the next one that did. */
  const alias = new Map<string, string>();
  const e = (i: Insn) => {
    out.push(pending === undefined ? i : { ...i, label: pending });
    pending = undefined;
  };
  let prefix = '';
  /** The fast body of a socket filter reads packet bytes [0, span) from the stack copy at fp-SPAN_AT. */
  let spanned = false;
  const label = (i: number) => `${prefix}c${i}`;
  const emitBody = (entry: string | undefined): boolean => {
    pending = entry;
    if (live[0]) e(alu32.mov.imm(A, 0));
    if (liveX[0]) e(alu32.mov.imm(X, 0));
    usesDiv0 = false;
    checked.fill(Number.POSITIVE_INFINITY);
    checked[0] = 0;
    now = 0;
    xMax = undefined;
    for (let i = 0; i < prog.length; i++) {
      const c = prog[i]!;
      // No path reaches it (the verifier refuses unreachable instructions).
      if (checked[i] === Number.POSITIVE_INFINITY) continue;
      if (targets.has(i)) {
        if (pending !== undefined) alias.set(pending, label(i));
        pending = label(i);
      }
      now = checked[i] ?? 0;
      if (targets.has(i)) xMax = undefined;
      DIV0 = i < ret0 ? `${prefix}c${ret0}` : `${prefix}c_div0`;
      const le = leAssembly(prog, i, targets);
      if (le !== undefined && !liveX[le.end]) {
        // The classic byte-by-byte little-endian assembly is one load and a byte swap (same bounds: the
        // classic form reads the highest byte first).
        if (direct) {
          if (bounds(le.k + le.n)) {
            // little-endian bytes in a little-endian register: already the value
            const size = le.n === 2 ? 'h' : 'w';
            if (le.k <= 0x7fff) e(mem.ldx(size, A, R7, le.k));
            else {
              e(mov.reg(R3, R7));
              e(alu64.add.imm(R3, le.k));
              e(mem.ldx(size, A, R3, 0));
            }
          }
        } else if (spanned && le.k + le.n <= span && aligned(le.k, le.n))
          e(mem.ldx(le.n === 2 ? 'h' : 'w', A, R10, le.k - SPAN_AT));
        else {
          e(mem.ldAbs(le.n === 2 ? 'h' : 'w', le.k));
          e(toBe(A, le.n === 2 ? 16 : 32));
        }
        if (!ended) flow(le.end, now);
        ended = false;
        i = le.end - 1;
        continue;
      }
      switch (c.kind) {
        case 'ld_abs':
          if (c.base !== 'packet') return false;
          if (spanned && c.offset + bytesOf[c.size] <= span && aligned(c.offset, bytesOf[c.size])) {
            e(mem.ldx(c.size, A, R10, c.offset - SPAN_AT));
            if (c.size !== 'b') e(toBe(A, c.size === 'h' ? 16 : 32));
          } else if (!direct) e(mem.ldAbs(c.size, c.offset));
          else if (bounds(c.offset + bytesOf[c.size])) directLoad(c.size, R7, c.offset, A);
          break;
        case 'ld_ind':
          if (!direct) e(mem.ldInd(c.size, X, c.offset));
          else {
            const limit = MAX_PKT_OFF - c.offset - bytesOf[c.size];
            if (DIV0.endsWith('c_div0')) usesDiv0 = true;
            if (limit < 0) {
              e(ja(DIV0));
              ended = true;
              break;
            }
            // X from `ldx 4*([k]&0xf)` is at most 60, and the verifier knows it too.
            if (xMax === undefined || xMax > limit) e(jmp32.jgt.imm(X, limit, DIV0));
            e(mov.reg(R1, R7));
            e(alu64.add.reg(R1, X));
            e(mov.reg(R2, R1));
            e(alu64.add.imm(R2, c.offset + bytesOf[c.size]));
            e(jmp.jgt.reg(R2, R8, DIV0));
            directLoad(c.size, R1, c.offset, A);
          }
          break;
        case 'ldx_msh':
          if (direct) {
            if (bounds(c.offset + 1)) {
              e(mem.ldx('b', X, R7, c.offset));
              e(alu32.and.imm(X, 0xf));
              e(alu32.lsh.imm(X, 2));
              xMax = 60;
            }
            break;
          }
          if (spanned && c.offset + 1 <= span) {
            e(mem.ldx('b', X, R10, c.offset - SPAN_AT));
            e(alu32.and.imm(X, 0xf));
            e(alu32.lsh.imm(X, 2));
            break;
          }
          if (live[i + 1]) e(alu32.mov.reg(TMP, A));
          e(mem.ldAbs('b', c.offset));
          e(alu32.and.imm(A, 0xf));
          e(alu32.lsh.imm(A, 2));
          e(alu32.mov.reg(X, A));
          if (live[i + 1]) e(alu32.mov.reg(A, TMP));
          break;
        case 'ld_len':
        case 'ldx_len': {
          const r = c.kind === 'ld_len' ? A : X;
          if (direct && o.progType === 'xdp') {
            e(mov.reg(r, R8));
            e(alu64.sub.reg(r, R7));
          } else e(mem.ldx('w', r, R6, 0));
          break;
        }
        case 'ld_imm':
          e(alu32.mov.imm(A, c.value));
          break;
        case 'ldx_imm':
          e(alu32.mov.imm(X, c.value));
          break;
        case 'ld_mem':
          e(mem.ldx('w', A, R10, slot(c.index)));
          break;
        case 'ldx_mem':
          e(mem.ldx('w', X, R10, slot(c.index)));
          break;
        case 'st':
          e(mem.stx('w', R10, slot(c.index), A));
          break;
        case 'stx':
          e(mem.stx('w', R10, slot(c.index), X));
          break;
        case 'alu_k':
          e(alu32[c.op].imm(A, c.value));
          break;
        case 'alu_x':
          if (c.op === 'div' || c.op === 'mod') {
            e(jmp32.jeq.imm(X, 0, DIV0));
            if (DIV0.endsWith('c_div0')) usesDiv0 = true;
          }
          e(alu32[c.op].reg(A, X));
          break;
        case 'neg':
          e(alu32.neg.imm(A, 0));
          break;
        case 'tax':
          e(alu32.mov.reg(X, A));
          break;
        case 'txa':
          e(alu32.mov.reg(A, X));
          break;
        case 'ja':
          e(ja(label(i + 1 + c.offset)));
          flow(i + 1 + c.offset, now);
          continue;
        case 'jmp_k':
        case 'jmp_x':
          jump(e, c, X, label(i + 1 + c.jt), label(i + 1 + c.jf), c.jt === 0, c.jf === 0);
          flow(i + 1 + c.jt, now);
          flow(i + 1 + c.jf, now);
          continue;
        case 'ret_k': {
          const v = ret(c.value >>> 0);
          if (v === undefined) return false;
          e(alu32.mov.imm(A, v | 0));
          e(exit());
          continue;
        }
        case 'ret_a':
          if (direct) return false;
          e(exit());
          continue;
        default:
          return false;
      }
      if (c.kind !== 'ldx_msh' && WRITES_X.has(c.kind)) xMax = undefined;
      if (ended) ended = false;
      else flow(i + 1, now);
    }
    if (usesDiv0) {
      out.push({ ...alu32.mov.imm(A, direct ? o.onMiss | 0 : 0), label: `${prefix}c_div0` });
      out.push(exit());
    }
    return true;
  };
  if (span > 0) {
    // One bpf_skb_load_bytes of the header span; packets shorter than it take the LD_ABS body.
    out.push(
      mov.imm(R2, 0),
      mov.reg(R3, R10),
      alu64.add.imm(R3, -SPAN_AT),
      mov.imm(R4, span),
      call(SKB_LOAD_BYTES),
      jmp.jne.imm(R0, 0, 's_entry'),
    );
    prefix = 'f_';
    spanned = true;
    if (!emitBody(undefined)) return undefined;
    prefix = 's_';
    spanned = false;
    if (!emitBody('s_entry')) return undefined;
  } else if (!emitBody(undefined)) return undefined;
  const resolve = (l: string): string => {
    let x = l;
    for (let y = alias.get(x); y !== undefined; y = alias.get(x)) x = y;
    return x;
  };
  return alias.size === 0
    ? out
    : out.map((i) => (i.target === undefined ? i : { ...i, target: resolve(i.target) }));
}

/** The classic generator's little-endian field assembly starting at i (`ldb [k+n-1]; lsh; tax; … ldb [k]; or x`),
 *  uninterrupted by jump targets: its byte offset k, width n and the index after it. */
function leAssembly(
  prog: readonly CInsn[],
  i: number,
  targets: ReadonlySet<number>,
): { k: number; n: 2 | 4; end: number } | undefined {
  const first = prog[i];
  if (first?.kind !== 'ld_abs' || first.size !== 'b' || first.base !== 'packet') return undefined;
  for (const n of [4, 2] as const) {
    const k = first.offset - (n - 1);
    if (k < 0) continue;
    const want: CInsn[] = [
      { kind: 'ld_abs', size: 'b', base: 'packet', offset: k + n - 1 },
      { kind: 'alu_k', op: 'lsh', value: 8 * (n - 1) },
    ];
    for (let b = n - 2; b >= 0; b--) {
      want.push({ kind: 'tax' }, { kind: 'ld_abs', size: 'b', base: 'packet', offset: k + b });
      if (b > 0) want.push({ kind: 'alu_k', op: 'lsh', value: 8 * b });
      want.push({ kind: 'alu_x', op: 'or' });
    }
    let ok = true;
    for (let j = 0; j < want.length && ok; j++) {
      if (j > 0 && targets.has(i + j)) ok = false;
      else ok = JSON.stringify(prog[i + j]) === JSON.stringify(want[j]);
    }
    if (ok) return { k, n, end: i + want.length };
  }
  return undefined;
}

const INVERSE: Partial<Record<JmpCond, 'jne' | 'jle' | 'jlt'>> = { jeq: 'jne', jgt: 'jle', jge: 'jlt' };

function jump(
  e: (i: Insn) => void,
  c: Extract<CInsn, { kind: 'jmp_k' | 'jmp_x' }>,
  X: typeof R7 | typeof R9,
  jt: string,
  jf: string,
  tFalls: boolean,
  fFalls: boolean,
): void {
  const cond = (name: JmpCond | 'jne' | 'jle' | 'jlt', target: string) =>
    c.kind === 'jmp_k' ? jmp32[name].imm(A, c.value, target) : jmp32[name].reg(A, X, target);
  if (tFalls && fFalls) return;
  const inv = INVERSE[c.cond];
  if (tFalls && inv !== undefined) {
    e(cond(inv, jf));
    return;
  }
  if (tFalls) {
    // jset has no inverse: jump over the `ja` when set.
    e(cond(c.cond, jt));
    e(ja(jf));
    return;
  }
  e(cond(c.cond, jt));
  if (!fFalls) e(ja(jf));
}
