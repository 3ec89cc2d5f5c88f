/*
 * Where a command's filter text comes from: the first positional argument, --filter-file FILE ('-' = stdin), or,
 * for pcap filters, -F FILE as tcpdump reads it.
 * Invariants: the argument and --filter-file text are passed on byte-for-byte (the kernel strips trailing
 * whitespace itself; so does the parser); -F FILE replaces every `#` and what follows it on its line with spaces,
 * as tcpdump's read_infile does (so positions in the file stay where they were), and is refused for trace event
 * filters and together with a filter argument; a filter file that is not UTF-8 is refused rather than passed on
 * with replacement characters.
 */
import { type Parsed, str } from './args.ts';
import { type Io, UsageError } from './io.ts';

export const filterFileOption = { 'filter-file': { type: 'string' } } as const;
export const filterFileHelp = `      --filter-file FILE read the filter from FILE ('-' for standard input) instead of the argument`;

/** tcpdump's -F, for commands that take pcap filters. */
export const pcapFileOption = { 'expression-file': { type: 'string', short: 'F' } } as const;
export const pcapFileHelp = `  -F, --expression-file FILE
                         pcap filters: read the filter from FILE as tcpdump -F does ('#' to the end of
                         a line is a comment); without it the filter's words may also come unquoted
                         (tfc compile --lang pcap tcp dst port 80), joined with spaces as tcpdump joins them`;

/** tcpdump's read_infile: each `#` and the rest of its line become spaces (one per byte, positions kept). */
export function stripPcapComments(text: string): string {
  return text.replace(/#[^\n]*/g, (c) => ' '.repeat(Buffer.byteLength(c)));
}

export function filterText(
  p: Parsed,
  io: Io,
  opts: { readonly pcap?: boolean } = {},
): { text: string; rest: readonly string[] } {
  const file = str(p, 'filter-file');
  const expressionFile = str(p, 'expression-file');
  if (expressionFile !== undefined) {
    if (!(opts.pcap ?? p.values.lang === 'pcap'))
      throw new UsageError(
        '-F reads a pcap filter (with --lang pcap); read a trace event filter from a file with --filter-file FILE',
      );
    if (file !== undefined) throw new UsageError('give -F FILE or --filter-file FILE, not both');
    if (p.positionals.length > 0)
      throw new UsageError(
        `give the filter with -F FILE or as arguments, not both (got '${p.positionals[0]}' too)`,
      );
    return { text: stripPcapComments(io.readText(expressionFile, { strictUtf8: true })), rest: [] };
  }
  if (file !== undefined) return { text: io.readText(file, { strictUtf8: true }), rest: p.positionals };
  const [first, ...rest] = p.positionals;
  if (first === undefined)
    throw new UsageError('a filter is needed (as the first argument or with --filter-file)');
  return { text: first, rest };
}
