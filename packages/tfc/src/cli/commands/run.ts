/*
 * `tfc run PROG (--packet HEX... | --pcap FILE) [--kernel]`: runs a BPF program on packets, in tfc's VM or in the
 * running kernel, and prints one verdict line per packet.
 * Invariants: lines are "N: ..." in packet order (see ../bpf/verdicts.ts), identical for VM and kernel runs
 * where they agree (cBPF kernel runs omit the return value, which the socket does not reveal); a program the
 * kernel's checker or verifier refuses is reported with instruction indexes and exit 1; a packet the program
 * faults on prints "N: error: ..." and makes the exit status 1; a kernel that cannot be used (no privilege, no
 * bpf(2), no koffi) is exit 2 with the reason; kernel objects are released before returning.
 */
import { encode as encodeCbpf, validate } from '@tfc/bpf/cbpf';
import { type CommandSpec, flag, int, parseCommandArgs, renderHelp, str } from '../args.ts';
import { endianOf, inputFormat, isaOf } from '../bpf/convert.ts';
import { readBytes } from '../bpf/files.ts';
import { readProgram } from '../bpf/formats.ts';
import { type KernelRun, runCbpfKernel, runEbpfKernel } from '../bpf/kernel-run.ts';
import { programMaps, vmMaps } from '../bpf/maps.ts';
import { type Packet, packetsFromCapture, packetsFromHex } from '../bpf/packets.ts';
import {
  type Outcome,
  PROG_TYPES,
  type ProgType,
  renderOutcome,
  runCbpfVm,
  runEbpfVm,
  traceCbpf,
} from '../bpf/verdicts.ts';
import { EXIT, type Io, prefixLines, printable, UsageError } from '../io.ts';
import { jsonOption, printJson, printRejection, withJson } from '../json-output.ts';

export const runSpec: CommandSpec = {
  name: 'run',
  summary:
    "Runs a classic or extended BPF program on packets (hex or a pcap/pcapng file) in tfc's VM or in the\nkernel, printing each verdict.",
  usage:
    'tfc run PROG (--packet HEX ... | --pcap FILE) [--isa cbpf|ebpf] [--from FORMAT] [--kernel] [options]',
  options: {
    isa: { type: 'string' },
    from: { type: 'string' },
    endian: { type: 'string' },
    section: { type: 'string' },
    packet: { type: 'string', short: 'p', multiple: true },
    pcap: { type: 'string', short: 'r' },
    frame: { type: 'string' },
    'prog-type': { type: 'string' },
    semantics: { type: 'string' },
    kernel: { type: 'boolean', short: 'k' },
    trace: { type: 'boolean' },
    ...jsonOption,
  },
  positionals: { min: 1, max: 1 },
  help: `PROG is the program file in any format of its ISA ('-': standard input); see tfc asm --help.

options:
      --isa cbpf|ebpf       instruction set (default cbpf)
      --from FORMAT         PROG's format (default: guessed; cbpf d|dd|ddd|bytecode|bpf_asm|bin,
                            ebpf asm|bin|elf)
      --endian le|be        eBPF bin byte order (default le)
      --section S           eBPF elf: the program's section or name
  -p, --packet HEX          a packet (Ethernet frame) in hex; repeatable
  -r, --pcap FILE           every frame of a pcap or pcapng capture
      --frame N             only packet N (1-based)
      --prog-type T         eBPF: socket | tc | xdp (default socket); the program sees the frame from
                            its Ethernet header, as a packet socket, tc or XDP presents it
      --semantics S         cBPF VM: kernel (default) | libpcap (libpcap 1.10 bpf_filter)
  -k, --kernel              run in the kernel: cBPF through SO_ATTACH_FILTER on an AF_UNIX socket,
                            eBPF through BPF_PROG_TEST_RUN (needs root or CAP_BPF)
      --trace               cBPF VM: print every step for one packet (choose it with --frame)
      --json                the verdicts as one JSON object (shapes: docs/cli.md)

output, one line per packet:
  cBPF   N: accept BYTES of LEN bytes (ret #R)   accepted bytes = min(R, LEN)
         N: drop (ret #0)                        (with --kernel no ret: the socket does not say)
  eBPF   N: r0 = R [TC_ACT_*|XDP_*]

exit status: 0 every packet ran, 1 the program is refused (checker/verifier, with instruction indexes) or a
packet faulted, 2 usage error or the kernel cannot be used here.

examples:
  $ tcpdump -ddd tcp > tcp.ddd; tfc run tcp.ddd --pcap capture.pcap
  1: accept 54 of 54 bytes (ret #262144)
  2: drop (ret #0)
  $ tfc run --isa ebpf --prog-type xdp prog.o --packet 00112233445500112233445508060001 --kernel
  1: r0 = 2 XDP_PASS
`,
};

function progTypeOf(v: string | undefined): ProgType {
  if (v === undefined) return 'socket';
  if (!(PROG_TYPES as readonly string[]).includes(v)) {
    throw new UsageError(`--prog-type must be one of ${PROG_TYPES.join(', ')}, got '${v}'`);
  }
  return v as ProgType;
}

function loadPackets(p: ReturnType<typeof parseCommandArgs>): readonly Packet[] {
  const hex = p.values.packet;
  const pcap = str(p, 'pcap');
  const hexList = Array.isArray(hex) ? hex : [];
  if (hexList.length > 0 && pcap !== undefined)
    throw new UsageError('give packets with --packet or --pcap, not both');
  if (hexList.length === 0 && pcap === undefined)
    throw new UsageError('no packets: give --packet HEX or --pcap FILE');
  const r = pcap !== undefined ? packetsFromCapture(readBytes(pcap), pcap) : packetsFromHex(hexList);
  if (!r.ok) throw new UsageError(r.error);
  const n = int(p, 'frame', { min: 1, max: Number.MAX_SAFE_INTEGER });
  if (n === undefined) return r.packets;
  const one = r.packets[n - 1];
  if (one === undefined) throw new UsageError(`--frame ${n}: there are only ${r.packets.length} packets`);
  return [one];
}

function report(io: Io, packets: readonly Packet[], outcomes: readonly Outcome[]): number {
  const faulted = outcomes.some((o) => o.kind === 'error');
  if (io.json) {
    const verdicts = outcomes.map((o, i) => outcomeJson(packets[i]?.index ?? i + 1, o));
    printJson(io, { ok: !faulted, verdicts });
  } else
    outcomes.forEach((o, i) => {
      io.out(`${renderOutcome(packets[i]?.index ?? i + 1, o)}\n`);
    });
  return faulted ? EXIT.rejected : EXIT.ok;
}

/** One verdict of --json (the same facts as renderOutcome's line). */
function outcomeJson(packet: number, o: Outcome): object {
  if (o.kind === 'error') return { packet, kind: 'error', message: o.message };
  if (o.kind === 'cbpf')
    return {
      packet,
      kind: 'cbpf',
      accepted: o.accepted,
      length: o.len,
      ...(o.ret !== undefined ? { ret: o.ret } : {}),
    };
  const action = /^\d+: r0 = \d+ (\S+)$/.exec(renderOutcome(packet, o))?.[1];
  return { packet, kind: 'ebpf', r0: o.r0 >>> 0, ...(action !== undefined ? { action } : {}) };
}

function kernelReport(io: Io, packets: readonly Packet[], r: KernelRun): number {
  if (r.ok) return report(io, packets, r.outcomes);
  if (r.kind === 'unavailable') throw new UsageError(`--kernel: ${r.message}`);
  if (io.json) {
    printRejection(io, [{ code: 'verifier', message: r.message }], {
      ...(r.log !== undefined ? { log: r.log } : {}),
    });
    return EXIT.rejected;
  }
  io.err(`tfc: ${r.message}\n`);
  if (r.log !== undefined) io.err(prefixLines(r.log, 'tfc: verifier: '));
  return EXIT.rejected;
}

export function runRun(argv: readonly string[], rawIo: Io): number {
  const p = parseCommandArgs(runSpec, argv);
  if (p.help) {
    rawIo.out(renderHelp(runSpec, rawIo.columns));
    return EXIT.ok;
  }
  const io = withJson(rawIo, flag(p, 'json'));
  if (io.json && flag(p, 'trace')) throw new UsageError('--trace prints steps as text: no --json with it');
  const isa = isaOf(p);
  const endian = endianOf(p, isa);
  const kernel = flag(p, 'kernel');
  const trace = flag(p, 'trace');
  const semantics = str(p, 'semantics') ?? 'kernel';
  if (semantics !== 'kernel' && semantics !== 'libpcap') {
    throw new UsageError(`--semantics must be kernel or libpcap, got '${semantics}'`);
  }
  if (isa === 'ebpf' && str(p, 'semantics') !== undefined)
    throw new UsageError('--semantics applies to cBPF only');
  if (isa === 'cbpf' && str(p, 'prog-type') !== undefined) {
    throw new UsageError('--prog-type applies to eBPF only (a cBPF program is a socket filter)');
  }
  if (isa === 'cbpf' && str(p, 'section') !== undefined)
    throw new UsageError('--section applies to eBPF only');
  if (kernel && semantics === 'libpcap')
    throw new UsageError('--kernel runs the kernel, not libpcap: drop --semantics');
  if (trace && (isa !== 'cbpf' || kernel)) throw new UsageError('--trace is available for the cBPF VM only');
  const progType = progTypeOf(str(p, 'prog-type'));
  const path = p.positionals[0] as string;
  const bytes = readBytes(path);
  const from = inputFormat(p, isa, bytes);
  const packets = loadPackets(p);
  if (trace && packets.length !== 1) {
    throw new UsageError(`--trace follows one packet: choose it with --frame N (1..${packets.length})`);
  }
  const section = str(p, 'section');
  const r = readProgram(isa, from, bytes, {
    ...(endian !== undefined ? { endian } : {}),
    ...(section !== undefined ? { section } : {}),
  });
  const name = path === '-' ? '<stdin>' : path;
  if (!r.ok) {
    io.err(`tfc: ${printable(`${name}:${r.line > 0 ? `${r.line}:` : ''} ${r.error}`)}\n`);
    return EXIT.rejected;
  }
  const prog = r.program;
  if (prog.isa === 'cbpf') {
    if (semantics === 'kernel') {
      const diags = validate(prog.insns);
      if (diags.length > 0) {
        io.err(`tfc: ${name}: the kernel's checker refuses the program:\n`);
        for (const d of diags)
          io.err(`tfc:   ${d.index < 0 ? 'program' : `insn ${d.index}`}: ${d.message}\n`);
        return EXIT.rejected;
      }
    }
    if (trace) {
      for (const l of traceCbpf(prog.insns, packets[0]!, semantics)) io.out(`${l}\n`);
      return report(io, packets, runCbpfVm(prog.insns, packets, { semantics }));
    }
    if (kernel) return kernelReport(io, packets, runCbpfKernel(encodeCbpf(prog.insns), packets));
    return report(io, packets, runCbpfVm(prog.insns, packets, { semantics }));
  }
  const maps = programMaps(prog.insns, prog.maps ?? []);
  if (!maps.ok) {
    io.err(`tfc: ${printable(`${name}: ${maps.error}`)}\n`);
    return EXIT.rejected;
  }
  if (kernel) return kernelReport(io, packets, runEbpfKernel(prog.insns, maps.maps, packets, progType));
  const vm = vmMaps(maps.maps);
  if (!vm.ok) {
    io.err(`tfc: ${printable(`${name}: ${vm.error}`)}\n`);
    return EXIT.rejected;
  }
  return report(io, packets, runEbpfVm(prog.insns, packets, progType, vm.maps));
}
