// Helpers for the second review's defect reproductions: run the CLI in-process (main() over a memory Io) or as
// a real process, and ask the running kernel what a filter file shows. Invariants: every kernel write passes
// refuseHazard first; the private tracefs instance is removed before the helper returns, also on failure;
// callers skip (never fail) when the kernel side is unavailable.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { refuseHazard, TracefsInstance } from '@tfc/kernel/tracefs';
import { memoryIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';

export const ROOT = new URL('../../../../', import.meta.url).pathname;
export const BIN = join(ROOT, 'packages/tfc/src/cli/bin.ts');
export const UPROBE_FORMAT = join(ROOT, 'examples/uprobe.format');
const TRACEFS = '/sys/kernel/tracing';

export interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** The CLI in this process, files given by name are served from memory. */
export async function tfc(args: readonly string[], files: Record<string, string> = {}): Promise<Run> {
  const io = memoryIo(files);
  const code = await main([...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

/** The CLI as a user runs it (node + tsx), with a time budget; `hang` when it was killed. */
export function tfcProcess(
  args: readonly string[],
  opts: { input?: string | Buffer; timeoutMs?: number; cwd?: string } = {},
): Run & { hang: boolean; ms: number } {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    input: opts.input ?? '',
    timeout: opts.timeoutMs ?? 60_000,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
  });
  return {
    code: r.status ?? -1,
    out: r.stdout?.toString('latin1') ?? '',
    err: r.stderr?.toString('latin1') ?? '',
    hang: r.signal !== null,
    ms: Date.now() - t0,
  };
}

/** Why the live kernel cannot be asked here, or null when it can. */
export function kernelUnavailable(event: string): string | null {
  if (process.getuid?.() !== 0) return 'needs root';
  if (!existsSync(`${TRACEFS}/instances`)) return 'no tracefs at /sys/kernel/tracing';
  if (!existsSync(`${TRACEFS}/events/${event}/filter`)) return `the running kernel has no ${event}`;
  return null;
}

export interface KernelAnswer {
  readonly errno: string | null;
  readonly filterFile: string;
  readonly errorLog: string;
}

/** Writes `filter` to `event`'s filter file in a private instance and reads back what the kernel shows. */
export function kernelFilterFile(event: string, filter: string): KernelAnswer {
  refuseHazard(filter);
  const [group, name] = event.split('/') as [string, string];
  const inst = TracefsInstance.create(TRACEFS, `tfcrvw${process.pid}`);
  if (!(inst instanceof TracefsInstance)) throw new Error(inst.reason);
  try {
    const ev = { group, event: name };
    inst.clearErrorLog();
    const errno = inst.writeFilter(ev, Buffer.from(filter, 'latin1'));
    const filterFile = inst.readFilter(ev);
    const errorLog = inst
      .readErrorLog()
      .replace(/^\[[ 0-9.]+\] /gm, '')
      .replace(/\n$/, '');
    return { errno, filterFile, errorLog };
  } finally {
    inst.dispose();
  }
}
