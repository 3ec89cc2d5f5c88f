/*
 * The flower target: a pcap filter's decision list as flower filters over flow-dissector keys, one per entry at
 * ascending prios (@tfc/codegen-tc).
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
import type { TargetStage } from '../driver/stages.ts';

export const flowerTarget: TargetStage<FlowerProfile, readonly FlowerRule[]> = {
  name: 'flower',
  reads: 'decision-list',
  run: (optimized, profile) => {
    const list = buildDecisionList(optimized, { ranges: false, minFrameLength: 60 });
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
