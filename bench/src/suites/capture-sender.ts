/*
 * The capture suite's sender process (capture-sender.c, built with the machine's gcc into a hash-named cache): it
 * leaves our network namespace, then on request sends N UDP datagrams to a closed port on its loopback (N
 * skb:kfree_skb NO_SOCKET drops) and reports wall and thread-CPU time. Invariants: one request at a time; dispose()
 * ends the process (its namespace goes with it) and is idempotent; a failure is an exception with its sentence.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildHelper } from '@tfc/kernel';
import { parseSenderLine, type SenderChunk } from './capture-figures.ts';

const SOURCE = fileURLToPath(new URL('./capture-sender.c', import.meta.url));

export class CaptureSender {
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

  /** Builds and starts the sender pinned to `cpu`, sending to `port`; a reason string when it cannot. */
  static async start(o: { cacheDir: string; cpu: number; port: number }): Promise<CaptureSender | string> {
    const bin = await buildHelper(SOURCE, { name: 'tfc-capture-sender', cacheDir: o.cacheDir });
    if (!bin.ok) return bin.reason;
    const child = spawn(bin.path, [String(o.cpu), String(o.port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const s = new CaptureSender(child, child.pid ?? -1);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => s.#feed(d));
    child.on('close', () => s.#end());
    child.on('error', () => s.#end());
    const first = await s.#next();
    const m = first === undefined ? null : /^ready (\d+)$/.exec(first);
    if (m === null) {
      s.dispose();
      return `the capture sender did not start (${first ?? 'no output'})`;
    }
    return s;
  }

  /** Sends `n` datagrams; the chunk's timings. */
  async send(n: number): Promise<SenderChunk> {
    if (this.#closed) throw new Error('the capture sender has exited');
    this.#child.stdin.write(`${n}\n`);
    const line = await this.#next();
    if (line === undefined) throw new Error('the capture sender exited');
    const r = parseSenderLine(line);
    if ('error' in r) throw new Error(r.error);
    return r;
  }

  dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#child.stdin.end('q\n');
    this.#child.kill('SIGKILL');
  }

  #feed(d: string): void {
    this.#buffer += d;
    for (;;) {
      const i = this.#buffer.indexOf('\n');
      if (i < 0) break;
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
