/*
 * A helper process of the bench spoken to in lines (the C workloads built by buildHelper): one request line in, one
 * answer line out. `start` builds and spawns the helper and waits for its `ready PID` line.
 * Invariants: answers are handed out in order, one per `next()`; after the process ends every pending and later
 * `next()` gets undefined; dispose() sends the quit line, kills the process and is idempotent.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { buildHelper } from '@tfc/kernel';

export class LineProcess {
  readonly pid: number;
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #quit: string;
  readonly #lines: string[] = [];
  #waiting: ((line: string | undefined) => void) | undefined;
  #buffer = '';
  #closed = false;

  private constructor(child: ChildProcessWithoutNullStreams, quit: string) {
    this.#child = child;
    this.#quit = quit;
    this.pid = child.pid ?? -1;
  }

  /** Builds `source` (cached under `cacheDir` as `name`), runs it with `args`, waits for `ready PID`; a reason
   *  string (naming `what`) when it cannot. */
  static async start(o: {
    source: string;
    name: string;
    cacheDir: string;
    args: readonly string[];
    quit: string;
    what: string;
  }): Promise<LineProcess | string> {
    const bin = await buildHelper(o.source, { name: o.name, cacheDir: o.cacheDir });
    if (!bin.ok) return bin.reason;
    const child = spawn(bin.path, [...o.args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const p = new LineProcess(child, o.quit);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => p.#feed(d));
    child.on('close', () => p.#end());
    child.on('error', () => p.#end());
    const first = await p.next();
    if (first === undefined || !/^ready \d+$/.test(first)) {
      p.dispose();
      return `${o.what} did not start (${first ?? 'no output'})`;
    }
    return p;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sends one request line and waits for its answer (undefined: the process ended). */
  request(line: string): Promise<string | undefined> {
    this.#child.stdin.write(`${line}\n`);
    return this.next();
  }

  /** The next answer line (undefined once the process has ended). */
  next(): Promise<string | undefined> {
    const l = this.#lines.shift();
    if (l !== undefined) return Promise.resolve(l);
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }

  dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#child.stdin.end(`${this.#quit}\n`);
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
}
