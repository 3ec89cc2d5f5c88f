/*
 * compilePcapFilter(): a libpcap filter expression compiled to classic or extended BPF for packets — the pcap front
 * end (libpcap 1.10 semantics, @tfc/pcap), the IR passes, the decision DAG and @tfc/codegen-bpf.
 * Invariants: pure and deterministic; never touches the kernel; diagnostics carry the expression's spans; a read past
 * the packet's end rejects the packet (libpcap's abort), which the code generators honour on every path.
 */
import { compileBpf } from '@tfc/codegen-bpf';
import * as ir from '@tfc/ir';
import { compilePcap } from '@tfc/pcap';
import { type CompileResult, DUMP_POINTS, type ProgType, summarize, type Target } from './compile.ts';

export interface PcapCompileRequest {
  readonly filter: string;
  readonly linktype: 'ethernet' | 'raw';
  /** vlan/mpls/pppoes/geneve shift only their own `and` chain instead of the rest of the expression. */
  readonly scopedEncap?: boolean;
  readonly target: Target;
  /** eBPF program type (default socket). */
  readonly progType?: ProgType;
  readonly onMatch?: number;
  readonly onMiss?: number;
  readonly optimize?: 0 | 1 | 2;
  readonly dumpAfter?: string;
  readonly setLookup?: 'search' | 'map';
}

export function compilePcapFilter(req: PcapCompileRequest): CompileResult {
  const front = compilePcap(req.filter, {
    linktype: req.linktype,
    ...(req.scopedEncap !== undefined ? { scopedEncap: req.scopedEncap } : {}),
  });
  if (!front.ok)
    return {
      ok: false,
      diagnostics: summarize(
        front.diagnostics.map((d) => ({ stage: 'parse' as const, message: d.message, span: d.span })),
      ),
    };
  if (req.dumpAfter !== undefined && !DUMP_POINTS.includes(req.dumpAfter))
    return {
      ok: false,
      diagnostics: [
        { stage: 'passes', message: `unknown pass '${req.dumpAfter}' (passes: ${DUMP_POINTS.join(', ')})` },
      ],
    };
  const level = req.optimize ?? 2;
  let optimized = front.ir;
  if (level > 0) {
    const r = ir.runPasses(front.ir);
    if (!r.ok)
      return { ok: false, diagnostics: r.diagnostics.map((d) => ({ stage: 'passes', message: d.message })) };
    optimized = r.ir;
  }
  let dump: string | undefined;
  if (req.dumpAfter === 'lower') dump = ir.printFilter(front.ir);
  else if (req.dumpAfter !== undefined) {
    const r = ir.runPasses(front.ir, { dumpAfter: req.dumpAfter });
    if (r.ok) dump = ir.printFilter(r.ir);
  }
  const code = compileBpf(optimized, {
    target: req.target,
    ctx: 'packet',
    optimize: false,
    order: level === 2 ? 'cost' : 'source',
    codePasses: level > 0,
    ...(req.progType ? { progType: req.progType } : {}),
    ...(req.onMatch !== undefined ? { onMatch: req.onMatch } : {}),
    ...(req.onMiss !== undefined ? { onMiss: req.onMiss } : {}),
    ...(req.setLookup ? { setLookup: req.setLookup } : {}),
  });
  if (!code.ok)
    return {
      ok: false,
      diagnostics: summarize(
        code.diagnostics.map((d) => ({ stage: 'codegen' as const, message: `${d.message} [${d.code}]` })),
      ),
      ...(dump !== undefined ? { dump } : {}),
    };
  return {
    ok: true,
    program: code.program,
    lowered: front.ir,
    optimized,
    passes: level > 0 ? ir.PASS_NAMES : [],
    ...(dump !== undefined ? { dump } : {}),
  };
}
