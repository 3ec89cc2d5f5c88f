/*
 * The text of `tfc --help` (and the man page's NAME/DESCRIPTION): what tfc is, how to call it, the commands with
 * their whole summaries wrapped at 80 columns (never cut mid-sentence), and examples.
 * Invariant: generated from the command table; no line longer than 80 columns unless one word is.
 */
import { table } from './help-text.ts';

export const TAGLINE = 'compiles Linux trace event filters and pcap filters';

export const INTRO = `tfc compiles Linux trace event filters and pcap filters into eBPF, classic BPF, tc and P4, deciding exactly what the kernel's interpreter (or libpcap) decides.`;

export const TOP_EXAMPLES = [
  "tfc check 'family == 2 && protocol == 6' --event sock/inet_sock_set_state",
  'tfc compile --lang pcap tcp dst port 80 --target cbpf',
  "tfc compile 'family == 2 && protocol == 6' --target tc --json",
  'tfc completion bash > ~/.local/share/bash-completion/completions/tfc',
];

export function renderTopHelp(
  commands: readonly { readonly name: string; readonly summary: string }[],
  version: string,
): string {
  return `tfc ${version}: ${TAGLINE}
into eBPF, classic BPF, tc and P4, deciding exactly what the kernel's
interpreter (or libpcap) decides.

usage: tfc COMMAND [ARGS]   (tfc COMMAND --help for details)

commands:
${table(
  commands.map((c) => [c.name, c.summary]),
  80,
)}

examples:
${TOP_EXAMPLES.map((e) => `  $ ${e}`).join('\n')}
`;
}
