/*
 * `tfc compile FILTER --event E`: a trace event filter compiled to eBPF or classic BPF that decides exactly what
 * the kernel's interpreter decides.
 * Invariants: stdout (or -o FILE) holds only the requested emit form; diagnostics go to stderr; exit 1 when the
 * kernel rejects the filter (its own rendering is printed) or the target cannot express it (the construct is named),
 * 2 for usage errors; binary forms are written only to files, and files are written whole or not at all.
 */

import { existsSync, readdirSync, rmSync } from 'node:fs';
import { type BpfFeatures, EMIT_FORMS, type EmitForm } from '@tfc/codegen-bpf';
import type { P4Outputs } from '@tfc/codegen-p4';
import {
  compileOptionsFor,
  DA_VERDICTS,
  FLOWER_PROFILES,
  isTcDevName,
  parseClassid,
  parseParent,
  renderHandleError,
  type TcActName,
  type TcBpfMode,
  type TcHandle,
} from '@tfc/codegen-tc';
import {
  acceptsNothing,
  type Context,
  compile,
  compileP4,
  compileP4Frames,
  compilePcapFilter,
  compilePcapP4,
  compileTc,
  compileTraceFrameBpf,
  DUMP_POINTS,
  emit,
  LINK_TYPES,
  linkTypeByName,
  PCAP_CAPTURES,
  type PcapCapture,
  type ProgType,
  type Target,
  type TcResult,
  type TcSource,
  type TcTarget,
  tcBpfOutput,
} from '@tfc/compiler';
import { probeTracefs } from '@tfc/kernel/tracefs';
import {
  bundledEvent,
  bundledEventNames,
  bundledKernelRelease,
  type EventFormat,
  type FilterError,
  renderFilterFile,
} from '@tfc/tracefs';
import { p4Output } from '../../api/compile-p4.ts';
import { rejectionNotes } from '../../api/errors.ts';
import type { Host } from '../../host/index.ts';
import { readLiveEvent } from '../../live-event.ts';
import { type CommandSpec, flag, int, type Parsed, parseCommandArgs, renderHelp, str } from '../args.ts';
import { bpfLoopsHelp, bpfLoopsOption, chooseBpfFeatures } from '../bpf-loops-option.ts';
import { compileJsonMode, tcBatchJson } from '../compile-json.ts';
import { eventOptions, eventOptionsHelp, resolveEvent } from '../event-source.ts';
import {
  filterFileHelp,
  filterFileOption,
  filterText,
  pcapFileHelp,
  pcapFileOption,
} from '../filter-input.ts';
import { EXIT, type Io, UsageError } from '../io.ts';
import { jsonHelp, jsonOption, kernelDiagnostic, printRejection } from '../json-output.ts';
import { chooseDialect, kernelOption, kernelOptionHelp } from '../kernel-option.ts';
import { writeOutput } from '../output.ts';
import { reportCompileDiagnostics, reportPcapDiagnostics } from '../pcap-diagnostics.ts';
import { pcapEnv, pcapVersionOf } from '../pcap-env.ts';
import { attachMode, chooseRaw } from '../trace/raw-program.ts';
import { runCompileSkb } from './compile-skb.ts';

const P4_EMITS = ['entries-json', 'p4', 'p4info', 'p4runtime-json', 'p4runtime-txt', 'bmv2'] as const;
type P4Emit = (typeof P4_EMITS)[number];

export const compileSpec: CommandSpec = {
  name: 'compile',
  summary:
    "Compiles a trace event filter (or a libpcap filter) to eBPF, classic BPF, tc rules or P4 that accept exactly\nwhat the kernel's filter interpreter (or libpcap) accepts.",
  usage:
    'tfc compile FILTER (--event SYS/NAME | --format FILE) [--target ebpf|cbpf|p4|tc|u32|tc-bpf] [--ctx tracepoint|trace-frame] [options]\n       tfc compile FILTER [--subsystem SYS] --target tc|u32|tc-bpf|p4|cbpf [options]   (every event that has the fields)\n       tfc compile --lang pcap EXPR [--target cbpf|ebpf|p4|tc|u32|flower|tc-bpf] [--linktype EN10MB|RAW|IPV4|IPV6|LINUX_SLL|LINUX_SLL2|IEEE802_11|IEEE802_11_RADIO] [--prog-type socket|tc|xdp] [options]\n       tfc compile --lang pcap EXPR --target ebpf --ctx skb --attach tp_btf/TRACEPOINT|fentry/FUNCTION [--snaplen N] [options]',
  options: {
    ...eventOptions,
    ...filterFileOption,
    ...pcapFileOption,
    target: { type: 'string', short: 't' },
    ctx: { type: 'string', short: 'c' },
    'prog-type': { type: 'string' },
    emit: { type: 'string' },
    'on-match': { type: 'string' },
    'on-miss': { type: 'string' },
    optimize: { type: 'string', short: 'O' },
    'dump-after': { type: 'string' },
    output: { type: 'string', short: 'o' },
    'nr-cpus': { type: 'string' },
    ...kernelOption,
    ...bpfLoopsOption,
    stats: { type: 'boolean' },
    'set-lookup': { type: 'string' },
    'no-ranges': { type: 'boolean' },
    dev: { type: 'string' },
    ingress: { type: 'boolean' },
    egress: { type: 'boolean' },
    prio: { type: 'string' },
    action: { type: 'string' },
    classid: { type: 'string' },
    parent: { type: 'string' },
    mode: { type: 'string' },
    object: { type: 'string' },
    clsact: { type: 'boolean' },
    lang: { type: 'string', short: 'l' },
    linktype: { type: 'string' },
    'pcap-version': { type: 'string' },
    'scoped-encap': { type: 'boolean' },
    'pcap-capture': { type: 'string' },
    'names-from': { type: 'string' },
    netmask: { type: 'string' },
    subsystem: { type: 'string' },
    'flower-profile': { type: 'string' },
    attach: { type: 'string' },
    snaplen: { type: 'string' },
    layout: { type: 'string' },
    ...jsonOption,
  },
  // --lang pcap joins its words as tcpdump does (args.ts); a trace event filter is one argument
  positionals: { min: 0, max: 1 },
  help: `options:
${eventOptionsHelp}
${filterFileHelp}
${pcapFileHelp}
  -l, --lang L           tracefs (default: a trace event filter) or pcap (a libpcap filter expression, compiled
                         for packets; --linktype takes libpcap's names: EN10MB (default), RAW, IPV4, IPV6,
                         LINUX_SLL, LINUX_SLL2, IEEE802_11, IEEE802_11_RADIO; --pcap-version 1.10 (default,
                         libpcap 1.10.3) or current (libpcap's later changes); --scoped-encap limits the offset
                         shift of vlan/mpls/pppoes/geneve to their own 'and' chain); the expression's words
                         may be separate arguments (joined with spaces, as tcpdump joins them)
      --pcap-capture C   pcap, --target cbpf/ebpf: offline (default: libpcap's code for a savefile, as
                         'tcpdump -r') or linux-live (libpcap's code for a live Linux capture, as 'tcpdump -i':
                         the first 'vlan' also accepts a tag the kernel moved into the skb, reading
                         SKF_AD_VLAN_TAG_PRESENT / SKF_AD_VLAN_TAG or __sk_buff vlan_present / vlan_tci)
      --names-from DIR   pcap: resolve host, network, service, protocol and ethers names from DIR/hosts,
                         DIR/networks, DIR/services, DIR/protocols, DIR/ethers (default /etc; never DNS)
      --netmask A.B.C.D  pcap: the capture's IPv4 netmask, for 'ip broadcast' (libpcap: the interface's)
  -t, --target T         ebpf (default), cbpf (classic BPF: trace-frame only), p4 (TCAM entries and a P4_16
                         program matching trace frames; with --lang pcap, packets parsed as ethernet/ip/tcp/udp),
                         u32 (tc u32 rules), tc-bpf (a cls_bpf rule) or tc
                         (the best tc backend that expresses the filter: flower for pcap filters, then u32,
                         else tc-bpf; it says why on stderr) or flower (pcap filters: flower filters)
      --flower-profile P portable (default), mlx5, ice or nfp: only keys that driver offloads
      --subsystem SYS    without --event: only the events of SYS (default: every event that defines all the
                         fields the filter names, as a subsystem filter — of live tracefs, or with --source
                         bundled of the snapshot; tc, u32, tc-bpf, p4, cbpf and ebpf --ctx trace-frame)
  -c, --ctx C            tracepoint (default for ebpf): a BPF_PROG_TYPE_TRACEPOINT program on the event's record;
                         trace-frame: the event carried in an Ethernet frame (docs: trace-over-ethernet)
      --prog-type P      trace-frame eBPF: socket (default), tc or xdp
  --ctx skb (with --lang pcap --target ebpf): a TRACING program for a kernel hook with a struct sk_buff * argument;
                         the packet starts at the Ethernet header when the sk_buff has one, else at the network
                         header (then the filter is libpcap's for raw IP); accepted packets go to a ring buffer
      --attach HOOK      tp_btf/TRACEPOINT (e.g. tp_btf/skb/kfree_skb, tp_btf/net/netif_receive_skb) or
                         fentry/FUNCTION (any kernel function with a struct sk_buff * argument, found in BTF)
  --attach (trace filters, --ctx tracepoint): perf (default): the program runs on the record perf built; raw: a
                         tp_btf program decides on the tracepoint's arguments and builds the record only for the
                         hits it keeps (docs/raw-tracepoints.md: covered events and fields); auto: raw where
                         every field the filter reads is covered, else perf (said on stderr)
      --snaplen N        packet bytes copied at most (default 256)
      --layout L         live (default): sk_buff offsets from /sys/kernel/btf/vmlinux; snapshot: a fixed layout
                         of one kernel build (Linux 6.18; tp_btf hooks only)
      --emit F           ebpf/cbpf: ${EMIT_FORMS.join(', ')} (default asm); bin and elf need -o FILE
                         p4: ${P4_EMITS.join(', ')} (default entries-json)
      --no-ranges        p4: expand ranges into ternary prefixes (for targets without range matches)

tc, u32, tc-bpf (rules printed as a \`tc -b\` batch: one command per line, no leading tc; u32 rules live in one
prio, a rejecting rule aborts only that prio; the rules key on the frame's event id):
      --dev DEV          the device (required for pcap filters and tc-bpf --event; trace filters default to
                         trace0); --ingress (default) or --egress; --prio N (default 1)
      --mode M           classic (cBPF bytecode, match -1 / miss 0), obj-da (eBPF object, direct action:
                         --on-match/--on-miss take TC_ACT names, default ok/unspec) or obj (eBPF, classid mode)
      --object FILE      where the eBPF object is written (obj modes; required)
      --action TEXT      appended to each matching rule (u32; tc-bpf classic and obj modes), e.g.
                         'action mirred egress mirror dev m0' (u32 default: classid 1:1)
      --classid MAJ:MIN  the class each matching rule selects (u32 classid/flowid, cls_bpf classid; hex)
      --parent MAJ:      attach the rules to a classful qdisc (e.g. htb, handle MAJ:) or one of its classes
                         instead of clsact, so that --classid picks the class a frame is queued in; frames no
                         rule matches go to the qdisc's default class (docs/tc.md: classes under overload)
      --clsact           also print the 'qdisc add dev DEV clsact' line
      --on-match N       return value when the filter accepts (defaults: tracepoint 1, socket 0xffffffff,
      --on-miss N        tc TC_ACT_OK, xdp XDP_PASS) and when it rejects (0, 0, TC_ACT_SHOT, XDP_DROP)
  -O, --optimize L       0: no IR passes; 1: passes; 2 (default): passes and a cost-ordered decision DAG
      --dump-after PASS  print the IR after PASS (${DUMP_POINTS.join(', ')}) instead of the program
  -o, --output FILE      write the output to FILE (whole or not at all)
      --nr-cpus N        nr_cpu_ids of the target machine for CPUS{...} (default: this machine's)
${kernelOptionHelp}
      --set-lookup S     eBPF: equality sets of 8+ values as a binary 'search' (default) or one hash 'map'
                         lookup (the map and its entries go into the ELF object's .maps)
${bpfLoopsHelp}
      --stats            print instruction count and DAG size on stderr
${jsonHelp}:
                         tc targets print the batch as JSON; ebpf/cbpf mean --emit json, p4 --emit entries-json

exit status: 0 compiled, 1 the kernel rejects the filter or the target cannot express it, 2 usage error.

examples:
  $ tfc compile 'family == 2 && protocol == 6' --event sock/inet_sock_set_state
  $ tfc compile 'family == 2' --event sock/inet_sock_set_state --ctx trace-frame --target cbpf --emit ddd
  $ tfc compile 'family == 2' --event sock/inet_sock_set_state --emit elf -o filter.o
  $ tfc compile 'family == 2 && protocol == 6' --event sock/inet_sock_set_state --target tc --dev trace0
  $ tfc compile 'family==2 && protocol==6' --target tc
  $ tfc compile 'whence == 1' --event syscalls/sys_enter_lseek --target u32 --dev veth0 --parent 1: --classid 1:10
  $ tfc compile --lang pcap 'ip6 and tcp port 443' --target u32 --dev eth0
  $ tfc compile --lang pcap 'ip src net 10.0.0.0/8 and not tcp' --target flower --dev eth0
  $ tfc compile --lang pcap 'tcp dst port 80' --target p4 --emit bmv2
  $ tfc compile --lang pcap 'udp port 9999' --target ebpf --ctx skb --attach tp_btf/skb/kfree_skb --layout snapshot
`,
};

function choice<T extends string>(v: string | undefined, allowed: readonly T[], name: string, dflt: T): T {
  if (v === undefined) return dflt;
  if (!(allowed as readonly string[]).includes(v))
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got '${v}'`);
  return v as T;
}

/** --bpf-loops for an eBPF target (bpf-loops-option.ts); refused for cBPF, which has no loops. */
function ebpfLoops(p: Parsed, host: Host, target: Target): BpfFeatures | undefined {
  if (target === 'ebpf') return chooseBpfFeatures(p, host).features;
  if (p.values['bpf-loops'] !== undefined) throw new UsageError('--bpf-loops applies to --target ebpf');
  return undefined;
}

function u32(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = /^(0x[0-9a-f]+|\d+)$/i.test(v) ? Number(v) : Number.NaN;
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff)
    throw new UsageError(`--${name} takes a number from 0 to 0xffffffff, got '${v}'`);
  return n;
}

export async function runCompile(argv: readonly string[], rawIo: Io, host: Host): Promise<number> {
  const parsed = parseCommandArgs(compileSpec, argv);
  if (parsed.help) {
    rawIo.out(renderHelp(compileSpec, rawIo.columns));
    return EXIT.ok;
  }
  const { p, io } = compileJsonMode(parsed, rawIo);
  const { text } = filterText(p, io);
  // -O and --dev are checked for every target (usage errors, whichever back end would read them).
  choice(str(p, 'optimize'), ['0', '1', '2'], 'optimize', '2');
  const dev = str(p, 'dev');
  if (dev !== undefined && !isTcDevName(dev))
    throw new UsageError(`--dev '${dev}': not a device name tc takes (1 to 15 of A-Z a-z 0-9 _ . @ -)`);
  const lang = choice(str(p, 'lang'), ['tracefs', 'pcap'], 'lang', 'tracefs');
  if (lang === 'pcap') return runCompilePcap(p, io, host);
  for (const o of ['snaplen', 'layout'])
    if (p.values[o] !== undefined) throw new UsageError(`--${o} applies to --lang pcap --ctx skb`);
  const attach = attachMode(str(p, 'attach'));
  const targetArg = choice(
    str(p, 'target'),
    ['ebpf', 'cbpf', 'p4', 'tc-bpf', 'tc', 'u32', 'flower'],
    'target',
    'ebpf',
  );
  const anyEvent = p.values.event === undefined && p.values.format === undefined;
  if (!anyEvent && p.values.subsystem !== undefined)
    throw new UsageError('--subsystem applies when no --event or --format is given');
  if (
    targetArg === 'tc' ||
    targetArg === 'u32' ||
    targetArg === 'flower' ||
    (targetArg === 'tc-bpf' && anyEvent)
  )
    return runCompileTc(p, io, host, targetArg);
  if (targetArg === 'tc-bpf') return runCompileTcBpf(p, io, host);
  for (const o of ['classid', 'parent'])
    if (p.values[o] !== undefined)
      throw new UsageError(`--${o} applies to --target tc, u32, flower and tc-bpf`);
  if (targetArg === 'p4') return anyEvent ? runCompileP4AnyEvent(p, io, host) : runCompileP4(p, io, host);
  // Options of the tc, P4 and pcap paths mean nothing to a BPF program: refused, never ignored.
  for (const o of [
    'no-ranges',
    'dev',
    'ingress',
    'egress',
    'prio',
    'action',
    'mode',
    'object',
    'clsact',
    'linktype',
    'pcap-version',
    'scoped-encap',
    'pcap-capture',
    'names-from',
    'netmask',
    'flower-profile',
  ])
    if (p.values[o] !== undefined)
      throw new UsageError(
        `--${o} does not apply to --target ${targetArg} (it is an option of the tc and P4 targets or of --lang pcap)`,
      );
  if (anyEvent) return runCompileBpfAnyEvent(p, io, host, targetArg);
  const target: Target = targetArg;
  const ctx = choice<Context>(
    str(p, 'ctx'),
    ['tracepoint', 'trace-frame'],
    'ctx',
    target === 'cbpf' ? 'trace-frame' : 'tracepoint',
  );
  const progTypeArg = str(p, 'prog-type');
  const progType =
    progTypeArg === undefined
      ? undefined
      : choice<ProgType>(progTypeArg, ['socket', 'tc', 'xdp'], 'prog-type', 'socket');
  if (progType !== undefined && ctx === 'tracepoint')
    throw new UsageError('--prog-type applies to --ctx trace-frame');
  const form = choice<EmitForm>(str(p, 'emit'), EMIT_FORMS, 'emit', 'asm');
  const level = choice(str(p, 'optimize'), ['0', '1', '2'], 'optimize', '2');
  const onMatch = u32(str(p, 'on-match'), 'on-match');
  const onMiss = u32(str(p, 'on-miss'), 'on-miss');
  const setLookup = choice(str(p, 'set-lookup'), ['search', 'map'], 'set-lookup', 'search');
  if (setLookup === 'map' && target === 'cbpf') throw new UsageError('--set-lookup map needs --target ebpf');
  const loops = ebpfLoops(p, host, target);
  const dumpAfter = str(p, 'dump-after');
  const output = str(p, 'output');
  if ((form === 'bin' || form === 'elf') && output === undefined && dumpAfter === undefined)
    throw new UsageError(`--emit ${form} is binary: write it to a file with -o FILE`);
  const { event } = await resolveEvent(p, io);
  const nrCpuIds = int(p, 'nr-cpus', { min: 1, max: 8192 }) ?? host.nrCpuIds();
  const { dialect } = await chooseDialect(p, io, host);
  const symbols = host.symbols();
  if (attach !== 'perf' && (target !== 'ebpf' || ctx !== 'tracepoint' || progType !== undefined))
    throw new UsageError('--attach raw|auto applies to --target ebpf --ctx tracepoint');
  if (attach !== 'perf' && !['asm', 'bin', 'json'].includes(form))
    throw new UsageError(
      `--attach ${attach}: --emit asm, bin or json (a raw program's maps are the loader's)`,
    );
  const raw =
    attach === 'perf'
      ? undefined
      : chooseRaw(
          {
            filter: text,
            event,
            dialect,
            host,
            nrCpuIds,
            optimize: Number(level) as 0 | 1 | 2,
            setLookup,
            ...(dumpAfter !== undefined ? { dumpAfter } : {}),
          },
          attach,
        );
  if (raw?.kind === 'fallback') {
    if (attach === 'raw') {
      io.err(`tfc: compile: --attach raw: ${raw.why}\n`);
      return EXIT.rejected;
    }
    io.err(`tfc: note: --attach auto: the record path (perf): ${raw.why}\n`);
  }
  const r =
    raw?.kind === 'raw'
      ? raw.result
      : compile({
          dialect,
          filter: text,
          event,
          target,
          ctx,
          nrCpuIds,
          optimize: Number(level) as 0 | 1 | 2,
          setLookup,
          ...(loops !== undefined ? { bpfFeatures: loops } : {}),
          ...(progType ? { progType } : {}),
          ...(onMatch !== undefined ? { onMatch } : {}),
          ...(onMiss !== undefined ? { onMiss } : {}),
          ...(dumpAfter !== undefined ? { dumpAfter } : {}),
          ...(symbols ? { lookupSymbol: symbols } : {}),
        });
  if (!r.ok) {
    if (r.filterError) return kernelRejection(r.filterError, text, io);
    return reportCompileDiagnostics(r.diagnostics, io);
  }
  if (dumpAfter !== undefined) {
    writeOutput(io, r.dump ?? '', output, 'the IR dump');
    return EXIT.ok;
  }
  const e = emit(r.program, form);
  if (!e.ok) throw new UsageError(`--emit ${form}: ${e.message}`);
  writeOutput(io, e.data, output, `--emit ${form}`);
  if (flag(p, 'stats'))
    io.err(
      `tfc: ${r.program.stats.instructions} instructions, decision DAG ${r.program.stats.dagNodes} nodes / ${r.program.stats.dagLeaves} leaves, passes: ${r.passes.join(' ') || 'none'}\n`,
    );
  return EXIT.ok;
}

function writeP4(p: Parsed, io: Io, form: P4Emit, o: P4Outputs): number {
  writeOutput(io, p4Output(o, form), str(p, 'output'), `--emit ${form}`);
  if (flag(p, 'stats')) io.err(`tfc: ${o.list.entries.length} entries on ${o.list.keys.length} keys\n`);
  return EXIT.ok;
}

/** `--lang pcap --target p4`: entries over the ethernet/ip/tcp/udp headers a P4 parser extracts. */
async function runCompilePcapP4(p: Parsed, io: Io): Promise<number> {
  for (const o of [
    'ctx',
    'prog-type',
    'on-match',
    'on-miss',
    'set-lookup',
    'bpf-loops',
    'dump-after',
    'optimize',
    'scoped-encap',
    'pcap-version',
    'pcap-capture',
  ])
    if (p.values[o] !== undefined) throw new UsageError(`--${o} does not apply to --target p4`);
  if (linkTypeByName(str(p, 'linktype') ?? 'ethernet') !== 'ethernet')
    choice(str(p, 'linktype'), ['ethernet'], 'linktype', 'ethernet');
  const form = choice<P4Emit>(str(p, 'emit'), P4_EMITS, 'emit', 'entries-json');
  const { text } = filterText(p, io);
  const r = compilePcapP4({ filter: text, ranges: !flag(p, 'no-ranges'), env: pcapEnv(p) });
  if (!r.ok) {
    return reportCompileDiagnostics(r.diagnostics, io);
  }
  return writeP4(p, io, form, r.outputs);
}

async function runCompileP4(p: Parsed, io: Io, host: Host): Promise<number> {
  for (const o of ['ctx', 'prog-type', 'on-match', 'on-miss', 'set-lookup', 'bpf-loops', 'dump-after'])
    if (p.values[o] !== undefined) throw new UsageError(`--${o} does not apply to --target p4`);
  const form = choice<P4Emit>(str(p, 'emit'), P4_EMITS, 'emit', 'entries-json');
  const { text } = filterText(p, io);
  const { event } = await resolveEvent(p, io);
  const nrCpuIds = int(p, 'nr-cpus', { min: 1, max: 8192 }) ?? host.nrCpuIds();
  const { dialect } = await chooseDialect(p, io, host);
  const r = compileP4({ filter: text, event, nrCpuIds, dialect, ranges: !flag(p, 'no-ranges') });
  if (!r.ok) {
    if (r.filterError) return kernelRejection(r.filterError, text, io);
    return reportCompileDiagnostics(r.diagnostics, io);
  }
  return writeP4(p, io, form, r.outputs);
}

async function runCompileTcBpf(p: Parsed, io: Io, host: Host): Promise<number> {
  for (const o of ['ctx', 'prog-type', 'emit', 'dump-after'])
    if (p.values[o] !== undefined) throw new UsageError(`--${o} does not apply to --target tc-bpf`);
  const dev = str(p, 'dev');
  if (dev === undefined) throw new UsageError('--target tc-bpf needs --dev DEV');
  if (flag(p, 'ingress') && flag(p, 'egress')) throw new UsageError('give --ingress or --egress, not both');
  const mode = choice<TcBpfMode>(str(p, 'mode'), ['classic', 'obj-da', 'obj'], 'mode', 'classic');
  const objectPath = str(p, 'object');
  if (mode !== 'classic' && objectPath === undefined)
    throw new UsageError(`--mode ${mode} needs --object FILE`);
  if (mode === 'classic' && objectPath !== undefined)
    throw new UsageError('--object applies to the obj modes');
  const act = (name: string) => {
    const v = str(p, name);
    if (v === undefined) return undefined;
    if (mode !== 'obj-da') throw new UsageError(`--${name} applies to --mode obj-da`);
    return choice<TcActName>(v.toLowerCase().replace(/^tc_act_/, ''), DA_VERDICTS, name, 'ok');
  };
  const onMatch = act('on-match');
  const onMiss = act('on-miss');
  const prio = int(p, 'prio', { min: 1, max: 65535 }) ?? 1;
  const { classid, parent } = classOptions(p, io);
  if (flag(p, 'clsact') && parent !== undefined)
    throw new UsageError('--clsact adds the clsact hook; --parent attaches to a classful qdisc instead');
  const { text } = filterText(p, io);
  const { event } = await resolveEvent(p, io);
  const nrCpuIds = int(p, 'nr-cpus', { min: 1, max: 8192 }) ?? host.nrCpuIds();
  const { dialect } = await chooseDialect(p, io, host);
  const r = compile({
    filter: text,
    event,
    dialect,
    target: mode === 'classic' ? 'cbpf' : 'ebpf',
    ctx: 'trace-frame',
    progType: 'tc',
    nrCpuIds,
    ...compileOptionsFor(mode, { ...(onMatch ? { onMatch } : {}), ...(onMiss ? { onMiss } : {}) }),
  });
  if (!r.ok) {
    if (r.filterError) return kernelRejection(r.filterError, text, io);
    return reportCompileDiagnostics(r.diagnostics, io);
  }
  const action = str(p, 'action');
  const out = tcBpfOutput(r.program, {
    dev,
    direction: flag(p, 'egress') ? 'egress' : 'ingress',
    prio,
    clsact: flag(p, 'clsact'),
    ...(action !== undefined ? { action } : {}),
    ...(classid !== undefined ? { classid } : {}),
    ...(parent !== undefined ? { parent } : {}),
    ...(objectPath !== undefined ? { objectPath } : {}),
    ...(mode === 'obj' ? { classidMode: true } : {}),
  });
  if (!out.ok) {
    return reportCompileDiagnostics(
      out.diagnostics.map((d) => ({ stage: 'tc-bpf', message: d.message })),
      io,
    );
  }
  const batch = io.json
    ? JSON.stringify(
        tcBatchJson({
          target: 'tc-bpf',
          backend: 'tc-bpf',
          why: [],
          dev,
          direction: flag(p, 'egress') ? 'egress' : 'ingress',
          prio,
          commands: out.batch.split('\n').filter((l) => l !== ''),
          notes: [],
        }),
      )
    : out.batch;
  if (out.object !== undefined && objectPath !== undefined) {
    const existed = existsSync(objectPath);
    writeOutput(io, out.object, objectPath, 'the eBPF object');
    try {
      writeOutput(io, batch, str(p, 'output'), 'the tc batch');
    } catch (e) {
      // The object and its batch are one output: without the batch, the object the batch names goes too.
      if (!existed) rmSync(objectPath, { force: true });
      throw e;
    }
    return EXIT.ok;
  }
  writeOutput(io, batch, str(p, 'output'), 'the tc batch');
  return EXIT.ok;
}

async function runCompilePcap(p: Parsed, io: Io, host: Host): Promise<number> {
  for (const o of ['event', 'format', 'source', 'nr-cpus', 'subsystem', 'kernel'])
    if (p.values[o] !== undefined) throw new UsageError(`--${o} does not apply to --lang pcap`);
  const t = str(p, 'target');
  if (str(p, 'ctx') === 'skb' && p.values['pcap-capture'] !== undefined)
    throw new UsageError(
      '--pcap-capture does not apply to --ctx skb (its capture record keeps its own VLAN model)',
    );
  if (str(p, 'ctx') === 'skb')
    return runCompileSkb(p, io, pcapEnv(p), pcapVersionOf(p), chooseBpfFeatures(p, host).features);
  for (const o of ['attach', 'snaplen', 'layout'])
    if (p.values[o] !== undefined) throw new UsageError(`--${o} applies to --ctx skb`);
  if (t === 'tc' || t === 'u32' || t === 'tc-bpf' || t === 'flower') {
    if (p.values['pcap-capture'] !== undefined)
      throw new UsageError(`--pcap-capture applies to --target cbpf and ebpf`);
    return runCompileTc(p, io, host, t);
  }
  for (const o of ['dev', 'mode', 'object', 'action', 'prio', 'clsact', 'classid', 'parent'])
    if (p.values[o] !== undefined) throw new UsageError(`--${o} applies to the tc targets`);
  if (t === 'p4') return runCompilePcapP4(p, io);
  const target = choice<Target>(t, ['ebpf', 'cbpf'], 'target', 'cbpf');
  choice(str(p, 'ctx'), ['packet'], 'ctx', 'packet');
  const linktypeArg = str(p, 'linktype') ?? 'EN10MB';
  const linktype = linkTypeByName(linktypeArg);
  if (linktype === undefined)
    throw new UsageError(
      `--linktype must be one of ${LINK_TYPES.map((l) => l.name).join(', ')} (got '${linktypeArg}')`,
    );
  const pcapVersion = pcapVersionOf(p);
  const capture = choice<PcapCapture>(str(p, 'pcap-capture'), PCAP_CAPTURES, 'pcap-capture', 'offline');
  const progTypeArg = str(p, 'prog-type');
  const progType =
    progTypeArg === undefined
      ? undefined
      : choice<ProgType>(progTypeArg, ['socket', 'tc', 'xdp'], 'prog-type', 'socket');
  const form = choice<EmitForm>(str(p, 'emit'), EMIT_FORMS, 'emit', target === 'cbpf' ? 'd' : 'asm');
  const dumpAfter = str(p, 'dump-after');
  const output = str(p, 'output');
  if ((form === 'bin' || form === 'elf') && output === undefined && dumpAfter === undefined)
    throw new UsageError(`--emit ${form} is binary: write it to a file with -o FILE`);
  const level = choice(str(p, 'optimize'), ['0', '1', '2'], 'optimize', '2');
  const onMatch = u32(str(p, 'on-match'), 'on-match');
  const onMiss = u32(str(p, 'on-miss'), 'on-miss');
  const loops = ebpfLoops(p, host, target);
  const { text } = filterText(p, io);
  const r = compilePcapFilter({
    filter: text,
    linktype,
    pcapVersion,
    target,
    ...(loops !== undefined ? { bpfFeatures: loops } : {}),
    optimize: Number(level) as 0 | 1 | 2,
    scopedEncap: flag(p, 'scoped-encap'),
    capture,
    env: pcapEnv(p),
    ...(progType ? { progType } : {}),
    ...(onMatch !== undefined ? { onMatch } : {}),
    ...(onMiss !== undefined ? { onMiss } : {}),
    ...(dumpAfter !== undefined ? { dumpAfter } : {}),
  });
  if (!r.ok) return reportPcapDiagnostics(r.diagnostics, text, io);
  if (dumpAfter !== undefined) {
    writeOutput(io, r.dump ?? '', output, 'the IR dump');
    return EXIT.ok;
  }
  const e = emit(r.program, form);
  if (!e.ok) throw new UsageError(`--emit ${form}: ${e.message}`);
  writeOutput(io, e.data, output, `--emit ${form}`);
  // Decided on the classic program (an eBPF target's filter is compiled to classic BPF once more for it).
  const classic =
    target === 'cbpf'
      ? r
      : compilePcapFilter({ filter: text, linktype, pcapVersion, capture, target: 'cbpf' });
  if (classic.ok && acceptsNothing(classic.program) === true)
    io.err(
      'tfc: note: the filter rejects every packet (libpcap refuses such a filter where its optimizer proves it: "expression rejects all packets")\n',
    );
  if (flag(p, 'stats'))
    io.err(
      `tfc: ${r.program.stats.instructions} instructions, decision DAG ${r.program.stats.dagNodes} nodes\n`,
    );
  return EXIT.ok;
}

const TRACEFS = '/sys/kernel/tracing';

/** Every event of live tracefs (narrowed to one subsystem), read from its format files. */
function liveEvents(sys: string | undefined): EventFormat[] {
  const out: EventFormat[] = [];
  let systems: string[];
  try {
    systems = readdirSync(`${TRACEFS}/events`, { withFileTypes: true })
      .filter((d) => d.isDirectory() && (sys === undefined || d.name === sys))
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
  for (const s of systems) {
    let names: string[] = [];
    try {
      names = readdirSync(`${TRACEFS}/events/${s}`, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort();
    } catch {
      continue;
    }
    for (const n of names) {
      const r = readLiveEvent(s, n);
      if (r.ok) out.push(r.event);
    }
  }
  return out;
}

/**
 * The candidate events of the no-event mode: live tracefs when it answers (--source auto|live), else the bundled
 * snapshot (--source bundled), narrowed by --subsystem.
 */
async function candidateEvents(p: Parsed, io: Io): Promise<EventFormat[]> {
  const source = choice(str(p, 'source'), ['auto', 'live', 'bundled'], 'source', 'auto');
  const sys = str(p, 'subsystem');
  const what = sys === undefined ? 'every event' : `every event of subsystem ${sys}`;
  let liveError = '';
  if (source !== 'bundled') {
    const stuck = existsSync(`${TRACEFS}/events`)
      ? await probeTracefs(TRACEFS, 3000)
      : { ok: false as const, reason: `no tracefs at ${TRACEFS}` };
    if (stuck === null) {
      const live = liveEvents(sys);
      if (live.length > 0) {
        io.err(
          `tfc: no --event: the filter applies, as a subsystem filter does, to ${what} of live tracefs that defines the fields it names\n`,
        );
        return live;
      }
      liveError = sys === undefined ? 'no events' : `no subsystem '${sys}'`;
    } else liveError = stuck.reason;
    if (source === 'live') throw new UsageError(`live tracefs: ${liveError}`);
  }
  const names = bundledEventNames().filter((n) => sys === undefined || n.startsWith(`${sys}/`));
  if (names.length === 0)
    throw new UsageError(`no subsystem '${sys}' in the bundled snapshot; 'tfc events' lists the events`);
  io.err(
    `tfc: no --event: the filter applies, as a subsystem filter does, to ${what} of the bundled snapshot (Linux ${bundledKernelRelease()}${liveError === '' ? '' : `; live tracefs: ${liveError}`}) that defines the fields it names\n`,
  );
  return names.flatMap((n) => {
    const [s, e] = n.split('/') as [string, string];
    const ev = bundledEvent(s, e);
    return ev ? [ev] : [];
  });
}

function coverNote(io: Io, covered: readonly string[]): void {
  const shown = covered.slice(0, 20).join(', ');
  io.err(
    `tfc: covers ${covered.length} event${covered.length === 1 ? '' : 's'}: ${shown}${covered.length > 20 ? `, … (${covered.length - 20} more)` : ''}\n`,
  );
}

/**
 * The kernel's rejection of a trace event filter: its own filter-file rendering, then tfc's notes (a write of 4096
 * bytes or more renders as nothing in the kernel, and kernel-undefined shapes get their warning).
 */
function kernelRejection(e: FilterError, text: string, io: Io): number {
  if (io.json) {
    printRejection(io, [kernelDiagnostic(e)], { errno: e.errno, notes: rejectionNotes(e, text) });
    return EXIT.rejected;
  }
  io.err(renderFilterFile(e));
  for (const line of rejectionNotes(e, text)) io.err(`tfc: ${line}\n`);
  return EXIT.rejected;
}

function tcFailure(r: Extract<TcResult, { ok: false }>, text: string, io: Io): number {
  if (r.filterError) return kernelRejection(r.filterError, text, io);
  return reportCompileDiagnostics(r.diagnostics, io);
}

/** The device trace-frame rules are printed for when `tfc compile` is given no --dev. */
export const DEFAULT_TRACE_DEV = 'trace0';

function tcCommon(p: Parsed, target: string, defaultDev: string | undefined, io: Io) {
  for (const o of [
    'ctx',
    'prog-type',
    'emit',
    'dump-after',
    'on-match',
    'on-miss',
    'object',
    'set-lookup',
    'bpf-loops',
  ])
    if (p.values[o] !== undefined) throw new UsageError(`--${o} does not apply to --target ${target}`);
  if (p.values.mode !== undefined && str(p, 'mode') !== 'classic')
    throw new UsageError(`--mode ${str(p, 'mode')} needs --event (one event) and --target tc-bpf`);
  const given = str(p, 'dev');
  if (given === undefined && defaultDev === undefined)
    throw new UsageError(`--target ${target} needs --dev DEV`);
  if (given === undefined)
    io.err(
      `tfc: no --dev: the rules are for ${defaultDev}, the trace interface: 'tfc trace --event SYS/NAME --dev ${defaultDev}' creates it and delivers the events there as frames\n`,
    );
  const dev = given ?? (defaultDev as string);
  if (flag(p, 'ingress') && flag(p, 'egress')) throw new UsageError('give --ingress or --egress, not both');
  const { classid, parent } = classOptions(p, io);
  const action = str(p, 'action');
  const fp = str(p, 'flower-profile');
  if (fp !== undefined && target !== 'flower' && target !== 'tc')
    throw new UsageError('--flower-profile applies to --target flower and tc');
  const flowerProfile = choice(fp, FLOWER_PROFILES, 'flower-profile', 'portable');
  return {
    dev,
    flowerProfile,
    direction: flag(p, 'egress') ? ('egress' as const) : ('ingress' as const),
    prio: int(p, 'prio', { min: 1, max: 65535 }) ?? 1,
    ...(action !== undefined ? { action } : {}),
    ...(classid !== undefined ? { classid } : {}),
    ...(parent !== undefined ? { parent } : {}),
  };
}

/** A --classid/--parent value checked by codegen-tc's reader: usage error with a caret and the reason. */
function handleOption(p: Parsed, name: 'classid' | 'parent'): TcHandle | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  const r = name === 'classid' ? parseClassid(v) : parseParent(v);
  if (!r.ok) throw new UsageError(renderHandleError(name, v, r, 'tfc: '.length));
  return r.handle;
}

/**
 * --classid and --parent of the tc targets, normalized (`1:10`, `1:`): the parent replaces --ingress/--egress and
 * needs a class id (without one, u32's default classid 1:1 and cls_bpf's "no class" would differ), which must
 * belong to the parent's qdisc; and on clsact a class id only ends classification (a note says so).
 */
export function classOptions(p: Parsed, io: Io): { classid?: string; parent?: string } {
  const classid = handleOption(p, 'classid');
  const parent = handleOption(p, 'parent');
  if (parent !== undefined && (flag(p, 'ingress') || flag(p, 'egress')))
    throw new UsageError(
      '--parent attaches to a classful qdisc instead of clsact: no --ingress/--egress with it',
    );
  if (parent !== undefined && classid === undefined)
    throw new UsageError(
      `--parent ${parent.text} needs --classid ${parent.major.toString(16)}:MIN: the class of qdisc ${parent.major.toString(16)}: that matching frames go to (the others go to its default class)`,
    );
  if (parent !== undefined && classid !== undefined && classid.major !== parent.major)
    throw new UsageError(
      `--classid ${classid.text} is not a class of qdisc ${parent.major.toString(16)}: (--parent ${parent.text}): a qdisc's filters select its own classes (use ${parent.major.toString(16)}:MIN)`,
    );
  if (classid !== undefined && parent === undefined)
    io.err(
      `tfc: note: on the clsact hook classid ${classid.text} only ends classification; to queue matching frames in class ${classid.text}, attach the rules to its qdisc with --parent ${classid.major.toString(16)}:\n`,
    );
  return {
    ...(classid !== undefined ? { classid: classid.text } : {}),
    ...(parent !== undefined ? { parent: parent.text } : {}),
  };
}

/** What `tfc compile`/`tfc apply` print or install for a tc target. */
export interface TcRules {
  readonly result: Extract<TcResult, { ok: true }>;
  readonly dev: string;
  readonly direction: 'ingress' | 'egress';
  /** The classful qdisc or class the rules attach to instead of clsact (`1:`). */
  readonly parent?: string;
  /** The class matching rules select. */
  readonly classid?: string;
  readonly prio: number;
  readonly anyEvent: boolean;
}

/**
 * The tc rules a command line asks for (trace or pcap filter; --target tc|u32|tc-bpf), or the exit code after the
 * diagnostics were printed. Shared by `tfc compile` and `tfc apply`.
 */
export async function tcRulesFor(
  p: Parsed,
  io: Io,
  host: Host,
  target: TcTarget,
  opts: { readonly defaultDev?: boolean } = {},
): Promise<{ readonly ok: true; readonly rules: TcRules } | { readonly ok: false; readonly code: number }> {
  const lang = choice(str(p, 'lang'), ['tracefs', 'pcap'], 'lang', 'tracefs');
  const common = tcCommon(
    p,
    target,
    opts.defaultDev && lang === 'tracefs' ? DEFAULT_TRACE_DEV : undefined,
    io,
  );
  const { text } = filterText(p, io);
  let source: TcSource;
  let anyEvent = false;
  if (lang === 'pcap') {
    for (const o of ['event', 'format', 'source', 'nr-cpus', 'subsystem', 'kernel'])
      if (p.values[o] !== undefined) throw new UsageError(`--${o} does not apply to --lang pcap`);
    if (linkTypeByName(str(p, 'linktype') ?? 'ethernet') !== 'ethernet')
      throw new UsageError(`--target ${target} matches Ethernet frames (--linktype ethernet)`);
    if (str(p, 'pcap-version') !== undefined)
      throw new UsageError(`--pcap-version does not apply to --target ${target}`);
    if (flag(p, 'scoped-encap')) throw new UsageError(`--scoped-encap does not apply to --target ${target}`);
    source = { lang: 'pcap', filter: text, env: pcapEnv(p) };
  } else {
    anyEvent = p.values.event === undefined && p.values.format === undefined;
    if (!anyEvent && p.values.subsystem !== undefined)
      throw new UsageError('--subsystem applies when no --event or --format is given');
    const nrCpuIds = int(p, 'nr-cpus', { min: 1, max: 8192 }) ?? host.nrCpuIds();
    const events = anyEvent ? await candidateEvents(p, io) : [(await resolveEvent(p, io)).event];
    const symbols = host.symbols();
    const { dialect } = await chooseDialect(p, io, host);
    source = {
      lang: 'tracefs',
      filter: text,
      events,
      anyEvent,
      nrCpuIds,
      dialect,
      ...(symbols ? { lookupSymbol: symbols } : {}),
    };
  }
  const r = compileTc({ source, target, ...common });
  if (!r.ok) return { ok: false, code: tcFailure(r, text, io) };
  if (target === 'tc') io.err(`tfc: tc: ${r.backend} (${r.why.join('; ')})\n`);
  if (anyEvent) coverNote(io, r.covered);
  for (const n of r.notes) io.err(`tfc: note: ${n}\n`);
  if (r.lines.length === 0) io.err('tfc: note: the filter matches no frame: no rules\n');
  return {
    ok: true,
    rules: {
      result: r,
      dev: common.dev,
      direction: common.direction,
      prio: common.prio,
      anyEvent,
      ...(common.parent !== undefined ? { parent: common.parent } : {}),
      ...(common.classid !== undefined ? { classid: common.classid } : {}),
    },
  };
}

async function runCompileTc(p: Parsed, io: Io, host: Host, target: TcTarget): Promise<number> {
  const t = await tcRulesFor(p, io, host, target, { defaultDev: true });
  if (!t.ok) return t.code;
  const { result: r, dev } = t.rules;
  if (flag(p, 'clsact') && t.rules.parent !== undefined)
    throw new UsageError('--clsact adds the clsact hook; --parent attaches to a classful qdisc instead');
  const lines = flag(p, 'clsact') ? [`qdisc add dev ${dev} clsact`, ...r.lines] : r.lines;
  const batch = io.json
    ? JSON.stringify(
        tcBatchJson({
          ...t.rules,
          target,
          backend: r.backend,
          why: r.why,
          commands: lines,
          notes: r.notes,
          ...(t.rules.anyEvent ? { covered: r.covered } : {}),
        }),
      )
    : lines.join('\n');
  writeOutput(io, lines.length > 0 || io.json ? `${batch}\n` : '', str(p, 'output'), 'the tc batch');
  if (flag(p, 'stats')) io.err(`tfc: ${r.stats}\n`);
  return EXIT.ok;
}

async function runCompileP4AnyEvent(p: Parsed, io: Io, host: Host): Promise<number> {
  for (const o of ['ctx', 'prog-type', 'on-match', 'on-miss', 'set-lookup', 'bpf-loops', 'dump-after'])
    if (p.values[o] !== undefined) throw new UsageError(`--${o} does not apply to --target p4`);
  const form = choice<P4Emit>(str(p, 'emit'), P4_EMITS, 'emit', 'entries-json');
  const { text } = filterText(p, io);
  const nrCpuIds = int(p, 'nr-cpus', { min: 1, max: 8192 }) ?? host.nrCpuIds();
  const events = await candidateEvents(p, io);
  const { dialect } = await chooseDialect(p, io, host);
  const r = compileP4Frames(
    { lang: 'tracefs', filter: text, events, anyEvent: true, nrCpuIds, dialect },
    { ranges: !flag(p, 'no-ranges') },
  );
  if (!r.ok) return tcFailure(r, text, io);
  coverNote(io, r.covered);
  return writeP4(p, io, form, r.outputs);
}

async function runCompileBpfAnyEvent(p: Parsed, io: Io, host: Host, target: Target): Promise<number> {
  const ctx = str(p, 'ctx') ?? (target === 'cbpf' ? 'trace-frame' : 'tracepoint');
  if (ctx !== 'trace-frame')
    throw new UsageError(
      'an event is needed (--event SYS/NAME or --format FILE): a tracepoint program runs on one event; without an event use --ctx trace-frame, --target tc or --target p4',
    );
  for (const o of ['dump-after', 'set-lookup', 'optimize'])
    if (p.values[o] !== undefined) throw new UsageError(`--${o} needs --event`);
  const loops = ebpfLoops(p, host, target);
  const form = choice<EmitForm>(str(p, 'emit'), EMIT_FORMS, 'emit', 'asm');
  const output = str(p, 'output');
  if ((form === 'bin' || form === 'elf') && output === undefined)
    throw new UsageError(`--emit ${form} is binary: write it to a file with -o FILE`);
  const progTypeArg = str(p, 'prog-type');
  const progType =
    progTypeArg === undefined
      ? undefined
      : choice<ProgType>(progTypeArg, ['socket', 'tc', 'xdp'], 'prog-type', 'socket');
  const onMatch = u32(str(p, 'on-match'), 'on-match');
  const onMiss = u32(str(p, 'on-miss'), 'on-miss');
  const { text } = filterText(p, io);
  const nrCpuIds = int(p, 'nr-cpus', { min: 1, max: 8192 }) ?? host.nrCpuIds();
  const events = await candidateEvents(p, io);
  const { dialect } = await chooseDialect(p, io, host);
  const r = compileTraceFrameBpf(
    { lang: 'tracefs', filter: text, events, anyEvent: true, nrCpuIds, dialect },
    {
      target: target === 'cbpf' ? 'cbpf' : 'ebpf',
      ...(progType ? { progType } : {}),
      ...(onMatch !== undefined ? { onMatch } : {}),
      ...(onMiss !== undefined ? { onMiss } : {}),
      ...(loops !== undefined ? { bpfFeatures: loops } : {}),
    },
  );
  if (!r.ok) return tcFailure(r, text, io);
  coverNote(io, r.covered);
  const e = emit(r.program, form);
  if (!e.ok) throw new UsageError(`--emit ${form}: ${e.message}`);
  writeOutput(io, e.data, output, `--emit ${form}`);
  if (flag(p, 'stats')) io.err(`tfc: ${r.program.stats.instructions} instructions\n`);
  return EXIT.ok;
}
