// The running kernel's filter dialect for the live suites: probed once per process (and cached per boot by
// @tfc/kernel), so every differential judges tfc against the dialect the kernel in front of it shows.
// Invariants: never throws; without tracefs or root the answer is the reason, for the suite's skip message.
import { locateTracefs, probeFilterWrites } from '@tfc/kernel/tracefs';
import { type ProbedDialect, probeDialect } from '@tfc/tracefs';

let memo: Promise<ProbedDialect | { readonly ok: false; readonly reason: string }> | undefined;

/** The probed dialect of the running kernel, or why it could not be probed. */
export function liveDialect(): Promise<ProbedDialect | { readonly ok: false; readonly reason: string }> {
  memo ??= (async () => {
    const root = await locateTracefs({ mount: true });
    if (!root.ok) return root;
    return probeDialect((event, filters) => probeFilterWrites(root.path, event, filters));
  })();
  return memo;
}
