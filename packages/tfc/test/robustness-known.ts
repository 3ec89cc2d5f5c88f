/*
 * Failures of the hostile-input audit (robustness.test.ts) in code the audit does not own, as reported to the
 * owners (the entry ids are those of the audit's report). Each entry says how to recognise the failure in a fuzzed
 * call and gives one concrete reproduction, which robustness-known.test.ts runs as a t.todo test: it fails today
 * and passes once fixed (then the entry is deleted). Invariant: an entry matches only the failure it describes
 * (command, options and symptom), so a new failure of the same command is still reported as new.
 */

export interface CallResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  readonly ms: number;
  readonly hang: boolean;
}

/** Text that must never reach the user: a stack frame line, an exception class, node's stack overflow. */
export const STACK_TEXT =
  /^ {4}at \S.*$|\b(?:TypeError|RangeError|ReferenceError|Maximum call stack size exceeded|internal error)\b.*$/m;

export interface KnownIssue {
  readonly id: string;
  readonly owner: string;
  readonly summary: string;
  /** Does this fuzzed call show this failure? */
  readonly matches: (argv: readonly string[], r: CallResult, problem: string) => boolean;
}

const command = (argv: readonly string[]) => argv[0];
const TC_TARGETS = ['tc', 'u32', 'flower', 'tc-bpf'];
const hasTcTarget = (argv: readonly string[]) =>
  argv.some((a, i) => TC_TARGETS.includes(a) && (argv[i - 1] === '--target' || argv[i - 1] === '-t')) ||
  argv.some((a) => TC_TARGETS.some((t) => a === `--target=${t}`));
/** The pcap filter whose lowering is exponential (P1): `port 0 or port 1 or ...`. */
export const isPortChain = (a: string) => a.startsWith('port 0 or port 1 or port 2 or ');

export const KNOWN: readonly KnownIssue[] = [
  {
    id: 'K1',
    owner: 'packages/tfc/src/cli/commands/compile.ts (tcFailure, runCompileTcBpf; reached from apply-tc too)',
    summary:
      'a trace filter of 4096 bytes or more for a tc target exits 1 with nothing on stderr: the kernel rendering ' +
      'of a too-long write is empty and the rejectionNotes() line that explains it is not printed (the same ' +
      'omission drops the kernel-hazard warning for "A || B &&" shapes on the tc targets)',
    matches: (argv, _r, problem) =>
      (command(argv) === 'compile' || command(argv) === 'apply') &&
      hasTcTarget(argv) &&
      problem === 'exit 1 without any diagnostic',
  },
  {
    id: 'K2',
    owner: 'packages/tfc/src/cli/commands/compile.ts (runCompileTcBpf)',
    summary:
      'compile --target tc-bpf --mode obj|obj-da writes the --object file before the batch; when writing the ' +
      'batch (-o) fails, the command exits 2 and leaves the object behind',
    matches: (argv, _r, problem) =>
      command(argv) === 'compile' &&
      argv.includes('--object') &&
      problem.startsWith('exit 2 but output left'),
  },
  {
    id: 'K3',
    owner: 'packages/tfc/src/cli/commands/compile.ts (runCompileP4, runCompileP4AnyEvent)',
    summary:
      'a trace filter the kernel rejects, compiled for --target p4, is reported as "tfc: compile: parse: ' +
      'MESSAGE" without the kernel rendering (no filter, no caret): "b == 1 || a32 == 2 &&" gives just "Error"',
    matches: () => false, // a weak diagnostic, not a property violation: checked by its reproduction only
  },
  {
    id: 'P1',
    owner: '@tfc/pcap lowering (already --dump-after lower is exponential) and the pipeline after it',
    summary:
      "time and memory of 'port 0 or port 1 or ... or port N-1' grow ~3x per two more terms: 16 terms 2 s, " +
      '18 terms 8 s and 760 MB, 20 terms run out of memory (a 4 GB heap at 300 terms, after 200 s)',
    matches: (argv) => argv.some(isPortChain),
  },
];

export function knownIssue(argv: readonly string[], r: CallResult, problem: string): string | undefined {
  return KNOWN.find((k) => k.matches(argv, r, problem))?.id;
}
