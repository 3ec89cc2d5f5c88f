/*
 * `tfc dissector [--event SYS/NAME ...|--format FILE ...|--all] -o tfc_trace.lua`: a Wireshark Lua dissector for tfc
 * trace frames (EtherType 0x88B5) whose display filters name the record fields (`tfc.sock.inet_sock_set_state.family`).
 * Invariants: the events are resolved as every command resolves them (live tracefs first, then the bundled
 * snapshot; --format files as given); --all is every event of the running kernel (live tracefs, probed first) or of
 * the bundled snapshot; the generator (@tfc/live) is pure, so the same formats give the same bytes; the script is
 * written whole or not at all (stdout without -o); a summary goes to stderr.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { findTracefsRoot, probeTracefs } from '@tfc/kernel/tracefs';
import { generateDissector } from '@tfc/live';
import { bundledEvent, bundledEventNames, bundledKernelRelease, type EventFormat } from '@tfc/tracefs';
import { readLiveEvent } from '../../live-event.ts';
import { type CommandSpec, flag, type Parsed, parseCommandArgs, renderHelp, str } from '../args.ts';
import { resolveEvent } from '../event-source.ts';
import { EXIT, type Io, UsageError } from '../io.ts';
import { writeOutput } from '../output.ts';

export const dissectorSpec: CommandSpec = {
  name: 'dissector',
  summary: 'Writes a Wireshark Lua dissector for tfc trace frames (fields as tfc.SYS.NAME.FIELD).',
  usage: 'tfc dissector (--event SYS/NAME ... | --format FILE ... | --all) [-o tfc_trace.lua]',
  options: {
    event: { type: 'string', short: 'e', multiple: true },
    format: { type: 'string', short: 'f', multiple: true },
    all: { type: 'boolean' },
    source: { type: 'string' },
    output: { type: 'string', short: 'o' },
  },
  positionals: { min: 0, max: 0 },
  help: `options:
  -e, --event SYS/NAME   an event to dissect (repeatable); its format is read from /sys/kernel/tracing when the
                         running kernel has it, else from tfc's bundled snapshot of a Linux 6.18 kernel
  -f, --format FILE      a saved tracefs 'format' file (repeatable)
      --all              every event: of the running kernel when tracefs answers, else of the bundled snapshot
      --source S         'live', 'bundled' or 'auto' (default): where --event and --all read formats
  -o, --output FILE      the Lua script (default: standard output)

exit status: 0 written, 2 usage error (unknown event, bad format file, clashing event ids).

Event ids differ between kernels and boots: generate the dissector on the machine that traces (or from its
format files). Fields: tfc.hdr.* (trace header), tfc.event, tfc.SYS.NAME (the event), tfc.common_* and
tfc.SYS.NAME.FIELD; integers signed or unsigned as the format says, pointers in hex, char[N] and __data_loc
strings as text, array elements repeated. docs/wireshark.md has the details.

example:
  $ tfc dissector --event sock/inet_sock_set_state -o tfc_trace.lua
  $ tshark -X lua_script:tfc_trace.lua -r sock.pcapng \\
      -Y 'tfc.sock.inet_sock_set_state.family == 2 && tfc.sock.inet_sock_set_state.protocol == 6'
`,
};

const list = (p: Parsed, key: string): string[] => {
  const v = p.values[key];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
};

function bundledAll(): EventFormat[] {
  return bundledEventNames().map((n) => {
    const [system, name] = n.split('/') as [string, string];
    return bundledEvent(system, name) as EventFormat;
  });
}

/** Every event of the running kernel, or a reason why not. */
async function liveAll(): Promise<{ events: EventFormat[] } | string> {
  const root = findTracefsRoot();
  if (!root.ok) return root.error;
  const stuck = await probeTracefs(root.root, 3000);
  if (stuck) return stuck.reason;
  const events: EventFormat[] = [];
  const dir = join(root.root, 'events');
  let systems: string[];
  try {
    systems = readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch (e) {
    return `cannot list ${dir}: ${(e as Error).message}`;
  }
  for (const system of systems.sort()) {
    let names: string[];
    try {
      names = readdirSync(join(dir, system), { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      const r = readLiveEvent(system, name, { root: root.root });
      if (r.ok) events.push(r.event);
    }
  }
  return events.length > 0 ? { events } : `no event formats under ${dir}`;
}

export async function runDissector(argv: readonly string[], io: Io): Promise<number> {
  const p = parseCommandArgs(dissectorSpec, argv);
  if (p.help) {
    io.out(renderHelp(dissectorSpec, io.columns));
    return EXIT.ok;
  }
  const source = str(p, 'source') ?? 'auto';
  if (source !== 'auto' && source !== 'live' && source !== 'bundled')
    throw new UsageError(`--source must be auto, live or bundled, got '${source}'`);
  const specs = list(p, 'event');
  const files = list(p, 'format');
  const all = flag(p, 'all');
  if (all && specs.length + files.length > 0)
    throw new UsageError('dissector: --all covers every event; give it without --event or --format');
  if (!all && specs.length + files.length === 0)
    throw new UsageError('dissector: events are needed: --event SYS/NAME, --format FILE or --all');
  const events: EventFormat[] = [];
  let origin: string;
  if (all) {
    const live = source === 'bundled' ? 'not asked for' : await liveAll();
    if (typeof live !== 'string') {
      events.push(...live.events);
      origin = 'live tracefs';
    } else {
      if (source === 'live') throw new UsageError(`dissector: live tracefs: ${live}`);
      events.push(...bundledAll());
      origin = `bundled snapshot, Linux ${bundledKernelRelease()}`;
    }
  } else {
    const origins = new Set<string>();
    for (const e of specs) {
      const r = await resolveEvent({ values: { event: e, source }, positionals: [], help: false }, io);
      events.push(r.event);
      origins.add(r.origin);
    }
    for (const f of files) {
      const r = await resolveEvent({ values: { format: f }, positionals: [], help: false }, io);
      events.push(r.event);
      origins.add('format files');
    }
    origin = [...origins].join('; ');
  }
  const g = generateDissector(events, { source: origin });
  if (!g.ok) throw new UsageError(`dissector: ${g.error}`);
  writeOutput(io, g.text, str(p, 'output'), 'the dissector');
  io.err(
    `tfc dissector: ${g.names.size} event${g.names.size === 1 ? '' : 's'}, ${g.fieldCount} fields (${origin}), ${g.text.length} bytes\n`,
  );
  return EXIT.ok;
}
