/*
 * The options of the library's compile(): one source language (a trace event filter over an event, or a libpcap
 * filter over packets) crossed with one target family (BPF programs, tc batches, P4). Plain types only.
 * Invariants: every option names the CLI flag it mirrors (`tfc compile --help`), so that a command line translates
 * to one options object; the TypeScript types refuse combinations the CLI refuses (a P4 emit form on a BPF
 * target, a tc device on P4); what the types cannot express is checked at run time (TfcOptionError).
 */
import type { EmitForm, SkbHook, SkbLayout, SkbMode } from '@tfc/codegen-bpf';
import type { FlowerProfile, TcActName, TcBpfMode } from '@tfc/codegen-tc';
import type { NameDb, OptLevel, PcapCapture, PcapVersion, ProgType } from '@tfc/compiler';
import type { EventFormat, FilterDialect, SymbolLookup } from '@tfc/tracefs';

/** Where the filter's event comes from and which kernel's rules apply (`--event`, `--format`, `--kernel`). */
export interface EventOptions {
  /**
   * The event: its parsed format, or `SYS/NAME` of the bundled snapshot (`bundledEventNames()` lists them). For a
   * live event use `readLiveEvent` of `tfc-filter/live`.
   */
  readonly event?: EventFormat | string;
  /** The text of an event's tracefs `format` file (`--format FILE`; pass the file's contents). */
  readonly format?: string;
  /**
   * The kernel whose filter dialect to follow (`--kernel`): a profile name (`'6.18'`, `'6.12'`, `'6.6'`, `'6.1'`,
   * `'5.15'`, `'5.10'`; `kernelProfiles()` lists them) or a dialect object (a probed one from `tfc-filter/live`).
   * Default: the newest profile.
   */
  readonly kernel?: string | FilterDialect;
  /** nr_cpu_ids of the machine the filter runs on, for `CPUS{...}` lists (`--nr-cpus`). Default: this machine's. */
  readonly nrCpuIds?: number;
  /** Resolves `.function` predicates' symbols (the CLI reads /proc/kallsyms); without it they are rejected. */
  readonly lookupSymbol?: SymbolLookup;
}

/** A trace event filter (the kernel's `trace_events_filter.c` language; `--lang tracefs`, the default). */
export interface TraceSource extends EventOptions {
  /** `'trace'` (default; `'tracefs'` is the CLI's spelling of the same). */
  readonly lang?: 'trace' | 'tracefs';
  /**
   * No `event`/`format`: the candidate events the filter applies to as a subsystem filter does (every one that
   * defines the fields it names). Default: the bundled snapshot, narrowed by `subsystem`. Targets tc, u32,
   * tc-bpf, p4, and cbpf/ebpf with `ctx: 'trace-frame'`.
   */
  readonly events?: readonly EventFormat[];
  /** No event: only the candidates of this subsystem (`--subsystem`). */
  readonly subsystem?: string;
}

/** A libpcap filter expression (libpcap 1.10 semantics; `--lang pcap`). */
export interface PcapSource {
  /** A libpcap filter. */
  readonly lang: 'pcap';
  /**
   * The packets' link type (`--linktype`): libpcap's name or DLT number (`EN10MB`, `RAW`, `IPV4`, `IPV6`, `LINUX_SLL`,
   * `LINUX_SLL2`, `IEEE802_11`, `IEEE802_11_RADIO`; `ethernet` and `raw` too). Default Ethernet; other link types
   * for BPF targets only.
   */
  readonly linktype?: string;
  /** The libpcap version whose semantics apply (`--pcap-version`): `1.10` (default, libpcap 1.10.3) or `current`. */
  readonly pcapVersion?: PcapVersion;
  /**
   * The capture the program is for (`--pcap-capture`): `offline` (default; libpcap's savefile code) or `linux-live`
   * (libpcap's code for a live Linux capture: `vlan` reads the kernel's VLAN metadata, which is where a received
   * frame's tag is at a packet socket or tc ingress). BPF targets on packets only.
   */
  readonly capture?: PcapCapture;
  /** vlan/mpls/pppoes/geneve shift only their own `and` chain (`--scoped-encap`). BPF targets only. */
  readonly scopedEncap?: boolean;
  /**
   * Host, network, service, protocol and ethers names (`--names-from`): `nameDbFromFiles` of the five files' text,
   * or `readPcapNames()` of `tfc-filter/live` for this machine's /etc. Without it only libpcap's built-in names
   * resolve. Compiling never reads files or the network itself.
   */
  readonly names?: NameDb;
  /** The capture's IPv4 netmask for `ip broadcast` (`--netmask`), as `255.255.255.0` or a 32-bit number. */
  readonly netmask?: string | number;
}

/** The skb context (`--ctx skb`): a TRACING program for a kernel hook with a `struct sk_buff *` argument. */
export interface SkbContextOptions {
  /**
   * The hook (`--attach`): an `SkbHook` (resolved from BTF by `resolveSkbHook` of `tfc-filter/live`) or a tracepoint
   * of the layout snapshot as `tp_btf/NAME` (`tp_btf/kfree_skb`, `tp_btf/skb/kfree_skb`, …).
   */
  readonly attach: SkbHook | string;
  /** The sk_buff member offsets (`--layout`); default `SKB_LAYOUT_SNAPSHOT` (one labelled kernel build). */
  readonly layout?: SkbLayout;
  /** Packet bytes copied at most (`--snaplen`, default 256). */
  readonly snaplen?: number;
  /** capture (default): a ring-buffer record per accepted packet; verdict; return. */
  readonly mode?: SkbMode;
  /** The capture tool's number for this hook, written into every record (default 0). */
  readonly hookIndex?: number;
}

/** A BPF program: `--target ebpf|cbpf`. */
export interface BpfTargetOptions {
  /** Extended or classic BPF. */
  readonly target: 'ebpf' | 'cbpf';
  /**
   * What the program runs on (`--ctx`): trace filters `tracepoint` (default for ebpf: the event's record) or
   * `trace-frame` (default for cbpf: the event carried in an Ethernet frame); pcap filters `packet` (default) or
   * `skb` (with `skb`).
   */
  readonly ctx?: 'tracepoint' | 'trace-frame' | 'packet' | 'skb';
  /** `ctx: 'skb'`: the hook and the layout. */
  readonly skb?: SkbContextOptions;
  /** The form of `output` (`--emit`): asm (default for ebpf), d (default for pcap cbpf), dd, ddd, c, bin, elf, json, maps. */
  readonly emit?: EmitForm;
  /** trace-frame and packet programs: socket (default), tc or xdp (`--prog-type`). */
  readonly progType?: ProgType;
  /** Return value when the filter accepts (`--on-match`). */
  readonly onMatch?: number;
  /** Return value when the filter rejects (`--on-miss`). */
  readonly onMiss?: number;
  /** 0: no IR passes; 1: passes; 2 (default): passes and a cost-ordered decision DAG (`-O`). */
  readonly optimize?: OptLevel;
  /** Also return the IR after this pass in `dump` (`--dump-after`; `DUMP_POINTS` lists them). */
  readonly dumpAfter?: string;
  /** eBPF: equality sets of 8+ values as a binary `search` (default) or one hash `map` lookup. */
  readonly setLookup?: 'search' | 'map';
  /**
   * eBPF: the target kernel's features (`--bpf-loops`); default `{ mayGoto: true }` (the newest kernels: the exact
   * protochain walk). `{ mayGoto: false }` for kernels before 6.9: protochain walks unrolled 32 headers (a longer
   * walk rejects, as cBPF), middle/glob on strings in trace frames refused. `runningBpfFeatures()` of
   * tfc-filter/live probes this machine.
   */
  readonly bpfFeatures?: {
    /** Whether the target kernel takes `may_goto` (Linux 6.9+): loops, or the unrolled forms. */
    readonly mayGoto: boolean;
  };
}

/** Where tc rules attach (`--dev`, `--ingress`/`--egress`, `--prio`, `--parent`, `--classid`, `--action`). */
export interface TcPlaceOptions {
  /** The device; trace filters default to `trace0` (the trace interface of `tfc trace`); pcap filters need it. */
  readonly dev?: string;
  /** clsact hook (default ingress). */
  readonly direction?: 'ingress' | 'egress';
  /** 1…65535 (default 1). */
  readonly prio?: number;
  /** Appended to each matching rule, e.g. `action mirred egress mirror dev m0`. */
  readonly action?: string;
  /** The class each matching rule selects (`MAJ:MIN`, hex). */
  readonly classid?: string;
  /** Attach to this classful qdisc or class (`1:`) instead of clsact. */
  readonly parent?: string;
  /** Also emit the `qdisc add dev DEV clsact` line first (`--clsact`). */
  readonly clsact?: boolean;
}

/** tc rules as a `tc -b` batch: `--target tc` (the best backend), `u32`, `flower` (pcap filters). */
export interface TcTargetOptions extends TcPlaceOptions {
  /** tc: the best backend that expresses the filter (flower for pcap filters, then u32, else tc-bpf); or that one. */
  readonly target: 'tc' | 'u32' | 'flower';
  /** flower: only keys that driver offloads (`--flower-profile`: portable (default), mlx5, ice, nfp). */
  readonly flowerProfile?: FlowerProfile;
}

/** One cls_bpf rule (`--target tc-bpf`). */
export interface TcBpfTargetOptions extends TcPlaceOptions {
  /** One cls_bpf rule. */
  readonly target: 'tc-bpf';
  /**
   * classic (default: cBPF bytecode in the batch), obj-da (an eBPF object, direct action) or obj (eBPF, classid
   * mode); the obj modes need one event and `objectPath`, and return the object in `object`.
   */
  readonly mode?: TcBpfMode;
  /** Where the batch says the eBPF object is (`--object`); write `object` there before running the batch. */
  readonly objectPath?: string;
  /** obj-da: the TC_ACT verdict on a match (default ok). */
  readonly onMatch?: TcActName;
  /** obj-da: the TC_ACT verdict on a miss (default unspec). */
  readonly onMiss?: TcActName;
}

/** The P4 emit forms (`--emit` of `--target p4`). */
export type P4Emit = 'entries-json' | 'p4' | 'p4info' | 'p4runtime-json' | 'p4runtime-txt' | 'bmv2';

/** TCAM entries and a P4_16 program (`--target p4`). */
export interface P4TargetOptions {
  /** P4. */
  readonly target: 'p4';
  /** The form of `output` (default entries-json); every form is also in `outputs`. */
  readonly emit?: P4Emit;
  /** Range matches (default true); false expands them into ternary prefixes (`--no-ranges`). */
  readonly ranges?: boolean;
}

/** Every target's options. */
export type TargetOptions = BpfTargetOptions | TcTargetOptions | TcBpfTargetOptions | P4TargetOptions;

/** The options of `compile(filter, options)`: a source language and a target. */
export type CompileOptions = (TraceSource | PcapSource) & TargetOptions;
