/*
 * `tfc bench`: measures tfc side by side with its references and writes tables, JSON rows and SVG charts.
 * Invariants: progress goes to stderr and is drawn only on a terminal; stdout holds the table (or JSON rows with
 * --json); notes about what could not be measured go to stderr; result files are written per finished suite;
 * --out and --doc are checked before anything is measured (a run of minutes never ends in an unwritable path),
 * and the --doc report is written whole or not at all.
 */
import { accessSync, constants, mkdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { dirname, relative, resolve, sep } from 'node:path';
import { markdownReport, missingDirs, runBench, suites, table } from '@tfc/bench';
import { type CommandSpec, flag, parseCommandArgs, renderHelp, str } from '../args.ts';
import { EXIT, errnoText, type Io, UsageError } from '../io.ts';
import { writeFileWhole } from '../output.ts';

const names = suites.map((s) => s.name);

export const benchSpec: CommandSpec = {
  name: 'bench',
  summary:
    'Benchmarks tfc: front-end latency and interpreter throughput (medians of several runs, with min/max).',
  usage: `tfc bench [--suite ${[...names, 'all'].join('|')}] [--quick] [--json] [--out DIR]`,
  options: {
    suite: { type: 'string', short: 's', multiple: true },
    quick: { type: 'boolean', short: 'q' },
    json: { type: 'boolean' },
    out: { type: 'string', short: 'o' },
    doc: { type: 'string' },
  },
  positionals: { min: 0, max: 0 },
  help: `options:
  -s, --suite NAME   ${names.map((n) => `'${n}'`).join(', ')} or 'all' (default); may be repeated
${suites.map((s) => `                       ${s.name.padEnd(8)} ${s.title}`).join('\n')}
  -q, --quick        fewer and shorter runs (a quick look, not a figure to publish)
      --json         print the rows as JSON lines instead of a table
  -o, --out DIR      write <suite>.json and <suite>.svg per suite to DIR (default bench/results)
      --doc FILE     also write the Markdown report (machine, command, tables, charts) to FILE,
                     e.g. tfc bench --doc docs/benchmarks.md --out docs/bench; the sections of
                     suites not run, and <!-- notes --> blocks, are kept from FILE as it stood

exit status: 0 measured, 2 usage error (unknown suite, unwritable --out or --doc: checked before measuring).

example:
  $ tfc bench --suite compile --quick
`,
};

export async function runBenchCommand(argv: readonly string[], io: Io): Promise<number> {
  const p = parseCommandArgs(benchSpec, argv);
  if (p.help) {
    io.out(renderHelp(benchSpec, io.columns));
    return EXIT.ok;
  }
  const out = str(p, 'out') ?? 'bench/results';
  checkOutDir(out);
  const doc = str(p, 'doc');
  if (doc !== undefined) checkDocPath(doc);
  const asked = (p.values.suite as string[] | undefined) ?? ['all'];
  // Every name is checked, also next to 'all' (`--suite all --suite typo` is a typo, not a request for all).
  for (const s of asked)
    if (s !== 'all' && !names.includes(s))
      throw new UsageError(`bench: no suite '${s}'; suites: ${names.join(', ')}, all`);
  const chosen = asked.includes('all') ? names : asked;
  let lastLen = 0;
  const rows = await runBench({
    suites: chosen,
    quick: flag(p, 'quick'),
    out,
    progress: (suite, done, total, label) => {
      if (!io.isTty) return;
      const width = 24;
      const filled = Math.round((done / Math.max(total, 1)) * width);
      const line = `${suite} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${label}`;
      io.err(`\r${line.padEnd(lastLen)}`);
      lastLen = line.length;
      if (done === total) {
        io.err('\n');
        lastLen = 0;
      }
    },
    note: (suite, message) => io.err(`tfc: bench: ${suite}: ${message}\n`),
  });
  io.out(flag(p, 'json') ? rows.map((r) => `${JSON.stringify(r)}\n`).join('') : table(rows));
  if (doc !== undefined) {
    const cpu = cpus()[0]?.model.trim() ?? 'unknown';
    const machine = {
      cpu,
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      kernel: release(),
      node: process.version,
    };
    const titles = Object.fromEntries(suites.map((s) => [s.name, s.title]));
    const imageDir =
      relative(dirname(resolve(doc)), resolve(out))
        .split(sep)
        .join('/') || '.';
    let previous: string | undefined; // the document as it stood: other suites' sections and notes are kept
    try {
      previous = readFileSync(doc, 'utf8');
    } catch {
      previous = undefined;
    }
    writeFileWhole(
      doc,
      markdownReport(rows, machine, `tfc bench ${argv.join(' ')}`, titles, imageDir, previous),
    );
  }
  return EXIT.ok;
}

/** The nearest existing ancestor of `path` (itself included): where a recursive mkdir would start. */
function existingAncestor(path: string): string {
  let p = resolve(path);
  for (;;) {
    try {
      statSync(p);
      return p;
    } catch {
      const up = dirname(p);
      if (up === p) return p;
      p = up;
    }
  }
}

/** --out must be a directory, or creatable: its nearest existing ancestor a writable directory. */
function checkOutDir(out: string): void {
  if (out === '') throw new UsageError('--out needs a directory name');
  const at = existingAncestor(out);
  let isDir: boolean;
  try {
    isDir = statSync(at).isDirectory();
    accessSync(at, constants.W_OK);
  } catch (e) {
    throw new UsageError(`--out ${out}: ${errnoText(e)}`);
  }
  if (!isDir)
    throw new UsageError(
      `--out ${out}: ${at === resolve(out) ? 'exists and is not a directory' : `${at} is not a directory`}`,
    );
  // Write access is not enough (root passes it on /proc and /sys, which refuse the mkdir): the first missing
  // component is made and removed again, so a refusal comes now, not after measuring.
  const first = missingDirs(out)[0];
  if (first !== undefined)
    try {
      mkdirSync(first);
      rmdirSync(first);
    } catch (e) {
      throw new UsageError(`--out ${out}: ${errnoText(e)}`);
    }
}

/** --doc must name a file (not a directory) in an existing, writable directory. */
function checkDocPath(doc: string): void {
  if (doc === '') throw new UsageError('--doc needs a file name');
  let st: ReturnType<typeof statSync> | undefined;
  try {
    st = statSync(doc);
  } catch {
    st = undefined;
  }
  if (st?.isDirectory()) throw new UsageError(`--doc ${doc}: is a directory`);
  const dir = dirname(resolve(doc));
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError(`--doc ${doc}: ${dir} is not a directory`);
    accessSync(dir, constants.W_OK);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--doc ${doc}: ${errnoText(e)}`);
  }
}
