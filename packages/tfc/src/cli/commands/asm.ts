/*
 * `tfc asm [FILE]`: assembles BPF program text (cBPF bpf_asm or tcpdump -d, eBPF verifier-log syntax) into any
 * format of its ISA — numeric listings, tc bytecode, raw instructions, an ELF object.
 * Invariants: see ../bpf/convert.ts (exit 0 written, 1 the program text is refused, 2 usage; binary only with -o).
 */
import { type CommandSpec, parseCommandArgs, renderHelp } from '../args.ts';
import { ASM_ROLE, bpfFormatOptions, runConvert } from '../bpf/convert.ts';
import { EXIT, type Io } from '../io.ts';

export const asmSpec: CommandSpec = {
  name: 'asm',
  summary:
    'Assembles a classic or extended BPF program from text (bpf_asm, tcpdump -d, verifier-log syntax)\ninto bytecode, C arrays, raw instructions or an ELF object.',
  usage: 'tfc asm [FILE] [--isa cbpf|ebpf] [--from FORMAT] [--to FORMAT] [-o OUT]',
  options: bpfFormatOptions,
  positionals: { min: 0, max: 1 },
  help: `FILE is the program text ('-' or absent: standard input).

options:
      --isa cbpf|ebpf    instruction set (default cbpf)
      --from FORMAT      input: cbpf bpf_asm | d; ebpf asm (default: guessed from the text)
      --to FORMAT        output: cbpf d | dd | ddd | bytecode | bpf_asm | bin (default bytecode: bpf_asm's
                         numbers, without its trailing comma); ebpf asm | bin | elf (default bin)
      --endian le|be     eBPF bin byte order (default le)
      --section S        eBPF elf: the program's section (default socket)
  -o, --output OUT       write to OUT (required for bin and elf: binary never goes to the terminal)

exit status: 0 written, 1 the program text is refused (FILE:LINE: reason), 2 usage error.

examples:
  $ printf 'ldh [12]\\njeq #0x800, ok, drop\\nok: ret #-1\\ndrop: ret #0\\n' | tfc asm
  4,40 0 0 12,21 0 1 2048,6 0 0 4294967295,6 0 0 0
  $ tfc asm --to dd filter.bpf
  $ printf 'r0 = 0\\nexit\\n' | tfc asm --isa ebpf --to elf --section socket -o prog.o
`,
};

export function runAsm(argv: readonly string[], io: Io): number {
  const p = parseCommandArgs(asmSpec, argv);
  if (p.help) {
    io.out(renderHelp(asmSpec, io.columns));
    return EXIT.ok;
  }
  return runConvert(ASM_ROLE, p, io);
}
