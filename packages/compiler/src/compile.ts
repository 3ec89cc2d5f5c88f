/*
 * compile(): the whole pipeline as one readable list — parse (kernel-exact) → lower to the IR → optimisation
 * passes → decision DAG → code generation → the program in every emit form.
 * Invariants: pure and deterministic (same request → byte-identical program); never touches the kernel (loading is
 * @tfc/kernel's job); every user-caused failure is a value naming its stage, with the kernel's own rendering for
 * filters the kernel rejects and source spans where the front end has them.
 */
import {
  type CodegenDiagnostic,
  type CompileOptions as CodegenOptions,
  compileBpf,
  type EmitForm,
  emitProgram,
  type ProgramSpec,
} from '@tfc/codegen-bpf';
import * as ir from '@tfc/ir';
import {
  type EventFormat,
  type FilterDialect,
  type FilterError,
  lowerFilter,
  parseFilter,
  renderFilterFile,
  type SymbolLookup,
} from '@tfc/tracefs';

export type Target = 'ebpf' | 'cbpf';
export type Context = 'tracepoint' | 'trace-frame';
export type ProgType = 'socket' | 'tc' | 'xdp';

export interface CompileRequest {
  /** Trace event filter text, as written to a tracefs `filter` file. */
  readonly filter: string;
  readonly event: EventFormat;
  readonly target: Target;
  readonly ctx: Context;
  /** trace-frame eBPF only; default socket. */
  readonly progType?: ProgType;
  readonly onMatch?: number;
  readonly onMiss?: number;
  /** 0: no IR passes, source order; 1: passes, source order; 2 (default): passes, cost-ordered decision DAG. */
  readonly optimize?: 0 | 1 | 2;
  /** Stop the IR pipeline after this pass (or 'lower' for the unoptimised IR) and return its text in `dump`. */
  readonly dumpAfter?: string;
  /** nr_cpu_ids of the machine the program will run on (CPUS{...} lists). */
  readonly nrCpuIds: number;
  readonly lookupSymbol?: SymbolLookup;
  /** The kernel's filter dialect (`@tfc/tracefs` profiles or a probed one); default the newest profile. */
  readonly dialect?: FilterDialect;
  /**
   * Largest filter text accepted (default 4095: the kernel refuses writes of a page or more). Raise it only for
   * filters that never go through tracefs, e.g. generated ones compiled straight to BPF.
   */
  readonly maxFilterBytes?: number;
  /** eBPF: large equality sets as a binary search (default, self-contained) or one hash-map lookup. */
  readonly setLookup?: 'search' | 'map';
}

export interface Diagnostic {
  readonly stage: 'parse' | 'lower' | 'passes' | 'codegen';
  readonly message: string;
  /** Byte offsets into the filter text, when known. */
  readonly span?: { readonly start: number; readonly end: number };
}

export type CompileResult =
  | {
      readonly ok: true;
      readonly program: ProgramSpec;
      /** The IR as lowered, and as optimised (what code generation walked). */
      readonly lowered: ir.Filter;
      readonly optimized: ir.Filter;
      readonly passes: readonly string[];
      readonly dump?: string;
    }
  | {
      readonly ok: false;
      readonly diagnostics: readonly Diagnostic[];
      /** Set when the kernel itself would reject the filter: render it with renderFilterFile. */
      readonly filterError?: FilterError;
      readonly dump?: string;
    };

export const DUMP_POINTS: readonly string[] = ['lower', ...ir.PASS_NAMES];

export function compile(req: CompileRequest): CompileResult {
  // 1. Parse exactly as the kernel does.
  const parsed = parseFilter(
    req.filter,
    req.event,
    {
      nrCpuIds: req.nrCpuIds,
      ...(req.lookupSymbol ? { lookupSymbol: req.lookupSymbol } : {}),
      ...(req.dialect ? { dialect: req.dialect } : {}),
    },
    req.maxFilterBytes !== undefined ? { maxBytes: req.maxFilterBytes + 1 } : undefined,
  );
  if (!parsed.ok) {
    const e = parsed.error;
    const rendered =
      renderFilterFile(e)
        .split('\n')
        .find((l) => l.startsWith('parse_error: ')) ?? 'Error: (0)';
    const message = e.tooLong
      ? `the filter is ${Buffer.byteLength(req.filter)} bytes; the kernel refuses writes of 4096 bytes or more`
      : rendered;
    return {
      ok: false,
      filterError: e,
      diagnostics: [
        {
          stage: 'parse',
          message: message.replace(/^parse_error: /, ''),
          span: { start: e.position, end: e.position },
        },
      ],
    };
  }
  // 2. Lower to the IR: a tracepoint program cannot read record bytes 0–7, so common fields become pseudo values.
  const lowered = lowerFilter(parsed.filter, req.event, {
    ctx: req.ctx === 'tracepoint' ? 'record' : 'trace-frame',
    nrCpuIds: req.nrCpuIds,
    ...(req.ctx === 'tracepoint' ? { commonFields: 'pseudo' as const } : {}),
  });
  if (!lowered.ok)
    return {
      ok: false,
      diagnostics: lowered.diagnostics.map((d) => ({
        stage: 'lower',
        message: d.message,
        ...(d.span ? { span: d.span } : {}),
      })),
    };
  if (req.dumpAfter !== undefined && !DUMP_POINTS.includes(req.dumpAfter))
    return {
      ok: false,
      diagnostics: [
        { stage: 'passes', message: `unknown pass '${req.dumpAfter}' (passes: ${DUMP_POINTS.join(', ')})` },
      ],
    };
  // 3. Optimise.
  const level = req.optimize ?? 2;
  let optimized = lowered.ir;
  const passes: string[] = [];
  if (level > 0) {
    const r = ir.runPasses(lowered.ir);
    if (!r.ok)
      return { ok: false, diagnostics: r.diagnostics.map((d) => ({ stage: 'passes', message: d.message })) };
    optimized = r.ir;
    passes.push(...ir.PASS_NAMES);
  }
  const dump = dumpText(req.dumpAfter, lowered.ir);
  // 4. Code generation walks the decision DAG of the optimised IR.
  const opts: CodegenOptions = {
    target: req.target,
    ctx: req.ctx,
    optimize: false,
    order: level === 2 ? 'cost' : 'source',
    codePasses: level > 0,
    record: { commonType: req.event.id, event: `${req.event.system}/${req.event.name}` },
    ...(req.progType ? { progType: req.progType } : {}),
    ...(req.onMatch !== undefined ? { onMatch: req.onMatch } : {}),
    ...(req.onMiss !== undefined ? { onMiss: req.onMiss } : {}),
    ...(req.setLookup ? { setLookup: req.setLookup } : {}),
  };
  const code = compileBpf(optimized, opts);
  if (!code.ok)
    return {
      ok: false,
      diagnostics: summarize(code.diagnostics.map(codegenDiagnostic)),
      ...(dump !== undefined ? { dump } : {}),
    };
  return {
    ok: true,
    program: code.program,
    lowered: lowered.ir,
    optimized,
    passes,
    ...(dump !== undefined ? { dump } : {}),
  };
}

function dumpText(point: string | undefined, lowered: ir.Filter): string | undefined {
  if (point === undefined) return undefined;
  if (point === 'lower') return ir.printFilter(lowered);
  const r = ir.runPasses(lowered, { dumpAfter: point });
  return r.ok ? ir.printFilter(r.ir) : undefined;
}

/** At most five diagnostics, then one line counting the rest (a huge program can fail in thousands of places). */
export function summarize(ds: readonly Diagnostic[]): Diagnostic[] {
  if (ds.length <= 5) return [...ds];
  const last = ds[ds.length - 1] as Diagnostic;
  return [...ds.slice(0, 4), { stage: last.stage, message: `… and ${ds.length - 4} more like these` }];
}

function codegenDiagnostic(d: CodegenDiagnostic): Diagnostic {
  return { stage: 'codegen', message: `${d.message} [${d.code}]` };
}

/** One emit form of a compiled program (asm, bin, d, dd, ddd, elf, json). */
export function emit(
  program: ProgramSpec,
  form: EmitForm,
): { ok: true; data: string | Uint8Array } | { ok: false; message: string } {
  return emitProgram(program, form);
}
