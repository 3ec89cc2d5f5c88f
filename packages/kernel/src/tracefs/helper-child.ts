// Starting a C helper process (the oracle, the firer) that announces itself with one stdout line `ready A B`.
// Invariants: resolves exactly once — with the child, the two numbers and the stdout text that followed the line
// (so the caller's own reader loses nothing), or with a reason after the child has been killed (it exited, could
// not be spawned, or its first line was something else). stderr is inherited; stdin and stdout are pipes.
import { type ChildProcess, spawn } from 'node:child_process';
import type { Unavailable } from './locate.ts';

export type ReadyChild = {
  readonly child: ChildProcess;
  /** The two numbers of `ready A B`. */
  readonly ready: readonly [number, number];
  /** stdout text received after the ready line (latin1). */
  readonly rest: string;
};

/** Spawns `binary` and waits for its ready line; `what` names it in the reason ("firer did not start (…)"). */
export async function spawnReady(binary: string, what: string): Promise<ReadyChild | Unavailable> {
  const child = spawn(binary, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const first = await new Promise<{ line: string; rest: string } | null>((resolve) => {
    let buf = '';
    const onData = (c: Buffer): void => {
      buf += c.toString('latin1');
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        child.stdout?.off('data', onData);
        resolve({ line: buf.slice(0, nl), rest: buf.slice(nl + 1) });
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', () => resolve(null));
    child.once('error', () => resolve(null));
  });
  const m = first === null ? null : /^ready (\d+) (\d+)$/.exec(first.line);
  if (first === null || m === null) {
    child.kill('SIGKILL');
    return { ok: false, reason: `${what} did not start (${first?.line ?? 'no output'})` };
  }
  return { child, ready: [Number(m[1]), Number(m[2])], rest: first.rest };
}
