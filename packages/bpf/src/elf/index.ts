// @tfc/bpf/elf: relocatable ELF64 BPF objects (writer and reader).
// Invariants: this file only re-exports; the modules are pure (bytes in, bytes out).

export { type BtfMapDef, encodeMapDefs, readMapDefs } from './btf.ts';
export { ELF, R_BPF, SHF, SHT, STB, STT } from './format.ts';
export {
  type ElfProgram,
  type ElfReloc,
  type ElfSection,
  type ElfSymbol,
  type ReadResult,
  readObject,
} from './read.ts';
export {
  type BuildResult,
  buildObject,
  MAP_TYPE,
  type ObjectMap,
  type ObjectProgram,
  type ObjectSpec,
  writeObject,
} from './write.ts';
