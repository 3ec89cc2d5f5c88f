// Filters known to endanger the running kernel, refused by the oracles before they reach it.
// Invariants: pure; conservative (may refuse harmless filters, never lets a known hazard through).
// Known hazard (Linux 6.18.44, observed 2026-11-22): a filter ending in "&&" or "||" (possibly
// followed by "!" and blanks) after an expression that already combines predicates with "&&"/"||"
// (e.g. `A || B && C &&`) makes predicate_parse() hit WARN_ON(target <= i) and fail with EINVAL;
// repeated writes of such filters were followed by a kernel oops inside the uprobe handler of the
// oracle process, which left the per-CPU uprobe buffer mutex held and wedged tracefs until reboot.
// The kernel parses the filter only up to its first NUL byte, so the check does too. Kernels that refuse a
// trailing operator before building the program (dialect trailingOperator 'rejected', e.g. the 6.18.44 fc-v1272
// build) never reach that path: the caller says so with `trailingOperator`, learned from a probe.

const TRAILING_OP_RE = /(&&|\|\|)[\s!]*$/;

/** What the caller knows of the kernel it writes to: whether it refuses a trailing operator (probed). */
export interface HazardContext {
  readonly trailingOperator?: 'tolerated' | 'rejected';
}

/** Why `filter` must not be written to a live event, or null if it is not a known hazard. */
export function kernelHazard(written: string, kernel: HazardContext = {}): string | null {
  if (kernel.trailingOperator === 'rejected') return null;
  const nul = written.indexOf('\0');
  const filter = nul < 0 ? written : written.slice(0, nul);
  const m = TRAILING_OP_RE.exec(filter);
  if (m === null) return null;
  const head = filter.slice(0, m.index);
  if (head.includes('&&') || head.includes('||')) {
    return 'trailing "&&"/"||" after a compound expression (predicate_parse WARN path; kernel oops observed)';
  }
  return null;
}

/** The guard in front of every filter write: throws a RangeError naming the hazard, without touching the kernel. */
export function refuseHazard(filter: string, kernel: HazardContext = {}): void {
  const hazard = kernelHazard(filter, kernel);
  if (hazard !== null) throw new RangeError(`refusing a filter that endangers the kernel: ${hazard}`);
}
