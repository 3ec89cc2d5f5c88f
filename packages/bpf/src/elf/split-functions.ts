// Splits a resolved program with BPF-to-BPF calls into functions, as libbpf wants them in objects:
// the entry function first, then one subprogram per distinct call target (in slot order).
// Invariants: every function is a contiguous run of whole instructions; jumps must stay inside
// their function (else an error value); each pseudo call is reported with its byte offset inside
// its function and the index of the callee, and gets imm = -1 so that a relocation against the
// callee's FUNC symbol (libbpf: insn index = st_value / 8 + imm + 1) designates the callee's start.
import type { Insn } from '../ebpf/insn.ts';
import { CLASS, classOf, JMP_OP, OPCODE, opOf, PSEUDO_CALL, PSEUDO_LD } from '../ebpf/opcode.ts';

export type SplitFunction = { readonly insns: Insn[]; readonly calls: [number, number][] };
export type SplitResult = { ok: true; functions: SplitFunction[] } | { ok: false; errors: string[] };

const slots = (i: Insn): number => (i.code === OPCODE.ldImm64 && i.imm64 !== undefined ? 2 : 1);

function jumpTarget(i: Insn, slot: number): number | undefined {
  const cls = classOf(i.code);
  if (i.code === OPCODE.gotol) return slot + 1 + i.imm;
  if (cls !== CLASS.jmp && cls !== CLASS.jmp32) return undefined;
  const op = opOf(i.code);
  if (op === JMP_OP.call || op === JMP_OP.exit) return undefined;
  return slot + 1 + i.off;
}

export function splitFunctions(insns: readonly Insn[]): SplitResult {
  const start: number[] = [];
  let s = 0;
  for (const i of insns) {
    start.push(s);
    s += slots(i);
  }
  const total = s;
  const entries = new Set<number>([0]);
  const errors: string[] = [];
  insns.forEach((i, k) => {
    if (i.code === OPCODE.call && i.src === PSEUDO_CALL.call) {
      const t = start[k]! + 1 + i.imm;
      if (t <= 0 || t >= total || !start.includes(t))
        errors.push(`insn ${k}: call target slot ${t} is not a subprogram start`);
      else entries.add(t);
    }
    if (i.code === OPCODE.ldImm64 && i.src === PSEUDO_LD.func)
      errors.push(`insn ${k}: callback references are not supported in objects`);
  });
  if (errors.length > 0) return { ok: false, errors };
  const bounds = [...entries].sort((a, b) => a - b);
  const fnOf = (slot: number): number => {
    let f = 0;
    while (f + 1 < bounds.length && bounds[f + 1]! <= slot) f++;
    return f;
  };
  const functions: { insns: Insn[]; calls: [number, number][] }[] = bounds.map(() => ({
    insns: [],
    calls: [],
  }));
  insns.forEach((i, k) => {
    const slot = start[k]!;
    const f = fnOf(slot);
    const fn = functions[f]!;
    const base = bounds[f]!;
    const t = jumpTarget(i, slot);
    if (t !== undefined && fnOf(t) !== f) errors.push(`insn ${k}: jump leaves its function`);
    if (i.code === OPCODE.call && i.src === PSEUDO_CALL.call) {
      fn.calls.push([(slot - base) * 8, bounds.indexOf(slot + 1 + i.imm)]);
      fn.insns.push({ ...i, imm: -1 });
    } else {
      fn.insns.push(i);
    }
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, functions };
}
