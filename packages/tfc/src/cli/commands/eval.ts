/*
 * `tfc eval FILTER --event E --records FILE.jsonl`: the reference interpreter over records, one verdict per line.
 * Invariants: every record line is parsed and checked before any verdict is printed (a bad line gives a
 * diagnostic `FILE:LINE: message`, exit 2, and no partial output); blank lines are skipped; verdicts are `1`
 * (the kernel would keep the record) or `0` (it would drop it), in input order. A filter the kernel rejects prints
 * the kernel's rendering on stderr and exits 1. `0` (the clearing filter) accepts everything, as in the kernel.
 * --json prints one object: the verdicts, or the rejection's diagnostics (json-output.ts).
 */
import {
  type EvalContext,
  evaluate,
  explainRejection,
  parseFilter,
  recordFromJson,
  renderFilterFile,
} from '@tfc/tracefs';
import { rejectionNotes } from '../../api/errors.ts';
import type { Host } from '../../host/index.ts';
import { type CommandSpec, flag, int, parseCommandArgs, renderHelp, str } from '../args.ts';
import { eventOptions, eventOptionsHelp, resolveEvent } from '../event-source.ts';
import { filterFileHelp, filterFileOption, filterText } from '../filter-input.ts';
import { EXIT, type Io, UsageError } from '../io.ts';
import { jsonHelp, jsonOption, kernelDiagnostic, printJson, printRejection } from '../json-output.ts';
import { chooseDialect, kernelOption, kernelOptionHelp } from '../kernel-option.ts';

export const evalSpec: CommandSpec = {
  name: 'eval',
  summary:
    "Runs tfc's reference interpreter (the kernel's filter semantics) over event records and prints one verdict\nper record: 1 accepted, 0 rejected.",
  usage: 'tfc eval FILTER (--event SYS/NAME | --format FILE) --records FILE.jsonl [options]',
  options: {
    ...eventOptions,
    ...filterFileOption,
    records: { type: 'string', short: 'r' },
    'nr-cpus': { type: 'string' },
    ...kernelOption,
    ...jsonOption,
  },
  positionals: { min: 0, max: 1 },
  help: `options:
${eventOptionsHelp}
${filterFileHelp}
  -r, --records FILE     JSON lines, one record each ('-' for standard input), e.g.
                         {"family": 2, "protocol": 6}: fields by name (missing ones are 0 or "");
                         {"comm": "bash", "cpu": 1}: cpu and comm of the emitting task (unless the
                         event has fields of those names); {"raw": "0a00..."}: the whole record as hex
                         bytes; integers as JSON numbers or strings ("18446744073709551615", "0xff", "-1")
      --nr-cpus N        nr_cpu_ids for CPUS{...} lists (default: this machine's)
${kernelOptionHelp}
${jsonHelp}

exit status: 0 verdicts printed, 1 the kernel rejects the filter, 2 usage error or a bad record.

example:
  $ printf '%s\\n' '{"family":2,"protocol":6}' '{"family":10,"protocol":6}' > recs.jsonl
  $ tfc eval 'family == 2 && protocol == 6' --event sock/inet_sock_set_state --records recs.jsonl
  1
  0
`,
};

export async function runEval(argv: readonly string[], io: Io, host: Host): Promise<number> {
  const p = parseCommandArgs(evalSpec, argv);
  if (p.help) {
    io.out(renderHelp(evalSpec, io.columns));
    return EXIT.ok;
  }
  const { text } = filterText(p, io);
  const recordsPath = str(p, 'records');
  if (recordsPath === undefined) throw new UsageError('eval: --records FILE.jsonl is needed');
  const { event } = await resolveEvent(p, io);
  const nrCpuIds = int(p, 'nr-cpus', { min: 1, max: 8192 }) ?? host.nrCpuIds();
  // kallsyms is read only when the filter names a function (.function predicates).
  const { dialect } = await chooseDialect(p, io, host);
  const env = { nrCpuIds, lookupSymbol: (s: string | bigint) => host.symbols()?.(s), dialect };
  const parsed = parseFilter(text, event, env);
  const json = flag(p, 'json');
  const name = `${event.system}/${event.name}`;
  if (!parsed.ok) {
    const notes = [...rejectionNotes(parsed.error, text), ...explainRejection(text, event, env)];
    if (json) {
      printRejection(io, [kernelDiagnostic(parsed.error)], { event: name, errno: parsed.error.errno, notes });
      return EXIT.rejected;
    }
    io.err(renderFilterFile(parsed.error));
    for (const line of notes) io.err(`tfc: ${line}\n`);
    return EXIT.rejected;
  }
  const records: { record: Uint8Array; ctx: EvalContext }[] = [];
  const lines = io.readText(recordsPath).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    const where = `${recordsPath === '-' ? '<stdin>' : recordsPath}:${i + 1}`;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (e) {
      throw new UsageError(`${where}: not JSON: ${(e as Error).message}`);
    }
    const r = recordFromJson(event, json);
    if (!r.ok) throw new UsageError(`${where}: ${r.error}`);
    records.push({ record: r.record, ctx: r.ctx });
  }
  const verdicts = records.map(({ record, ctx }) => (evaluate(parsed.filter, record, ctx) ? 1 : 0));
  if (json) {
    const accepted = verdicts.filter((v) => v === 1).length;
    printJson(io, { ok: true, event: name, records: verdicts.length, accepted, verdicts });
  } else io.out(verdicts.map((v) => `${v}\n`).join(''));
  return EXIT.ok;
}
