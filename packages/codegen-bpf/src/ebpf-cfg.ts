// The kernel verifier's first, structural check (kernel/bpf/verifier.c check_cfg) on an assembled eBPF program:
// every instruction is reachable from the entry along control-flow edges, every jump lands inside the program
// and not in the second slot of an ld_imm64, and the last instruction does not fall off the end. Values are not
// tracked (a conditional jump reaches both its targets), which is exactly what the kernel does here.
// Invariants: pure; works on slots (an ld_imm64 occupies two); the answer names the first offending slot.
import { CLASS, type Insn, OPCODE } from '@tfc/bpf/ebpf';

export type CfgProblem = { readonly slot: number; readonly message: string };

/** The first structural problem of `insns` (assembled: jump offsets resolved), or undefined. */
export function cfgProblem(insns: readonly Insn[]): CfgProblem | undefined {
  const slots: (Insn | undefined)[] = [];
  for (const i of insns) {
    slots.push(i);
    if (i.code === OPCODE.ldImm64 && i.imm64 !== undefined) slots.push(undefined);
  }
  const n = slots.length;
  if (n === 0) return { slot: 0, message: 'empty program' };
  const seen: boolean[] = Array(n).fill(false);
  const work = [0];
  seen[0] = true;
  const edge = (from: number, to: number): CfgProblem | undefined => {
    if (to < 0 || to >= n) return { slot: from, message: `jump out of range from insn ${from} to ${to}` };
    if (slots[to] === undefined) return { slot: from, message: `jump into the middle of ldimm64 insn ${to}` };
    if (!seen[to]) {
      seen[to] = true;
      work.push(to);
    }
    return undefined;
  };
  while (work.length > 0) {
    const s = work.pop()!;
    const i = slots[s]!;
    const cls = i.code & 0x07;
    const op = i.code & 0xf0;
    const width = i.code === OPCODE.ldImm64 && i.imm64 !== undefined ? 2 : 1;
    let p: CfgProblem | undefined;
    if (cls === CLASS.jmp || cls === CLASS.jmp32) {
      if (i.code === OPCODE.exit) continue;
      if (op === 0x80) {
        // call: returns to the next instruction (bpf-to-bpf calls are not generated)
        p = edge(s, s + 1);
      } else if (op === 0x00) {
        // ja (off) or gotol (imm)
        p = edge(s, s + 1 + (cls === CLASS.jmp32 ? i.imm : i.off));
      } else {
        p = edge(s, s + 1 + i.off) ?? edge(s, s + 1);
      }
    } else p = edge(s, s + width);
    if (p !== undefined) return p;
  }
  const dead = seen.findIndex((v, k) => !v && slots[k] !== undefined);
  return dead < 0 ? undefined : { slot: dead, message: `unreachable insn ${dead}` };
}
