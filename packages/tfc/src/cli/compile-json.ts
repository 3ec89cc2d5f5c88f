/*
 * `tfc compile --json`: the output of every target as JSON. tc, u32, flower and tc-bpf print the batch as one
 * object (tcBatchJson); ebpf and cbpf mean `--emit json`, p4 `--emit entries-json` (another --emit is a usage
 * error); a rejected filter is reported as JSON diagnostics (pcap-diagnostics.ts, json-output.ts).
 * Invariant: without --json the invocation is returned unchanged.
 */
import { flag, type Parsed, str } from './args.ts';
import { type Io, UsageError } from './io.ts';
import { withJson } from './json-output.ts';

const TC_TARGETS = ['tc', 'u32', 'flower', 'tc-bpf'];

export function compileJsonMode(p: Parsed, io: Io): { readonly p: Parsed; readonly io: Io } {
  if (!flag(p, 'json')) return { p, io };
  const target = str(p, 'target') ?? (str(p, 'lang') === 'pcap' ? 'cbpf' : 'ebpf');
  if (TC_TARGETS.includes(target)) return { p, io: withJson(io, true) };
  const emit = target === 'p4' ? 'entries-json' : 'json';
  const given = str(p, 'emit');
  if (given !== undefined && given !== emit)
    throw new UsageError(`--json prints --emit ${emit} for --target ${target}; not --emit ${given}`);
  return { p: { ...p, values: { ...p.values, emit } }, io: withJson(io, true) };
}

/** What `tfc compile --target tc|u32|flower|tc-bpf --json` prints: the batch and how it was chosen. */
export function tcBatchJson(r: {
  readonly target: string;
  readonly backend: string;
  readonly why: readonly string[];
  readonly dev: string;
  readonly direction: string;
  readonly prio: number;
  readonly commands: readonly string[];
  readonly notes: readonly string[];
  readonly covered?: readonly string[];
}): object {
  return {
    ok: true,
    target: r.target,
    backend: r.backend,
    why: r.why,
    dev: r.dev,
    direction: r.direction,
    prio: r.prio,
    commands: r.commands,
    notes: r.notes,
    ...(r.covered !== undefined ? { covered: r.covered } : {}),
  };
}
