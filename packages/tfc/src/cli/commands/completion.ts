/*
 * `tfc completion bash|zsh`: prints the shell completion script, generated from the command table (completion.ts).
 * Invariants: the script goes to stdout only; an unknown shell is a usage error naming the supported ones.
 */
import { type CommandSpec, parseCommandArgs, renderHelp } from '../args.ts';
import { bashScript, type CompletionCommand, zshScript } from '../completion.ts';
import { EXIT, type Io, UsageError } from '../io.ts';
import { didYouMean } from '../suggest.ts';

const SHELLS = ['bash', 'zsh'] as const;

export const completionSpec: CommandSpec = {
  name: 'completion',
  summary: 'Prints a shell completion script for bash or zsh (commands, options, event names, files).',
  usage: 'tfc completion bash|zsh',
  options: {},
  positionals: { min: 1, max: 1 },
  pcapWords: 'never',
  help: `options:
  SHELL                  bash or zsh

The script completes commands, every command's options, event names after --event
(from 'tfc events') and file names after options that take a file.

exit status: 0 script printed, 2 usage error.

examples:
  $ tfc completion bash > ~/.local/share/bash-completion/completions/tfc
  $ tfc completion zsh > ~/.zfunc/_tfc        # a folder on zsh's fpath; then: autoload -U compinit && compinit
  $ source <(tfc completion bash)             # this shell only
`,
};

export function runCompletion(argv: readonly string[], io: Io, cmds: readonly CompletionCommand[]): number {
  const p = parseCommandArgs(completionSpec, argv);
  if (p.help) {
    io.out(renderHelp(completionSpec, io.columns));
    return EXIT.ok;
  }
  const shell = p.positionals[0] as string;
  if (shell === 'bash') io.out(bashScript(cmds));
  else if (shell === 'zsh') io.out(zshScript(cmds));
  else
    throw new UsageError(
      `completion: unknown shell '${shell}' (${SHELLS.join(' or ')})${didYouMean(shell, SHELLS)}`,
    );
  return EXIT.ok;
}
