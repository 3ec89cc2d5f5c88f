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
//
// This module is the driver: the analysis (translate/analysis.ts), the guards decided once as pseudo-instructions
// before the loads that need them (translate/guards.ts), the prologue (and a socket filter's span copy),
// one body (two for a span copy: the fast one over the copy, the LD_ABS one for shorter packets), each a walk over
// the classic instructions (translate/insn.ts).
import type { RawInsn } from '@tfc/bpf/cbpf';
import { fromRaw } from '@tfc/bpf/cbpf';
import {
  alu32,
  alu64,
  call,
  exit,
  type Insn,
  jmp,
  mem,
  mov,
  R0,
  R2,
  R3,
  R4,
  R6,
  R7,
  R8,
  R9,
  R10,
} from '@tfc/bpf/ebpf';
import {
  headerSpan,
  jumpTargets,
  lastRet0,
  leAssembly,
  liveness,
  READS_A,
  READS_X,
  reachable,
  WRITES_A,
  WRITES_X,
} from './translate/analysis.ts';
import { planGuards } from './translate/guards.ts';
import { leLoad, translateInsn } from './translate/insn.ts';
import { A, emitInsn, labelOf, type TranslateOptions, type Translation } from './translate/state.ts';

export type { TranslateOptions } from './translate/state.ts';

const SKB_LOAD_BYTES = 26;

/** One body: the classic instructions from the entry (labelled `entry`), unreachable ones dropped; false where the
 *  program cannot be translated. */
function emitBody(t: Translation, entry: string | undefined): boolean {
  const { prog } = t;
  t.pending = entry;
  if (t.live[0]) emitInsn(t, alu32.mov.imm(A, 0));
  if (t.liveX[0]) emitInsn(t, alu32.mov.imm(t.X, 0));
  t.usesDiv0 = false;
  t.xMax = undefined;
  for (let i = 0; i < prog.length; i++) {
    const c = prog[i]!;
    // No path reaches it (the verifier refuses unreachable instructions).
    if (t.plan.dead[i]) continue;
    if (t.targets.has(i)) {
      if (t.pending !== undefined) t.alias.set(t.pending, labelOf(t, i));
      t.pending = labelOf(t, i);
    }
    if (t.targets.has(i)) t.xMax = undefined;
    t.div0 = i < t.ret0 ? `${t.prefix}c${t.ret0}` : `${t.prefix}c_div0`;
    const le = leAssembly(prog, i, t.targets);
    if (le !== undefined && !t.liveX[le.end]) {
      leLoad(t, le, i);
      i = le.end - 1;
      continue;
    }
    const r = translateInsn(t, c, i);
    if (r === false) return false;
    if (r === 'jumped') continue;
    if (c.kind !== 'ldx_msh' && WRITES_X.has(c.kind)) t.xMax = undefined;
  }
  if (t.usesDiv0) {
    t.out.push({ ...alu32.mov.imm(A, t.direct ? t.o.onMiss | 0 : 0), label: `${t.prefix}c_div0` });
    t.out.push(exit());
  }
  return true;
}

export function cbpfToEbpf(raw: readonly RawInsn[], o: TranslateOptions): Insn[] | undefined {
  const prog = raw.map(fromRaw);
  const direct = o.mode === 'direct';
  // Aborts (direct mode) share the classic program's last `ret #0` when it comes after them (jumps stay forward).
  const reach = reachable(prog, direct);
  const span = direct ? 0 : headerSpan(prog, reach);
  const ret0 = direct ? lastRet0(prog, reach) : -1;
  const targets = jumpTargets(prog);
  if (ret0 >= 0) targets.add(ret0);
  const liveX = liveness(
    prog,
    (c) => READS_X.has(c.kind),
    (c) => WRITES_X.has(c.kind),
  );
  const t: Translation = {
    prog,
    o,
    direct,
    X: direct ? R9 : R7,
    TMP: direct ? R2 : R8,
    live: liveness(
      prog,
      (c) => READS_A.has(c.kind),
      (c) => WRITES_A.has(c.kind),
    ),
    liveX,
    targets,
    ret0,
    span,
    // The copy's base is 6 mod 8 below fp, so fields at offsets 2 mod 4 (IPv4 behind Ethernet) are 4-aligned: the
    // verifier requires aligned stack accesses; a field that is not aligned there is read with LD_ABS.
    spanAt: 64 + span + ((6 - ((64 + span) % 8) + 8) % 8),
    out: [mov.reg(R6, 1)],
    plan: planGuards(prog, targets, liveX, direct),
    alias: new Map(),
    xMax: undefined,
    usesDiv0: false,
    pending: undefined,
    prefix: '',
    spanned: false,
    div0: 'c_div0',
  };
  if (direct) {
    const [d, de] = o.progType === 'xdp' ? [0, 4] : [76, 80];
    t.out.push(mem.ldx('w', R7, R6, d), mem.ldx('w', R8, R6, de));
  }
  if (span > 0) {
    // One bpf_skb_load_bytes of the header span; packets shorter than it take the LD_ABS body.
    t.out.push(
      mov.imm(R2, 0),
      mov.reg(R3, R10),
      alu64.add.imm(R3, -t.spanAt),
      mov.imm(R4, span),
      call(SKB_LOAD_BYTES),
      jmp.jne.imm(R0, 0, 's_entry'),
    );
    t.prefix = 'f_';
    t.spanned = true;
    if (!emitBody(t, undefined)) return undefined;
    t.prefix = 's_';
    t.spanned = false;
    if (!emitBody(t, 's_entry')) return undefined;
  } else if (!emitBody(t, undefined)) return undefined;
  const resolve = (l: string): string => {
    let x = l;
    for (let y = t.alias.get(x); y !== undefined; y = t.alias.get(x)) x = y;
    return x;
  };
  return t.alias.size === 0
    ? t.out
    : t.out.map((i) => (i.target === undefined ? i : { ...i, target: resolve(i.target) }));
}
