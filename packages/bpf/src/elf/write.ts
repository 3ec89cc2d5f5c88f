// Writer of relocatable ELF64 little-endian BPF objects (e_machine EM_BPF), as libbpf, bpftool and
// iproute2 (tc, ip) load them.
// Invariants: the output is deterministic (same spec → same bytes); section order is: null, one
// PROGBITS section per distinct program section name (flags AX, align 8, in first-appearance order;
// programs sharing a section are laid out back to back), `license` (WA, the NUL-terminated string),
// `.symtab`, `.strtab`, `.shstrtab`; symbols are the null symbol, then one GLOBAL FUNC symbol per
// program (value = its byte offset in the section, size = its byte length) and a GLOBAL OBJECT
// `_license`. Programs are assembled (labels resolved) and encoded little-endian. Maps and
// BPF-to-BPF calls are not written (libbpf needs BTF-described `.maps` and `.text` subprograms for
// those): a spec using them is an error value.
import { assemble } from '../ebpf/assemble.ts';
import { encode } from '../ebpf/encode.ts';
import type { Insn } from '../ebpf/insn.ts';
import { OPCODE, PSEUDO_CALL, PSEUDO_LD } from '../ebpf/opcode.ts';
import { ELF, SHF, SHT, STB, STT } from './format.ts';

export type ObjectProgram = {
  readonly name: string;
  readonly section: string;
  readonly insns: readonly Insn[];
};
export type ObjectSpec = { readonly programs: readonly ObjectProgram[]; readonly license: string };
export type BuildResult = { ok: true; bytes: Uint8Array } | { ok: false; errors: string[] };

type Section = {
  name: string;
  type: number;
  flags: number;
  data: Uint8Array;
  link: number;
  info: number;
  align: number;
  entsize: number;
};

class StrTab {
  private readonly parts: string[] = [''];
  private size = 1;
  private readonly index = new Map<string, number>([['', 0]]);
  add(s: string): number {
    const known = this.index.get(s);
    if (known !== undefined) return known;
    const at = this.size;
    this.parts.push(s);
    this.size += new TextEncoder().encode(s).length + 1;
    this.index.set(s, at);
    return at;
  }
  bytes(): Uint8Array {
    return new TextEncoder().encode(`${this.parts.join('\0')}\0`);
  }
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECTION_RE = /^[A-Za-z_.][\w./+-]*$/;

/** Builds the object, or lists what is wrong with the spec. */
export function buildObject(spec: ObjectSpec): BuildResult {
  const errors: string[] = [];
  if (spec.programs.length === 0) errors.push('an object needs at least one program');
  const names = new Set<string>();
  const code = new Map<string, { name: string; offset: number; bytes: Uint8Array }[]>();
  for (const p of spec.programs) {
    if (!NAME_RE.test(p.name)) errors.push(`program name '${p.name}' is not a C identifier`);
    if (names.has(p.name)) errors.push(`duplicate program name '${p.name}'`);
    names.add(p.name);
    if (!SECTION_RE.test(p.section) || p.section === 'license' || p.section.startsWith('.rel')) {
      errors.push(`program '${p.name}': bad section name '${p.section}'`);
    }
    const a = assemble(p.insns);
    if (!a.ok) {
      for (const e of a.errors) errors.push(`program '${p.name}', insn ${e.index}: ${e.message}`);
      continue;
    }
    if (a.insns.length === 0) errors.push(`program '${p.name}' is empty`);
    a.insns.forEach((i, index) => {
      if (i.code === OPCODE.call && i.src === PSEUDO_CALL.call) {
        errors.push(`program '${p.name}', insn ${index}: BPF-to-BPF calls are not supported in objects`);
      }
      if (i.code === OPCODE.ldImm64 && (i.src === PSEUDO_LD.mapFd || i.src === PSEUDO_LD.mapValue)) {
        errors.push(`program '${p.name}', insn ${index}: map references are not supported in objects`);
      }
    });
    const list = code.get(p.section) ?? [];
    const offset = list.reduce((n, x) => n + x.bytes.length, 0);
    list.push({ name: p.name, offset, bytes: encode(a.insns, 'le') });
    code.set(p.section, list);
  }
  if (spec.license.includes('\0')) errors.push('license contains a NUL byte');
  if (errors.length > 0) return { ok: false, errors };

  const shstr = new StrTab();
  const str = new StrTab();
  const sections: Section[] = [
    { name: '', type: SHT.null, flags: 0, data: new Uint8Array(0), link: 0, info: 0, align: 0, entsize: 0 },
  ];
  const symbols: { name: number; info: number; shndx: number; value: number; size: number }[] = [
    { name: 0, info: 0, shndx: 0, value: 0, size: 0 },
  ];
  for (const [section, progs] of code) {
    const total = progs.reduce((n, x) => n + x.bytes.length, 0);
    const data = new Uint8Array(total);
    for (const p of progs) data.set(p.bytes, p.offset);
    sections.push({
      name: section,
      type: SHT.progbits,
      flags: SHF.alloc | SHF.execinstr,
      data,
      link: 0,
      info: 0,
      align: 8,
      entsize: 0,
    });
    const shndx = sections.length - 1;
    for (const p of progs) {
      symbols.push({
        name: str.add(p.name),
        info: (STB.global << 4) | STT.func,
        shndx,
        value: p.offset,
        size: p.bytes.length,
      });
    }
  }
  const license = new TextEncoder().encode(`${spec.license}\0`);
  sections.push({
    name: 'license',
    type: SHT.progbits,
    flags: SHF.alloc | SHF.write,
    data: license,
    link: 0,
    info: 0,
    align: 1,
    entsize: 0,
  });
  symbols.push({
    name: str.add('_license'),
    info: (STB.global << 4) | STT.object,
    shndx: sections.length - 1,
    value: 0,
    size: license.length,
  });
  const symtabIndex = sections.length;
  const symData = new Uint8Array(symbols.length * ELF.symSize);
  const sv = new DataView(symData.buffer);
  symbols.forEach((s, k) => {
    const p = k * ELF.symSize;
    sv.setUint32(p, s.name, true);
    sv.setUint8(p + 4, s.info);
    sv.setUint8(p + 5, 0);
    sv.setUint16(p + 6, s.shndx, true);
    sv.setBigUint64(p + 8, BigInt(s.value), true);
    sv.setBigUint64(p + 16, BigInt(s.size), true);
  });
  // sh_info of .symtab: index of the first non-local symbol (only the null symbol is local).
  sections.push({
    name: '.symtab',
    type: SHT.symtab,
    flags: 0,
    data: symData,
    link: symtabIndex + 1,
    info: 1,
    align: 8,
    entsize: ELF.symSize,
  });
  sections.push({
    name: '.strtab',
    type: SHT.strtab,
    flags: 0,
    data: str.bytes(),
    link: 0,
    info: 0,
    align: 1,
    entsize: 0,
  });
  const shstrIndex = sections.length;
  const nameOffsets = sections.map((s) => shstr.add(s.name));
  shstr.add('.shstrtab');
  sections.push({
    name: '.shstrtab',
    type: SHT.strtab,
    flags: 0,
    data: new Uint8Array(0),
    link: 0,
    info: 0,
    align: 1,
    entsize: 0,
  });
  nameOffsets.push(shstr.add('.shstrtab'));
  sections[shstrIndex]!.data = shstr.bytes();

  // Layout: header, section data (aligned), section header table (aligned to 8).
  let pos = ELF.ehdrSize;
  const offsets: number[] = [];
  for (const s of sections) {
    const align = Math.max(1, s.align);
    if (s.type === SHT.null) {
      offsets.push(0);
      continue;
    }
    pos = Math.ceil(pos / align) * align;
    offsets.push(pos);
    pos += s.data.length;
  }
  const shoff = Math.ceil(pos / 8) * 8;
  const out = new Uint8Array(shoff + sections.length * ELF.shdrSize);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, ELF.class64, ELF.dataLe, 1, 0], 0);
  v.setUint16(16, ELF.etRel, true);
  v.setUint16(18, ELF.emBpf, true);
  v.setUint32(20, 1, true);
  v.setBigUint64(24, 0n, true); // e_entry
  v.setBigUint64(32, 0n, true); // e_phoff
  v.setBigUint64(40, BigInt(shoff), true);
  v.setUint32(48, 0, true); // e_flags
  v.setUint16(52, ELF.ehdrSize, true);
  v.setUint16(54, 0, true); // e_phentsize
  v.setUint16(56, 0, true); // e_phnum
  v.setUint16(58, ELF.shdrSize, true);
  v.setUint16(60, sections.length, true);
  v.setUint16(62, shstrIndex, true);
  sections.forEach((s, k) => {
    if (s.type !== SHT.null) out.set(s.data, offsets[k]!);
    const p = shoff + k * ELF.shdrSize;
    v.setUint32(p, nameOffsets[k]!, true);
    v.setUint32(p + 4, s.type, true);
    v.setBigUint64(p + 8, BigInt(s.flags), true);
    v.setBigUint64(p + 16, 0n, true); // sh_addr
    v.setBigUint64(p + 24, BigInt(offsets[k]!), true);
    v.setBigUint64(p + 32, BigInt(s.data.length), true);
    v.setUint32(p + 40, s.link, true);
    v.setUint32(p + 44, s.info, true);
    v.setBigUint64(p + 48, BigInt(s.align), true);
    v.setBigUint64(p + 56, BigInt(s.entsize), true);
  });
  return { ok: true, bytes: out };
}

/** Writes the object; throws a TypeError listing the problems when the spec is invalid (see buildObject). */
export function writeObject(spec: ObjectSpec): Uint8Array {
  const r = buildObject(spec);
  if (!r.ok) throw new TypeError(`invalid object spec: ${r.errors.join('; ')}`);
  return r.bytes;
}
