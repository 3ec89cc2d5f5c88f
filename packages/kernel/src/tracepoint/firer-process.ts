// The tracepoint firer (firer.c): a child process that hits syscalls:sys_enter_lseek and task:task_rename with
// chosen values, and times tight lseek loops for the benchmarks.
// Invariants: replies are matched to commands strictly in order (one reply line per command); a call resolves only
// after the child has replied, i.e. after its tracepoint hits happened; a failed set-up step in the child rejects
// that call with the child's message; the process is stopped by dispose() (idempotent) and killed at process exit
// if leaked. Values are sent as unsigned 64-bit decimals (negative numbers wrap, as the registers would).
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { registerExitRelease, unregisterExitRelease } from '../tracefs/cleanup.ts';
import { spawnReady } from '../tracefs/helper-child.ts';
import type { Unavailable } from '../tracefs/locate.ts';
import { buildHelper } from './helper-build.ts';

export type Int64 = number | bigint;

/** One sys_enter_lseek hit: the three syscall arguments as the registers carry them. */
export interface LseekHit {
  readonly fd: Int64;
  readonly offset: Int64;
  readonly whence: Int64;
  /** CPU to run on (default: any). */
  readonly cpu?: number;
  /** Task name to set first (at most 15 bytes are kept; no NUL). */
  readonly comm?: string | Uint8Array;
}

/** One task_rename hit. */
export interface RenameHit {
  /** The new name (at most 15 bytes are kept; no NUL, no newline). */
  readonly name: string | Uint8Array;
  /** 'self': prctl(PR_SET_NAME); 'thread': the firer's sleeping thread, renamed through /proc (pid ≠ common_pid). */
  readonly target?: 'self' | 'thread';
  /** oom_score_adj to set first (-1000 … 1000, default 0). */
  readonly oomScoreAdj?: number;
  readonly cpu?: number;
}

const u64 = (v: Int64): string => BigInt.asUintN(64, BigInt(v)).toString();
const hex = (s: string | Uint8Array): string =>
  Buffer.from(typeof s === 'string' ? Buffer.from(s, 'latin1') : s).toString('hex');

export class FirerProcess {
  /** The firing thread's pid (= tid = common_pid of every hit it makes). */
  readonly pid: number;
  /** The tid of the sleeping thread that `target: 'thread'` renames. */
  readonly threadTid: number;
  readonly binary: string;
  readonly #child: ChildProcess;
  readonly #waiters: { resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
  #buf = '';
  #exited: string | null = null;
  #token: number | null;

  private constructor(binary: string, child: ChildProcess, pid: number, tid: number, rest: string) {
    this.binary = binary;
    this.#child = child;
    this.pid = pid;
    this.threadTid = tid;
    this.#buf = rest;
    this.#token = registerExitRelease(() => {
      if (this.#exited === null) child.kill('SIGKILL');
    });
    child.stdout?.on('data', (c: Buffer) => {
      this.#buf += c.toString('latin1');
      for (let nl = this.#buf.indexOf('\n'); nl >= 0; nl = this.#buf.indexOf('\n')) {
        const line = this.#buf.slice(0, nl);
        this.#buf = this.#buf.slice(nl + 1);
        const w = this.#waiters.shift();
        if (w === undefined) continue;
        if (line.startsWith('e ')) w.reject(new Error(`firer: ${line.slice(2)}`));
        else w.resolve(line);
      }
    });
    child.on('exit', (code, sig) => {
      this.#exited = `firer process exited (code ${code}, signal ${sig})`;
      for (const w of this.#waiters.splice(0)) w.reject(new Error(this.#exited));
    });
  }

  /** Builds firer.c (cached by source hash, see buildHelper) and starts it. */
  static async start(options: { readonly cacheDir?: string } = {}): Promise<FirerProcess | Unavailable> {
    const src = fileURLToPath(new URL('./firer.c', import.meta.url));
    const b = await buildHelper(src, {
      name: 'tfc-firer',
      flags: ['-pthread'],
      ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}),
    });
    if (!b.ok) return b;
    const c = await spawnReady(b.path, 'firer');
    if ('ok' in c) return c;
    return new FirerProcess(b.path, c.child, c.ready[0], c.ready[1], c.rest);
  }

  #send(line: string): Promise<string> {
    if (this.#exited !== null) return Promise.reject(new Error(this.#exited));
    const p = new Promise<string>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    this.#child.stdin?.write(`${line}\n`);
    return p;
  }

  /** Hits sys_enter_lseek once; resolves after the hit. */
  async lseek(h: LseekHit): Promise<void> {
    const comm = h.comm === undefined ? '-' : hex(h.comm);
    await this.#send(`L ${h.cpu ?? -1} ${comm} ${u64(h.fd)} ${u64(h.offset)} ${u64(h.whence)}`);
  }

  /** Hits task_rename once; resolves after the hit. */
  async rename(h: RenameHit): Promise<void> {
    const name = hex(h.name);
    if (name === '') throw new RangeError('rename: empty name (the kernel would not rename)');
    await this.#send(`R ${h.cpu ?? -1} ${h.target ?? 'self'} ${h.oomScoreAdj ?? 0} ${name}`);
  }

  /** n lseeks on `cpu`, cycling through `args`; the child thread's CPU time (ns, user + system) for the loop. */
  async lseekLoop(
    cpu: number,
    n: number,
    args: readonly { fd: Int64; offset: Int64; whence: Int64 }[],
  ): Promise<number> {
    if (args.length < 1 || args.length > 64) throw new RangeError('lseekLoop: 1 to 64 argument triples');
    const a = args.map((x) => `${u64(x.fd)} ${u64(x.offset)} ${u64(x.whence)}`).join(' ');
    const r = await this.#send(`B ${cpu} ${n} ${args.length} ${a}`);
    const m = /^t (\d+)$/.exec(r);
    if (m === null) throw new Error(`firer: unexpected reply '${r}'`);
    return Number(m[1]);
  }

  /** Stops the child. Idempotent. */
  async dispose(): Promise<void> {
    if (this.#token === null) return;
    unregisterExitRelease(this.#token);
    this.#token = null;
    if (this.#exited !== null) return;
    const gone = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.stdin?.end('Q\n');
    await gone;
  }
}
