/*
 * The kernel suite's workload process (kernel-workload.c, built with the machine's gcc into a hash-named cache):
 * pinned to one CPU in a private network namespace, it runs timed loops of lseek, getppid or dropped loopback
 * frames and reports the loop's thread CPU time. Invariants: one command at a time, each answered by one line;
 * a failed step is an exception with the child's sentence; dispose() ends the process (and its namespace) and is
 * idempotent.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildHelper } from '@tfc/kernel';

const SOURCE = fileURLToPath(new URL('./kernel-workload.c', import.meta.url));

/** What a loop fires: lseeks (values = offsets), getppids, or frames (values = ethertypes). */
export type LoopKind = 'lseek' | 'getppid' | 'frames';

export class KernelWorkload {
  /** The pid (= tid: one thread) of every hit the workload makes. */
  readonly pid: number;
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #lines: string[] = [];
  #waiting: ((line: string | undefined) => void) | undefined;
  #buffer = '';
  #closed = false;

  private constructor(child: ChildProcessWithoutNullStreams, pid: number) {
    this.#child = child;
    this.pid = pid;
  }

  /** Builds and starts the workload pinned to `cpu`; a reason string when it cannot. */
  static async start(o: { cacheDir: string; cpu: number }): Promise<KernelWorkload | string> {
    const bin = await buildHelper(SOURCE, { name: 'tfc-kernel-workload', cacheDir: o.cacheDir });
    if (!bin.ok) return bin.reason;
    const child = spawn(bin.path, [String(o.cpu)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const w = new KernelWorkload(child, child.pid ?? -1);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => w.#feed(d));
    child.on('close', () => w.#end());
    child.on('error', () => w.#end());
    const first = await w.#next();
    const m = first === undefined ? null : /^ready (\d+)$/.exec(first);
    if (m === null) {
      w.dispose();
      return `the kernel workload did not start (${first ?? 'no output'})`;
    }
    return w;
  }

  /** `n` hits of `kind`, cycling through `values` (1 to 64; ignored for getppid); thread CPU ns of the loop. */
  async loop(kind: LoopKind, n: number, values: readonly bigint[]): Promise<number> {
    if (this.#closed) throw new Error('the kernel workload has exited');
    if (kind !== 'getppid' && (values.length < 1 || values.length > 64))
      throw new RangeError('kernel workload: 1 to 64 values a loop');
    const cmd =
      kind === 'getppid'
        ? `G ${n}`
        : `${kind === 'lseek' ? 'L' : 'P'} ${n} ${values.length} ${values.join(' ')}`;
    this.#child.stdin.write(`${cmd}\n`);
    const line = await this.#next();
    if (line === undefined) throw new Error('the kernel workload exited');
    const m = /^t (\d+)$/.exec(line);
    if (m === null) throw new Error(`kernel workload: ${line.startsWith('e ') ? line.slice(2) : line}`);
    return Number(m[1]);
  }

  dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#child.stdin.end('Q\n');
    this.#child.kill('SIGKILL');
  }

  #feed(d: string): void {
    this.#buffer += d;
    for (let i = this.#buffer.indexOf('\n'); i >= 0; i = this.#buffer.indexOf('\n')) {
      const line = this.#buffer.slice(0, i);
      this.#buffer = this.#buffer.slice(i + 1);
      const w = this.#waiting;
      this.#waiting = undefined;
      if (w) w(line);
      else this.#lines.push(line);
    }
  }

  #end(): void {
    this.#closed = true;
    const w = this.#waiting;
    this.#waiting = undefined;
    w?.(undefined);
  }

  #next(): Promise<string | undefined> {
    const l = this.#lines.shift();
    if (l !== undefined) return Promise.resolve(l);
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }
}
