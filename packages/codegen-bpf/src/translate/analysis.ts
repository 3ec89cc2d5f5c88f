// What the classic-to-eBPF translation (cbpf-to-ebpf.ts) knows about the classic program before emitting it: where
// A and X are live, which instructions some path reaches, the jump targets, the header span a socket filter copies
// to the stack, the last reachable `ret #0` that aborts share, and the classic generator's little-endian field
// assembly (one eBPF load and no swap).
// Invariants: pure; one sweep each (classic jumps go forward); a direct-mode load no packet can satisfy ends its
// path.
import type { Insn as CInsn } from '@tfc/bpf/cbpf';
import { MAX_PKT_OFF } from '../lower/access.ts';

/** Largest header span a socket filter copies to the stack (M[] takes the top 64 bytes of the 512). */
export const MAX_SPAN = 256;

export const BYTES_OF = { b: 1, h: 2, w: 4 } as const;

/** Whether A / X is read (before being written) from each instruction on: one backward sweep (jumps go
 *  forward). */
export function liveness(
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

export const READS_A: ReadonlySet<CInsn['kind']> = new Set([
  'ret_a',
  'st',
  'tax',
  'alu_k',
  'alu_x',
  'neg',
  'jmp_k',
  'jmp_x',
]);
export const WRITES_A: ReadonlySet<CInsn['kind']> = new Set([
  'ld_abs',
  'ld_ind',
  'ld_len',
  'ld_imm',
  'ld_mem',
  'txa',
  'ld_anc',
]);
export const READS_X: ReadonlySet<CInsn['kind']> = new Set(['ld_ind', 'stx', 'txa', 'alu_x', 'jmp_x']);
export const WRITES_X: ReadonlySet<CInsn['kind']> = new Set([
  'ldx_len',
  'ldx_imm',
  'ldx_mem',
  'ldx_msh',
  'tax',
]);

/** Direct mode: a load whose bytes end past MAX_PKT_OFF fails on every packet; it becomes a jump to the miss
 *  return, and nothing flows past it. */
export function neverInBounds(c: CInsn): boolean {
  if (c.kind === 'ld_abs') return c.base === 'packet' && c.offset + BYTES_OF[c.size] > MAX_PKT_OFF;
  if (c.kind === 'ld_ind') return c.offset + BYTES_OF[c.size] > MAX_PKT_OFF;
  if (c.kind === 'ldx_msh') return c.offset + 1 > MAX_PKT_OFF;
  return false;
}

/** Instructions some path from the entry reaches (jumps go forward: one sweep); in direct mode a load no packet
 *  can satisfy ends its path. */
export function reachable(prog: readonly CInsn[], direct: boolean): boolean[] {
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

/** Socket filters: the header span [0, span) that reachable constant loads read, when at least three do (else 0). */
export function headerSpan(prog: readonly CInsn[], reach: readonly boolean[]): number {
  let spanEnd = 0;
  let spanLoads = 0;
  prog.forEach((c, i) => {
    if (!reach[i]) return;
    const end =
      c.kind === 'ld_abs' && c.base === 'packet'
        ? c.offset + BYTES_OF[c.size]
        : c.kind === 'ldx_msh'
          ? c.offset + 1
          : 0;
    if (end > 0 && end <= MAX_SPAN) {
      spanEnd = Math.max(spanEnd, end);
      spanLoads++;
    }
  });
  return spanLoads >= 3 ? spanEnd : 0;
}

/** The index of the last reachable `ret #0` (-1 when none). */
export function lastRet0(prog: readonly CInsn[], reach: readonly boolean[]): number {
  for (let i = prog.length - 1; i >= 0; i--) {
    const c = prog[i]!;
    if (reach[i] && c.kind === 'ret_k' && c.value === 0) return i;
  }
  return -1;
}

/** Every instruction a jump lands on. */
export function jumpTargets(prog: readonly CInsn[]): Set<number> {
  const targets = new Set<number>();
  prog.forEach((c, i) => {
    if (c.kind === 'ja') targets.add(i + 1 + c.offset);
    if (c.kind === 'jmp_k' || c.kind === 'jmp_x') {
      targets.add(i + 1 + c.jt);
      targets.add(i + 1 + c.jf);
    }
  });
  return targets;
}

/** The classic generator's little-endian field assembly starting at i (`ldb [k+n-1]; lsh; tax; … ldb [k]; or x`),
 *  uninterrupted by jump targets: its byte offset k, width n and the index after it. */
export function leAssembly(
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
