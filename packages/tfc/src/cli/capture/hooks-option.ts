// Reading the running kernel's BTF for `tfc capture`: the hooks the user names (`--drops`, `--at`), the hook list
// (`--list-hooks`, with tracefs subsystems where tracefs is mounted), the struct layout and drop reason names.
// Invariants: BTF is read and parsed once per call; every failure is a UsageError in words (no BTF, an unknown
// hook, a hook without an skb argument); hook names are deduplicated in the order given.
import { readdirSync, readFileSync } from 'node:fs';
import {
  type BtfTable,
  type DropReasonNames,
  dropReasonNames,
  type Hook,
  listHooks,
  parseBtf,
  resolveHook,
  type SkbLayout,
  skbLayout,
} from '@tfc/kernel/skb';
import { UsageError } from '../io.ts';

export const VMLINUX_BTF = '/sys/kernel/btf/vmlinux';

export function readKernelBtf(path = VMLINUX_BTF): BtfTable {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new UsageError(
      `capture needs the kernel's BTF (${path}): ${(e as NodeJS.ErrnoException).code ?? 'unreadable'} (CONFIG_DEBUG_INFO_BTF)`,
    );
  }
  const r = parseBtf(bytes);
  if (!r.ok) throw new UsageError(`cannot read ${path}: ${r.error}`);
  return r.table;
}

/** Tracepoint name → tracefs subsystem, from the events directory (empty when tracefs is not there). */
export function tracepointSystems(root = '/sys/kernel/tracing'): Map<string, string> {
  const out = new Map<string, string>();
  let systems: string[] = [];
  try {
    systems = readdirSync(`${root}/events`, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    return out;
  }
  for (const s of systems) {
    try {
      for (const e of readdirSync(`${root}/events/${s}`, { withFileTypes: true }))
        if (e.isDirectory() && !out.has(e.name)) out.set(e.name, s);
    } catch {}
  }
  return out;
}

/** The hooks named by --drops and --at (comma-separated, repeatable), in order, without repeats. */
export function selectHooks(table: BtfTable, drops: boolean, at: readonly string[]): Hook[] {
  const names = [...(drops ? ['skb/kfree_skb'] : []), ...at.flatMap((a) => a.split(','))].map((s) =>
    s.trim(),
  );
  if (names.some((n) => n === ''))
    throw new UsageError('--at takes HOOK[,HOOK...] (an empty hook name was given)');
  const out: Hook[] = [];
  for (const n of names) {
    const r = resolveHook(table, n);
    if (!r.ok) throw new UsageError(`--at ${n}: ${r.error}`);
    if (!out.some((h) => h.name === r.hook.name)) out.push(r.hook);
  }
  if (out.length > 64) throw new UsageError(`at most 64 hooks, ${out.length} given`);
  return out;
}

export function hookList(table: BtfTable): string {
  const hooks = listHooks(table, { systems: tracepointSystems(), functions: true });
  const lines = hooks.map((h) => {
    const args = [`skb=arg${h.skbArg}`];
    if (h.reasonArg !== undefined) args.push(`reason=arg${h.reasonArg}`);
    if (h.locationArg !== undefined) args.push(`location=arg${h.locationArg}`);
    return `${h.name.padEnd(48)} ${h.kind.padEnd(7)} ${args.join(' ')}`;
  });
  return `${lines.join('\n')}\n`;
}

export function layoutOf(table: BtfTable): SkbLayout {
  const l = skbLayout(table);
  if (!l.ok) throw new UsageError(`cannot capture on this kernel: ${l.error}`);
  return l.layout;
}

export function reasonsOf(table: BtfTable): DropReasonNames {
  return dropReasonNames(table);
}
