/*
 * Probing the running kernel's filter dialect for the CLI: the per-boot cache first (no tracefs access at all),
 * else a check that tracefs answers (a wedged tracing subsystem must not hang tfc) and the probe writes in a
 * private instance. Invariants: never throws; the answer says whether it came from the cache; the probe writes
 * and their interpretation live in @tfc/kernel and @tfc/tracefs, this module only wires them.
 */
import { cachedFilterWrites, locateTracefs, probeFilterWrites } from '@tfc/kernel/tracefs';
import { DIALECT_PROBES, PROBE_EVENT, type ProbedDialect, probeDialect } from '@tfc/tracefs';

/** The running kernel's probed dialect (with its release, and whether it came from the per-boot cache), or why not. */
export type LiveDialect =
  | (ProbedDialect & {
      /** The kernel release probed (`uname -r`). */
      readonly release: string;
      /** True when the answer came from the per-boot cache (no tracefs access). */
      readonly cached: boolean;
    })
  | {
      /** The kernel could not be probed. */
      readonly ok: false;
      /** Why (not root, no tracefs, a probe write failed, …). */
      readonly reason: string;
    };

/** Probes the running kernel's filter dialect: the per-boot cache, else a few filter writes in a private tracefs instance (root). */
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
