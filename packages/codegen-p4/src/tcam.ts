// TCAM evaluator: runs a decision list over a frame the way a ternary/range match table does: the entry
// with the highest priority among those that match wins; no match gives the table's default.
// Invariants: a key whose bytes lie past the frame end is invalid, and an entry constraining an invalid key
// does not match; the length key reads the frame length; pure and deterministic.
import type { DecisionList, KeyInfo, KeyMatch } from './decision-list.ts';

function readKey(k: KeyInfo, frame: Uint8Array): bigint | undefined {
  if (k.kind === 'length') return BigInt(frame.length);
  const n = k.bits / 8;
  if (k.offset + n > frame.length) return undefined;
  let v = 0n;
  for (let i = 0; i < n; i++) {
    const b = frame[k.byteOrder === 'big' ? k.offset + i : k.offset + n - 1 - i]!;
    v = (v << 8n) | BigInt(b);
  }
  return v;
}

function matches(m: KeyMatch, v: bigint): boolean {
  return m.kind === 'ternary' ? (v & m.mask) === m.value : m.low <= v && v <= m.high;
}

export function evaluateTcam(list: DecisionList, frame: Uint8Array): 'hit' | 'miss' {
  const values = new Map<string, bigint | undefined>();
  for (const k of list.keys) values.set(k.name, readKey(k, frame));
  let best: { priority: number; action: 'hit' | 'miss' } | undefined;
  for (const e of list.entries) {
    if (best !== undefined && e.priority <= best.priority) continue;
    let ok = true;
    for (const [name, m] of e.match) {
      const v = values.get(name);
      if (v === undefined || !matches(m, v)) {
        ok = false;
        break;
      }
    }
    if (ok) best = { priority: e.priority, action: e.action };
  }
  return best?.action ?? list.default;
}
