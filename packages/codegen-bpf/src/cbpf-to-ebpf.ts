// A classic BPF program (the optimised output of cbpf-gen) as an eBPF socket filter, instruction by instruction,
// the way the kernel runs classic programs (net/core/filter.c bpf_convert_filter): packet bytes through the
// legacy LD_ABS/LD_IND loads, which the verifier rewrites into an inline header fast path with a helper fallback —
// one load, no stack copy, where bpf_skb_load_bytes costs a call and a copy per field.
// Invariants:
//  - A is w0, X is w7 (callee-saved across LD_ABS, which clobbers r1-r5), M[i] is the u32 at fp-4(i+1), the ctx
//    stays in r6 (LD_ABS requires it); w8 saves A across `ldx 4*([k]&0xf)` when A is read later;
//  - A and X start at 0, as in cBPF; ALU is 32-bit, jumps are JMP32 on w0;
//  - a load past the end ends the program with 0 (LD_ABS semantics = cBPF semantics), and so does a division or
//    modulo by X = 0 (an explicit test: eBPF would yield 0 / keep A instead) — so the translation is used only where
//    the miss value is 0;
//  - jumps stay forward; targets are labels `c<index>` resolved by the assembler.
import type { Insn as CInsn, JmpCond, RawInsn } from '@tfc/bpf/cbpf';
import { fromRaw } from '@tfc/bpf/cbpf';
import { alu32, exit, type Insn, ja, jmp32, mem, mov, R0, R6, R7, R8, R10, toBe } from '@tfc/bpf/ebpf';

const A = R0;
const X = R7;
const TMP = R8;
const DIV0 = 'c_div0';

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

export function cbpfToEbpf(raw: readonly RawInsn[]): Insn[] | undefined {
  const prog = raw.map(fromRaw);
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
  prog.forEach((c, i) => {
    if (c.kind === 'ja') targets.add(i + 1 + c.offset);
    if (c.kind === 'jmp_k' || c.kind === 'jmp_x') {
      targets.add(i + 1 + c.jt);
      targets.add(i + 1 + c.jf);
    }
  });
  const out: Insn[] = [mov.reg(R6, 1)];
  if (live[0]) out.push(alu32.mov.imm(A, 0));
  if (liveX[0]) out.push(alu32.mov.imm(X, 0));
  let usesDiv0 = false;
  let pending: string | undefined;
  /** Labels of instructions that emitted nothing, to the label of the next one that did. */
  const alias = new Map<string, string>();
  const e = (i: Insn) => {
    out.push(pending === undefined ? i : { ...i, label: pending });
    pending = undefined;
  };
  const label = (i: number) => `c${i}`;
  for (let i = 0; i < prog.length; i++) {
    const c = prog[i]!;
    if (targets.has(i)) {
      if (pending !== undefined) alias.set(pending, label(i));
      pending = label(i);
    }
    const le = leAssembly(prog, i, targets);
    if (le !== undefined && !liveX[le.end]) {
      // The classic byte-by-byte little-endian assembly is one load and a byte swap (same bounds: the
      // classic form reads the highest byte first).
      e(mem.ldAbs(le.n === 2 ? 'h' : 'w', le.k));
      e(toBe(A, le.n === 2 ? 16 : 32));
      i = le.end - 1;
      continue;
    }
    switch (c.kind) {
      case 'ld_abs':
        if (c.base !== 'packet') return undefined;
        e(mem.ldAbs(c.size, c.offset));
        break;
      case 'ld_ind':
        e(mem.ldInd(c.size, X, c.offset));
        break;
      case 'ldx_msh':
        if (live[i + 1]) e(alu32.mov.reg(TMP, A));
        e(mem.ldAbs('b', c.offset));
        e(alu32.and.imm(A, 0xf));
        e(alu32.lsh.imm(A, 2));
        e(alu32.mov.reg(X, A));
        if (live[i + 1]) e(alu32.mov.reg(A, TMP));
        break;
      case 'ld_len':
        e(mem.ldx('w', A, R6, 0));
        break;
      case 'ldx_len':
        e(mem.ldx('w', X, R6, 0));
        break;
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
          usesDiv0 = true;
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
        break;
      case 'jmp_k':
      case 'jmp_x':
        jump(e, c, label(i + 1 + c.jt), label(i + 1 + c.jf), c.jt === 0, c.jf === 0);
        break;
      case 'ret_k':
        e(alu32.mov.imm(A, c.value));
        e(exit());
        break;
      case 'ret_a':
        e(exit());
        break;
      default:
        return undefined;
    }
  }
  if (usesDiv0) {
    out.push({ ...alu32.mov.imm(A, 0), label: DIV0 });
    out.push(exit());
  }
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
