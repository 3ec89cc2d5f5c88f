/*
 * The last line of cleanup of the bench `trace` suite: what it has made and not yet released (child processes,
 * tracefs instance directories, temporary directories) is released synchronously when the process exits or is
 * ended by SIGINT/SIGTERM mid-run (children get SIGINT: the tracers' own clean stop). Invariants: the normal path releases everything itself and unregisters it, so
 * the hook finds nothing; the hook only signals pids this module was given (processes the suite spawned); after
 * cleaning up on a signal it re-raises that signal, so the process still ends as the signal says.
 */
import { rmdirSync, rmSync } from 'node:fs';

const pids = new Set<number>();
const instances = new Set<string>();
const dirs = new Set<string>();
let hooked = false;

function cleanup(): void {
  for (const p of pids) {
    try {
      process.kill(p, 'SIGINT'); // tfc trace and trace-cmd (through rusage-run) stop cleanly on SIGINT
    } catch {
      // already gone
    }
  }
  pids.clear();
  for (const i of instances) {
    try {
      rmdirSync(i);
    } catch {
      // gone, or still held by a tracer that is ending: nothing more can be done synchronously
    }
  }
  instances.clear();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const h = (): void => {
      cleanup();
      process.off(sig, h);
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, h);
  }
}

export const leftovers = {
  pid(p: number | undefined, live: boolean): void {
    if (p === undefined) return;
    if (live) {
      hook();
      pids.add(p);
    } else pids.delete(p);
  },
  instance(path: string, live: boolean): void {
    if (live) {
      hook();
      instances.add(path);
    } else instances.delete(path);
  },
  dir(path: string, live: boolean): void {
    if (live) {
      hook();
      dirs.add(path);
    } else dirs.delete(path);
  },
};
