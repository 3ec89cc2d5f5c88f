/*
 * The capture suite's sender process (capture-sender.c, built with the machine's gcc into a hash-named cache): it
 * leaves our network namespace, then on request sends N UDP datagrams to a closed port on its loopback (N
 * skb:kfree_skb NO_SOCKET drops) and reports wall and thread-CPU time. Invariants: one request at a time; dispose()
 * ends the process (its namespace goes with it) and is idempotent; a failure is an exception with its sentence.
 */
import { fileURLToPath } from 'node:url';
import { parseSenderLine, type SenderChunk } from './capture-figures.ts';
import { LineProcess } from './line-process.ts';

const SOURCE = fileURLToPath(new URL('./capture-sender.c', import.meta.url));

export class CaptureSender {
  readonly pid: number;
  readonly #proc: LineProcess;

  private constructor(proc: LineProcess) {
    this.#proc = proc;
    this.pid = proc.pid;
  }

  /** Builds and starts the sender pinned to `cpu`, sending to `port`; a reason string when it cannot. */
  static async start(o: { cacheDir: string; cpu: number; port: number }): Promise<CaptureSender | string> {
    const p = await LineProcess.start({
      source: SOURCE,
      name: 'tfc-capture-sender',
      cacheDir: o.cacheDir,
      args: [String(o.cpu), String(o.port)],
      quit: 'q',
      what: 'the capture sender',
    });
    return typeof p === 'string' ? p : new CaptureSender(p);
  }

  /** Sends `n` datagrams; the chunk's timings. */
  async send(n: number): Promise<SenderChunk> {
    if (this.#proc.closed) throw new Error('the capture sender has exited');
    const line = await this.#proc.request(`${n}`);
    if (line === undefined) throw new Error('the capture sender exited');
    const r = parseSenderLine(line);
    if ('error' in r) throw new Error(r.error);
    return r;
  }

  dispose(): void {
    this.#proc.dispose();
  }
}
