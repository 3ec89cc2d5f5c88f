/*
 * "Did you mean": the names closest to a mistyped one (an option, a command, an event), by Levenshtein distance
 * (the compiler's editDistance, shared, not copied). Invariants: pure and deterministic (ties in name order); a
 * name is suggested only when it is within a distance that grows with the typed word's length (1 for up to 4
 * characters, 2 up to 8, then 3), or when it starts with the typed word (3 characters or more); only the names
 * at the best distance found, at most three; linear in the typed word's length (hostile input stays cheap).
 */
import { editDistance } from '@tfc/compiler';

/** The candidates closest to `typed`, best first (at most `max`). */
export function closest(typed: string, candidates: Iterable<string>, max = 3): string[] {
  const limit = typed.length <= 4 ? 1 : typed.length <= 8 ? 2 : 3;
  const lower = typed.toLowerCase();
  const scored: { name: string; d: number }[] = [];
  for (const name of new Set(candidates)) {
    if (name === typed) continue;
    // the distance is at least the length difference: no quadratic work for a word far longer than any name
    const d =
      Math.abs(name.length - typed.length) > limit ? limit + 1 : editDistance(lower, name.toLowerCase());
    if (d <= limit) scored.push({ name, d });
    else if (typed.length >= 3 && name.startsWith(typed)) scored.push({ name, d: limit + 1 });
  }
  scored.sort((a, b) => a.d - b.d || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const best = scored[0]?.d;
  return scored
    .filter((s) => s.d === best)
    .slice(0, max)
    .map((s) => s.name);
}

/** `; did you mean X?` (or `X or Y?`) for the closest candidates, or '' when none is close. */
export function didYouMean(typed: string, candidates: Iterable<string>): string {
  const c = closest(typed, candidates);
  if (c.length === 0) return '';
  const quoted = c.map((n) => `'${n}'`);
  const list = quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
  return `; did you mean ${list}?`;
}
