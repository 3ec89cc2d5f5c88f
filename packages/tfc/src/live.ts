/*
 * `tfc-filter/live`: what the library needs from the running machine, kept apart from the pure facade so that
 * importing `tfc-filter` never touches the kernel. Reading a live event's format (tracefs files), the machine's
 * nr_cpu_ids and kallsyms, probing the running kernel's filter dialect, the sk_buff layout and hooks from BTF, and
 * loading and test-running a compiled program through bpf(2) (koffi, loaded on first use: loadKoffiSyscalls says
 * why not where it cannot load). Invariant: re-exports only; every function here reads or changes the machine.
 */
// biome-ignore-all assist/source/organizeImports: one export statement per re-exported symbol, each with its TSDoc comment (typedoc reads a comment on the export statement, not on a specifier in a list)

/** A loaded BPF program: its fd, and dispose() to close it. */
export type { BpfProgram } from '@tfc/kernel/sys';
/** The bpf(2) and friends, through koffi: what loadProgram and testRun call. */
export type { Syscalls } from '@tfc/kernel/sys';
/** Loads koffi and binds the system calls, or says why it cannot (no koffi for this platform, not Linux). */
export { loadKoffiSyscalls } from '@tfc/kernel/sys';
/** Loads a program (BPF_PROG_LOAD): its type, instructions (`program.bytes`), license; the verifier log on failure. */
export { loadProgram } from '@tfc/kernel/sys';
/** nr_cpu_ids of this machine (/sys/devices/system/cpu/possible), for compile's `nrCpuIds`. */
export { nrCpuIds } from '@tfc/kernel/sys';
/** Runs a loaded program once on a frame or packet (BPF_PROG_TEST_RUN): its return value and output. */
export { testRun } from '@tfc/kernel/sys';
export { type LiveDialect, probeLiveDialect } from './host/live-dialect.ts';
/** The running kernel's eBPF features for compile's `bpfFeatures` (may_goto: a probe program loaded, else the
 *  release number 6.9+), or undefined when neither answers. */
export { type RunningFeatures, runningBpfFeatures } from './host/bpf-features.ts';
export { readHostSymbols } from './host/kallsyms.ts';
export {
  type Fact,
  readKernelBtf,
  resolveSkbHook,
  skbLayoutFromBtf,
  VMLINUX_BTF,
} from './host/skb-layout.ts';
export { readLiveEvent } from './live-event.ts';
/** The pcap names database of the five files under `dir` (default /etc; never DNS), for compile's `names`. */
export { readPcapNames } from './host/pcap-names.ts';
/** What readPcapNames gives: the database, or why the directory could not be read. */
export type { NamesRead } from './host/pcap-names.ts';
export { readLiveEvents } from './live-events.ts';
