/*
 * `--kernel auto|live|PROFILE`: which kernel's filter dialect a command follows (check, eval, compile, apply).
 *   live     probe the running kernel (a few writes in a private tracefs instance, cached per boot);
 *   auto     live where tracefs answers, else the newest profile (the default);
 *   PROFILE  a named profile (`tfc check --kernel list` prints them), for a kernel you do not have.
 * Invariants: an unknown name, or `live` where the kernel cannot be probed, is a UsageError naming the reason;
 * notes about the probed kernel (an unknown build, behaviours not probed) go to stderr once, prefixed `tfc:`;
 * the dialect is resolved once per invocation (the Host memoizes it).
 */
import { type FilterDialect, NEWEST, PROFILES, profileByName, profileNames } from '@tfc/tracefs';
import type { Host } from '../host/index.ts';
import { type OptionSpec, type Parsed, str } from './args.ts';
import { type Io, UsageError } from './io.ts';

export const kernelOption: Readonly<Record<string, OptionSpec>> = { kernel: { type: 'string', short: 'k' } };

export const kernelOptionHelp = `  -k, --kernel K         the kernel whose filter dialect to follow: 'auto' (default: the running kernel
                         when tracefs answers, else the newest profile), 'live' (probe the running
                         kernel, fail if it cannot be probed), or a profile: ${profileNames().join(', ')}
                         ('--kernel list' describes them; check also takes '--kernel all': one line a profile)`;

export interface ChosenDialect {
  readonly dialect: FilterDialect;
  /** How it was chosen, for --verbose: `profile 5.15`, `probed: matches 6.18 (cached)`, … */
  readonly origin: string;
}

/** Prints the profile table for `--kernel list`. */
export function renderProfiles(): string {
  const rows = PROFILES.map(
    (p) =>
      `  ${p.name.padEnd(10)} ${p.kernel.padEnd(44)} ${p.basis === 'verified-live' ? 'verified live' : 'from source'}`,
  );
  return `kernel dialect profiles (newest first; docs/trace-filters.md lists what differs and why):\n${rows.join('\n')}\n`;
}

/** The dialect selected by --kernel (default auto). */
export async function chooseDialect(p: Parsed, io: Io, host: Host): Promise<ChosenDialect> {
  const spec = str(p, 'kernel') ?? 'auto';
  if (spec !== 'auto' && spec !== 'live') {
    const profile = profileByName(spec);
    if (profile === undefined)
      throw new UsageError(
        `--kernel: unknown kernel profile '${spec}'; known: auto, live, ${profileNames().join(', ')} ('--kernel list' describes them)`,
      );
    return { dialect: profile, origin: `profile ${profile.name} (${profile.kernel}, ${profile.basis})` };
  }
  const live = await host.liveDialect();
  if (!live.ok) {
    if (spec === 'live')
      throw new UsageError(`--kernel live: cannot probe the running kernel: ${live.reason}`);
    return {
      dialect: NEWEST,
      origin: `newest profile ${NEWEST.name} (running kernel not probed: ${live.reason})`,
    };
  }
  for (const note of live.notes) io.err(`tfc: kernel dialect: ${note}\n`);
  const how =
    live.matched !== null ? `matches profile ${live.matched}` : 'unknown build, following the probes';
  return {
    dialect: live.dialect,
    origin: `running kernel ${live.release} probed${live.cached ? ' (cached)' : ''}: ${how}`,
  };
}
