/*
 * Running `tc` and `ip`: execFile (never a shell), a timeout on every call, optional stdin (batch mode), and a
 * typed error value naming the command, its exit code or signal and its stderr. Invariants: never throws for a
 * failing command, a missing binary or a timeout — those are CommandError values; arguments are passed as an argv
 * array, so no quoting or injection is possible; `-n NS` selects a network namespace by name; runSync is the
 * same without the event loop (for end-of-run summaries), a value too.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';

export type Tool = 'tc' | 'ip';

export interface CommandError {
  readonly kind: 'command';
  readonly command: string;
  readonly args: readonly string[];
  /** Exit status; null when killed by a signal or never started. */
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly stderr: string;
  readonly stdout: string;
  readonly message: string;
}

export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
}

export type CommandResult =
  | { readonly ok: true; readonly value: CommandOutput }
  | { readonly ok: false; readonly error: CommandError };

/** A typed operation's outcome. */
export type Result<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: CommandError };

export interface RunOptions {
  /** Network namespace name (`tc -n NS`, `ip -n NS`). */
  readonly netns?: string;
  /** Written to the command's stdin (batch mode). */
  readonly input?: string;
  /** Default 10 s. */
  readonly timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

function fullArgs(args: readonly string[], opts: RunOptions): string[] {
  return opts.netns !== undefined ? ['-n', opts.netns, ...args] : [...args];
}

function describe(tool: Tool, argv: readonly string[]): string {
  return [tool, ...argv].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

/** Runs `tool args…`; resolves (never rejects) with the output or a CommandError. */
export function run(tool: Tool, args: readonly string[], opts: RunOptions = {}): Promise<CommandResult> {
  const argv = fullArgs(args, opts);
  return new Promise((resolve) => {
    const child = execFile(
      tool,
      argv,
      { timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (!err) {
          resolve({ ok: true, value: { stdout, stderr } });
          return;
        }
        const e = err as NodeJS.ErrnoException & { code?: unknown; killed?: boolean; signal?: string | null };
        const exitCode = typeof e.code === 'number' ? e.code : null;
        const timedOut = e.killed === true && e.signal === 'SIGTERM';
        const why = timedOut
          ? `timed out after ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`
          : exitCode !== null
            ? `exit code ${exitCode}`
            : typeof e.code === 'string'
              ? e.code
              : `signal ${e.signal ?? '?'}`;
        const firstErr = stderr.trim().split('\n').slice(-3).join(' | ');
        resolve({
          ok: false,
          error: {
            kind: 'command',
            command: tool,
            args: argv,
            exitCode,
            signal: e.signal ?? null,
            timedOut,
            stderr,
            stdout,
            message: `${describe(tool, argv)}: ${why}${firstErr ? `: ${firstErr}` : ''}`,
          },
        });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Runs `tool args…` synchronously (end-of-run reads that have no event-loop turn left); never throws. */
export function runSync(tool: Tool, args: readonly string[], opts: RunOptions = {}): CommandResult {
  const argv = fullArgs(args, opts);
  const r = spawnSync(tool, argv, {
    timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
    ...(opts.input !== undefined ? { input: opts.input } : {}),
  });
  const stdout = r.stdout ?? '';
  const stderr = r.stderr ?? '';
  if (r.error === undefined && r.status === 0) return { ok: true, value: { stdout, stderr } };
  const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  const why = timedOut
    ? `timed out after ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`
    : r.error !== undefined
      ? ((r.error as NodeJS.ErrnoException).code ?? r.error.message)
      : r.status !== null
        ? `exit code ${r.status}`
        : `signal ${r.signal ?? '?'}`;
  const firstErr = stderr.trim().split('\n').slice(-3).join(' | ');
  return {
    ok: false,
    error: {
      kind: 'command',
      command: tool,
      args: argv,
      exitCode: r.status,
      signal: r.signal ?? null,
      timedOut,
      stderr,
      stdout,
      message: `${describe(tool, argv)}: ${why}${firstErr ? `: ${firstErr}` : ''}`,
    },
  };
}

/** Synchronous variant for process-exit cleanup only (no event loop is left then). */
export function runSyncQuiet(tool: Tool, args: readonly string[], opts: RunOptions = {}): boolean {
  try {
    execFileSync(tool, fullArgs(args, opts), {
      stdio: 'ignore',
      timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
    return true;
  } catch {
    return false;
  }
}
