/*
 * The u32 target: the optimised IR's decision list as the knodes of one u32 prio (@tfc/codegen-tc). For pcap
 * filters, transport-header loads behind the IPv4 header go through a linked hash table, else one case per IHL
 * value (expandIhl). Both rewrites are new filters: they go through the passes stage (driver/passes.ts) once each;
 * the back end never runs the passes itself.
 * Invariants: rules decide what the IR decides for frames of at least the list's minimum length and keys in whole
 * 32-bit words (a note says when the words reach past the record's fixed part); refusals are worded by codegen-tc
 * (`refusalReason(…, 'u32')`), deduplicated, each ending with the tc-bpf hint.
 */

import {
  type Optimize,
  refusalReason,
  TC_BPF_HINT,
  type U32Rules,
  u32FromList,
  u32LinkFromIr,
} from '@tfc/codegen-tc';
import { buildDecisionList } from '@tfc/decision-list';
import type { StageResult } from '../diagnostic.ts';
import { runPassStage } from '../driver/passes.ts';
import type { TargetStage } from '../driver/stages.ts';
import { traceKeyNames } from '../front/trace-frames.ts';
import { expandIhl } from './expand-ihl.ts';
import type { TcInput } from './tc-input.ts';

export interface U32Product {
  readonly rules: U32Rules;
  readonly notes: readonly string[];
}

/** The passes stage over a rewrite of the optimised IR (the linked table's two regions, the IHL cases). */
const optimize: Optimize = (f) => {
  const r = runPassStage(f, { passes: true });
  return r.ok
    ? { ok: true, ir: r.value.optimized }
    : { ok: false, reason: r.diagnostics.map((d) => d.message).join('; ') };
};

export const u32Target: TargetStage<Omit<TcInput, 'ir'>, U32Product> = {
  name: 'u32',
  reads: 'decision-list',
  run: (optimized, frames) => u32Rules({ ...frames, ir: optimized }),
};

function u32Rules(x0: TcInput): StageResult<U32Product> {
  let x = x0;
  const notes: string[] = [];
  if (x.covered.length === 0) {
    // pcap: transport-header loads behind IHL through a linked table (link + offset), else one case per IHL value.
    const e = expandIhl(x.ir);
    if (e !== undefined && e !== x.ir) {
      const linked = u32LinkFromIr(x.ir, optimize);
      if (linked.ok) return { ok: true, value: { rules: linked.rules, notes: [linked.note] } };
      const o = optimize(e);
      if (o.ok) {
        x = { ...x, ir: o.ir };
        notes.push(
          `transport-header keys behind the IPv4 header are expanded over the 16 IHL values (exact for frames of at least 15 bytes; no linked table: ${linked.reason})`,
        );
      }
    }
  }
  const list = buildDecisionList(x.ir, {
    ranges: false,
    minFrameLength: x.minFrameLength,
    keyNames: traceKeyNames(x.covered),
  });
  if (!list.ok)
    return {
      ok: false,
      diagnostics: [...new Set(list.refusals.map((r) => `${refusalReason(r, 'u32')}; ${TC_BPF_HINT}`))].map(
        (message) => ({ stage: 'codegen', message }),
      ),
    };
  const u = u32FromList(list.list);
  if (!u.ok)
    return { ok: false, diagnostics: u.diagnostics.map((d) => ({ stage: 'codegen', message: d.message })) };
  if (x.covered.length === 1 && u.rules.wordEnd > x.minFrameLength)
    notes.push(
      `u32 reads whole 32-bit words: frames shorter than ${u.rules.wordEnd} bytes (the record's fixed part ends at ${x.minFrameLength}) are not matched`,
    );
  return { ok: true, value: { rules: u.rules, notes } };
}
