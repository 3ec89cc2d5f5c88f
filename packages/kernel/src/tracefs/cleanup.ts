// Last-resort release of kernel objects at process exit. Invariants: this module holds the only
// process-wide mutable state of the tracefs layer, a registry of synchronous release actions keyed
// by a unique token; an object registers its release when it is created and unregisters it when it
// is disposed normally, so at exit only leaked objects are released, newest first; a release action
// never throws out of the exit handler.
let nextToken = 1;
const pending = new Map<number, () => void>();
let installed = false;

function runAll(): void {
  const actions = [...pending.entries()].reverse();
  pending.clear();
  for (const [, act] of actions) {
    try {
      act();
    } catch {
      // best effort: the process is exiting
    }
  }
}

/** Registers `release` to run at process exit unless the returned token is unregistered first. */
export function registerExitRelease(release: () => void): number {
  if (!installed) {
    installed = true;
    process.on('exit', runAll);
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.once(sig, () => {
        runAll();
        process.kill(process.pid, sig);
      });
    }
  }
  const token = nextToken++;
  pending.set(token, release);
  return token;
}

/** Removes a registration (the object was released normally). */
export function unregisterExitRelease(token: number): void {
  pending.delete(token);
}
