// Per-CPU counters of the programs that count (raw tracepoint hits, refused ring-buffer outputs): add 1 to one
// word of a per-CPU array map. Invariants: a missing entry adds nothing (the map lookup's NULL goes to `after`); the
// key is written to the stack slot fp-`slot`; clobbers R0-R5; the add is atomic (a per-CPU value may still be
// updated by a program preempted on the same CPU).
import { alu64, atomic, call, jmp, ldMapFd, mem, mov, R0, R1, R2, R10 } from '@tfc/bpf/ebpf';
import type { EbpfGen } from './context.ts';
import { HELPER } from './context.ts';

/** Adds 1 to word `key` of the per-CPU array `map`, then falls through; a failed lookup jumps to `after`. */
export function bumpCounter(g: EbpfGen, map: string, key: number, slot: number, after: string): void {
  const e = g.e;
  e(mem.st('w', R10, -slot, key));
  e(ldMapFd(R1, map));
  e(mov.reg(R2, R10));
  e(alu64.add.imm(R2, -slot));
  e(call(HELPER.mapLookup));
  e(jmp.jeq.imm(R0, 0, after));
  e(mov.imm(R1, 1));
  e(atomic.op('add', 'dw', R0, 0, R1));
}
