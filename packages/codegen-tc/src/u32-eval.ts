/*
 * A model of cls_u32's classify (net/sched/cls_u32.c, targets-spec §1.2, §1.9) for one prio of tfc's rules: the
 * `protocol` selects by EtherType; knodes run in node order; each key reads the big-endian word at
 * linkOffset + at and stops the knode at the first mismatch; a read past the frame's end aborts the whole prio
 * (no match, whatever later knodes say); a matching terminal knode is the verdict, a non-terminal one is skipped.
 * Invariants: pure; bytes before the frame start (headroom) read as zero and are only ever under a zero mask.
 */
import type { U32Rules } from './u32.ts';

export function evaluateU32(rules: U32Rules, frame: Uint8Array): 'hit' | 'miss' {
  if (rules.protocol !== 'all') {
    if (frame.length < 14) return 'miss';
    if (((frame[12]! << 8) | frame[13]!) !== Number(rules.protocol)) return 'miss';
  }
  for (const k of rules.knodes) {
    let all = true;
    for (const key of k.keys.length > 0 ? k.keys : [{ value: 0, mask: 0, at: -4 }]) {
      const p = rules.linkOffset + key.at;
      if (p + 4 > frame.length) return 'miss';
      let w = 0;
      for (let i = 0; i < 4; i++) w = (w << 8) | (p + i >= 0 ? frame[p + i]! : 0);
      if (((w ^ key.value) & key.mask) !== 0) {
        all = false;
        break;
      }
    }
    if (all && k.kind === 'hit') return 'hit';
  }
  return 'miss';
}
