/*
 * compileRaw(): a trace event filter as a raw tracepoint (tp_btf) program that decides on the tracepoint's
 * arguments, before any record exists — the same tracefs front end and passes as compile() (the same IR), the
 * eBPF target with the event's raw layout (raw-layout.ts: field provenance resolved against BTF by the caller's
 * view). On a match the program builds the record the kernel would have written (covered fields; the rest zero)
 * and outputs it behind RAW_HDR into the ring buffer `program.raw.ringbuf`.
 *
 *   compileRaw({ filter, event, layout, nrCpuIds, mode }) → CompileResult (as compile())
 *
 * Invariants: pure and deterministic; never touches the kernel; a filter that reads a field the layout does not
 * cover (or a string field) fails with a `raw-field` / `raw-string` diagnostic, which `rawFallback` recognises so
 * that callers choosing automatically fall back to the record path with the reason.
 */
import { compileBpf, type ProgramSpec, type RawEventLayout, type RawMode } from '@tfc/codegen-bpf';
import { filter, TRUE } from '@tfc/ir';
import { bpfResult, type CompileRequest, type CompileResult, frontEnv } from './compile.ts';
import { coded, type Diagnostic, summarized } from './diagnostic.ts';
import { drive } from './driver/drive.ts';
import { traceFront } from './front/tracefs.ts';
import { optimizationPlan } from './options.ts';

export interface RawCompileRequest
  extends Pick<
    CompileRequest,
    'filter' | 'event' | 'optimize' | 'dumpAfter' | 'nrCpuIds' | 'lookupSymbol' | 'dialect' | 'maxFilterBytes'
  > {
  readonly layout: RawEventLayout;
  /** output (default): records of accepted hits; verdict: every hit's record with its verdict; return: no output. */
  readonly mode?: RawMode;
  readonly setLookup?: 'search' | 'map';
}

/** Diagnostic codes that mean "the raw tracepoint does not cover this filter" (not "the filter is wrong"). */
const FALLBACK_CODES = ['raw-field', 'raw-string', 'raw-record', 'record-header', 'record-computed-offset'];

/** Why a failed raw compile should fall back to the record path, or undefined when it is a real refusal. */
export function rawFallback(r: CompileResult): string | undefined {
  if (r.ok || r.filterError !== undefined) return undefined;
  const d = r.diagnostics.find((x: Diagnostic) => FALLBACK_CODES.some((c) => x.message.endsWith(`[${c}]`)));
  return d?.message;
}

export function compileRaw(req: RawCompileRequest): CompileResult {
  const plan = optimizationPlan(req.optimize);
  const r = drive<ProgramSpec>({
    // An empty filter (the kernel's "no filter") accepts every hit: the program still builds the records.
    front: () =>
      req.filter.trim() === ''
        ? { ok: true, ir: filter(TRUE, []) }
        : traceFront(
            {
              filter: req.filter,
              event: req.event,
              env: frontEnv(req),
              ...(req.maxFilterBytes !== undefined ? { maxFilterBytes: req.maxFilterBytes } : {}),
            },
            { ctx: 'record', nrCpuIds: req.nrCpuIds, commonFields: 'pseudo' },
          ),
    plan,
    dumpAfter: req.dumpAfter,
    target: (optimized) => {
      const code = compileBpf(optimized, {
        target: 'ebpf',
        ctx: 'tracepoint',
        optimize: false,
        order: plan.order,
        codePasses: plan.codePasses,
        record: { commonType: req.event.id, event: `${req.event.system}/${req.event.name}` },
        ...(req.setLookup !== undefined ? { setLookup: req.setLookup } : {}),
        raw: { layout: req.layout, mode: req.mode ?? 'output' },
      });
      return summarized(
        code.ok ? { ok: true, value: code.program } : { ok: false, diagnostics: coded(code.diagnostics) },
      );
    },
  });
  return bpfResult(r);
}
