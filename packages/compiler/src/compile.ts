/*
 * compile(): a trace event filter to eBPF or classic BPF, as the list of its stages — the trace front end (parse
 * kernel-exact, lower for the context), the passes, the BPF target — run once by the driver.
 * Invariants: pure and deterministic (same request → byte-identical program); never touches the kernel (loading is
 * @tfc/kernel's job); every user-caused failure is a Diagnostic naming its stage, with the kernel's own rendering
 * for filters the kernel rejects and source spans where the front end has them.
 */
import { type BpfFeatures, type EmitForm, emitProgram, type ProgramSpec } from '@tfc/codegen-bpf';
import type * as ir from '@tfc/ir';
import type { EventFormat, FilterDialect, FilterEnv, FilterError, SymbolLookup } from '@tfc/tracefs';
import { type Diagnostic, summarized } from './diagnostic.ts';
import { type DriveResult, drive } from './driver/drive.ts';
import { traceFront } from './front/tracefs.ts';
import { type Context, type OptLevel, optimizationPlan, type ProgType, type Target } from './options.ts';
import { bpfTarget } from './targets/bpf.ts';

export { type Diagnostic, summarize } from './diagnostic.ts';
export { type Context, DUMP_POINTS, type ProgType, type Target } from './options.ts';

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
  readonly optimize?: OptLevel;
  /** Record the IR after this pass (or 'lower' for the unoptimised IR) and return its text in `dump`. */
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
  /** eBPF: the target kernel's features (may_goto; default the newest kernels'). */
  readonly bpfFeatures?: BpfFeatures;
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

/** The trace front end's environment of a request (everything parseFilter reads, the dialect included). */
export function frontEnv(req: Pick<CompileRequest, 'nrCpuIds' | 'lookupSymbol' | 'dialect'>): FilterEnv {
  return {
    nrCpuIds: req.nrCpuIds,
    ...(req.lookupSymbol ? { lookupSymbol: req.lookupSymbol } : {}),
    ...(req.dialect ? { dialect: req.dialect } : {}),
  };
}

export function compile(req: CompileRequest): CompileResult {
  const plan = optimizationPlan(req.optimize);
  const tracepoint = req.ctx === 'tracepoint';
  const r = drive({
    // 1. Parse exactly as the kernel does; lower: a tracepoint program cannot read record bytes 0–7, so common
    //    fields become pseudo values.
    front: () =>
      traceFront(
        {
          filter: req.filter,
          event: req.event,
          env: frontEnv(req),
          ...(req.maxFilterBytes !== undefined ? { maxFilterBytes: req.maxFilterBytes } : {}),
        },
        {
          ctx: tracepoint ? 'record' : 'trace-frame',
          nrCpuIds: req.nrCpuIds,
          ...(tracepoint ? { commonFields: 'pseudo' as const } : {}),
        },
      ),
    // 2. Optimise (once; the dump point is recorded on the way).
    plan,
    dumpAfter: req.dumpAfter,
    // 3. Code generation walks the decision DAG of the optimised IR.
    target: (optimized) =>
      summarized(
        bpfTarget.run(optimized, {
          target: req.target,
          ctx: req.ctx,
          plan,
          record: { commonType: req.event.id, event: `${req.event.system}/${req.event.name}` },
          progType: req.progType,
          onMatch: req.onMatch,
          onMiss: req.onMiss,
          setLookup: req.setLookup,
          bpfFeatures: req.bpfFeatures,
        }),
      ),
  });
  return bpfResult(r);
}

/** The driver's record of a BPF compile as a CompileResult. */
export function bpfResult(r: DriveResult<ProgramSpec>): CompileResult {
  if (!r.ok) return r;
  const { product, ...run } = r.run;
  return { ok: true, program: product, ...run };
}

/** One emit form of a compiled program (asm, bin, d, dd, ddd, elf, json). */
export function emit(
  program: ProgramSpec,
  form: EmitForm,
): { ok: true; data: string | Uint8Array } | { ok: false; message: string } {
  return emitProgram(program, form);
}
