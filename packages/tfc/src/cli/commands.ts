/*
 * The command table: every `tfc` command, its summary, its option tables and its entry point. The only list of
 * commands (help, completion and the man page are generated from it).
 * Invariant: each entry's run() returns an exit code and writes only through the Io it is given.
 */
import type { Host } from '../host/index.ts';
import type { CommandSpec } from './args.ts';
import { applySpec, runApply } from './commands/apply.ts';
import { applyTcSpec } from './commands/apply-tc.ts';
import { asmSpec, runAsm } from './commands/asm.ts';
import { benchSpec, runBenchCommand } from './commands/bench.ts';
import { captureSpec, runCapture } from './commands/capture.ts';
import { checkSpec, runCheck } from './commands/check.ts';
import { compileSpec, runCompile } from './commands/compile.ts';
import { completionSpec, runCompletion } from './commands/completion.ts';
import { disasmSpec, runDisasm } from './commands/disasm.ts';
import { dissectorSpec, runDissector } from './commands/dissector.ts';
import { encapSpec, runEncap } from './commands/encap.ts';
import { evalSpec, runEval } from './commands/eval.ts';
import { eventsSpec, formatSpec, runEvents, runFormat } from './commands/events.ts';
import { manSpec, runMan } from './commands/man.ts';
import { runRun, runSpec } from './commands/run.ts';
import { runTrace, traceSpec } from './commands/trace.ts';
import { runUnapply, unapplySpec } from './commands/unapply.ts';
import { oneLine } from './help-text.ts';
import type { Io } from './io.ts';
import { withProgress } from './progress.ts';

export interface Command {
  readonly name: string;
  readonly summary: string;
  /** The option tables the command parses with (apply has two: the tracepoint one and the tc one). */
  readonly specs: readonly CommandSpec[];
  readonly run: (argv: readonly string[], io: Io, host: Host) => number | Promise<number>;
}

const entry = (spec: CommandSpec, run: Command['run'], more: readonly CommandSpec[] = []): Command => ({
  name: spec.name,
  summary: oneLine(spec.summary),
  specs: [spec, ...more],
  run,
});

export const commands: readonly Command[] = [
  entry(checkSpec, runCheck),
  entry(evalSpec, runEval),
  entry(compileSpec, (a, io, host) => withProgress(io, 'compiling', (io2) => runCompile(a, io2, host))),
  entry(traceSpec, runTrace),
  entry(captureSpec, (a, io) => runCapture(a, io)),
  entry(encapSpec, (a, io) => runEncap(a, io)),
  entry(dissectorSpec, (a, io) => runDissector(a, io)),
  entry(eventsSpec, (a, io) => runEvents(a, io)),
  entry(formatSpec, (a, io) => runFormat(a, io)),
  entry(benchSpec, (a, io) => runBenchCommand(a, io)),
  entry(asmSpec, (a, io) => runAsm(a, io)),
  entry(disasmSpec, (a, io) => runDisasm(a, io)),
  entry(runSpec, (a, io) => runRun(a, io)),
  entry(applySpec, runApply, [applyTcSpec]),
  entry(unapplySpec, (a, io) => runUnapply(a, io)),
  entry(completionSpec, (a, io) => runCompletion(a, io, commands)),
  entry(manSpec, (a, io) => runMan(a, io, commands)),
];
