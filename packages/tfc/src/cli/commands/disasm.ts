/*
 * `tfc disasm [FILE]`: turns a binary or numeric BPF program (tcpdump -dd/-ddd, tc bytecode, raw instructions,
 * an ELF object's section) into text — `--to d` prints exactly what `tcpdump -d` prints for the program — or
 * into another numeric listing.
 * Invariants: see ../bpf/convert.ts (exit 0 written, 1 the input is refused, 2 usage; never binary output).
 */
import { type CommandSpec, parseCommandArgs, renderHelp } from '../args.ts';
import { bpfFormatOptions, DISASM_ROLE, runConvert } from '../bpf/convert.ts';
import { EXIT, type Io } from '../io.ts';

export const disasmSpec: CommandSpec = {
  name: 'disasm',
  summary:
    'Disassembles a classic or extended BPF program (tcpdump -dd/-ddd, bytecode, raw instructions, ELF)\ninto tcpdump -d, bpf_asm or verifier-log text.',
  usage: 'tfc disasm [FILE] [--isa cbpf|ebpf] [--from FORMAT] [--to FORMAT] [--section S] [-o OUT]',
  options: bpfFormatOptions,
  positionals: { min: 0, max: 1 },
  help: `FILE is the program ('-' or absent: standard input).

options:
      --isa cbpf|ebpf    instruction set (default cbpf)
      --from FORMAT      input: cbpf dd | ddd | bytecode | bin; ebpf bin | elf (default: guessed)
      --to FORMAT        output: cbpf d | bpf_asm | dd | ddd | bytecode (default d); ebpf asm (default)
      --endian le|be     eBPF bin byte order (default le)
      --section S        eBPF elf: the program's section or name (needed when the object has several)
  -o, --output OUT       write to OUT instead of standard output

exit status: 0 written, 1 the input is refused (FILE:LINE: reason), 2 usage error.

examples:
  $ tcpdump -ddd tcp | tfc disasm --from ddd
  (000) ldh      [12]
  (001) jeq      #0x800           jt 2	jf 4
  ...
  $ tfc disasm --to bpf_asm --from bin filter.bin
  $ tfc disasm --isa ebpf prog.o --section socket
  0: (b7) r0 = 0
  1: (95) exit
`,
};

export function runDisasm(argv: readonly string[], io: Io): number {
  const p = parseCommandArgs(disasmSpec, argv);
  if (p.help) {
    io.out(renderHelp(disasmSpec, io.columns));
    return EXIT.ok;
  }
  return runConvert(DISASM_ROLE, p, io);
}
