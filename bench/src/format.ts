/*
 * How benchmark figures are printed: 3 significant digits, k/M/G above 10^4/10^6/10^9.
 * Invariant: a pure function of the number (non-finite values print as JavaScript does).
 */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e9) return `${(v / 1e9).toPrecision(3)}G`;
  if (a >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${(v / 1e3).toPrecision(3)}k`;
  return v.toPrecision(3);
}
