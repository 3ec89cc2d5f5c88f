/*
 * Argument parsing for every command, on node:util's parseArgs (strict: unknown options are usage errors).
 * Invariants: a command's options are declared once, in its spec; `--help`/`-h` is accepted by every command;
 * errors are UsageError with a message that names the offending option.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './io.ts';

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
    throw new UsageError(`${spec.name}: ${message}`);
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const help = values.help === true;
  if (!help) {
    const n = parsed.positionals.length;
    if (n < spec.positionals.min)
      throw new UsageError(`${spec.name}: missing argument\nusage: ${spec.usage}`);
    if (n > spec.positionals.max)
      throw new UsageError(`${spec.name}: unexpected argument '${parsed.positionals[spec.positionals.max]}'`);
  }
  return { values, positionals: parsed.positionals, help };
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

export function renderHelp(spec: CommandSpec): string {
  return `usage: ${spec.usage}\n\n${spec.summary}\n\n${spec.help.trimEnd()}\n`;
}
