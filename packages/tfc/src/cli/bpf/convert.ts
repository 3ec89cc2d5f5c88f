/*
 * The shared body of `tfc asm` and `tfc disasm`: option checking, reading the program, writing it in the
 * requested format. The two commands differ only in which input and output formats they accept (a Role).
 * Invariants: every unusable combination is a UsageError (exit 2) that says which command or option to use
 * instead; a program the reader refuses is reported as FILE:LINE: message with exit 1; binary output is written
 * only to the -o file; text output goes to -o or standard output; same input, same bytes out.
 */
import { type Parsed, str } from '../args.ts';
import { EXIT, type Io, printable, UsageError } from '../io.ts';
import { readBytes, writeOutput } from './files.ts';
import {
  ASSEMBLY,
  BINARY,
  FORMATS,
  type Format,
  ISAS,
  type Isa,
  isFormatOf,
  readProgram,
  sniffFormat,
  writeProgram,
} from './formats.ts';

export interface Role {
  readonly command: 'asm' | 'disasm';
  /** Input formats this command reads, per ISA. */
  readonly from: (isa: Isa) => readonly Format[];
  /** Output formats this command writes, per ISA. */
  readonly to: (isa: Isa) => readonly Format[];
  readonly defaultTo: (isa: Isa) => Format;
}

export const ASM_ROLE: Role = {
  command: 'asm',
  from: (isa) => ASSEMBLY[isa],
  to: (isa) => FORMATS[isa],
  defaultTo: (isa) => (isa === 'cbpf' ? 'bytecode' : 'bin'),
};

export const DISASM_ROLE: Role = {
  command: 'disasm',
  from: (isa) => FORMATS[isa].filter((f) => !ASSEMBLY[isa].includes(f)),
  to: (isa) => FORMATS[isa].filter((f) => !BINARY.includes(f)),
  defaultTo: (isa) => (isa === 'cbpf' ? 'd' : 'asm'),
};

export const bpfFormatOptions = {
  isa: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  endian: { type: 'string' },
  section: { type: 'string' },
  output: { type: 'string', short: 'o' },
} as const;

export function isaOf(p: Parsed): Isa {
  const isa = str(p, 'isa') ?? 'cbpf';
  if (!(ISAS as readonly string[]).includes(isa))
    throw new UsageError(`--isa must be cbpf or ebpf, got '${isa}'`);
  return isa as Isa;
}

export function endianOf(p: Parsed, isa: Isa): 'le' | 'be' | undefined {
  const e = str(p, 'endian');
  if (e === undefined) return undefined;
  if (e !== 'le' && e !== 'be') throw new UsageError(`--endian must be le or be, got '${e}'`);
  if (isa !== 'ebpf')
    throw new UsageError('--endian applies to eBPF only (struct sock_filter is host order)');
  return e;
}

function otherIsa(isa: Isa): Isa {
  return isa === 'cbpf' ? 'ebpf' : 'cbpf';
}

/** Checks `f` names a format of `isa`, explaining the mistake otherwise. */
export function checkFormat(isa: Isa, f: string, option: '--from' | '--to'): Format {
  if (isFormatOf(isa, f)) return f;
  const hint = isFormatOf(otherIsa(isa), f) ? ` (it is a format of --isa ${otherIsa(isa)})` : '';
  throw new UsageError(
    `${option} ${f} is not a ${isa} format${hint}; ${isa} formats: ${FORMATS[isa].join(', ')}`,
  );
}

function roleCheckFrom(role: Role, isa: Isa, from: Format): void {
  const other = role.command === 'asm' ? 'disasm' : 'asm';
  if (!role.from(isa).includes(from)) {
    throw new UsageError(
      `${role.command} reads ${role.from(isa).join(', ')} for ${isa}; to convert from ${from} use 'tfc ${other}'`,
    );
  }
}

function roleCheckTo(role: Role, isa: Isa, to: Format): void {
  const other = role.command === 'asm' ? 'disasm' : 'asm';
  if (!role.to(isa).includes(to)) {
    throw new UsageError(
      `${role.command} writes ${role.to(isa).join(', ')} for ${isa}; to produce ${to} use 'tfc ${other}'`,
    );
  }
}

/** Resolves the input format: --from, or sniffed from the bytes. */
export function inputFormat(p: Parsed, isa: Isa, bytes: Uint8Array): Format {
  const f = str(p, 'from');
  return f === undefined ? sniffFormat(isa, bytes) : checkFormat(isa, f, '--from');
}

export function runConvert(role: Role, p: Parsed, io: Io): number {
  const isa = isaOf(p);
  const endian = endianOf(p, isa);
  const to = checkFormat(isa, str(p, 'to') ?? role.defaultTo(isa), '--to');
  const fromOpt = str(p, 'from');
  const from0 = fromOpt === undefined ? undefined : checkFormat(isa, fromOpt, '--from');
  roleCheckTo(role, isa, to);
  if (from0 !== undefined) roleCheckFrom(role, isa, from0);
  const out = str(p, 'output');
  if (BINARY.includes(to) && (out === undefined || out === '-')) {
    throw new UsageError(`--to ${to} writes binary: give the output file with -o FILE`);
  }
  const section = str(p, 'section');
  if (section !== undefined && isa !== 'ebpf')
    throw new UsageError('--section applies to eBPF ELF objects only');
  const path = p.positionals[0] ?? '-';
  const bytes = readBytes(path);
  const from = from0 ?? sniffFormat(isa, bytes);
  if (from0 === undefined) {
    // A sniffed format outside the role is a hint that the wrong command was used.
    roleCheckFrom(role, isa, from);
  }
  if (section !== undefined && from !== 'elf' && to !== 'elf') {
    throw new UsageError('--section names the program of an ELF object: it needs --from elf or --to elf');
  }
  const name = path === '-' ? '<stdin>' : path;
  const r = readProgram(isa, from, bytes, {
    ...(endian !== undefined ? { endian } : {}),
    ...(section !== undefined && from === 'elf' ? { section } : {}),
  });
  if (!r.ok) {
    io.err(`tfc: ${printable(`${name}:${r.line > 0 ? `${r.line}:` : ''} ${r.error}`)}\n`);
    return EXIT.rejected;
  }
  const w = writeProgram(r.program, to, {
    ...(endian !== undefined ? { endian } : {}),
    ...(section !== undefined && to === 'elf' ? { section } : {}),
  });
  if (!w.ok) {
    for (const e of w.errors) io.err(`tfc: ${printable(`${name}: ${e}`)}\n`);
    return EXIT.rejected;
  }
  if ('bytes' in w) writeOutput(out as string, w.bytes);
  else if (out !== undefined && out !== '-') writeOutput(out, w.text);
  else io.out(w.text);
  return EXIT.ok;
}
