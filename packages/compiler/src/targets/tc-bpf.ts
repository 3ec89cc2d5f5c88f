/*
 * The tc-bpf target: one classic BPF program for cls_bpf (`bpf bytecode …`), the optimised IR's decision DAG
 * through the cBPF generator with tc's return values (match −1: the rule's class or action; miss 0).
 * Invariants: the level-2 plan (cost order, code passes); trace frames carry the full frame guard in the IR it is
 * given (the record-length field included); diagnostics as the BPF target's. tcBpfOutput joins the two back ends
 * (the batch from codegen-tc, the ELF object from codegen-bpf), which do not import each other.
 */
import { type Ctx, emitProgram, type ProgramSpec } from '@tfc/codegen-bpf';
import {
  clsactLine,
  type TcBpfMode,
  type TcBpfOptions,
  type TcDiagnostic,
  tcBpfBatch,
} from '@tfc/codegen-tc';
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

export type TcBpfOutput =
  | {
      readonly ok: true;
      readonly mode: TcBpfMode;
      /** The `tc -b` batch text: the lines, newline-terminated. */
      readonly batch: string;
      /** eBPF: the ELF object to write at `objectPath` before running the batch. */
      readonly object?: Uint8Array;
    }
  | { readonly ok: false; readonly diagnostics: readonly TcDiagnostic[] };

/** Everything `--target tc-bpf` writes: the batch (codegen-tc), plus the ELF object of an eBPF program. */
export function tcBpfOutput(
  program: ProgramSpec,
  o: TcBpfOptions & { readonly clsact?: boolean },
): TcBpfOutput {
  const b = tcBpfBatch(program, o);
  if (!b.ok) return b;
  const lines = o.clsact ? [clsactLine(o.dev), ...b.lines] : b.lines;
  const batch = `${lines.join('\n')}\n`;
  if (program.target === 'cbpf') return { ok: true, mode: b.mode, batch };
  const e = emitProgram(program, 'elf');
  if (!e.ok || typeof e.data === 'string')
    return {
      ok: false,
      diagnostics: [
        { severity: 'error', code: 'object', message: e.ok ? 'the ELF emitter returned text' : e.message },
      ],
    };
  return { ok: true, mode: b.mode, batch, object: e.data };
}
