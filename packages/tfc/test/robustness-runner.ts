/*
 * The parent side of the robustness harness: a child process (robustness-harness.ts) that runs `tfc` calls
 * in-process through main() with a memory Io, one at a time, so that a call which never returns is detected by a
 * budget and a crash (out of memory, a native fault) is seen as one, instead of freezing or killing the suite.
 * Invariants: one call at a time; a call over budget kills the child (it is restarted for the next call); the
 * child's own stdout/stderr are collected in `stray` (commands must write through their Io only); the child runs
 * in `cwd` with standard input from /dev/null and a bounded heap.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { CallResult } from './robustness-known.ts';

const here = new URL('.', import.meta.url).pathname;
/** A hang detector, not a timing assertion: no single call may take this long. */
export const BUDGET_MS = 10_000;
/** The child's heap: a runaway allocation ends in a crash of the child soon, not in a machine out of memory. */
const HEAP_MB = 768;

interface Answer {
  readonly id: number;
  readonly code: number;
  readonly thrown?: string;
  readonly out: string;
  readonly outLength: number;
  readonly err: string;
  readonly ms: number;
}

export class Harness {
  private readonly cwd: string;
  constructor(cwd: string) {
    this.cwd = cwd;
  }

  private child: ChildProcess | undefined;
  private ready: Promise<void> | undefined;
  private next = 1;
  private waiting: ((a: Answer) => void) | undefined;
  /** Bytes the child wrote to its real stdout/stderr: commands must write through their Io only. */
  stray = '';

  private start(): Promise<void> {
    const child = fork(join(here, 'robustness-harness.ts'), [], {
      // tsx by its resolved URL: the child's working directory is outside the repository.
      execArgv: [`--max-old-space-size=${HEAP_MB}`, '--import', import.meta.resolve('tsx')],
      cwd: this.cwd,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    this.child = child;
    child.stdout?.on('data', (d: Buffer) => {
      this.stray += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.stray += d.toString();
    });
    const ready = new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.on('message', (m: Answer | { ready: true }) => {
        if ('ready' in m) resolve();
        else this.waiting?.(m);
      });
      child.once('exit', (code, signal) => {
        if (this.child === child) this.child = undefined;
        this.waiting?.({
          id: -1,
          code: -2,
          out: '',
          outLength: 0,
          err: `harness child exited (code ${code}, signal ${signal})`,
          ms: 0,
        });
        reject(new Error('harness child exited before it was ready'));
      });
    });
    ready.catch(() => {});
    this.ready = ready;
    return ready;
  }

  /** One call; `hang: true` when it did not answer within the budget (the child is killed and restarted). */
  async call(argv: readonly string[]): Promise<CallResult> {
    if (this.child === undefined) await this.start();
    else await this.ready;
    const id = this.next++;
    const child = this.child as ChildProcess;
    return new Promise<CallResult>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        this.child = undefined;
        child.kill('SIGKILL');
        resolve({ code: -3, out: '', err: '', ms: BUDGET_MS, hang: true });
      }, BUDGET_MS);
      this.waiting = (a) => {
        if (a.id !== id && a.id !== -1) return;
        clearTimeout(timer);
        this.waiting = undefined;
        resolve({
          code: a.code,
          out: a.out,
          err: a.thrown === undefined ? a.err : `${a.err}\n[thrown out of main] ${a.thrown}`,
          ms: a.ms,
          hang: false,
        });
      };
      child.send({ id, argv });
    });
  }

  stop(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }
}
