/*
 * The BPF targets (ebpf, cbpf; the C form is an emit form of an eBPF program): the optimised IR's decision DAG
 * through @tfc/codegen-bpf.
 * Invariants: the IR passes already ran in the driver (codegen-bpf's own `optimize` is off); the plan decides the
 * DAG order and the code passes; diagnostics are the generator's, as `message [code]`, all of them (entry points
 * that show few summarize).
 */
import {
  type BpfFeatures,
  type Ctx,
  compileBpf,
  type ProgramSpec,
  type ProgType,
  type RecordLayout,
  type Target,
} from '@tfc/codegen-bpf';
import { coded } from '../diagnostic.ts';
import type { TargetStage } from '../driver/stages.ts';
import type { OptimizationPlan } from '../options.ts';

export interface BpfOptions {
  readonly target: Target;
  readonly ctx: Ctx;
  readonly plan: OptimizationPlan;
  readonly progType?: ProgType | undefined;
  readonly onMatch?: number | undefined;
  readonly onMiss?: number | undefined;
  readonly setLookup?: 'search' | 'map' | undefined;
  readonly record?: RecordLayout;
  readonly bpfFeatures?: BpfFeatures | undefined;
}

export const bpfTarget: TargetStage<BpfOptions, ProgramSpec> = {
  name: 'bpf',
  reads: 'decision-dag',
  run: (optimized, o) => {
    const code = compileBpf(optimized, {
      target: o.target,
      ctx: o.ctx,
      optimize: false,
      order: o.plan.order,
      codePasses: o.plan.codePasses,
      ...(o.record ? { record: o.record } : {}),
      ...(o.progType ? { progType: o.progType } : {}),
      ...(o.onMatch !== undefined ? { onMatch: o.onMatch } : {}),
      ...(o.onMiss !== undefined ? { onMiss: o.onMiss } : {}),
      ...(o.setLookup ? { setLookup: o.setLookup } : {}),
      ...(o.bpfFeatures ? { bpfFeatures: o.bpfFeatures } : {}),
    });
    return code.ok ? { ok: true, value: code.program } : { ok: false, diagnostics: coded(code.diagnostics) };
  },
};
