/*
 * Probing the running kernel's filter dialect for the CLI: the per-boot cache first (no tracefs access at all),
 * else a check that tracefs answers (a wedged tracing subsystem must not hang tfc) and the probe writes in a
 * private instance. Invariants: never throws; the answer says whether it came from the cache; the probe writes
 * and their interpretation live in @tfc/kernel and @tfc/tracefs, this module only wires them.
 */
import { cachedFilterWrites, locateTracefs, probeFilterWrites } from '@tfc/kernel/tracefs';
import { DIALECT_PROBES, PROBE_EVENT, type ProbedDialect, probeDialect } from '@tfc/tracefs';

export type LiveDialect =
  | (ProbedDialect & { readonly release: string; readonly cached: boolean })
  | { readonly ok: false; readonly reason: string };

export async function probeLiveDialect(): Promise<LiveDialect> {
  const filters = DIALECT_PROBES.map((p) => p.filter);
  const hit = cachedFilterWrites(PROBE_EVENT, filters);
  if (hit !== null) {
    const d = probeDialect(() => hit);
    return d.ok ? { ...d, release: hit.release, cached: true } : d;
  }
  if (process.getuid?.() !== 0)
    return { ok: false, reason: 'probing the kernel needs root (tracefs writes)' };
  const root = await locateTracefs({ mount: true });
  if (!root.ok) return root;
  const r = probeFilterWrites(root.path, PROBE_EVENT, filters, { cache: true });
  if (!r.ok) return r;
  const d = probeDialect(() => r);
  return d.ok ? { ...d, release: r.release, cached: false } : d;
}
