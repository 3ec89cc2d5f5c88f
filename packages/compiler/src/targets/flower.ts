/*
 * The flower target: a pcap filter's decision list as flower filters over flow-dissector keys, one per entry at
 * ascending prios (@tfc/codegen-tc).
 * Transport-header loads behind the IPv4 header are split over the IHL values first (expandIhl).
 * Invariants: the list is built for frames of at least 60 bytes without ranges; refusals are worded by codegen-tc
 * (`refusalReason(…, 'flower')`), deduplicated, each ending with the tc-bpf hint; trace frames are refused by the
 * caller (no flow-dissector header in them).
 */

import {
  type FlowerProfile,
  type FlowerRule,
  flowerFromList,
  refusalReason,
  TC_BPF_HINT,
} from '@tfc/codegen-tc';
import { buildDecisionList } from '@tfc/decision-list';
import type * as ir from '@tfc/ir';
import { runPassStage } from '../driver/passes.ts';
import type { TargetStage } from '../driver/stages.ts';
import { expandIhl } from './expand-ihl.ts';

/** The IR flower's list is built from: transport loads behind the IHL as one case per IHL value (flower folds the
 *  cases back into one port key: the dissector follows the IHL), through the passes once. */
function ihlCases(optimized: ir.Filter): ir.Filter {
  const e = expandIhl(optimized);
  if (e === undefined || e === optimized) return optimized;
  const r = runPassStage(e, { passes: true });
  return r.ok ? r.value.optimized : optimized;
}

export const flowerTarget: TargetStage<FlowerProfile, readonly FlowerRule[]> = {
  name: 'flower',
  reads: 'decision-list',
  run: (optimized, profile) => {
    const list = buildDecisionList(ihlCases(optimized), { ranges: false, minFrameLength: 60 });
    if (!list.ok)
      return {
        ok: false,
        diagnostics: [
          ...new Set(list.refusals.map((r) => `${refusalReason(r, 'flower')}; ${TC_BPF_HINT}`)),
        ].map((message) => ({ stage: 'codegen', message })),
      };
    const f = flowerFromList(list.list, profile);
    if (!f.ok)
      return { ok: false, diagnostics: f.diagnostics.map((d) => ({ stage: 'codegen', message: d.message })) };
    return { ok: true, value: f.rules };
  },
};
