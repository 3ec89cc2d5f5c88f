// Why a dialect refuses a filter that another kernel accepts: for each behaviour the dialect lacks (compared
// with the newest profile), the filter is parsed again with that one behaviour switched on; a behaviour whose
// switch makes the filter accepted is named, with the kernel version that brought it (history.ts).
// Invariants: pure; only re-parses (no evaluation); at most one parse per differing behaviour.

import { type FilterEnv, parseFilter } from '../parse-filter.ts';
import type { EventFormat } from '../types.ts';
import { historyOf } from './history.ts';
import type { DialectBehaviour, FilterDialect } from './model.ts';
import { behaviourValue, type ProbeValue, withBehaviour } from './probes.ts';
import { NEWEST } from './profiles.ts';

const FEATURES: readonly DialectBehaviour[] = [
  'trailingOperator',
  'suffixes.ustring',
  'suffixes.function',
  'cpusLiterals',
  'genericFields.common_cpu',
  'genericFields.stacktrace',
];

/** Notes for a filter `env.dialect` rejects: the missing behaviours that would make it accepted. */
export function explainRejection(text: string, event: EventFormat, env: FilterEnv): string[] {
  const dialect: FilterDialect = env.dialect ?? NEWEST;
  if (parseFilter(text, event, env).ok) return [];
  const notes: string[] = [];
  for (const key of FEATURES) {
    const want = key === 'trailingOperator' ? 'tolerated' : behaviourValue(NEWEST, key);
    if (behaviourValue(dialect, key) === want) continue;
    const other = withBehaviour(dialect, key, want as ProbeValue);
    if (!parseFilter(text, event, { ...env, dialect: other }).ok) continue;
    const h = historyOf(key);
    if (h?.missing) notes.push(`${h.missing} (kernel: ${dialect.name})`);
  }
  return notes;
}
