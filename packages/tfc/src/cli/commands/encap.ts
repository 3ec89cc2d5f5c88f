/*
 * `tfc encap --event E --records FILE.jsonl -o out.pcap`: trace event records as tfc trace frames in a capture file
 * (link type Ethernet), so tcpdump, Wireshark and network filters can work on them.
 * Invariants: every record line is checked before anything is written (bad lines are listed as FILE:LINE, exit 2);
 * the output is deterministic (record i has timestamp i µs unless the line gives "@ts" in ns) and written whole or
 * not at all; binary output only to a file; pcapng as @tfc/live's trace captures (event comments, statistics).
 */

import { writePcap, writeTracePcapng } from '@tfc/live';
import { encapJsonLines } from '@tfc/tracefs';
import { type CommandSpec, flag, parseCommandArgs, renderHelp, str } from '../args.ts';
import { eventOptions, eventOptionsHelp, resolveEvent } from '../event-source.ts';
import { EXIT, type Io, UsageError } from '../io.ts';
import { writeOutput } from '../output.ts';

export const encapSpec: CommandSpec = {
  name: 'encap',
  summary: 'Writes trace event records as Ethernet frames (tfc trace frames) to a pcap or pcapng file.',
  usage: 'tfc encap (--event SYS/NAME | --format FILE) --records FILE.jsonl -o OUT.pcap [--pcapng]',
  options: {
    ...eventOptions,
    records: { type: 'string', short: 'r' },
    output: { type: 'string', short: 'o' },
    pcapng: { type: 'boolean' },
  },
  positionals: { min: 0, max: 0 },
  help: `options:
${eventOptionsHelp}
  -r, --records FILE     JSON lines as for 'tfc eval' ('-' for standard input); "@ts": nanoseconds sets a
                         record's timestamp (default: its index in microseconds)
  -o, --output FILE      the capture file (required; written whole or not at all)
      --pcapng           write pcapng instead of pcap (both with nanosecond timestamps): each frame's
                         comment names the event, a statistics block counts frames per CPU and event

exit status: 0 written, 2 usage error or a bad record (FILE:LINE: reason; nothing is written).

Frame layout: Ethernet (EtherType 0x88b5), a 40-byte trace header (version, flags, event id, cpu, timestamp,
record length, sequence, comm), then the record exactly as the kernel lays it out.

example:
  $ tfc encap --event sock/inet_sock_set_state --records examples/sock-records.jsonl -o sock.pcap
  $ tcpdump -r sock.pcap -xx
`,
};

export async function runEncap(argv: readonly string[], io: Io): Promise<number> {
  const p = parseCommandArgs(encapSpec, argv);
  if (p.help) {
    io.out(renderHelp(encapSpec, io.columns));
    return EXIT.ok;
  }
  const records = str(p, 'records');
  if (records === undefined) throw new UsageError('encap: --records FILE.jsonl is needed');
  const output = str(p, 'output');
  if (output === undefined) throw new UsageError('encap: -o FILE is needed (a capture file is binary)');
  const { event } = await resolveEvent(p, io);
  const r = encapJsonLines(event, io.readText(records));
  if (!r.ok) {
    const where = records === '-' ? '<stdin>' : records;
    throw new UsageError(r.diagnostics.map((d) => `${where}:${d.line}: ${d.message}`).join('\n'));
  }
  const eventName = `${event.system}:${event.name}`;
  writeOutput(
    io,
    flag(p, 'pcapng')
      ? writeTracePcapng([{ description: `tfc encap: ${eventName} records`, frames: r.frames }], (id) =>
          id === event.id ? eventName : undefined,
        )
      : writePcap(r.frames, { linkType: r.linkType, precision: 'nsec' }),
    output,
    'the capture',
  );
  return EXIT.ok;
}
