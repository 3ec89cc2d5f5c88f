/*
 * Argument parsing for every command, on node:util's parseArgs (strict: unknown options are usage errors).
 * Invariants: a command's options are declared once, in its spec (completion and the man page read the same
 * tables); `--help`/`-h` is accepted by every command; errors are UsageError with a message that names the
 * offending option (and the closest known ones: "did you mean"). A pcap filter may be given as several words, as
 * tcpdump takes it: they are joined with single spaces into the one filter argument (commands whose spec says
 * pcapWords 'always', and commands with a --lang option when it is pcap); trace filters stay one argument.
 */
import { parseArgs } from 'node:util';
import { fitLines } from './help-text.ts';
import { UsageError } from './io.ts';
import { didYouMean } from './suggest.ts';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
}

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  /** The body of `--help` after the usage line: options, then worked examples. */
  readonly help: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly positionals: { readonly min: number; readonly max: number };
  /**
   * The filter is a pcap filter whose words may come unquoted (`tfc capture tcp port 80`): 'always', or (the
   * default for a spec with a `lang` option) only with `--lang pcap`.
   */
  readonly pcapWords?: 'always' | 'never';
}

/** Does this invocation take a pcap filter as several words (tcpdump's copy_argv)? */
function joinsPcapWords(spec: CommandSpec, values: Readonly<Record<string, unknown>>): boolean {
  if (spec.pcapWords !== undefined) return spec.pcapWords === 'always';
  return spec.options.lang !== undefined && values.lang === 'pcap';
}

/** An unknown option's message with the closest option names of the command. */
function unknownOption(spec: CommandSpec, message: string): string {
  const m = /^Unknown option '(--[^']*)'/.exec(message);
  if (!m) return message;
  const typed = (m[1] as string).slice(2);
  const names = ['help', ...Object.keys(spec.options)];
  return `Unknown option '--${typed}'${didYouMean(typed, names).replace(/'([^']+)'/g, "'--$1'")}`;
}

export interface Parsed {
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly positionals: readonly string[];
  readonly help: boolean;
}

export function parseCommandArgs(spec: CommandSpec, argv: readonly string[]): Parsed {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [k, v] of Object.entries(spec.options)) {
    options[k] = {
      type: v.type,
      ...(v.short ? { short: v.short } : {}),
      ...(v.multiple ? { multiple: true } : {}),
    };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (e) {
    const message = (e as Error).message
      .replace(/\s*\n\s*/g, ' ')
      .replace(/\. To specify a positional.*$/s, '');
    throw new UsageError(`${spec.name}: ${unknownOption(spec, message)}`);
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const help = values.help === true;
  // tcpdump's copy_argv: the words after the options, joined with single spaces, are the filter.
  const positionals =
    joinsPcapWords(spec, values) && parsed.positionals.length > 1
      ? [parsed.positionals.join(' ')]
      : parsed.positionals;
  if (!help) {
    const n = positionals.length;
    if (n < spec.positionals.min)
      throw new UsageError(`${spec.name}: missing argument\nusage: ${spec.usage}`);
    if (n > spec.positionals.max)
      throw new UsageError(
        `${spec.name}: unexpected argument '${positionals[spec.positionals.max]}'${spec.options.lang !== undefined ? ' (a trace event filter is one argument: quote it; pcap filters, with --lang pcap, may come as several words)' : ''}`,
      );
  }
  return { values, positionals, help };
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function flag(p: Parsed, name: string): boolean {
  return p.values[name] === true;
}

export function int(p: Parsed, name: string, range: { min: number; max: number }): number | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} takes a whole number, got '${v}'`);
  const n = Number(v);
  if (n < range.min || n > range.max)
    throw new UsageError(`--${name} must be between ${range.min} and ${range.max}`);
  return n;
}

/** Columns command help is fitted to when the terminal's width is not known (pipes, files, tests). */
export const HELP_WIDTH = 100;

/** `--help` of a command, fitted to `width` columns (the terminal's, when stdout is one). */
export function renderHelp(spec: CommandSpec, width: number = HELP_WIDTH): string {
  return `${fitLines(`usage: ${spec.usage}\n\n${spec.summary}\n\n${spec.help.trimEnd()}`, Math.max(60, width))}\n`;
}
