/*
 * Process entry of `tfc`: wires main() to the real process. Invariant: the only module that touches
 * process.exitCode, process-level stream events and the working directory: run as the repository's own
 * `pnpm tfc` script (which pnpm runs at the repository root), it changes to the folder pnpm was called from
 * (INIT_CWD), so relative paths (-o, -w, -F, --filter-file, --out, ...) are the caller's, as for the installed
 * binary. stdout EPIPE (e.g. `tfc events | head`) ends quietly with
 * exit 0; any other failure to write stdout (`tfc events > /dev/full`) is one line on stderr and exit 2, and a
 * failure to write stderr is exit 2 — never an uncaught exception's stack trace.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT, errnoText, processIo } from './io.ts';
import { main } from './main.ts';

/** The caller's folder when this is the repository's `tfc` script run by pnpm (or npm), else undefined. */
function scriptCaller(): string | undefined {
  const e = process.env;
  if (e.npm_lifecycle_event !== 'tfc' || !e.INIT_CWD || !e.npm_package_json) return undefined;
  const rootJson = fileURLToPath(new URL('../../../../package.json', import.meta.url));
  return resolve(e.npm_package_json) === rootJson ? e.INIT_CWD : undefined;
}

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(EXIT.ok);
  try {
    process.stderr.write(`tfc: cannot write standard output: ${errnoText(e)}\n`);
  } finally {
    process.exit(EXIT.usage);
  }
});
process.stderr.on('error', () => process.exit(EXIT.usage));

const caller = scriptCaller();
let changed = true;
if (caller !== undefined)
  try {
    process.chdir(caller);
  } catch (e) {
    process.stderr.write(`tfc: cannot change to the calling folder ${caller}: ${errnoText(e)}\n`);
    process.exitCode = EXIT.usage;
    changed = false;
  }
if (changed) process.exitCode = await main(process.argv.slice(2), processIo());
