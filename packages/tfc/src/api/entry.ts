/*
 * The exported `compile`: the options form (compile(filter, options), the library's entry to every target) and,
 * for callers of tfc 0.1's facade, the request form (compile({ filter, event, target, ctx, nrCpuIds })), which is
 * @tfc/compiler's trace-filter BPF compiler unchanged. Invariant: the first argument's type picks the form; both are
 * pure.
 */
import { type CompileRequest, type CompileResult, compile as compileRequest } from '@tfc/compiler';
import { compileFilter } from './compile.ts';
import type { CompileOptions } from './options.ts';
import type { Compiled } from './result.ts';

/**
 * Compiles a filter for a target: a trace event filter (`lang: 'trace'`, the default, with its `event` or `format`)
 * or a libpcap filter (`lang: 'pcap'`) to `ebpf` or `cbpf` (contexts tracepoint, trace-frame, packet, skb; every
 * emit form incl. ELF), to tc rules (`tc`, `u32`, `flower`, `tc-bpf`) or to `p4`. Each option mirrors a
 * `tfc compile` flag, and `output` is what `tfc compile` prints for the same flags.
 *
 * @param filter The filter text.
 * @param options The language and its event, the target and its options.
 * @returns The product (`kind` `bpf`, `tc` or `p4`), or `ok: false` with positioned diagnostics.
 * @throws {@link TfcOptionError} for options no filter could make sense of.
 * @example
 * ```ts
 * const tc = compile('family == 2 && protocol == 6', { event: 'sock/inet_sock_set_state', target: 'tc' });
 * if (tc.ok && tc.kind === 'tc') process.stdout.write(tc.output);
 * const bpf = compile('tcp dst port 80', { lang: 'pcap', target: 'cbpf', emit: 'd' });
 * ```
 */
export function compile(filter: string, options: CompileOptions): Compiled;
/**
 * The request form of tfc 0.1: a trace event filter to eBPF or cBPF for one event (`@tfc/compiler`'s compile).
 *
 * @deprecated Use `compile(filter, options)`, which covers every language and target.
 */
export function compile(request: CompileRequest): CompileResult;
export function compile(a: string | CompileRequest, b?: CompileOptions): Compiled | CompileResult {
  if (typeof a === 'string') {
    if (b === undefined) throw new TypeError('compile(filter, options): options are needed');
    return compileFilter(a, b);
  }
  return compileRequest(a);
}
