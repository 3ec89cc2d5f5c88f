// TCAM evaluator: runs a decision list over a frame the way a ternary/range match table does: the entry
// with the highest priority among those that match wins; no match gives the table's default.
// Invariants: without a header model a key whose bytes lie past the frame end is invalid; with one, keys are
// read from the headers the model's parser extracts (parseFrame), a header field is invalid when its header
// is not extracted, and a validity key reads 1 or 0; the length key reads the frame length. An entry
// constraining an invalid key does not match (`invalid: 'skip'`), or — to show that no outcome depends on
// what a P4 target reads from an invalid header — the key reads 0 (`invalid: 'zero'`); pure and deterministic.
import type { DecisionList, KeyInfo, KeyMatch } from './decision-list.ts';
import { parseFrame } from './headers.ts';

function readBytes(frame: Uint8Array, offset: number, n: number, order: 'little' | 'big'): bigint {
  let v = 0n;
  for (let i = 0; i < n; i++)
    v = (v << 8n) | BigInt(frame[order === 'big' ? offset + i : offset + n - 1 - i]!);
  return v;
}

function readKey(
  k: KeyInfo,
  frame: Uint8Array,
  parsed: ReadonlyMap<string, number> | undefined,
): bigint | undefined {
  if (k.kind === 'length') return BigInt(frame.length);
  if (k.kind === 'valid') return parsed?.has(k.header) ? 1n : 0n;
  const n = k.bits / 8;
  if (k.header !== undefined && parsed !== undefined) {
    const start = parsed.get(k.header);
    if (start === undefined) return undefined;
    return readBytes(frame, start + k.headerOffset!, n, k.byteOrder);
  }
  if (k.offset < 0 || k.offset + n > frame.length) return undefined;
  return readBytes(frame, k.offset, n, k.byteOrder);
}

function matches(m: KeyMatch, v: bigint): boolean {
  return m.kind === 'ternary' ? (v & m.mask) === m.value : m.low <= v && v <= m.high;
}

export interface TcamOptions {
  /** What an invalid key reads: nothing (the entry does not match, default) or 0. */
  readonly invalid?: 'skip' | 'zero';
}

export function evaluateTcam(list: DecisionList, frame: Uint8Array, opts: TcamOptions = {}): 'hit' | 'miss' {
  const parsed = list.headers === undefined ? undefined : parseFrame(list.headers, frame);
  const zero = opts.invalid === 'zero';
  const values = new Map<string, bigint | undefined>();
  for (const k of list.keys) {
    const v = readKey(k, frame, parsed);
    values.set(k.name, v === undefined && zero ? 0n : v);
  }
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
