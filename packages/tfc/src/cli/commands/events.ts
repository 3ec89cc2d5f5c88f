/*
 * `tfc events [PREFIX]` lists known trace events; `tfc format SYS/NAME` shows one event's fields as tfc sees them.
 * Invariants: listings are sorted and deterministic; `format` prints the classification the filter language uses
 * (kind per spec §4.2), so a user can see why `comm ~ "*sh"` or a `u8[4]` field behaves as it does; --json prints
 * either as one object (json-output.ts).
 */
import { bundledEventNames, bundledKernelRelease } from '@tfc/tracefs';
import { type CommandSpec, flag, parseCommandArgs, renderHelp } from '../args.ts';
import { eventOptions, eventOptionsHelp, resolveEvent } from '../event-source.ts';
import { EXIT, type Io } from '../io.ts';
import { jsonHelp, jsonOption, printJson } from '../json-output.ts';
import { didYouMean } from '../suggest.ts';

export const eventsSpec: CommandSpec = {
  name: 'events',
  summary: "Lists the trace events of tfc's bundled snapshot (all events of a Linux 6.18 kernel).",
  usage: 'tfc events [PREFIX] [--json]',
  options: { ...jsonOption },
  positionals: { min: 0, max: 1 },
  help: `options:
  PREFIX                 only the events whose SYS/NAME starts with PREFIX (e.g. sock/ or sched/sched_)
${jsonHelp}

exit status: 0 events listed, 1 no event starts with PREFIX, 2 usage error.

examples:
  $ tfc events sock/
  sock/inet_sk_error_report
  sock/inet_sock_set_state
  ...
`,
};

export function runEvents(argv: readonly string[], io: Io): number {
  const p = parseCommandArgs(eventsSpec, argv);
  if (p.help) {
    io.out(renderHelp(eventsSpec, io.columns));
    return EXIT.ok;
  }
  const prefix = p.positionals[0] ?? '';
  const names = bundledEventNames().filter((n) => n.startsWith(prefix));
  if (flag(p, 'json')) printJson(io, { kernel: bundledKernelRelease(), events: names });
  if (names.length === 0) {
    // Compared with every name cut to the prefix's length: the suggestion is a prefix that lists events.
    const prefixes = bundledEventNames().map((n) => n.slice(0, prefix.length));
    io.err(
      `tfc: no bundled event starts with '${prefix}' (snapshot of Linux ${bundledKernelRelease()})${didYouMean(prefix, prefixes)}\n`,
    );
    return EXIT.rejected;
  }
  if (!flag(p, 'json')) io.out(`${names.join('\n')}\n`);
  return EXIT.ok;
}

export const formatSpec: CommandSpec = {
  name: 'format',
  summary:
    'Shows the fields of a trace event: offset, size, signedness, type and the kind the filter language gives it.',
  usage: 'tfc format (--event SYS/NAME | --format FILE) [--source auto|live|bundled] [--json]',
  options: { ...eventOptions, ...jsonOption },
  positionals: { min: 0, max: 1 },
  help: `options:
${eventOptionsHelp}
${jsonHelp}

exit status: 0 fields printed, 2 usage error (no such event, unreadable or malformed format file).

example:
  $ tfc format --event sched/sched_process_exec
`,
};

export async function runFormat(argv: readonly string[], io: Io): Promise<number> {
  const p0 = parseCommandArgs(formatSpec, argv);
  if (p0.help) {
    io.out(renderHelp(formatSpec, io.columns));
    return EXIT.ok;
  }
  // `tfc format SYS/NAME` is accepted as a shorthand for --event SYS/NAME.
  const positional = p0.positionals[0];
  const p = positional === undefined ? p0 : { ...p0, values: { ...p0.values, event: positional } };
  const { event, origin } = await resolveEvent(p, io);
  if (flag(p, 'json')) {
    const fields = event.fields.map((f) => ({
      name: f.name,
      type: f.type,
      offset: f.offset,
      size: f.size,
      signed: f.signed,
      kind: f.kind,
    }));
    printJson(io, { event: `${event.system}/${event.name}`, id: event.id, source: origin, fields });
    return EXIT.ok;
  }
  const rows = event.fields.map((f) => [
    String(f.offset),
    String(f.size),
    f.signed ? 's' : 'u',
    f.kind,
    f.name,
    f.type,
  ]);
  const head = ['offset', 'size', 'sign', 'kind', 'name', 'type'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (i < 3 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  io.out(
    `${event.system}/${event.name}  id ${event.id}  (${origin})\n${line(head)}\n${rows.map(line).join('\n')}\n`,
  );
  return EXIT.ok;
}
