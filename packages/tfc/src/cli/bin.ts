/*
 * Process entry of `tfc`: wires main() to the real process. Invariant: the only module that touches
 * process.exitCode and process-level stream events. stdout EPIPE (e.g. `tfc events | head`) ends quietly with
 * exit 0; any other failure to write stdout (`tfc events > /dev/full`) is one line on stderr and exit 2, and a
 * failure to write stderr is exit 2 — never an uncaught exception's stack trace.
 */
import { EXIT, errnoText, processIo } from './io.ts';
import { main } from './main.ts';

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(EXIT.ok);
  try {
    process.stderr.write(`tfc: cannot write standard output: ${errnoText(e)}\n`);
  } finally {
    process.exit(EXIT.usage);
  }
});
process.stderr.on('error', () => process.exit(EXIT.usage));

process.exitCode = await main(process.argv.slice(2), processIo());
