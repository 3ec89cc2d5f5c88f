/*
 * Which events come closest to defining a trace filter's fields: for the no-event mode's "no event defines every
 * field" diagnostic. Invariants: identifiers of the filter text are field-name candidates (one-letter ones are
 * ignored); a field named exactly scores 2, one within edit distance min(2, len−1) scores 1 and is suggested;
 * events are ranked by score, then by name; pure and deterministic.
 */
import type { EventFormat } from '@tfc/tracefs';

/** Levenshtein distance (insert, delete, substitute: 1 each). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = cur;
  }
  return prev[b.length]!;
}

/** Identifiers of the filter text (field-name candidates). */
function identifiers(text: string): Set<string> {
  return new Set(text.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []);
}

const name = (e: EventFormat): string => `${e.system}/${e.name}`;

/** The events that come closest to defining the filter's fields (named fields first, then near misses). */
export function closestEvents(text: string, events: readonly EventFormat[], n = 5): string[] {
  const ids = [...identifiers(text)].filter((x) => x.length > 1);
  const scored = events
    .map((e) => {
      let score = 0;
      const near: string[] = [];
      for (const id of ids) {
        const names = e.fields.map((f) => f.name).filter((f) => !f.startsWith('common_'));
        if (names.includes(id)) score += 2;
        else {
          const close = names.find((f) => editDistance(f, id) <= Math.min(2, id.length - 1));
          if (close !== undefined) {
            score += 1;
            near.push(`${close} for ${id}?`);
          }
        }
      }
      return { e, score, near };
    })
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score || name(a.e).localeCompare(name(b.e)));
  return scored.slice(0, n).map((x) => `${name(x.e)}${x.near.length > 0 ? ` (${x.near.join(', ')})` : ''}`);
}
