/*
 * What the library's compile() returns: a discriminated union on `ok` and then `kind` (bpf, tc, p4), every failure
 * as Diagnostic values — the compiler's one Diagnostic type, with the filter text's span where the front end knows
 * it. Invariants: plain data; `output` is exactly what `tfc compile` writes for the same options (stdout or -o);
 * `notes` are the lines the CLI prints on stderr after `tfc: note:` (or `tfc:`), without that prefix.
 */
import type { EmitForm, ProgramSpec } from '@tfc/codegen-bpf';
import type { P4Outputs } from '@tfc/codegen-p4';
import type { TcBpfMode } from '@tfc/codegen-tc';
import type { Diagnostic, TcBackend } from '@tfc/compiler';
import type { FilterError } from '@tfc/tracefs';
import type { P4Emit } from './options.ts';

/** A BPF program (targets ebpf and cbpf, every context). */
export interface BpfCompiled {
  /** Compiled. */
  readonly ok: true;
  /** A BPF program. */
  readonly kind: 'bpf';
  /** Extended or classic BPF. */
  readonly target: 'ebpf' | 'cbpf';
  /** What the program runs on. */
  readonly ctx: 'tracepoint' | 'trace-frame' | 'packet' | 'skb';
  /** The program (instructions, listing, maps, attach data for skb): load it with `tfc-filter/live`. */
  readonly program: ProgramSpec;
  /** The form of `output`. */
  readonly emit: EmitForm;
  /** The program in the `emit` form (text, or bytes for bin and elf); with `dumpAfter`, the IR dump. */
  readonly output: string | Uint8Array;
  /** The IR after `dumpAfter`, when asked. */
  readonly dump?: string;
  /** The events the program covers, as SYS/NAME (trace filters). */
  readonly covered: readonly string[];
  /** The IR passes that ran, in order (one-event and pcap programs). */
  readonly passes: readonly string[];
  /** Caveats (`tfc: note:` lines on the CLI's stderr). */
  readonly notes: readonly string[];
}

/** tc rules: a `tc -b` batch (targets tc, u32, flower, tc-bpf). */
export interface TcCompiled {
  /** Compiled. */
  readonly ok: true;
  /** tc rules. */
  readonly kind: 'tc';
  /** The backend that expresses the filter (`--target tc` picks flower, then u32, then tc-bpf). */
  readonly backend: TcBackend;
  /** Why this backend: for `tc`, why the better ones were not used. */
  readonly why: readonly string[];
  /** The batch lines (no leading `tc`), the clsact line first when asked. */
  readonly lines: readonly string[];
  /** The batch as `tc -b FILE` reads it (newline-terminated lines; empty when the filter matches no frame). */
  readonly output: string;
  /** tc-bpf: the cls_bpf mode. */
  readonly mode?: TcBpfMode;
  /** tc-bpf obj modes: the eBPF ELF object to write at `objectPath` before running the batch. */
  readonly object?: Uint8Array;
  /** The events the rules cover, as SYS/NAME (trace filters). */
  readonly covered: readonly string[];
  /** One line of counts (`--stats`). */
  readonly stats: string;
  /** Caveats and choices (the CLI's stderr lines after `tfc: note:`). */
  readonly notes: readonly string[];
}

/** TCAM entries and a P4_16 program (target p4). */
export interface P4Compiled {
  /** Compiled. */
  readonly ok: true;
  /** P4 entries and program. */
  readonly kind: 'p4';
  /** Every form: entries JSON, the P4 program, P4Info, P4Runtime write requests, a bmv2 table. */
  readonly outputs: P4Outputs;
  /** The form of `output`. */
  readonly emit: P4Emit;
  /** The `emit` form's text. */
  readonly output: string;
  /** The events the entries cover, as SYS/NAME (trace filters). */
  readonly covered: readonly string[];
  /** Caveats. */
  readonly notes: readonly string[];
}

/** Why the filter did not compile. */
export interface CompileFailure {
  /** Not compiled. */
  readonly ok: false;
  /** At most five, each with its stage and, where known, the span of the filter text it is about. */
  readonly diagnostics: readonly Diagnostic[];
  /** The kernel itself rejects the trace filter: `renderFilterFile(filterError)` is what its filter file shows. */
  readonly filterError?: FilterError;
  /** What the kernel's rendering does not say (too long, a kernel-undefined shape, the dialect's history). */
  readonly notes: readonly string[];
}

/** The result of `compile(filter, options)`. */
export type Compiled = BpfCompiled | TcCompiled | P4Compiled | CompileFailure;
