/*
 * A trace event filter as a loaded BPF_PROG_TYPE_TRACEPOINT program: the one compile-and-load path that
 * `tfc apply --target ebpf` (counting) and `tfc trace --engine ebpf` (recording) share.
 * Invariants: the compile request is the same for both (the live event's format, the given dialect, this
 * machine's nr_cpu_ids and kallsyms, target ebpf, context tracepoint); a refusal is returned as the exact text to
 * print on stderr — the kernel's filter-file rendering plus tfc's notes when the kernel would reject the filter,
 * the compiler's diagnostics otherwise, the verifier's log and the listing when the kernel refuses the program —
 * and a refusal for lack of privilege is told apart (the caller turns it into a usage error); a load failure
 * leaves no map or program behind (loadWithMaps), a loaded program is the caller's to dispose.
 */
import { type EbpfProgram, linkMaps } from '@tfc/codegen-bpf';
import { type CompileResult, compile } from '@tfc/compiler';
import { type LoadedProgram, loadWithMaps, type Syscalls } from '@tfc/kernel';
import { type EventFormat, type FilterDialect, renderFilterFile } from '@tfc/tracefs';
import { rejectionNotes } from '../../api/errors.ts';
import type { Host } from '../../host/index.ts';

export type TracepointCompile =
  | { readonly ok: true; readonly spec: EbpfProgram }
  | { readonly ok: false; readonly stderr: string };

/** Compiles `text` for the tracepoint of `event` (its live format) under `dialect`. */
export function compileTracepointFilter(
  text: string,
  event: EventFormat,
  dialect: FilterDialect,
  host: Host,
): TracepointCompile {
  const symbols = host.symbols();
  const r = compile({
    filter: text,
    event,
    dialect,
    target: 'ebpf',
    ctx: 'tracepoint',
    nrCpuIds: host.nrCpuIds(),
    ...(symbols ? { lookupSymbol: symbols } : {}),
  });
  if (!r.ok) return { ok: false, stderr: refusalText(r, text) };
  if (r.program.target !== 'ebpf') throw new Error('compile returned a non-eBPF program');
  return { ok: true, spec: r.program };
}

/** The text a refused compile prints: the kernel's filter-file rendering and tfc's notes when the kernel would
 *  reject the filter, the compiler's diagnostics otherwise. */
export function refusalText(r: Extract<CompileResult, { ok: false }>, text: string): string {
  let stderr = '';
  if (r.filterError) {
    stderr += renderFilterFile(r.filterError);
    for (const line of rejectionNotes(r.filterError, text)) stderr += `tfc: ${line}\n`;
  } else for (const d of r.diagnostics) stderr += `tfc: compile: ${d.stage}: ${d.message}\n`;
  return stderr;
}

export type TracepointLoad =
  | { readonly ok: true; readonly loaded: LoadedProgram }
  /** `privilege`: the kernel refused for lack of privilege (no verifier log); else `stderr` says why. */
  | { readonly ok: false; readonly privilege?: string; readonly stderr: string };

/** Creates the program's maps and loads it, named `name` (at most 15 bytes are kept). */
export function loadTracepointProgram(sys: Syscalls, spec: EbpfProgram, name: string): TracepointLoad {
  const loaded = loadWithMaps(sys, {
    type: spec.progType,
    maps: spec.maps,
    link: (fds) => linkMaps(spec.insns, fds),
    name,
  });
  if (loaded.ok) return { ok: true, loaded: loaded.value };
  const e = loaded.error;
  if ((e.errnoName === 'EPERM' || e.errnoName === 'EACCES') && (e.log ?? '').trim() === '')
    return { ok: false, privilege: e.message, stderr: '' };
  let stderr = `tfc: the verifier rejects the program: ${e.message}\n`;
  if (e.log) stderr += `${e.log.trimEnd()}\n${e.logTruncated ? '(log truncated)\n' : ''}`;
  stderr += `program:\n${spec.listing}`;
  return { ok: false, stderr };
}
