// SEAM: where the compiler's skb capture programs plug in. `tfc capture` asks this module for one program per
// hook (the session gives the hook, its index, the BTF layout, snaplen and the fds of the ring buffer and the
// lost counter). Today it returns the accept-all FIXTURE and the pcap filter runs in user space
// (./userspace-filter.ts). When `compileSkbCapture({ filter, layout, hook, hookIndex, snaplen })` lands, this
// function compiles `filter` for each request, links the program's ring buffer (and lost counter, if it keeps
// one) to the given fds, and `inKernel` becomes true so the command stops filtering in user space.
// Invariants: a source never creates kernel objects (the session does); an error names the hook.
import type { CaptureProgramSource } from '@tfc/kernel/skb';
import { fixtureProgram } from './fixture-program.ts';

export interface ProgramChoice {
  readonly source: CaptureProgramSource;
  /** True when the programs apply the pcap filter themselves (no user-space filtering needed). */
  readonly inKernel: boolean;
}

/** The capture programs for `filter` (the filter is unused while the fixture is in place). */
export function captureProgramSource(_filter: string): ProgramChoice {
  return { source: fixtureProgram, inKernel: false };
}
