/*
 * Statistics over repeated measurements. Invariants: inputs are not mutated; median of an even count is the mean
 * of the two middle values; an empty sample is an error (a figure without runs is never reported).
 */
export interface Summary {
  readonly runs: number;
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error('summarize: no samples');
  const s = [...samples].sort((a, b) => a - b);
  const n = s.length;
  const mid = n >> 1;
  const median = n % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
  return { runs: n, min: s[0] as number, median, max: s[n - 1] as number };
}
