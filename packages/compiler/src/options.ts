/*
 * What a compile request may choose, declared once: the BPF target and program types (codegen-bpf's own types),
 * the trace contexts, and the one place that decides what `-O` means.
 * Invariants: every entry point and the CLI read -O through optimizationPlan(); the table and tc targets always
 * run the level-2 plan; DUMP_POINTS lists `lower` and every pass, in pipeline order.
 */
import * as ir from '@tfc/ir';

export type { ProgType, Target } from '@tfc/codegen-bpf';

export type Context = 'tracepoint' | 'trace-frame';

export type OptLevel = 0 | 1 | 2;

export interface OptimizationPlan {
  /** Run the IR passes (PASSES) once. */
  readonly passes: boolean;
  /** Decision DAG leaf order: cost-ordered, or the filter's own order. */
  readonly order: 'cost' | 'source';
  /** Run the target's code passes (cBPF: CBPF_PASSES). */
  readonly codePasses: boolean;
}

/** 0: no IR passes, source order; 1: passes, source order; 2 (default): passes, cost-ordered decision DAG. */
export function optimizationPlan(level: OptLevel = 2): OptimizationPlan {
  return { passes: level > 0, order: level === 2 ? 'cost' : 'source', codePasses: level > 0 };
}

export const DUMP_POINTS: readonly string[] = ['lower', ...ir.PASS_NAMES];
