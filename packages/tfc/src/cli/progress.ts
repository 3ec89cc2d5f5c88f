/*
 * The progress line of long commands (`tfc: compiling… 2.5 s` on stderr), drawn only on a terminal and only once
 * a command has run for PROGRESS_AFTER_MS. Compilation is synchronous, so the line is drawn by a small worker
 * thread that writes to the terminal itself while the main thread computes.
 * Invariants: never on a non-terminal stderr (processIo offers startProgress only on a TTY; tests' Io never);
 * the worker draws only under a lock (an Int32Array shared with it), so once stop() returns no progress text
 * can appear any more, and a drawn line has been erased (carriage return, spaces, carriage return) before any
 * output of the command is written; stop() is idempotent; the worker never keeps the process alive.
 */
import { writeSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { Io } from './io.ts';

/** How long a command runs before its progress line appears (TFC_PROGRESS_AFTER_MS overrides, for tests). */
export const PROGRESS_AFTER_MS = 1000;

/** state[0]: 0 running, 1 drawing, 2 stopped; state[1]: the width of the line on screen (0: nothing drawn). */
const WORKER = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const state = new Int32Array(workerData.shared);
const start = Date.now();
function tick() {
  if (Atomics.compareExchange(state, 0, 0, 1) !== 0) return;
  const text = 'tfc: ' + workerData.label + '\\u2026 ' + ((Date.now() - start) / 1000).toFixed(1) + ' s';
  try { writeSync(workerData.fd, '\\r' + text + ' '.repeat(Math.max(0, state[1] - text.length))); } catch {}
  Atomics.store(state, 1, Math.max(state[1], text.length));
  Atomics.store(state, 0, 0);
  Atomics.notify(state, 0);
  setTimeout(tick, 250);
}
setTimeout(tick, workerData.afterMs);
`;

/** Starts the progress line on terminal `fd`; the returned function stops and erases it. */
export function terminalProgress(fd: number, label: string): () => void {
  const afterMs = Number(process.env.TFC_PROGRESS_AFTER_MS ?? PROGRESS_AFTER_MS);
  const shared = new SharedArrayBuffer(8);
  const state = new Int32Array(shared);
  let worker: Worker | undefined;
  try {
    worker = new Worker(WORKER, { eval: true, workerData: { shared, label, fd, afterMs } });
    worker.unref();
  } catch {
    return () => {};
  }
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    // Take the lock from "running"; while the worker is drawing, wait for it to finish the line.
    while (Atomics.compareExchange(state, 0, 0, 2) === 1) Atomics.wait(state, 0, 1, 50);
    const width = Atomics.load(state, 1);
    if (width > 0)
      try {
        writeSync(fd, `\r${' '.repeat(width)}\r`);
      } catch {}
    void worker?.terminate();
  };
}

/**
 * Runs a command with a progress line (when the Io can draw one): the line is stopped and erased before the
 * command's first output and when it returns or throws.
 */
export async function withProgress(
  io: Io,
  label: string,
  run: (io: Io) => number | Promise<number>,
): Promise<number> {
  const stop = io.startProgress?.(label);
  if (stop === undefined) return run(io);
  const quiet: Io = {
    ...io,
    out: (t) => {
      stop();
      io.out(t);
    },
    err: (t) => {
      stop();
      io.err(t);
    },
    ...(io.outBytes
      ? {
          outBytes: (d: Uint8Array) => {
            stop();
            io.outBytes?.(d);
          },
        }
      : {}),
  };
  try {
    return await run(quiet);
  } finally {
    stop();
  }
}
