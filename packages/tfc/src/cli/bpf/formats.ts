/*
 * The program formats of `tfc asm`, `tfc disasm` and `tfc run`, per ISA: names, which are text and which binary,
 * sniffing, and reading/writing a program in each.
 * Invariants: pure (no I/O); parsers never throw — a fault is an error value with a 1-based line (0 when not
 * tied to a line) or an instruction index; printers are deterministic; eBPF programs are held assembled (labels
 * resolved), so every output format sees the same instructions. Text outputs end with a newline.
 */
import {
  decode as decodeCbpf,
  encode as encodeCbpf,
  parseBpfAsm,
  parseBytecode,
  parseD,
  parseDd,
  parseDdd,
  printBpfAsm,
  printBytecode,
  printD,
  printDd,
  printDdd,
  type RawInsn,
  SOCK_FILTER_SIZE,
} from '@tfc/bpf/cbpf';
import { assemble, disassemble, encode as encodeEbpf, type Insn, parseAsm, tryDecode } from '@tfc/bpf/ebpf';
import { buildObject, type ElfProgram, readObject } from '@tfc/bpf/elf';
import { fromBtfMapDef, type RunMapDef } from './maps.ts';

export const ISAS = ['cbpf', 'ebpf'] as const;
export type Isa = (typeof ISAS)[number];

export const FORMATS = {
  cbpf: ['d', 'dd', 'ddd', 'bytecode', 'bpf_asm', 'bin'],
  ebpf: ['asm', 'bin', 'elf'],
} as const;
export type CbpfFormat = (typeof FORMATS.cbpf)[number];
export type EbpfFormat = (typeof FORMATS.ebpf)[number];
export type Format = CbpfFormat | EbpfFormat;

/** Assembly text (what `asm` reads). */
export const ASSEMBLY: Readonly<Record<Isa, readonly Format[]>> = { cbpf: ['d', 'bpf_asm'], ebpf: ['asm'] };
/** Binary formats: never printed to the terminal (written with -o FILE only). */
export const BINARY: readonly Format[] = ['bin', 'elf'];

export const FORMAT_HELP: Readonly<Record<Format, string>> = {
  d: 'tcpdump -d listing: "(000) ldh      [12]"',
  dd: 'tcpdump -dd C array: "{ 0x28, 0, 0, 0x0000000c },"',
  ddd: 'tcpdump -ddd decimal: a count line, then "code jt jf k" lines',
  bytecode: 'tc / iptables bytecode: "N,code jt jf k,..."',
  bpf_asm: 'the kernel\'s bpf_asm syntax: "ldh [12]" with labels',
  bin: 'raw instructions (struct sock_filter / struct bpf_insn)',
  asm: 'kernel verifier-log syntax: "0: (b7) r0 = 0", labels allowed',
  elf: 'relocatable ELF BPF object (clang/libbpf/tc/ip load it)',
};

export function isFormatOf(isa: Isa, f: string): f is Format {
  return (FORMATS[isa] as readonly string[]).includes(f);
}

export type Program =
  | { readonly isa: 'cbpf'; readonly insns: readonly RawInsn[] }
  | {
      readonly isa: 'ebpf';
      readonly insns: readonly Insn[];
      /** The map definitions the input carries (an ELF object's `.maps`). */
      readonly maps?: readonly RunMapDef[];
    };

export interface ReadOptions {
  readonly endian?: 'le' | 'be';
  /** ELF: the program's section name or symbol name. */
  readonly section?: string;
}

export type ReadResult =
  | { readonly ok: true; readonly program: Program }
  | { readonly ok: false; readonly error: string; readonly line: number };

function isText(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 4096);
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (b < 0x09 || (b > 0x0d && b < 0x20) || b === 0x7f) return false;
  }
  return true;
}

/** Guesses the format of an input when --from is not given. */
export function sniffFormat(isa: Isa, bytes: Uint8Array): Format {
  if (isa === 'ebpf') {
    if (bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46) return 'elf';
    return isText(bytes) && bytes.length > 0 ? 'asm' : 'bin';
  }
  if (!isText(bytes) || bytes.length === 0) return 'bin';
  const text = new TextDecoder().decode(bytes.subarray(0, 4096));
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('//'));
  const first = lines[0] ?? '';
  if (first.startsWith('{')) return 'dd';
  if (/^\d+\s*,/.test(first)) return 'bytecode';
  // tcpdump -ddd: a count line, possibly after a title line (as in the libpcap corpus).
  if (/^\d+$/.test(first) || (/^\d+$/.test(lines[1] ?? '') && !/^\(\d+\)/.test(first))) return 'ddd';
  if (/^\(\d+\)/.test(first)) return 'd';
  return 'bpf_asm';
}

/**
 * Input text with CRLF line ends made LF and other line terminators (lone CR, U+2028, U+2029) made spaces, so
 * line numbers stay those of an editor and the parsers' single-line patterns see one line at a time.
 */
export function decodeText(bytes: Uint8Array): string {
  return new TextDecoder()
    .decode(bytes)
    .replace(/\r\n/g, '\n')
    .replace(/[\r\u2028\u2029]/g, ' ');
}

function cbpfFromText(format: CbpfFormat, text: string): ReadResult {
  const r =
    format === 'd'
      ? parseD(text)
      : format === 'dd'
        ? parseDd(text)
        : format === 'ddd'
          ? parseDdd(text)
          : format === 'bytecode'
            ? parseBytecode(text)
            : parseBpfAsm(text);
  if (!r.ok) return r;
  if (r.program.length === 0) return { ok: false, error: 'the program has no instructions', line: 0 };
  return { ok: true, program: { isa: 'cbpf', insns: r.program } };
}

function assembled(insns: readonly Insn[]): ReadResult {
  if (insns.length === 0) return { ok: false, error: 'the program has no instructions', line: 0 };
  const a = assemble(insns);
  if (!a.ok) {
    const e = a.errors[0]!;
    const more = a.errors.length > 1 ? ` (and ${a.errors.length - 1} more)` : '';
    return { ok: false, error: `insn ${e.index}: ${e.message}${more}`, line: 0 };
  }
  return { ok: true, program: { isa: 'ebpf', insns: a.insns } };
}

/** The program's instructions with each ld_imm64 that a relocation points at a `.maps` symbol named after that
 *  map (what a loader patches with the map's fd). */
function namedMaps(p: ElfProgram): Insn[] {
  const bySlot = new Map<number, string>();
  for (const r of p.relocations)
    if (r.symbolSection === '.maps' || r.symbolSection === 'maps') bySlot.set(r.offset / 8, r.symbol);
  let slot = 0;
  return p.insns.map((i) => {
    const name = bySlot.get(slot);
    slot += i.code === 0x18 && i.imm64 !== undefined ? 2 : 1;
    return name !== undefined && i.code === 0x18 && i.src === 1 ? { ...i, map: name } : i;
  });
}

function ebpfFromElf(bytes: Uint8Array, section: string | undefined): ReadResult {
  const r = readObject(bytes);
  if (!r.ok) return { ok: false, error: `ELF: ${r.error}`, line: 0 };
  const names = r.programs.map((p) => `${p.section} (${p.name})`).join(', ') || 'none';
  const chosen =
    section === undefined
      ? r.programs
      : r.programs.filter((p) => p.section === section || p.name === section);
  if (chosen.length === 0) {
    return {
      ok: false,
      error:
        section === undefined
          ? 'ELF: the object holds no program'
          : `ELF: no program in section or named '${section}'; programs: ${names}`,
      line: 0,
    };
  }
  if (chosen.length > 1) {
    return { ok: false, error: `ELF: several programs, choose one with --section: ${names}`, line: 0 };
  }
  const a = assembled(namedMaps(chosen[0]!));
  if (!a.ok || a.program.isa !== 'ebpf') return a;
  const maps = r.maps.map(fromBtfMapDef).filter((m) => m !== undefined);
  return { ok: true, program: { ...a.program, maps } };
}

/** Reads a program; `bytes` is the input as read (text formats decode it as UTF-8). */
export function readProgram(isa: Isa, format: Format, bytes: Uint8Array, opts: ReadOptions = {}): ReadResult {
  if (!isFormatOf(isa, format)) return { ok: false, error: `${format} is not a ${isa} format`, line: 0 };
  if (isa === 'cbpf') {
    if (format === 'bin') {
      if (bytes.length === 0) return { ok: false, error: 'the program has no instructions', line: 0 };
      if (bytes.length % SOCK_FILTER_SIZE !== 0) {
        return {
          ok: false,
          error: `${bytes.length} bytes is not a whole number of ${SOCK_FILTER_SIZE}-byte instructions`,
          line: 0,
        };
      }
      return { ok: true, program: { isa, insns: decodeCbpf(bytes) } };
    }
    return cbpfFromText(format as CbpfFormat, decodeText(bytes));
  }
  if (format === 'elf') return ebpfFromElf(bytes, opts.section);
  if (format === 'bin') {
    const d = tryDecode(bytes, opts.endian ?? 'le');
    if (!d.ok) return { ok: false, error: d.error, line: 0 };
    return assembled(d.insns);
  }
  const p = parseAsm(decodeText(bytes));
  if (!p.ok) return p;
  return assembled(p.insns);
}

export interface WriteOptions {
  readonly endian?: 'le' | 'be';
  /** ELF output: the program's section (default "socket") and symbol name (default "prog"). */
  readonly section?: string;
  readonly name?: string;
  readonly license?: string;
}

export type WriteResult =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: true; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly errors: readonly string[] };

/** Writes a program in `format` (a format of the program's ISA). */
export function writeProgram(program: Program, format: Format, opts: WriteOptions = {}): WriteResult {
  if (!isFormatOf(program.isa, format))
    return { ok: false, errors: [`${format} is not a ${program.isa} format`] };
  if (program.isa === 'cbpf') {
    const p = program.insns;
    switch (format) {
      case 'd':
        return { ok: true, text: printD(p) };
      case 'dd':
        return { ok: true, text: printDd(p) };
      case 'ddd':
        return { ok: true, text: printDdd(p) };
      case 'bytecode':
        return { ok: true, text: `${printBytecode(p)}\n` };
      case 'bpf_asm':
        return { ok: true, text: ensureNewline(printBpfAsm(p)) };
      default:
        return { ok: true, bytes: encodeCbpf(p) };
    }
  }
  const p = program.insns;
  if (format === 'asm') return { ok: true, text: ensureNewline(disassemble(p)) };
  if (format === 'bin') return { ok: true, bytes: encodeEbpf(p, opts.endian ?? 'le') };
  const b = buildObject({
    license: opts.license ?? 'GPL',
    programs: [{ name: opts.name ?? 'prog', section: opts.section ?? 'socket', insns: p }],
  });
  return b.ok ? { ok: true, bytes: b.bytes } : { ok: false, errors: b.errors };
}

function ensureNewline(s: string): string {
  return s === '' || s.endsWith('\n') ? s : `${s}\n`;
}
