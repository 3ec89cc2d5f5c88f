// eBPF translation of the compare leaves: `cmp` (jump opcodes and branch inversion from the IR's OPS table,
// widths 1/2 masked or sign-extended to 64 bits, width 4 through JMP32, width 8 JMP) and `in` (a chain of jeq,
// a binary search from `binarySearchMin` values, or one lookup in a hash map named after its content).
// Invariants: every leaf ends in a jump to its t or f label (or falls through to the node placed next); equal sets
// share one map; an abort in an operand goes to the leaf's abort label.
import { alu64, call, jmp, jmp32, ldMapFd, mem, mov, R0, R1, R2, R10 } from '@tfc/bpf/ebpf';
import type { CmpOp, LeafPred } from '@tfc/ir';
import { OPS } from '@tfc/ir';
import { lowerSetSearch } from '../lower/set-search.ts';
import {
  type EbpfGen,
  HELPER,
  jumpConst,
  leBytes,
  type Mask,
  normalize,
  normalizeConst,
  pop,
  push,
  SCRATCH,
  setMapName,
  sizeName,
  zeroExtended,
} from './context.ts';
import { fresh, goto, place } from './emitter.ts';
import { expr } from './expr.ts';

export function cmpLeaf(g: EbpfGen, p: Extract<LeafPred, { kind: 'cmp' }>, t: string, f: string, a: string) {
  const info = OPS[p.op as CmpOp];
  const signed = info.ordered && p.signed;
  let j = signed ? info.ebpf.signed : info.ebpf.unsigned;
  let [tt, ff] = info.ebpf.invert ? [f, t] : [t, f];
  // The jump taken to tt tests condOp; its negation may have a direct jump too.
  const condOp: CmpOp = info.ebpf.invert ? info.negation : p.op;
  const neg = OPS[OPS[condOp].negation];
  if (tt === g.fallLabel && !neg.ebpf.invert) {
    // The taken branch is the next node: jump on the negated compare and fall through.
    j = signed ? neg.ebpf.signed : neg.ebpf.unsigned;
    [tt, ff] = [ff, tt];
  }
  const m: Mask = signed ? 'sext' : 'mask';
  if (p.right.kind !== 'const' && g.need(p.right) > g.need(p.left)) {
    expr(g, p.right, a);
    normalize(g, R0, p.width, m);
    const slot = push(g);
    expr(g, p.left, a);
    normalize(g, R0, p.width, m);
    pop(g, R1, slot);
    if (p.width === 4) g.e(jmp32[j].reg(R0, R1, tt));
    else g.e(jmp[j].reg(R0, R1, tt));
    goto(g.em, ff);
    return;
  }
  expr(g, p.left, a);
  if (!zeroExtended(p.left, p.width, m)) normalize(g, R0, p.width, m);
  if (p.right.kind === 'const') {
    jumpConst(g, j, R0, normalizeConst(p.right.value, p.width, m), p.width, tt);
  } else {
    const slot = push(g);
    expr(g, p.right, a);
    normalize(g, R0, p.width, m);
    pop(g, R1, slot);
    if (p.width === 4) g.e(jmp32[j].reg(R1, R0, tt));
    else g.e(jmp[j].reg(R1, R0, tt));
  }
  goto(g.em, ff);
}

export function inLeaf(g: EbpfGen, p: Extract<LeafPred, { kind: 'in' }>, t: string, f: string, a: string) {
  expr(g, p.value, a);
  if (!zeroExtended(p.value, p.width, 'mask')) normalize(g, R0, p.width, 'mask');
  const set = p.set.map((v) => normalizeConst(v, p.width, 'mask'));
  if (set.length >= g.o.binarySearchMin && g.o.setLookup === 'map') {
    // Hash map lookup: key = the value's low `width` bytes (host order), value = one byte.
    const entries = set.map((v) => ({ key: leBytes(v, p.width), value: Uint8Array.of(1) }));
    // Named by its contents: equal sets share a pinned map, different sets never do.
    const name = setMapName(p.width, entries);
    if (!g.maps.some((m) => m.name === name))
      g.maps.push({ name, type: 'hash', keySize: p.width, valueSize: 1, maxEntries: set.length, entries });
    g.e(mem.stx(sizeName(p.width), R10, -SCRATCH, R0));
    g.e(ldMapFd(R1, name));
    g.e(mov.reg(R2, R10));
    g.e(alu64.add.imm(R2, -SCRATCH));
    g.e(call(HELPER.mapLookup));
    g.e(jmp.jne.imm(R0, 0, t));
    goto(g.em, f);
    return;
  }
  for (const op of lowerSetSearch(set.length, t, f, g.o.binarySearchMin, () => fresh(g.em)))
    if (op.op === 'eq') jumpConst(g, 'jeq', R0, set[op.index]!, p.width, op.to);
    else if (op.op === 'gt') jumpConst(g, 'jgt', R0, set[op.index]!, p.width, op.to);
    else if (op.op === 'goto') goto(g.em, op.to);
    else place(g.em, op.name);
}
