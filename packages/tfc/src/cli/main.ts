/*
 * The `tfc` executable: dispatches to a command and turns its outcome into an exit code.
 * Invariants: usage errors print `tfc: message` and exit 2; any unexpected exception is reported as an internal
 * error in one line (stack only with TFC_DEBUG=1) and exits 70 — never a bare stack trace; everything on stderr
 * passes through printable() (no control characters or megabyte lines from hostile input reach the terminal). No process-level
 * side effects here (see bin.ts), so tests call main() in-process.
 */
import { createHost } from '../host/index.ts';
import { commands } from './commands.ts';
import { EXIT, type Io, printable, safeStderr, UsageError } from './io.ts';
import { didYouMean } from './suggest.ts';
import { renderTopHelp } from './top-help.ts';

const VERSION = '0.1.0';

function topHelp(): string {
  return renderTopHelp(commands, VERSION);
}

export async function main(argv: readonly string[], rawIo: Io): Promise<number> {
  // Every command's stderr passes through printable(): hostile input echoed in a diagnostic (a filter, a path,
  // a format file's line) never puts terminal escapes or megabyte lines on the user's terminal. stdout is the
  // product (e.g. check's byte-exact rendering of the kernel's filter file) and is passed on as it is.
  const io = safeStderr(rawIo);
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const sub = name === 'help' ? commands.find((c) => c.name === rest[0]) : undefined;
    if (sub) return sub.run(['--help'], io, createHost());
    if (name === 'help' && rest[0] !== undefined) return unknownCommand(rest[0], io);
    // Without a command it is a usage error: the help goes to stderr (stdout is for a command's product).
    if (name === undefined) {
      io.err(topHelp());
      return EXIT.usage;
    }
    io.out(topHelp());
    return EXIT.ok;
  }
  if (name === '--version' || name === '-V') {
    io.out(`tfc ${VERSION}\n`);
    return EXIT.ok;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) return unknownCommand(name, io);
  try {
    return await cmd.run(rest, io, createHost());
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(usageLines(printable(e.message)));
      return EXIT.usage;
    }
    if (e instanceof RangeError && /call stack/.test(e.message)) {
      io.err(`tfc: input too deeply nested to process\n`);
      return EXIT.usage;
    }
    io.err(`tfc: internal error: ${printable(String((e as Error)?.message ?? e))}\n`);
    if (process.env.TFC_DEBUG === '1') io.err(`${(e as Error).stack}\n`);
    return 70;
  }
}

function unknownCommand(name: string, io: Io): number {
  const hint = name.startsWith('-')
    ? didYouMean(name.replace(/^-+/, ''), ['help', 'version']).replace(/'([^']+)'/g, "'--$1'")
    : didYouMean(
        name,
        commands.map((c) => c.name),
      );
  io.err(`tfc: unknown command '${printable(name)}'; 'tfc --help' lists the commands${hint}\n`);
  return EXIT.usage;
}

/**
 * A usage error's lines, each starting with `tfc: `; a caret line (spaces, then a caret under the first line's
 * text) has its first five spaces replaced instead, so the caret stays under its column.
 */
function usageLines(message: string): string {
  return `${message
    .split('\n')
    .map((l, i) => (i > 0 && /^ {5} *[\^~]/.test(l) ? `tfc: ${l.slice(5)}` : `tfc: ${l}`))
    .join('\n')}\n`;
}
