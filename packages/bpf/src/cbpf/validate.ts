// The Linux kernel's classic-BPF checker (net/core/filter.c: bpf_check_basics_ok, bpf_check_classic,
// chk_code_allowed, check_load_and_stores), returning diagnostics instead of -EINVAL.
// Invariants: `validate(p).length === 0` exactly when the kernel would accept `p` for SO_ATTACH_FILTER
// (modulo memory limits such as optmem_max). Unlike the kernel, which stops at the first fault, every fault
// found is reported, sorted by instruction index (index -1 = the whole program). The memory-initialisation
// analysis runs only when jumps and memory indexes are in range (as in the kernel, which checks them first).
import type { RawInsn } from './insn.ts';
import { fromRaw } from './insn.ts';
import { BPF_MAXINSNS, BPF_MEMWORDS, SKF_AD_OFF } from './opcodes.ts';

export interface Diagnostic {
  readonly index: number;
  readonly message: string;
}

export function validate(p: readonly RawInsn[]): readonly Diagnostic[] {
  const out: Diagnostic[] = [];
  const flen = p.length;
  // bpf_check_basics_ok: flen == 0 || flen > BPF_MAXINSNS -> -EINVAL
  if (flen === 0) return [{ index: -1, message: 'empty program (the kernel requires 1..4096 instructions)' }];
  if (flen > BPF_MAXINSNS) {
    return [
      { index: -1, message: `program has ${flen} instructions; the kernel allows at most ${BPF_MAXINSNS}` },
    ];
  }
  let structural = true;
  for (let pc = 0; pc < flen; pc++) {
    const r = p[pc]!;
    const i = fromRaw(r);
    const bad = (message: string) => {
      out.push({ index: pc, message });
      structural = false;
    };
    switch (i.kind) {
      case 'invalid':
        bad(`opcode 0x${(r.code >>> 0).toString(16)} is not allowed (chk_code_allowed)`);
        break;
      case 'alu_k':
        // BPF_DIV|BPF_K, BPF_MOD|BPF_K: "Check for division by zero"
        if ((i.op === 'div' || i.op === 'mod') && i.value === 0) bad(`${i.op} by constant 0`);
        // BPF_LSH|BPF_K, BPF_RSH|BPF_K: k >= 32 -> -EINVAL
        if ((i.op === 'lsh' || i.op === 'rsh') && i.value >= 32)
          bad(`${i.op} by constant ${i.value} (>= 32)`);
        break;
      case 'ld_mem':
      case 'ldx_mem':
      case 'st':
      case 'stx':
        if (i.index >= BPF_MEMWORDS)
          bad(`scratch memory index ${i.index} out of range 0..${BPF_MEMWORDS - 1}`);
        break;
      case 'ja':
        // k >= (unsigned)(flen - pc - 1) -> -EINVAL (also rejects backward jumps: k is unsigned)
        if (i.offset >= flen - pc - 1) bad(`ja +${i.offset} jumps past the last instruction`);
        break;
      case 'jmp_k':
      case 'jmp_x':
        if (pc + i.jt + 1 >= flen) bad(`${i.cond} jt ${i.jt} jumps past the last instruction`);
        if (pc + i.jf + 1 >= flen) bad(`${i.cond} jf ${i.jf} jumps past the last instruction`);
        break;
      case 'ld_abs':
        // "Ancillary operation unknown or unsupported": k >= SKF_AD_OFF that is not a known SKF_AD_*
        if (i.base === 'packet' && i.offset >= SKF_AD_OFF) {
          bad(`unknown ancillary load SKF_AD_OFF+${i.offset - SKF_AD_OFF}`);
        }
        break;
      default:
        break;
    }
  }
  // Last instruction must be BPF_RET|BPF_K or BPF_RET|BPF_A.
  const last = fromRaw(p[flen - 1]!);
  if (last.kind !== 'ret_k' && last.kind !== 'ret_a') {
    out.push({ index: flen - 1, message: 'the last instruction must be a return (ret #k or ret a)' });
  }
  if (structural) out.push(...checkLoadAndStores(p));
  return out.sort((a, b) => a.index - b.index);
}

/** check_load_and_stores: a scratch word must be stored on every path before it is loaded. */
function checkLoadAndStores(p: readonly RawInsn[]): Diagnostic[] {
  const flen = p.length;
  const masks = new Uint16Array(flen).fill(0xffff);
  let memvalid = 0;
  const out: Diagnostic[] = [];
  for (let pc = 0; pc < flen; pc++) {
    memvalid &= masks[pc]!;
    const i = fromRaw(p[pc]!);
    switch (i.kind) {
      case 'st':
      case 'stx':
        memvalid |= 1 << i.index;
        break;
      case 'ld_mem':
      case 'ldx_mem':
        if (!(memvalid & (1 << i.index))) {
          out.push({ index: pc, message: `M[${i.index}] may be read before it is written` });
          // The kernel stops at the first fault; later reports would depend on this one.
          return out;
        }
        break;
      case 'ja': {
        const t = pc + 1 + i.offset;
        masks[t] = masks[t]! & memvalid;
        memvalid = 0xffff;
        break;
      }
      case 'jmp_k':
      case 'jmp_x': {
        const t = pc + 1 + i.jt;
        const f = pc + 1 + i.jf;
        masks[t] = masks[t]! & memvalid;
        masks[f] = masks[f]! & memvalid;
        memvalid = 0xffff;
        break;
      }
      default:
        break;
    }
  }
  return out;
}
