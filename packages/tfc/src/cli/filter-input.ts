/*
 * Where a command's filter text comes from: the first positional argument, or --filter-file FILE ('-' = stdin).
 * Invariant: the text is passed on byte-for-byte (the kernel strips trailing whitespace itself; so does the parser);
 * a filter file that is not UTF-8 is refused rather than passed on with replacement characters.
 */
import { type Parsed, str } from './args.ts';
import { type Io, UsageError } from './io.ts';

export const filterFileOption = { 'filter-file': { type: 'string' } } as const;
export const filterFileHelp = `      --filter-file FILE read the filter from FILE ('-' for standard input) instead of the argument`;

export function filterText(p: Parsed, io: Io): { text: string; rest: readonly string[] } {
  const file = str(p, 'filter-file');
  if (file !== undefined) return { text: io.readText(file, { strictUtf8: true }), rest: p.positionals };
  const [first, ...rest] = p.positionals;
  if (first === undefined)
    throw new UsageError('a filter is needed (as the first argument or with --filter-file)');
  return { text: first, rest };
}
