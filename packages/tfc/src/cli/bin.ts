/*
 * Process entry of `tfc`: wires main() to the real process. Invariant: the only module that touches
 * process.exitCode and process-level stream events. stdout EPIPE (e.g. `tfc events | head`) ends quietly.
 */
import { processIo } from './io.ts';
import { main } from './main.ts';

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

process.exitCode = await main(process.argv.slice(2), processIo());
