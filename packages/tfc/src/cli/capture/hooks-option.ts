// Reading the running kernel's BTF for `tfc capture`: the hooks the user names (`--drops`, `--at`), the hook list
// (`--list-hooks`, with tracefs subsystems where tracefs is mounted), the struct layout and drop reason names.
// Invariants: BTF is read and parsed once per call; every failure is a UsageError in words (no BTF, an unknown
// hook, a hook without an skb argument); hook names are deduplicated in the order given.
import { readdirSync } from 'node:fs';
import type { SkbLayout } from '@tfc/codegen-bpf';
import { type DropReasonNames, dropReasonNames, type Hook, listHooks, resolveHook } from '@tfc/kernel/skb';
import type { BtfTable } from '@tfc/kernel/sys';
import { readKernelBtf as readBtf, skbLayoutFromBtf, VMLINUX_BTF } from '../../host/skb-layout.ts';
import { UsageError } from '../io.ts';

/** The running kernel's BTF (host/skb-layout.ts), or a UsageError saying capture needs it. */
export function readKernelBtf(path = VMLINUX_BTF): BtfTable {
  const r = readBtf(path);
  if (!r.ok) throw new UsageError(`capture needs the kernel's BTF (CONFIG_DEBUG_INFO_BTF): ${r.error}`);
  return r.value;
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

/** The sk_buff layout the compiled programs read (host/skb-layout.ts, the one layout reader). */
export function layoutOf(table: BtfTable): SkbLayout {
  const l = skbLayoutFromBtf(table);
  if (!l.ok) throw new UsageError(`cannot capture on this kernel: ${l.error}`);
  return l.value;
}

export function reasonsOf(table: BtfTable): DropReasonNames {
  return dropReasonNames(table);
}
