/*
 * The kernel suite's workload process (kernel-workload.c, built with the machine's gcc into a hash-named cache):
 * pinned to one CPU in a private network namespace, it runs timed loops of lseek, getppid or dropped loopback
 * frames and reports the loop's thread CPU time. Invariants: one command at a time, each answered by one line;
 * a failed step is an exception with the child's sentence; dispose() ends the process (and its namespace) and is
 * idempotent.
 */
import { fileURLToPath } from 'node:url';
import { LineProcess } from './line-process.ts';

const SOURCE = fileURLToPath(new URL('./kernel-workload.c', import.meta.url));

/** What a loop fires: lseeks (values = offsets), getppids, or frames (values = ethertypes). */
export type LoopKind = 'lseek' | 'getppid' | 'frames';

export class KernelWorkload {
  /** The pid (= tid: one thread) of every hit the workload makes. */
  readonly pid: number;
  readonly #proc: LineProcess;

  private constructor(proc: LineProcess) {
    this.#proc = proc;
    this.pid = proc.pid;
  }

  /** Builds and starts the workload pinned to `cpu`; a reason string when it cannot. */
  static async start(o: { cacheDir: string; cpu: number }): Promise<KernelWorkload | string> {
    const p = await LineProcess.start({
      source: SOURCE,
      name: 'tfc-kernel-workload',
      cacheDir: o.cacheDir,
      args: [String(o.cpu)],
      quit: 'Q',
      what: 'the kernel workload',
    });
    return typeof p === 'string' ? p : new KernelWorkload(p);
  }

  /** `n` hits of `kind`, cycling through `values` (1 to 64; ignored for getppid); thread CPU ns of the loop. */
  async loop(kind: LoopKind, n: number, values: readonly bigint[]): Promise<number> {
    if (this.#proc.closed) throw new Error('the kernel workload has exited');
    if (kind !== 'getppid' && (values.length < 1 || values.length > 64))
      throw new RangeError('kernel workload: 1 to 64 values a loop');
    const cmd =
      kind === 'getppid'
        ? `G ${n}`
        : `${kind === 'lseek' ? 'L' : 'P'} ${n} ${values.length} ${values.join(' ')}`;
    const line = await this.#proc.request(cmd);
    if (line === undefined) throw new Error('the kernel workload exited');
    const m = /^t (\d+)$/.exec(line);
    if (m === null) throw new Error(`kernel workload: ${line.startsWith('e ') ? line.slice(2) : line}`);
    return Number(m[1]);
  }

  dispose(): void {
    this.#proc.dispose();
  }
}
