/*
 * The P4 target: the optimised IR's decision list (@tfc/decision-list) as TCAM entries, a P4_16 program,
 * P4Runtime and BMv2 outputs (@tfc/codegen-p4).
 * Invariants: entries decide what the IR decides within the header model's contract; refusals are worded by
 * codegen-p4 and shown as `message [code]`; the options (header model, key names, minimum frame length, ranges,
 * title) come from the entry point, which knows the source's frame layout.
 */
import { compileP4, type P4CompileOptions, type P4Outputs } from '@tfc/codegen-p4';
import { coded } from '../diagnostic.ts';
import type { TargetStage } from '../driver/stages.ts';

export const p4Target: TargetStage<P4CompileOptions, P4Outputs> = {
  name: 'p4',
  reads: 'decision-list',
  run: (optimized, o) => {
    const r = compileP4(optimized, o);
    return r.ok ? { ok: true, value: r.outputs } : { ok: false, diagnostics: coded(r.diagnostics) };
  },
};
