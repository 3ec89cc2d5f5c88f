/*
 * `tfc-filter`, the library: everything the `tfc` CLI does that needs no kernel, as pure functions.
 *
 *  - compile(filter, options): trace event filters and libpcap filters to eBPF/cBPF (tracepoint, trace-frame,
 *    packet and skb contexts; every emit form, ELF objects included), tc batches (tc, u32, flower, tc-bpf) and P4
 *    entries and programs, one options object per `tfc compile` command line;
 *  - check / checkProfiles / evalRecords: a trace filter decided as the kernel would decide it, under a kernel
 *    dialect profile (`kernel: '6.18'`, …), and the reference interpreter over records (`tfc check`, `tfc eval`);
 *  - the trace frame encoder and decoder (`tfc trace`'s frames, `tfc encap`), the pcap/pcapng readers and writers
 *    (`tfc capture`, `tfc trace -w`) and the Wireshark dissector generator (`tfc dissector`);
 *  - the BPF toolkit as the namespaces `cbpf` and `ebpf` (listings, encodings, the checker, the VMs: `tfc asm`,
 *    `tfc disasm`, `tfc run` without a kernel);
 *  - the bundled event snapshot and format parser, the filter language's parser and renderings.
 *
 * Why compile() is one function and check/evalRecords two more: `tfc compile` is one command whose flags are the
 * options (changing target or language changes a field), while checking and evaluating have other products (a
 * filter file's text, verdicts). Failures of a filter are values with the compiler's Diagnostic (stage, message,
 * span); options that cannot mean anything throw TfcOptionError.
 * Invariant: re-exports only; nothing here or below it imports @tfc/kernel or koffi, reads tracefs or loads
 * programs (test/index.test.ts checks the module graph, scripts/package.mjs the bundle) — that is `tfc-filter/live`
 * (src/live.ts). Every export has a TSDoc summary (test/index-docs.test.ts), so each re-export is its own statement.
 * The 0.1 exports (compile's request form, compileTc, compilePcapFilter, compileP4, compilePcapP4, emit) stay.
 */
// biome-ignore-all assist/source/organizeImports: one export statement per re-exported symbol, each with its TSDoc comment (typedoc reads a comment on the export statement, not on a specifier in a list)

/**
 * Classic BPF: instructions, struct sock_filter encoding, the kernel's checker, the listings of `tcpdump -d/-dd/-ddd`,
 * tc bytecode and bpf_asm (parse and print), and a VM with the kernel's or libpcap's semantics (`tfc asm`, `tfc
 * disasm`, `tfc run` without the kernel).
 */
export * as cbpf from '@tfc/bpf/cbpf';
/** Extended BPF: the instruction model, encoding, the assembler and disassembler of verifier-log syntax, and a VM. */
export * as ebpf from '@tfc/bpf/ebpf';
/** The emit forms of a BPF program: asm, bin, c, d, dd, ddd, elf, json, maps (`--emit`). */
export type { EmitForm } from '@tfc/codegen-bpf';
/** Every EmitForm, in the order `tfc compile --help` lists them. */
export { EMIT_FORMS } from '@tfc/codegen-bpf';
/** A compiled BPF program as plain data: instructions, bytes, listing, maps, statistics (and the skb attach data). */
export type { ProgramSpec } from '@tfc/codegen-bpf';
/** The tp_btf hooks of the layout snapshot, with the index of their `struct sk_buff *` argument. */
export { SKB_HOOKS_SNAPSHOT } from '@tfc/codegen-bpf';
/** A kernel hook of the skb context: `tp_btf` or `fentry`, its name and its sk_buff argument. */
export type { SkbHook } from '@tfc/codegen-bpf';
/** The sk_buff, net_device and net member offsets an skb program reads (from BTF, or the snapshot). */
export type { SkbLayout } from '@tfc/codegen-bpf';
/** What an skb program does with an accepted packet: capture (a ring-buffer record), verdict, return. */
export type { SkbMode } from '@tfc/codegen-bpf';
/** Every P4 form of a compiled filter: the decision list, entries JSON, P4_16, P4Info, P4Runtime, bmv2. */
export type { P4Outputs } from '@tfc/codegen-p4';
/** The flower keys a driver offloads: portable, mlx5, ice, nfp (`--flower-profile`). */
export type { FlowerProfile } from '@tfc/codegen-tc';
/** A TC_ACT verdict by name (ok, shot, unspec, …) for cls_bpf direct action. */
export type { TcActName } from '@tfc/codegen-tc';
/** cls_bpf modes: classic (cBPF bytecode), obj-da (eBPF, direct action), obj (eBPF, classid). */
export type { TcBpfMode } from '@tfc/codegen-tc';
/** The request of compile()'s 0.1 form: a trace filter, its event, target, context and nr_cpu_ids. */
export type { CompileRequest } from '@tfc/compiler';
/** The result of compile()'s 0.1 form and of compilePcapFilter(): a program or diagnostics. */
export type { CompileResult } from '@tfc/compiler';
/** The contexts of trace-filter BPF programs: tracepoint, trace-frame (and packet, skb for pcap filters). */
export type { Context } from '@tfc/compiler';
/** A trace filter over its event's trace frames as TCAM entries and a P4_16 program (compile() with `target: 'p4'` covers it). */
export { compileP4 } from '@tfc/compiler';
/** A libpcap filter to cBPF or eBPF for packets (compile() with `lang: 'pcap'` covers it). */
export { compilePcapFilter } from '@tfc/compiler';
/** A libpcap filter as TCAM entries and a P4_16 program (compile() with `lang: 'pcap', target: 'p4'` covers it). */
export { compilePcapP4 } from '@tfc/compiler';
/** A trace or libpcap filter as a `tc -b` batch of u32, flower or cls_bpf rules (compile() with a tc target covers it). */
export { compileTc } from '@tfc/compiler';
/** Why a filter did not compile: the stage that failed, the message and, where known, the span of the filter text. */
export type { Diagnostic } from '@tfc/compiler';
/** The passes whose IR `dumpAfter` can return (and `lower`, the IR before them). */
export { DUMP_POINTS } from '@tfc/compiler';
/** One emit form of a compiled program: text or bytes, or why the form does not apply. */
export { emit } from '@tfc/compiler';
/** Optimization: 0 no IR passes, 1 passes, 2 passes and a cost-ordered decision DAG. */
export type { OptLevel } from '@tfc/compiler';
/** The request of compileP4(). */
export type { P4Request } from '@tfc/compiler';
/** The result of compileP4() and compilePcapP4(). */
export type { P4Result } from '@tfc/compiler';
/** The request of compilePcapFilter(). */
export type { PcapCompileRequest } from '@tfc/compiler';
/** The request of compilePcapP4(). */
export type { PcapP4Request } from '@tfc/compiler';
/** The eBPF program types of trace-frame and packet programs: socket, tc, xdp. */
export type { ProgType } from '@tfc/compiler';
/** The sk_buff layout of one labelled kernel build, the skb context's default. */
export { SKB_LAYOUT_SNAPSHOT } from '@tfc/compiler';
/** The compiler stage a Diagnostic comes from: parse, lower, passes, codegen. */
export type { Stage } from '@tfc/compiler';
/** The BPF targets: ebpf, cbpf. */
export type { Target } from '@tfc/compiler';
/** The tc backends: u32, flower, tc-bpf. */
export type { TcBackend } from '@tfc/compiler';
/** The request of compileTc(). */
export type { TcRequest } from '@tfc/compiler';
/** The result of compileTc(). */
export type { TcResult } from '@tfc/compiler';
/** The source of compileTc(): a trace filter with its events, or a libpcap filter. */
export type { TcSource } from '@tfc/compiler';
/** The tc targets: tc (the best backend), u32, flower, tc-bpf. */
export type { TcTarget } from '@tfc/compiler';
/** A capture read from a pcap or pcapng file: format, interfaces, records, statistics. */
export type { Capture } from '@tfc/live';
/** pcap or pcapng. */
export type { CaptureFormat } from '@tfc/live';
/** One interface of a capture: link type, snap length, timestamp precision, name. */
export type { CaptureInterface } from '@tfc/live';
/** One packet of a capture: timestamp (ns), original length, captured bytes, interface, comment. */
export type { CaptureRecord } from '@tfc/live';
/** readCapture()'s result: the capture, or the error with the byte offset of the fault. */
export type { CaptureResult } from '@tfc/live';
/** One decoded field of a record: the field, its layout and its values. */
export type { DecodedField } from '@tfc/live';
/** Every field of a record decoded, and the ones that could not be. */
export type { DecodedRecord } from '@tfc/live';
/** What generateDissector() covers: the events and the protocol names. */
export type { DissectorOptions } from '@tfc/live';
/** generateDissector()'s result: the Lua source, or why not. */
export type { DissectorResult } from '@tfc/live';
/** Decodes every field of an event record (common fields included), as tfc's Wireshark dissector does. */
export { decodeRecord } from '@tfc/live';
/** Names an event id as `sys:name` for the packet comments of writeTracePcapng(). */
export type { EventNamer } from '@tfc/live';
/** A decoded field value: an integer, a string or bytes. */
export type { FieldValue } from '@tfc/live';
/** The Wireshark Lua dissector for trace frames of the given events (`tfc dissector`). */
export { generateDissector } from '@tfc/live';
/** A pcapng Interface Statistics Block: counters and comments. */
export type { InterfaceStatistics } from '@tfc/live';
/** The LINKTYPE_* numbers tfc writes and reads (ETHERNET, RAW, …). */
export { LINKTYPE } from '@tfc/live';
/** What writePcapngCapture() writes: interfaces and their records. */
export type { PcapngCaptureDescription } from '@tfc/live';
/** writePcapng()'s options: link type, snap length, precision, interface name. */
export type { PcapngWriteOptions } from '@tfc/live';
/** writePcap()'s options: link type, snap length, precision. */
export type { PcapWriteOptions } from '@tfc/live';
/** Timestamp resolution: usec or nsec. */
export type { Precision } from '@tfc/live';
/** Streams an skb capture as pcapng (`tfc capture -w`): header() first, then packet() per packet, end() last. */
export { SkbPcapngWriter } from '@tfc/live';
/** One packet of an skb capture: its bytes and metadata (hook, drop reason, device, netns, task). */
export type { SkbPacket } from '@tfc/live';
/** The metadata of one skb capture packet, already named (drop reason, symbol, device). */
export type { SkbPacketMeta } from '@tfc/live';
/** The pcapng packet comment of an skb capture packet: `hook=… reason=… dev=… …`. */
export { skbComment } from '@tfc/live';
/** The key/value pairs of a comment skbComment wrote. */
export { parseSkbComment } from '@tfc/live';
/** A pcapng Section Header Block (streaming writers: this block first). */
export { sectionHeaderBlock } from '@tfc/live';
/** A pcapng Interface Description Block. */
export { interfaceBlock } from '@tfc/live';
/** A pcapng Enhanced Packet Block. */
export { packetBlock } from '@tfc/live';
/** A pcapng Interface Statistics Block. */
export { statisticsBlock } from '@tfc/live';
/** Concatenates pcapng blocks into one buffer. */
export { concatBlocks } from '@tfc/live';
/** What interfaceBlock() writes: link type, snap length, name, description. */
export type { InterfaceDescription } from '@tfc/live';
/** What packetBlock() writes: interface, timestamp, bytes, original length, comment, flags. */
export type { PacketDescription } from '@tfc/live';
/** What statisticsBlock() writes: counters and comments of one interface. */
export type { StatisticsDescription } from '@tfc/live';
/** Reads a pcap or pcapng capture, whichever the first bytes say; never throws. */
export { readCapture } from '@tfc/live';
/** Reads a pcap capture (either byte order, usec or nsec); never throws. */
export { readPcap } from '@tfc/live';
/** Reads a pcapng capture (sections, interfaces, packets, statistics); never throws. */
export { readPcapng } from '@tfc/live';
/** One trace device's frames for writeTracePcapng(), with its loss counters. */
export type { TraceDeviceCapture } from '@tfc/live';
/** Writes records as a pcap capture of one link type. */
export { writePcap } from '@tfc/live';
/** Writes records as a pcapng capture with one interface. */
export { writePcapng } from '@tfc/live';
/** Writes a pcapng capture with several interfaces. */
export { writePcapngCapture } from '@tfc/live';
/** Writes trace frames as `tfc trace -w` does: an interface per device, event names as packet comments, statistics. */
export { writeTracePcapng } from '@tfc/live';
/** The format of a bundled event (`sock`, `inet_sock_set_state`), or undefined. */
export { bundledEvent } from '@tfc/tracefs';
/** The bundled events as SYS/NAME, sorted. */
export { bundledEventNames } from '@tfc/tracefs';
/** The kernel release the bundled snapshot was read from. */
export { bundledKernelRelease } from '@tfc/tracefs';
/** decodeTraceFrame()'s result: the header fields and the record, or why the frame is malformed. */
export type { DecodedTraceFrame } from '@tfc/tracefs';
/** Decodes a trace frame; never reads past it, reports a malformed frame as a value. */
export { decodeTraceFrame } from '@tfc/tracefs';
/** One frame of encapJsonLines(): timestamp (ns), length, bytes. */
export type { EncapFrame } from '@tfc/tracefs';
/** encapJsonLines()'s result: the frames, or one diagnostic per bad line. */
export type { EncapResult } from '@tfc/tracefs';
/** What evaluate() knows besides the record: the CPU and the task's comm. */
export type { EvalContext } from '@tfc/tracefs';
/** A trace event's format: system, name, id and fields with offsets and sizes. */
export type { EventFormat } from '@tfc/tracefs';
/** Event records as JSON lines to timestamped trace frames (`tfc encap`). */
export { encapJsonLines } from '@tfc/tracefs';
/** Writes a trace frame into a buffer at an offset and returns its length: the allocation-free encoder of streaming writers. */
export { encodeTraceFrameInto } from '@tfc/tracefs';
/** The length of the trace frame of a record of that many bytes (padded to Ethernet's minimum of 60). */
export { traceFrameLength } from '@tfc/tracefs';
/** Encodes an event record as a trace frame (EtherType 0x88b5, a 40-byte header, the record). */
export { encodeTraceFrame } from '@tfc/tracefs';
/** The reference interpreter: the kernel's verdict of a parsed filter on a record. */
export { evaluate } from '@tfc/tracefs';
/** A parsed trace event filter (its canonical text and predicates). */
export type { Filter } from '@tfc/tracefs';
/** A kernel's filter dialect: what a given kernel accepts and how it renders errors. */
export type { FilterDialect } from '@tfc/tracefs';
/** What parseFilter() reads besides the text: nr_cpu_ids, symbols, the dialect. */
export type { FilterEnv } from '@tfc/tracefs';
/** The kernel's rejection of a filter: message, position, errno. */
export type { FilterError } from '@tfc/tracefs';
/** One field of an event format. */
export type { FormatField } from '@tfc/tracefs';
/** The newest kernel dialect profile (the default). */
export { NEWEST } from '@tfc/tracefs';
/** parseFilter()'s result: the filter, or the kernel's error. */
export type { ParseResult } from '@tfc/tracefs';
/** The kernel dialect profiles, newest first. */
export { PROFILES } from '@tfc/tracefs';
/** Parses a trace event filter exactly as the kernel does for an event. */
export { parseFilter } from '@tfc/tracefs';
/** Parses the text of a tracefs `format` file. */
export { parseFormat } from '@tfc/tracefs';
/** A dialect profile by name (`6.18`, `5.15`, …) or alias, or undefined. */
export { profileByName } from '@tfc/tracefs';
/** The dialect profiles' names, newest first. */
export { profileNames } from '@tfc/tracefs';
/** An event record from JSON fields (`tfc eval --records`): the bytes and the evaluation context. */
export { recordFromJson } from '@tfc/tracefs';
/** The tracefs `error_log` entry of a rejected filter under a dialect. */
export { renderErrorLog } from '@tfc/tracefs';
/** What an event's `filter` file shows after a rejected write: the filter, a caret, `parse_error: …`. */
export { renderFilterFile } from '@tfc/tracefs';
/** Resolves a kernel symbol name or address (kallsyms) for `.function` predicates. */
export type { SymbolLookup } from '@tfc/tracefs';
/** A pcap filter's names database (hosts, networks, services, protocols, ethers), for compile's `names`. */
export type { NameDb } from '@tfc/compiler';
/** The names database of the five files' text (`services`, `protocols`, `hosts`, `networks`, `ethers`). */
export { nameDbFromFiles } from '@tfc/compiler';
/** The link types pcap filters compile for: libpcap's name, DLT number and description of each. */
export { LINK_TYPES } from '@tfc/compiler';
/** A link type by libpcap's name (`EN10MB`, `LINUX_SLL2`, …) or DLT number, or undefined. */
export { linkTypeByName } from '@tfc/compiler';
/** The libpcap versions whose pcap semantics tfc follows: `1.10` (libpcap 1.10.3) and `current`. */
export type { PcapCapture, PcapVersion } from '@tfc/compiler';
/** The EtherType of trace frames: 0x88b5. */
export { TRACE_ETHERTYPE } from '@tfc/tracefs';
/** The frame offset of the record: 54 (Ethernet 14 + trace header 40). */
export { TRACE_RECORD_OFFSET } from '@tfc/tracefs';
/** The header fields of a trace frame to encode: event id, CPU, comm, timestamp, sequence, flags. */
export type { TraceFrameHeader } from '@tfc/tracefs';
export {
  type CheckAccepted,
  type CheckFailure,
  type CheckResult,
  check,
  checkProfiles,
  type EvalRecordFailure,
  type EvalResult,
  type EvalVerdicts,
  evalRecords,
} from './api/check.ts';
export { compile } from './api/entry.ts';
export { renderDiagnostics, renderFailure, TfcOptionError } from './api/errors.ts';
export type {
  BpfTargetOptions,
  CompileOptions,
  EventOptions,
  P4Emit,
  P4TargetOptions,
  PcapSource,
  SkbContextOptions,
  TargetOptions,
  TcBpfTargetOptions,
  TcPlaceOptions,
  TcTargetOptions,
  TraceSource,
} from './api/options.ts';
export type { BpfCompiled, CompileFailure, Compiled, P4Compiled, TcCompiled } from './api/result.ts';
export { DEFAULT_TRACE_DEV } from './api/tc-place.ts';
