/*
 * `--attach perf|raw|auto` for a trace event filter: where tfc's program runs. perf (the record path): a
 * TRACEPOINT program attached through perf_event_open, run after the kernel built the record. raw: a tp_btf
 * program on the raw tracepoint that decides on the tracepoint's arguments (compileRaw, the event's provenance
 * resolved against this kernel's BTF by host/raw-layout.ts) and builds the record only for hits it keeps. auto:
 * raw where every field the filter reads (and, for `whole` records, every field of the record) is covered, else
 * the record path, with the reason as a note.
 * Invariants: the filter is compiled by the same front end either way (a filter the kernel refuses is refused with
 * the kernel's text on both paths); a choice of raw that cannot be honoured is a refusal naming the uncovered
 * field or the missing provenance, never a silent fallback; auto's fallback is always explained.
 */
import type { EbpfProgram, RawEventLayout, RawMode } from '@tfc/codegen-bpf';
import { type CompileResult, compileRaw, rawFallback } from '@tfc/compiler';
import type { EventFormat, FilterDialect } from '@tfc/tracefs';
import type { Host } from '../../host/index.ts';
import { rawTargetOf, recordGaps } from '../../host/raw-layout.ts';
import { UsageError } from '../io.ts';

export type AttachMode = 'perf' | 'raw' | 'auto';
export const ATTACH_MODES: readonly AttachMode[] = ['perf', 'raw', 'auto'];

/** The value of --attach for trace event filters (default perf). */
export function attachMode(v: string | undefined): AttachMode {
  if (v === undefined) return 'perf';
  if (!(ATTACH_MODES as readonly string[]).includes(v))
    throw new UsageError(`--attach takes ${ATTACH_MODES.join(', ')} for trace event filters, got '${v}'`);
  return v as AttachMode;
}

export interface RawRequest {
  readonly filter: string;
  readonly event: EventFormat;
  readonly dialect: FilterDialect;
  readonly host: Host;
  readonly nrCpuIds?: number;
  readonly optimize?: 0 | 1 | 2;
  readonly setLookup?: 'search' | 'map';
  readonly dumpAfter?: string;
  readonly mode?: RawMode;
  /** The whole record is delivered (tfc trace): auto also needs every record field covered. */
  readonly whole?: boolean;
}

export type RawChoice =
  /** Compiled for the raw tracepoint (or refused: `result.ok` false, a real refusal, e.g. the kernel's). */
  | {
      readonly kind: 'raw';
      readonly result: CompileResult;
      readonly layout: RawEventLayout;
      readonly btfId: number;
      /** Fields the built records leave zero (explicit --attach raw with whole records). */
      readonly gaps: readonly string[];
    }
  /** The raw tracepoint does not cover it: the record path, and why. */
  | { readonly kind: 'fallback'; readonly why: string };

/** Compiles `req` for the raw tracepoint when `attach` allows it (see the header). */
export function chooseRaw(req: RawRequest, attach: 'raw' | 'auto'): RawChoice {
  const target = rawTargetOf(req.event);
  const name = `${req.event.system}:${req.event.name}`;
  if (!target.ok)
    return { kind: 'fallback', why: `${name} is not covered on the raw tracepoint: ${target.error}` };
  const gaps = req.whole === true ? recordGaps(target.value.layout) : [];
  if (attach === 'auto' && gaps.length > 0)
    return { kind: 'fallback', why: `${name}: the raw tracepoint does not cover ${gaps.join('; ')}` };
  const symbols = req.host.symbols();
  const result = compileRaw({
    filter: req.filter,
    event: req.event,
    layout: target.value.layout,
    dialect: req.dialect,
    nrCpuIds: req.nrCpuIds ?? req.host.nrCpuIds(),
    ...(symbols ? { lookupSymbol: symbols } : {}),
    ...(req.optimize !== undefined ? { optimize: req.optimize } : {}),
    ...(req.setLookup !== undefined ? { setLookup: req.setLookup } : {}),
    ...(req.dumpAfter !== undefined ? { dumpAfter: req.dumpAfter } : {}),
    ...(req.mode !== undefined ? { mode: req.mode } : {}),
  });
  const why = rawFallback(result);
  if (why !== undefined && attach === 'auto') return { kind: 'fallback', why: `${name}: ${why}` };
  return { kind: 'raw', result, layout: target.value.layout, btfId: target.value.btfId, gaps };
}

/** The eBPF program of a successful raw compile. */
export function rawProgram(r: CompileResult): EbpfProgram | undefined {
  return r.ok && r.program.target === 'ebpf' ? r.program : undefined;
}
