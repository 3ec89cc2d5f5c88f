/*
 * `tfc-filter/live`: what the library needs from the running machine, kept apart from the pure facade so that
 * importing `tfc-filter` never touches the kernel. Reading a live event's format (tracefs files), the machine's
 * nr_cpu_ids and kallsyms, probing the running kernel's filter dialect, the sk_buff layout and hooks from BTF, and
 * loading and test-running a compiled program through bpf(2) (koffi, loaded on first use: loadKoffiSyscalls says
 * why not where it cannot load). Invariant: re-exports only; every function here reads or changes the machine.
 */
export {
  type BpfProgram,
  loadKoffiSyscalls,
  loadProgram,
  nrCpuIds,
  type Syscalls,
  testRun,
} from '@tfc/kernel/sys';
export { readHostSymbols } from './host/kallsyms.ts';
export { type LiveDialect, probeLiveDialect } from './host/live-dialect.ts';
export { readKernelBtf, resolveSkbHook, skbLayoutFromBtf, VMLINUX_BTF } from './host/skb-layout.ts';
export { readLiveEvent } from './live-event.ts';
