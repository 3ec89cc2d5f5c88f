/*
 * `tfc man`: prints the tfc(1) manual page (troff), generated from the help texts (man-page.ts); `-o FILE` writes
 * it (whole or not at all). `pnpm run man` writes docs/tfc.1 with it.
 * Invariant: the page is deterministic, so the committed docs/tfc.1 can be compared with a fresh one.
 */
import { type CommandSpec, parseCommandArgs, renderHelp, str } from '../args.ts';
import { EXIT, type Io } from '../io.ts';
import { type ManCommand, manPage } from '../man-page.ts';
import { writeOutput } from '../output.ts';

export const manSpec: CommandSpec = {
  name: 'man',
  summary: 'Prints the tfc(1) manual page (troff, generated from the help texts).',
  usage: 'tfc man [-o FILE]',
  options: { output: { type: 'string', short: 'o' } },
  positionals: { min: 0, max: 0 },
  help: `options:
  -o, --output FILE      write the page to FILE (whole or not at all) instead of standard output

exit status: 0 page printed, 2 usage error.

examples:
  $ tfc man | man -l -
  $ tfc man -o tfc.1
`,
};

export function runMan(argv: readonly string[], io: Io, cmds: readonly ManCommand[]): number {
  const p = parseCommandArgs(manSpec, argv);
  if (p.help) {
    io.out(renderHelp(manSpec, io.columns));
    return EXIT.ok;
  }
  writeOutput(io, manPage(cmds), str(p, 'output'), 'the manual page');
  return EXIT.ok;
}
