/*
 * The child process of the robustness tests: runs `tfc` calls in-process through main() with a memory Io, one at a
 * time, on request from the parent over IPC. A separate process so that the parent can detect a hang (a call that
 * never returns blocks this process's event loop, and the parent kills it), a crash or a write that bypasses the Io
 * (the parent captures this process's real stdout/stderr). Standard input is /dev/null: '-' reads end at once.
 * Invariant: one call at a time; each answer carries the call's id, exit code, both streams and its duration.
 */
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';

interface Request {
  readonly id: number;
  readonly argv: readonly string[];
}

process.on('message', async (m: Request) => {
  const io = memoryIo();
  const start = performance.now();
  let code: number;
  let thrown: string | undefined;
  try {
    code = await main(m.argv, io);
  } catch (e) {
    code = -1;
    thrown = (e as Error)?.stack ?? String(e);
  }
  const out = io.stdout();
  process.send?.({
    id: m.id,
    code,
    thrown,
    // stdout can be megabytes (a listing of a huge program); its head is enough for the checks.
    out: out.slice(0, 65536),
    outLength: out.length,
    err: io.stderr(),
    ms: performance.now() - start,
  });
});
process.send?.({ ready: true });
