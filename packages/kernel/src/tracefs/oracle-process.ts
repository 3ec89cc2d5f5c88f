// The C helper process of the oracles (oracle.c, compiled at run time with the machine's gcc).
// Invariants: one process serves any number of batches; commands are encoded by a pure function
// into fixed 80-byte headers plus payload, matching oracle.c; run() resolves only after the
// process has acknowledged the batch, i.e. after every probe hit and rename of it happened; the
// temporary build directory and the process are released by dispose() (idempotent) and at exit.
import { type ChildProcess, execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerExitRelease, unregisterExitRelease } from './cleanup.ts';
import { spawnReady } from './helper-child.ts';
import type { Unavailable } from './locate.ts';

export const HEADER_SIZE = 80;
export const MAX_PAYLOAD = 65535;

/** Values of the probed `struct rec` (see oracle.c); integers are truncated to the member width. */
export type RecValues = {
  readonly idx: number;
  readonly u8?: number | bigint;
  readonly s8?: number | bigint;
  readonly u16?: number | bigint;
  readonly s16?: number | bigint;
  readonly u32?: number | bigint;
  readonly s32?: number | bigint;
  readonly u64?: number | bigint;
  readonly s64?: number | bigint;
  /** The string behind `rec.str`; null passes a NULL pointer. Must not contain NUL bytes. */
  readonly str?: Uint8Array | null;
  readonly arr?: Uint8Array;
};

export type OracleCommand =
  | { readonly op: 'fire'; readonly rec: RecValues; readonly cpu?: number; readonly comm?: Uint8Array }
  | { readonly op: 'rename'; readonly name: Uint8Array; readonly cpu?: number };

const big = (v: number | bigint | undefined): bigint => (v === undefined ? 0n : BigInt(v));

/** Encodes one command for oracle.c. Throws on a payload over MAX_PAYLOAD bytes (a caller bug). */
export function encodeCommand(cmd: OracleCommand): Buffer {
  const payload = cmd.op === 'fire' ? (cmd.rec.str ?? new Uint8Array(0)) : cmd.name;
  if (payload.length > MAX_PAYLOAD) throw new RangeError(`payload of ${payload.length} bytes`);
  const h = Buffer.alloc(HEADER_SIZE + payload.length);
  h[0] = (cmd.op === 'fire' ? 'F' : 'R').charCodeAt(0);
  let flags = 0;
  if (cmd.op === 'fire' && cmd.comm !== undefined) {
    flags |= 1;
    h.set(cmd.comm.subarray(0, 16), 8);
  }
  if (cmd.op === 'fire' && cmd.rec.str === null) flags |= 2;
  h[1] = flags;
  h.writeUInt16LE(payload.length, 2);
  h.writeInt32LE(cmd.cpu ?? -1, 4);
  if (cmd.op === 'fire') {
    const r = cmd.rec;
    h.writeUInt32LE(r.idx >>> 0, 24);
    h.writeUInt8(Number(BigInt.asUintN(8, big(r.u8))), 28);
    h.writeUInt8(Number(BigInt.asUintN(8, big(r.s8))), 29);
    h.writeUInt16LE(Number(BigInt.asUintN(16, big(r.u16))), 30);
    h.writeUInt16LE(Number(BigInt.asUintN(16, big(r.s16))), 32);
    h.writeUInt32LE(Number(BigInt.asUintN(32, big(r.u32))), 36);
    h.writeUInt32LE(Number(BigInt.asUintN(32, big(r.s32))), 40);
    h.writeBigUInt64LE(BigInt.asUintN(64, big(r.u64)), 48);
    h.writeBigUInt64LE(BigInt.asUintN(64, big(r.s64)), 56);
    if (r.arr !== undefined) h.set(r.arr.subarray(0, 16), 64);
  }
  h.set(payload, HEADER_SIZE);
  return h;
}

function ackCommand(): Buffer {
  const h = Buffer.alloc(HEADER_SIZE);
  h[0] = 'A'.charCodeAt(0);
  return h;
}

function quitCommand(): Buffer {
  const h = Buffer.alloc(HEADER_SIZE);
  h[0] = 'Q'.charCodeAt(0);
  return h;
}

function compile(src: string, out: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('gcc', ['-O2', '-Wall', '-o', out, src], (err, _o, stderr) => {
      resolve(err ? `gcc failed: ${String(stderr).trim() || err.message}` : null);
    });
  });
}

export class OracleProcess {
  readonly binary: string;
  readonly pid: number;
  /** File offset of tfc_oracle_probe in `binary` (for `BINARY:0xOFFSET`). */
  readonly probeOffset: number;
  readonly #dir: string;
  readonly #child: ChildProcess;
  readonly #waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  #exited: string | null = null;
  #token: number | null;

  private constructor(dir: string, binary: string, child: ChildProcess, pid: number, offset: number) {
    this.#dir = dir;
    this.binary = binary;
    this.#child = child;
    this.pid = pid;
    this.probeOffset = offset;
    this.#token = registerExitRelease(() => this.#release());
    child.stdout?.on('data', (chunk: Buffer) => {
      for (const b of chunk) {
        if (b !== 0x6b) continue;
        this.#waiters.shift()?.resolve();
      }
    });
    child.on('exit', (code, sig) => {
      this.#exited = `oracle process exited (code ${code}, signal ${sig})`;
      for (const w of this.#waiters.splice(0)) w.reject(new Error(this.#exited));
    });
  }

  /** Builds oracle.c into a fresh temp directory and starts it. */
  static async start(): Promise<OracleProcess | Unavailable> {
    const dir = mkdtempSync(join(tmpdir(), `tfc-oracle-${process.pid}-`));
    const binary = join(dir, 'tfc-oracle');
    const src = fileURLToPath(new URL('./oracle.c', import.meta.url));
    const err = await compile(src, binary);
    if (err !== null) {
      rmSync(dir, { recursive: true, force: true });
      return { ok: false, reason: err };
    }
    const c = await spawnReady(binary, 'oracle process');
    if ('ok' in c) {
      rmSync(dir, { recursive: true, force: true });
      return c;
    }
    return new OracleProcess(dir, binary, c.child, c.ready[0], c.ready[1]);
  }

  /** Sends the commands, then waits until the process has executed all of them. */
  run(commands: readonly OracleCommand[]): Promise<void> {
    if (this.#exited !== null) return Promise.reject(new Error(this.#exited));
    const parts = commands.map(encodeCommand);
    parts.push(ackCommand());
    const p = new Promise<void>((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
    });
    this.#child.stdin?.write(Buffer.concat(parts));
    return p;
  }

  #release(): void {
    if (this.#exited === null) {
      try {
        this.#child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }

  /** Stops the process and removes the build directory. Idempotent. */
  async dispose(): Promise<void> {
    if (this.#token === null) return;
    unregisterExitRelease(this.#token);
    this.#token = null;
    if (this.#exited === null) {
      const gone = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
      this.#child.stdin?.end(quitCommand());
      await gone;
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
