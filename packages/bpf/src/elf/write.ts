// Writer of relocatable ELF64 little-endian BPF objects (e_machine EM_BPF), as libbpf, bpftool and
// iproute2 (tc, ip) load them.
// Invariants: the output is deterministic (same spec → same bytes). Sections: null, one PROGBITS
// section per distinct program section name (flags AX, align 8, first-appearance order; programs
// sharing a section are laid out back to back), `.text` when a program makes BPF-to-BPF calls (its
// subprograms, split by split-functions.ts, as LOCAL FUNC symbols `NAME__fK`), `license` (WA, the
// NUL-terminated string), with maps `.maps` (WA, zero-filled, one GLOBAL OBJECT symbol per map) and
// `.BTF` (libbpf `__uint` map definitions, see btf.ts), one `.rel<section>` per code section with
// relocations (R_BPF_64_64 on every ld_imm64 map_fd naming a map; R_BPF_64_32 on every pseudo call,
// whose imm is -1, against the callee's symbol), `.symtab` (null, locals, then globals: one FUNC per
// program, `_license`, maps), `.strtab`, `.shstrtab`. Programs are assembled (labels resolved) and
// encoded little-endian. Map-value references and callbacks are error values, as is any bad name.
import { assemble } from '../ebpf/assemble.ts';
import { encode } from '../ebpf/encode.ts';
import type { Insn } from '../ebpf/insn.ts';
import { OPCODE, PSEUDO_LD } from '../ebpf/opcode.ts';
import { encodeMapDefs } from './btf.ts';
import { ELF, R_BPF, SHF, SHT, STB, STT } from './format.ts';
import { splitFunctions } from './split-functions.ts';

export type ObjectProgram = {
  readonly name: string;
  readonly section: string;
  readonly insns: readonly Insn[];
};
/** Map types by name (include/uapi/linux/bpf.h enum bpf_map_type). */
export const MAP_TYPE = {
  hash: 1,
  array: 2,
  percpu_hash: 5,
  percpu_array: 6,
  lru_hash: 9,
  lru_percpu_hash: 10,
} as const;
export type ObjectMap = {
  readonly name: string;
  readonly type: keyof typeof MAP_TYPE | number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags?: number;
  /** libbpf's LIBBPF_PIN_BY_NAME: the loader reuses the map pinned at `<pin root>/<name>` (creating and pinning
   *  it when absent) — how a map created and filled beforehand reaches a program loaded from this object. */
  readonly pinByName?: boolean;
};
export type ObjectSpec = {
  readonly programs: readonly ObjectProgram[];
  readonly license: string;
  readonly maps?: readonly ObjectMap[];
};
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
const RESERVED = new Set(['license', '.text', '.maps', '.BTF', '.symtab', '.strtab', '.shstrtab']);

type Fn = {
  name: string;
  global: boolean;
  offset: number;
  bytes: Uint8Array;
  /** Relocations: byte offset in the function, symbol name, relocation type. */
  refs: [number, string, number][];
};

/** Builds the object, or lists what is wrong with the spec. */
export function buildObject(spec: ObjectSpec): BuildResult {
  const errors: string[] = [];
  if (spec.programs.length === 0) errors.push('an object needs at least one program');
  const names = new Set<string>();
  const code = new Map<string, Fn[]>();
  const place = (section: string, fn: Omit<Fn, 'offset'>): void => {
    const list = code.get(section) ?? [];
    const offset = list.reduce((n, x) => n + x.bytes.length, 0);
    list.push({ ...fn, offset });
    code.set(section, list);
  };
  const mapNames = new Set<string>();
  for (const m of spec.maps ?? []) {
    if (!NAME_RE.test(m.name)) errors.push(`map name '${m.name}' is not a C identifier`);
    if (mapNames.has(m.name)) errors.push(`duplicate symbol '${m.name}'`);
    mapNames.add(m.name);
    for (const [k, v] of [
      ['keySize', m.keySize],
      ['valueSize', m.valueSize],
      ['maxEntries', m.maxEntries],
    ] as const) {
      if (!Number.isInteger(v) || v < 1 || v > 0x7fffffff) errors.push(`map '${m.name}': bad ${k} ${v}`);
    }
  }
  for (const p of spec.programs) {
    if (!NAME_RE.test(p.name)) errors.push(`program name '${p.name}' is not a C identifier`);
    if (names.has(p.name) || mapNames.has(p.name)) errors.push(`duplicate program name '${p.name}'`);
    names.add(p.name);
    if (!SECTION_RE.test(p.section) || RESERVED.has(p.section) || p.section.startsWith('.rel')) {
      errors.push(`program '${p.name}': bad section name '${p.section}'`);
    }
    const a = assemble(p.insns);
    if (!a.ok) {
      for (const e of a.errors) errors.push(`program '${p.name}', insn ${e.index}: ${e.message}`);
      continue;
    }
    if (a.insns.length === 0) {
      errors.push(`program '${p.name}' is empty`);
      continue;
    }
    a.insns.forEach((i, index) => {
      if (i.code !== OPCODE.ldImm64 || (i.src !== PSEUDO_LD.mapFd && i.src !== PSEUDO_LD.mapValue)) return;
      if (i.imm64 === undefined || i.src !== PSEUDO_LD.mapFd || i.map === undefined) {
        errors.push(
          `program '${p.name}', insn ${index}: only ld_imm64 map_fd by map name is supported in objects`,
        );
      } else if (!mapNames.has(i.map)) {
        errors.push(`program '${p.name}', insn ${index}: unknown map '${i.map}'`);
      }
    });
    const split = splitFunctions(a.insns);
    if (!split.ok) {
      for (const e of split.errors) errors.push(`program '${p.name}', ${e}`);
      continue;
    }
    const fnName = (k: number): string => (k === 0 ? p.name : `${p.name}__f${k}`);
    split.functions.forEach((f, k) => {
      const refs: [number, string, number][] = f.calls.map(([off, callee]) => [
        off,
        fnName(callee),
        R_BPF.r64_32,
      ]);
      let slot = 0;
      for (const i of f.insns) {
        if (i.code === OPCODE.ldImm64 && i.src === PSEUDO_LD.mapFd && i.map !== undefined) {
          refs.push([slot * 8, i.map, R_BPF.r64_64]);
        }
        slot += i.code === OPCODE.ldImm64 && i.imm64 !== undefined ? 2 : 1;
      }
      refs.sort((x, y) => x[0] - y[0]);
      place(k === 0 ? p.section : '.text', {
        name: fnName(k),
        global: k === 0,
        bytes: encode(f.insns, 'le'),
        refs,
      });
    });
  }
  if (spec.license.includes('\0')) errors.push('license contains a NUL byte');
  if (errors.length > 0) return { ok: false, errors };

  const shstr = new StrTab();
  const str = new StrTab();
  const sections: Section[] = [
    { name: '', type: SHT.null, flags: 0, data: new Uint8Array(0), link: 0, info: 0, align: 0, entsize: 0 },
  ];
  type Sym = { name: string; bind: number; type: number; shndx: number; value: number; size: number };
  const syms: Sym[] = [];
  const codeSections: { index: number; fns: Fn[] }[] = [];
  for (const [section, fns] of code) {
    const total = fns.reduce((n, x) => n + x.bytes.length, 0);
    const data = new Uint8Array(total);
    for (const f of fns) data.set(f.bytes, f.offset);
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
    codeSections.push({ index: shndx, fns });
    for (const f of fns) {
      syms.push({
        name: f.name,
        bind: f.global ? STB.global : STB.local,
        type: STT.func,
        shndx,
        value: f.offset,
        size: f.bytes.length,
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
  syms.push({
    name: '_license',
    bind: STB.global,
    type: STT.object,
    shndx: sections.length - 1,
    value: 0,
    size: license.length,
  });
  const maps = spec.maps ?? [];
  if (maps.length > 0) {
    const enc = encodeMapDefs(
      maps.map((m) => ({
        name: m.name,
        fields: [
          ['type', typeof m.type === 'number' ? m.type : MAP_TYPE[m.type]],
          ['key_size', m.keySize],
          ['value_size', m.valueSize],
          ['max_entries', m.maxEntries],
          ...(m.flags === undefined || m.flags === 0 ? [] : [['map_flags', m.flags] as [string, number]]),
          ...(m.pinByName === true ? [['pinning', 1] as [string, number]] : []),
        ],
      })),
    );
    const total = enc.layout.reduce((n, l) => n + l.size, 0);
    sections.push({
      name: '.maps',
      type: SHT.progbits,
      flags: SHF.alloc | SHF.write,
      data: new Uint8Array(total),
      link: 0,
      info: 0,
      align: 8,
      entsize: 0,
    });
    const mapsIndex = sections.length - 1;
    maps.forEach((m, k) => {
      syms.push({
        name: m.name,
        bind: STB.global,
        type: STT.object,
        shndx: mapsIndex,
        value: enc.layout[k]!.offset,
        size: enc.layout[k]!.size,
      });
    });
    sections.push({
      name: '.BTF',
      type: SHT.progbits,
      flags: 0,
      data: enc.btf,
      link: 0,
      info: 0,
      align: 4,
      entsize: 0,
    });
  }
  // Symbol table: the null symbol, locals (subprograms), then globals (stable order within each).
  const ordered = [...syms.filter((x) => x.bind === STB.local), ...syms.filter((x) => x.bind !== STB.local)];
  const firstGlobal = 1 + syms.filter((x) => x.bind === STB.local).length;
  const symIndex = new Map(ordered.map((x, k) => [x.name, k + 1]));
  const symbols = [
    { name: 0, info: 0, shndx: 0, value: 0, size: 0 },
    ...ordered.map((x) => ({
      name: str.add(x.name),
      info: (x.bind << 4) | x.type,
      shndx: x.shndx,
      value: x.value,
      size: x.size,
    })),
  ];
  const relocs = codeSections
    .map(({ index, fns }) => ({
      section: index,
      entries: fns.flatMap((f) =>
        f.refs.map(([off, name, type]) => [f.offset + off, symIndex.get(name)!, type] as const),
      ),
    }))
    .filter((r) => r.entries.length > 0);
  const symtabIndex = sections.length + relocs.length;
  for (const r of relocs) {
    const data = new Uint8Array(r.entries.length * ELF.relSize);
    const rv = new DataView(data.buffer);
    r.entries.forEach(([off, sym, type], k) => {
      rv.setBigUint64(k * ELF.relSize, BigInt(off), true);
      rv.setBigUint64(k * ELF.relSize + 8, (BigInt(sym) << 32n) | BigInt(type), true);
    });
    sections.push({
      name: `.rel${sections[r.section]!.name}`,
      type: SHT.rel,
      flags: SHF.infoLink,
      data,
      link: symtabIndex,
      info: r.section,
      align: 8,
      entsize: ELF.relSize,
    });
  }
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
  // sh_info of .symtab: index of the first non-local symbol.
  sections.push({
    name: '.symtab',
    type: SHT.symtab,
    flags: 0,
    data: symData,
    link: symtabIndex + 1,
    info: firstGlobal,
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
