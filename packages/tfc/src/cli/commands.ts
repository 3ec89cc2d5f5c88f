/*
 * The command table: every `tfc` command, its one-line summary and its entry point. The only list of commands.
 * Invariant: each entry's run() returns an exit code and writes only through the Io it is given.
 */
import type { Host } from '../host/index.ts';
import { applySpec, runApply } from './commands/apply.ts';
import { asmSpec, runAsm } from './commands/asm.ts';
import { benchSpec, runBenchCommand } from './commands/bench.ts';
import { captureSpec, runCapture } from './commands/capture.ts';
import { checkSpec, runCheck } from './commands/check.ts';
import { compileSpec, runCompile } from './commands/compile.ts';
import { disasmSpec, runDisasm } from './commands/disasm.ts';
import { dissectorSpec, runDissector } from './commands/dissector.ts';
import { encapSpec, runEncap } from './commands/encap.ts';
import { evalSpec, runEval } from './commands/eval.ts';
import { eventsSpec, formatSpec, runEvents, runFormat } from './commands/events.ts';
import { runRun, runSpec } from './commands/run.ts';
import { runTrace, traceSpec } from './commands/trace.ts';
import { runUnapply, unapplySpec } from './commands/unapply.ts';
import type { Io } from './io.ts';

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly run: (argv: readonly string[], io: Io, host: Host) => number | Promise<number>;
}

const firstLine = (s: string) => s.split('\n')[0] as string;

export const commands: readonly Command[] = [
  { name: 'check', summary: firstLine(checkSpec.summary), run: runCheck },
  { name: 'eval', summary: firstLine(evalSpec.summary), run: runEval },
  { name: 'compile', summary: firstLine(compileSpec.summary), run: runCompile },
  { name: 'trace', summary: firstLine(traceSpec.summary), run: runTrace },
  { name: 'capture', summary: firstLine(captureSpec.summary), run: (a, io) => runCapture(a, io) },
  { name: 'encap', summary: firstLine(encapSpec.summary), run: (a, io) => runEncap(a, io) },
  { name: 'dissector', summary: firstLine(dissectorSpec.summary), run: (a, io) => runDissector(a, io) },
  { name: 'events', summary: firstLine(eventsSpec.summary), run: (a, io) => runEvents(a, io) },
  { name: 'format', summary: firstLine(formatSpec.summary), run: (a, io) => runFormat(a, io) },
  { name: 'bench', summary: firstLine(benchSpec.summary), run: (a, io) => runBenchCommand(a, io) },
  { name: 'asm', summary: firstLine(asmSpec.summary), run: (a, io) => runAsm(a, io) },
  { name: 'disasm', summary: firstLine(disasmSpec.summary), run: (a, io) => runDisasm(a, io) },
  { name: 'run', summary: firstLine(runSpec.summary), run: (a, io) => runRun(a, io) },
  { name: 'apply', summary: firstLine(applySpec.summary), run: runApply },
  { name: 'unapply', summary: firstLine(unapplySpec.summary), run: (a, io) => runUnapply(a, io) },
];
