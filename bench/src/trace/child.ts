/*
 * Child processes of the bench `trace` suite: spawned without a shell, their stdout and stderr collected, waited
 * for with a deadline. Invariants: `wait` never hangs past its deadline (SIGTERM, then SIGKILL after 5 s, then the
 * exit is awaited); `stop()` is idempotent and only signals the process this module spawned (by its pid);
 * a live child is registered with `leftovers` (signalled if the bench itself is ended mid-run); collected output is capped (1 MiB per stream, the newest text kept) so a chatty child cannot exhaust memory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { leftovers } from './leftovers.ts';

const CAP = 1 << 20;

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class Child {
  stdout = '';
  stderr = '';
  exit: Exit | undefined;
  readonly proc: ChildProcess;
  private readonly exited: Promise<Exit>;

  constructor(argv: readonly string[], options: { cwd?: string; stdin?: boolean } = {}) {
    const [cmd, ...args] = argv as [string, ...string[]];
    this.proc = spawn(cmd, args, {
      cwd: options.cwd,
      stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    this.proc.stdout?.setEncoding('utf8').on('data', (d: string) => {
      this.stdout = (this.stdout + d).slice(-CAP);
    });
    this.proc.stderr?.setEncoding('utf8').on('data', (d: string) => {
      this.stderr = (this.stderr + d).slice(-CAP);
    });
    leftovers.pid(this.proc.pid, true);
    this.exited = new Promise((resolve) => {
      this.proc.on('error', (e) => {
        this.stderr += `\nspawn ${cmd}: ${e.message}\n`;
        this.exit ??= { code: null, signal: null };
        resolve(this.exit);
      });
      this.proc.on('close', (code, signal) => {
        leftovers.pid(this.proc.pid, false);
        this.exit ??= { code, signal };
        resolve(this.exit);
      });
    });
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** Resolves when `test()` holds (polled every 20 ms), or false at the deadline or when the child exits first. */
  async until(test: () => boolean, ms: number): Promise<boolean> {
    const end = Date.now() + ms;
    for (;;) {
      if (test()) return true;
      if (this.exit !== undefined || Date.now() > end) return false;
      await sleep(20);
    }
  }

  signal(sig: NodeJS.Signals): void {
    if (this.exit === undefined && this.proc.pid !== undefined) this.proc.kill(sig);
  }

  /** Waits for the exit; after `ms`, SIGTERM, then SIGKILL. */
  async wait(ms: number): Promise<Exit> {
    const timer = (after: number, sig: NodeJS.Signals) => setTimeout(() => this.signal(sig), after);
    const t1 = timer(ms, 'SIGTERM');
    const t2 = timer(ms + 5000, 'SIGKILL');
    try {
      return await this.exited;
    } finally {
      clearTimeout(t1);
      clearTimeout(t2);
    }
  }

  /** Ends the child if it still runs (SIGTERM, then SIGKILL) and waits for it. */
  async stop(): Promise<void> {
    this.signal('SIGTERM');
    await this.wait(2000);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The last non-empty line of `text` that starts with one of `prefixes` (else the last non-empty line). */
export function lastLine(text: string, prefixes: readonly string[] = []): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const pref = lines.filter((l) => prefixes.some((p) => l.startsWith(p)));
  return pref.at(-1) ?? lines.at(-1) ?? '(no output)';
}
