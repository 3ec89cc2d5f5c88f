// Reader of relocatable ELF64 BPF objects (ours and clang's): programs, symbols, relocations, license.
// Invariants: never throws on bad input — every structural problem (truncation, bad magic, not
// ELF64, not EM_BPF, offsets outside the file) is an error value; both byte orders are read and
// instructions are decoded in the object's order. A program is a FUNC symbol inside an executable
// section (value/size give its bytes); relocations of that section are reported with offsets
// relative to the program's start and the symbol's name and section. Map definitions are read
// from the `.BTF` DATASEC `.maps` (libbpf `__uint` fields); unreadable BTF gives no maps.
import { decode } from '../ebpf/encode.ts';
import type { Insn } from '../ebpf/insn.ts';
import { type BtfMapDef, readMapDefs } from './btf.ts';
import { ELF, SHF, SHT, STT } from './format.ts';

export type ElfSection = {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly entsize: number;
};
export type ElfSymbol = {
  readonly name: string;
  readonly bind: number;
  readonly type: number;
  readonly shndx: number;
  readonly value: number;
  readonly size: number;
};
export type ElfReloc = {
  /** Byte offset from the start of the program. */
  readonly offset: number;
  readonly type: number;
  readonly symbol: string;
  /** Name of the section the symbol is defined in ('' when undefined/absolute). */
  readonly symbolSection: string;
};
export type ElfProgram = {
  readonly name: string;
  readonly section: string;
  readonly insns: Insn[];
  readonly relocations: ElfReloc[];
};
export type ReadResult =
  | {
      ok: true;
      order: 'le' | 'be';
      programs: ElfProgram[];
      license?: string;
      maps: BtfMapDef[];
      symbols: ElfSymbol[];
      sections: ElfSection[];
    }
  | { ok: false; error: string };

class ElfFormatError {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}

/** Parses an object (see module header). */
export function readObject(bytes: Uint8Array): ReadResult {
  try {
    return parse(bytes);
  } catch (e) {
    if (e instanceof ElfFormatError) return { ok: false, error: e.message };
    if (e instanceof RangeError) return { ok: false, error: `truncated or malformed ELF: ${e.message}` };
    return { ok: false, error: `malformed ELF: ${e instanceof Error ? e.message : String(e)}` };
  }
}

function parse(bytes: Uint8Array): ReadResult {
  if (bytes.length < ELF.ehdrSize) throw new ElfFormatError('file too short for an ELF header');
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new ElfFormatError('not an ELF file (bad magic)');
  }
  if (bytes[4] !== ELF.class64) throw new ElfFormatError('not an ELF64 object');
  if (bytes[5] !== ELF.dataLe && bytes[5] !== ELF.dataBe)
    throw new ElfFormatError('unknown ELF data encoding');
  const le = bytes[5] === ELF.dataLe;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u64 = (p: number): number => {
    const x = v.getBigUint64(p, le);
    if (x > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfFormatError('64-bit field out of range');
    return Number(x);
  };
  const machine = v.getUint16(18, le);
  if (machine !== ELF.emBpf) throw new ElfFormatError(`e_machine is ${machine}, not EM_BPF (247)`);
  const shoff = u64(40);
  const shentsize = v.getUint16(58, le);
  const shnum = v.getUint16(60, le);
  const shstrndx = v.getUint16(62, le);
  if (shentsize !== ELF.shdrSize) throw new ElfFormatError(`unexpected section header size ${shentsize}`);
  if (shoff + shnum * shentsize > bytes.length)
    throw new ElfFormatError('section headers beyond the end of file');
  const raw = Array.from({ length: shnum }, (_, k) => {
    const p = shoff + k * shentsize;
    const s = {
      nameOff: v.getUint32(p, le),
      type: v.getUint32(p + 4, le),
      flags: u64(p + 8),
      offset: u64(p + 24),
      size: u64(p + 32),
      link: v.getUint32(p + 40, le),
      info: v.getUint32(p + 44, le),
      entsize: u64(p + 56),
    };
    if (s.type !== SHT.nobits && s.type !== SHT.null && s.offset + s.size > bytes.length) {
      throw new ElfFormatError(`section ${k} extends beyond the end of file`);
    }
    return s;
  });
  const dataOf = (k: number): Uint8Array => {
    const s = raw[k];
    if (s === undefined) throw new ElfFormatError(`no section ${k}`);
    return s.type === SHT.nobits ? new Uint8Array(s.size) : bytes.subarray(s.offset, s.offset + s.size);
  };
  const cstr = (table: Uint8Array, off: number): string => {
    if (off >= table.length) throw new ElfFormatError(`string offset ${off} out of range`);
    let end = table.indexOf(0, off);
    if (end < 0) end = table.length;
    return new TextDecoder().decode(table.subarray(off, end));
  };
  const shstr = shstrndx < shnum ? dataOf(shstrndx) : new Uint8Array(1);
  const sections: ElfSection[] = raw.map((s, index) => ({
    index,
    name: s.nameOff === 0 ? '' : cstr(shstr, s.nameOff),
    type: s.type,
    flags: s.flags,
    offset: s.offset,
    size: s.size,
    link: s.link,
    info: s.info,
    entsize: s.entsize,
  }));
  const symtab = sections.find((s) => s.type === SHT.symtab);
  const symbols: ElfSymbol[] = [];
  if (symtab !== undefined) {
    const data = dataOf(symtab.index);
    const strs = dataOf(symtab.link);
    const sv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let p = 0; p + ELF.symSize <= data.length; p += ELF.symSize) {
      const info = sv.getUint8(p + 4);
      const nameOff = sv.getUint32(p, le);
      const value = sv.getBigUint64(p + 8, le);
      const size = sv.getBigUint64(p + 16, le);
      symbols.push({
        name: nameOff === 0 ? '' : cstr(strs, nameOff),
        bind: info >> 4,
        type: info & 0xf,
        shndx: sv.getUint16(p + 6, le),
        value: Number(value),
        size: Number(size),
      });
    }
  }
  // Relocations by target section.
  const relocs = new Map<number, { offset: number; type: number; sym: number }[]>();
  for (const s of sections) {
    if (s.type !== SHT.rel) continue;
    const data = dataOf(s.index);
    const rv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const list = relocs.get(s.info) ?? [];
    for (let p = 0; p + ELF.relSize <= data.length; p += ELF.relSize) {
      const info = rv.getBigUint64(p + 8, le);
      list.push({
        offset: Number(rv.getBigUint64(p, le)),
        type: Number(info & 0xffffffffn),
        sym: Number(info >> 32n),
      });
    }
    relocs.set(s.info, list);
  }
  const programs: ElfProgram[] = [];
  for (const sym of symbols) {
    if (sym.type !== STT.func) continue;
    const sec = sections[sym.shndx];
    if (sec === undefined || (sec.flags & SHF.execinstr) === 0) continue;
    if (sym.value + sym.size > sec.size || sym.value % 8 !== 0 || sym.size % 8 !== 0) {
      throw new ElfFormatError(`symbol ${sym.name} lies outside its section or is misaligned`);
    }
    const code = dataOf(sec.index).subarray(sym.value, sym.value + sym.size);
    const relocations: ElfReloc[] = (relocs.get(sec.index) ?? [])
      .filter((r) => r.offset >= sym.value && r.offset < sym.value + sym.size)
      .map((r) => {
        const target = symbols[r.sym];
        return {
          offset: r.offset - sym.value,
          type: r.type,
          symbol: target?.name ?? '',
          symbolSection: target === undefined ? '' : (sections[target.shndx]?.name ?? ''),
        };
      });
    programs.push({ name: sym.name, section: sec.name, insns: decode(code, le ? 'le' : 'be'), relocations });
  }
  const licSec = sections.find((s) => s.name === 'license');
  const licData = licSec === undefined ? undefined : dataOf(licSec.index);
  const btfSec = sections.find((s) => s.name === '.BTF');
  const maps = (btfSec === undefined ? undefined : readMapDefs(dataOf(btfSec.index))) ?? [];
  const base = {
    maps,
    ok: true as const,
    order: le ? ('le' as const) : ('be' as const),
    programs,
    symbols,
    sections,
  };
  if (licData === undefined) return base;
  const end = licData.indexOf(0);
  return { ...base, license: new TextDecoder().decode(licData.subarray(0, end < 0 ? licData.length : end)) };
}
