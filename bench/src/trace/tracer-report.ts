/*
 * What a tracer said about its run, for the bench `trace` suite: tfc trace's summary line, trace-cmd report's
 * records and "EVENTS DROPPED" marks, the rusage line of rusage-run.c, and the loss accounting that compares them
 * with what the workload fired. Invariants: pure (text in, numbers out); a line that is not there gives
 * undefined, never a guess; losses of unknown size are counted as such, never as zero.
 */

export interface TracerCounts {
  /** Records the tracer delivered. */
  readonly recorded: number;
  /** Events the tracer reported lost (sum of the known sizes). */
  readonly reportedLost: number;
  /** Loss reports without a size (the kernel did not store the number). */
  readonly unknownLosses: number;
}

/** tfc trace's last stderr line: `tfc: trace: N events in S s, lost events L (...)[; U losses of unknown size]`. */
export function parseTfcSummary(stderr: string): TracerCounts | undefined {
  let found: TracerCounts | undefined;
  for (const line of stderr.split('\n')) {
    const m =
      /tfc: trace: (\d+) events in [\d.]+ s, lost events (\d+)(?:.*?; (\d+) losses of unknown size)?/.exec(
        line,
      );
    if (m)
      found = {
        recorded: Number(m[1]),
        reportedLost: Number(m[2]),
        unknownLosses: m[3] === undefined ? 0 : Number(m[3]),
      };
  }
  return found;
}

/** Counts in `trace-cmd report` output: lines naming `event`, and its `CPU:N [K EVENTS DROPPED]` marks. */
export class TraceCmdReportCounter {
  recorded = 0;
  reportedLost = 0;
  unknownLosses = 0;
  private rest = '';
  private readonly event: string;
  constructor(event: string) {
    this.event = event;
  }

  /** Feeds a chunk of report text (lines may be split across chunks). */
  push(chunk: string): void {
    const text = this.rest + chunk;
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    for (const l of lines) this.line(l);
  }

  end(): TracerCounts {
    if (this.rest !== '') this.line(this.rest);
    this.rest = '';
    return { recorded: this.recorded, reportedLost: this.reportedLost, unknownLosses: this.unknownLosses };
  }

  private line(l: string): void {
    const d = /^\s*CPU:\d+ \[(?:(\d+) )?EVENTS DROPPED\]/.exec(l);
    if (d) {
      if (d[1] === undefined) this.unknownLosses++;
      else this.reportedLost += Number(d[1]);
    } else if (l.includes(` ${this.event}:`)) this.recorded++;
  }
}

/** rusage-run's `rusage USER_US SYS_US` line (the last one), as nanoseconds of user + system time. */
export function parseRusageNs(stderr: string): number | undefined {
  let ns: number | undefined;
  for (const m of stderr.matchAll(/^rusage (\d+) (\d+)$/gm)) ns = (Number(m[1]) + Number(m[2])) * 1000;
  return ns;
}

/** The workload's `done N ELAPSED_NS` line. */
export function parseWorkloadDone(stdout: string): { calls: number; elapsedNs: number } | undefined {
  const m = /^done (\d+) (\d+)$/m.exec(stdout);
  return m ? { calls: Number(m[1]), elapsedNs: Number(m[2]) } : undefined;
}

export interface Loss {
  /** Matching events fired minus events recorded. */
  readonly lost: number;
  readonly lostPct: number;
  /** Lost events the tracer did not account for: lost − reported (0 when it reported losses of unknown size). */
  readonly unreported: number;
}

/** Loss of a run: `fired` matching events, `c` what the tracer recorded and reported. */
export function loss(fired: number, c: TracerCounts): Loss {
  const lost = fired - c.recorded;
  const unreported = c.unknownLosses > 0 ? 0 : Math.max(0, lost - c.reportedLost);
  return { lost, lostPct: fired > 0 ? (100 * lost) / fired : 0, unreported };
}
