// Label resolution ("assembly") for eBPF instruction lists.
// Invariants: offsets count 8-byte slots (an ld_imm64 counts 2) relative to the slot after the
// referring instruction, as the ISA defines. Jumps (JMP/JMP32 conditionals, ja, may_goto) get `off`
// (must fit s16); gotol, BPF-to-BPF calls and ld_imm64 BPF_PSEUDO_FUNC get `imm` (s32). Every
// problem (unknown or duplicate label, offset out of range, a target on an instruction that cannot
// take one) is reported as an error value with the instruction index; all errors are collected.
// Output instructions carry no `label`/`target`; `map` names are kept for the ELF writer.
import type { Insn } from './insn.ts';
import { CLASS, classOf, JMP_OP, OPCODE, opOf, PSEUDO_CALL, PSEUDO_LD } from './opcode.ts';

export type AsmError = { index: number; message: string };
export type AssembleResult = { ok: true; insns: Insn[] } | { ok: false; errors: AsmError[] };

type TargetField = 'off' | 'imm' | 'imm64';

function targetField(i: Insn): TargetField | undefined {
  const cls = classOf(i.code);
  if (i.code === OPCODE.gotol) return 'imm';
  if (i.code === OPCODE.call) return i.src === PSEUDO_CALL.call ? 'imm' : undefined;
  if (i.code === OPCODE.ldImm64)
    return i.src === PSEUDO_LD.func && i.imm64 !== undefined ? 'imm64' : undefined;
  if (cls === CLASS.jmp || cls === CLASS.jmp32) {
    const op = opOf(i.code);
    return op === JMP_OP.exit || op === JMP_OP.call ? undefined : 'off';
  }
  return undefined;
}

function strip(i: Insn): Insn {
  const { label: _l, target: _t, ...rest } = i;
  return rest;
}

/** Resolves labels into offsets (see module header). */
export function assemble(insns: readonly Insn[]): AssembleResult {
  const errors: AsmError[] = [];
  const slotOf: number[] = [];
  const labels = new Map<string, number>();
  let slot = 0;
  insns.forEach((i, index) => {
    slotOf.push(slot);
    if (i.label !== undefined) {
      if (labels.has(i.label)) errors.push({ index, message: `duplicate label '${i.label}'` });
      else labels.set(i.label, slot);
    }
    slot += i.code === OPCODE.ldImm64 && i.imm64 !== undefined ? 2 : 1;
  });
  const out: Insn[] = [];
  insns.forEach((i, index) => {
    if (i.target === undefined) {
      out.push(strip(i));
      return;
    }
    const field = targetField(i);
    const dest = labels.get(i.target);
    if (field === undefined) {
      errors.push({ index, message: `instruction cannot refer to label '${i.target}'` });
      out.push(strip(i));
      return;
    }
    if (dest === undefined) {
      errors.push({ index, message: `unknown label '${i.target}'` });
      out.push(strip(i));
      return;
    }
    const delta = dest - (slotOf[index]! + 1);
    if (field === 'off') {
      if (delta < -32768 || delta > 32767) {
        errors.push({
          index,
          message: `jump to '${i.target}' (${delta}) does not fit a signed 16-bit offset`,
        });
      }
      out.push(strip({ ...i, off: (delta << 16) >> 16 }));
    } else {
      if (delta < -2147483648 || delta > 2147483647) {
        errors.push({
          index,
          message: `reference to '${i.target}' (${delta}) does not fit a signed 32-bit imm`,
        });
      }
      const imm = delta | 0;
      out.push(strip(field === 'imm64' ? { ...i, imm, imm64: BigInt(imm >>> 0) } : { ...i, imm }));
    }
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, insns: out };
}
