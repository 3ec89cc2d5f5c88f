// ELF64 constants used for BPF relocatable objects (System V gABI; include/uapi/linux/elf-em.h).
// Invariants: values are the on-disk numbers; sizes are those of the ELF64 structures.

export const ELF = {
  /** e_ident[EI_CLASS] */
  class64: 2,
  /** e_ident[EI_DATA] */
  dataLe: 1,
  dataBe: 2,
  /** e_type: relocatable */
  etRel: 1,
  /** e_machine: Linux BPF */
  emBpf: 247,
  ehdrSize: 64,
  shdrSize: 64,
  symSize: 24,
  relSize: 16,
} as const;

/** Section header types. */
export const SHT = { null: 0, progbits: 1, symtab: 2, strtab: 3, rel: 9, nobits: 8 } as const;
/** Section header flags. */
export const SHF = { write: 0x1, alloc: 0x2, execinstr: 0x4, infoLink: 0x40 } as const;
/** Symbol binding (high nibble of st_info) and type (low nibble). */
export const STB = { local: 0, global: 1, weak: 2 } as const;
export const STT = { notype: 0, object: 1, func: 2, section: 3, file: 4 } as const;
/** BPF relocation types (llvm BPFELFObjectWriter / Documentation/bpf/llvm_reloc.rst). */
export const R_BPF = { none: 0, r64_64: 1, abs64: 2, abs32: 3, nodyld32: 4, r64_32: 10 } as const;
