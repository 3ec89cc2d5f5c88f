/*
 * Binary file input and output for the BPF commands (the Io seam carries text only).
 * Invariants: reads are bounded (MAX_INPUT bytes, also for endless devices and pipes; larger inputs are a
 * UsageError) — see ../io.ts readInput; '-' is standard input; every failure is a UsageError with a readable
 * message; output goes only to a named file, written whole or not at all (../output.ts), never to standard output.
 */
import { MAX_INPUT, readInput } from '../io.ts';
import { writeFileWhole } from '../output.ts';

export { MAX_INPUT };

/** Reads a whole file (or standard input for '-') as bytes, up to MAX_INPUT. */
export function readBytes(path: string): Uint8Array {
  return readInput(path);
}

/** Writes `data` to the file `path`, whole or not at all. */
export function writeOutput(path: string, data: Uint8Array | string): void {
  writeFileWhole(path, data);
}
