/*
 * The facts about the running machine that the CLI feeds into pure library calls: nr_cpu_ids, kallsyms.
 * Invariant: a Host is created once per CLI invocation and passed explicitly; each fact is read at most once,
 * on first use, so commands that don't need kallsyms never read it.
 */

import { nrCpuIds } from '@tfc/kernel/sys';
import type { SymbolLookup } from '@tfc/tracefs';
import { readHostSymbols } from './kallsyms.ts';

export interface Host {
  readonly nrCpuIds: () => number;
  readonly symbols: () => SymbolLookup | undefined;
}

export function createHost(): Host {
  let cpus: number | undefined;
  let syms: { v: SymbolLookup | undefined } | undefined;
  return {
    nrCpuIds: () => {
      cpus ??= nrCpuIds();
      return cpus;
    },
    symbols: () => {
      syms ??= { v: readHostSymbols() };
      return syms.v;
    },
  };
}
