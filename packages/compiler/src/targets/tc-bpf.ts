/*
 * The tc-bpf target: one classic BPF program for cls_bpf (`bpf bytecode …`), the optimised IR's decision DAG
 * through the cBPF generator with tc's return values (match −1: the rule's class or action; miss 0).
 * Invariants: the level-2 plan (cost order, code passes); trace frames carry the full frame guard in the IR it is
 * given (the record-length field included); diagnostics as the BPF target's.
 */
import type { Ctx, ProgramSpec } from '@tfc/codegen-bpf';
import type { TargetStage } from '../driver/stages.ts';
import { optimizationPlan } from '../options.ts';
import { bpfTarget } from './bpf.ts';

export const tcBpfTarget: TargetStage<Extract<Ctx, 'trace-frame' | 'packet'>, ProgramSpec> = {
  name: 'tc-bpf',
  reads: 'decision-dag',
  run: (optimized, ctx) =>
    bpfTarget.run(optimized, {
      target: 'cbpf',
      ctx,
      progType: 'tc',
      plan: optimizationPlan(2),
      onMatch: 0xffffffff,
      onMiss: 0,
    }),
};
