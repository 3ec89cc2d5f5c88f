/*
 * Pure arithmetic of the capture suite: the sender's result lines, per-packet figures, quantiles and the
 * distribution of instruction-count ratios. Invariants: no I/O; inputs are never mutated; an empty sample or a
 * malformed line is an error value or an exception with a sentence, never a silent NaN.
 */

/** One `WALL_NS CPU_NS SENT` line of the capture sender. */
export interface SenderChunk {
  readonly wallNs: number;
  readonly cpuNs: number;
  readonly sent: number;
}

export function parseSenderLine(line: string): SenderChunk | { readonly error: string } {
  const m = /^(\d+) (\d+) (\d+)$/.exec(line.trim());
  if (m === null) return { error: `the capture sender said '${line.trim()}'` };
  const sent = Number(m[3]);
  if (sent === 0) return { error: 'the capture sender sent no packets' };
  return { wallNs: Number(m[1]), cpuNs: Number(m[2]), sent };
}

/** ns per packet of a chunk, by the wall clock and by the sender thread's CPU clock. */
export function perPacket(c: SenderChunk): { readonly wall: number; readonly cpu: number } {
  return { wall: c.wallNs / c.sent, cpu: c.cpuNs / c.sent };
}

/** The q-quantile (0 ≤ q ≤ 1) with linear interpolation between order statistics. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) throw new Error('quantile: no samples');
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile: q = ${q} is not in [0, 1]`);
  const s = [...samples].sort((a, b) => a - b);
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = s[lo] as number;
  const b = s[hi] as number;
  return a + (b - a) * (pos - lo);
}

export interface RatioDistribution {
  readonly n: number;
  readonly min: number;
  readonly median: number;
  readonly p90: number;
  readonly max: number;
  /** The filter whose ratio is the largest. */
  readonly maxCase: string;
}

/** Ratios `ours / theirs` over named pairs (theirs > 0), summarised; undefined when there is no pair. */
export function ratioDistribution(
  pairs: readonly { readonly name: string; readonly ours: number; readonly theirs: number }[],
): RatioDistribution | undefined {
  const rs = pairs.filter((p) => p.theirs > 0).map((p) => ({ name: p.name, r: p.ours / p.theirs }));
  if (rs.length === 0) return undefined;
  const values = rs.map((x) => x.r);
  let top = rs[0] as { name: string; r: number };
  for (const x of rs) if (x.r > top.r) top = x;
  return {
    n: rs.length,
    min: Math.min(...values),
    median: quantile(values, 0.5),
    p90: quantile(values, 0.9),
    max: top.r,
    maxCase: top.name,
  };
}
