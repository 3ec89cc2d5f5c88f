/*
 * The facts about the running machine that the CLI feeds into pure library calls: nr_cpu_ids, kallsyms, the
 * kernel's filter dialect, its eBPF features (may_goto). Invariant: a Host is created once per CLI invocation and passed explicitly; each fact
 * is read at most once, on first use, so commands that don't need kallsyms never read it and commands that name a
 * profile never probe the kernel.
 */

import { type BpfFeaturesProbe, nrCpuIds, probeBpfFeatures } from '@tfc/kernel/sys';
import type { ProbedDialect, SymbolLookup } from '@tfc/tracefs';
import { readHostSymbols } from './kallsyms.ts';
import { type LiveDialect, probeLiveDialect } from './live-dialect.ts';

export interface Host {
  readonly nrCpuIds: () => number;
  readonly symbols: () => SymbolLookup | undefined;
  /** The running kernel's dialect (probed once, cached per boot), or why it cannot be probed. */
  readonly liveDialect: () => Promise<LiveDialect>;
  /** The running kernel's eBPF features (a may_goto program loaded once), or why they cannot be probed; a Host
   *  without it (tests) probes nothing. */
  readonly bpfFeatures?: () => BpfFeaturesProbe;
}

export type { LiveDialect, ProbedDialect };

export function createHost(): Host {
  let cpus: number | undefined;
  let syms: { v: SymbolLookup | undefined } | undefined;
  let dialect: Promise<LiveDialect> | undefined;
  let features: BpfFeaturesProbe | undefined;
  return {
    nrCpuIds: () => {
      cpus ??= nrCpuIds();
      return cpus;
    },
    symbols: () => {
      syms ??= { v: readHostSymbols() };
      return syms.v;
    },
    liveDialect: () => {
      dialect ??= probeLiveDialect();
      return dialect;
    },
    bpfFeatures: () => {
      features ??= probeBpfFeatures();
      return features;
    },
  };
}
