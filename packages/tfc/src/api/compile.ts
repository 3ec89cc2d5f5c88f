/*
 * compile(filter, options): the library's one entry to every compiler of tfc — a trace event filter or a libpcap
 * filter to eBPF/cBPF (tracepoint, trace-frame, packet and skb contexts, every emit form), tc batches (tc, u32,
 * flower, tc-bpf with its ELF object) and P4. Why one function: the CLI's `tfc compile` is one command whose flags
 * are these options, and a caller switching target or language should change a field, not a function; the result
 * is a union discriminated by `ok` and `kind`, so each target's product is typed where it is read.
 * Invariants: pure and deterministic (no kernel, no tracefs, no koffi; same options, same bytes); a filter that
 * does not compile is a CompileFailure value with positioned Diagnostics; meaningless options throw TfcOptionError.
 */
import { pcapBpf, traceBpf } from './compile-bpf.ts';
import { p4Program } from './compile-p4.ts';
import { tcRules } from './compile-tc.ts';
import { refuseOptions, TfcOptionError } from './errors.ts';
import type { CompileOptions, PcapSource, TraceSource } from './options.ts';
import type { Compiled } from './result.ts';

/**
 * Compiles a filter for a target.
 *
 * @param filter A trace event filter (as written to a tracefs `filter` file) or, with `lang: 'pcap'`, a libpcap
 *   filter expression.
 * @param options The language and its event, the target and its options: each field mirrors a `tfc compile` flag.
 * @returns The product (`kind` `bpf`, `tc` or `p4`) or, with `ok: false`, the diagnostics.
 * @throws {@link TfcOptionError} for options no filter could make sense of (unknown event or kernel profile, a
 *   context the target does not have, an option of another target).
 *
 * @example
 * ```ts
 * const r = compile('family == 2 && protocol == 6', { event: 'sock/inet_sock_set_state', target: 'tc' });
 * if (r.ok && r.kind === 'tc') console.log(r.output); // a `tc -b` batch
 * ```
 */
export function compileFilter(filter: string, options: CompileOptions): Compiled {
  if (typeof filter !== 'string') throw new TfcOptionError('the filter must be a string');
  const lang = options.lang ?? 'trace';
  if (lang !== 'trace' && lang !== 'tracefs' && lang !== 'pcap')
    throw new TfcOptionError(`lang must be 'trace' or 'pcap', got '${String(lang)}'`);
  if (lang === 'pcap')
    refuseOptions(
      options,
      ['event', 'format', 'events', 'subsystem', 'kernel', 'nrCpuIds', 'lookupSymbol'],
      "does not apply to lang 'pcap'",
    );
  switch (options.target) {
    case 'ebpf':
    case 'cbpf':
      return lang === 'pcap'
        ? pcapBpf(filter, options as PcapSource & typeof options)
        : traceBpf(filter, options as TraceSource & typeof options);
    case 'tc':
    case 'u32':
    case 'flower':
    case 'tc-bpf':
      return tcRules(filter, options);
    case 'p4':
      return p4Program(filter, options);
    default:
      throw new TfcOptionError(
        `target must be one of ebpf, cbpf, tc, u32, flower, tc-bpf, p4, got '${String((options as { target: unknown }).target)}'`,
      );
  }
}
