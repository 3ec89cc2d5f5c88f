// @tfc/kernel/sys: the kernel side of BPF — bpf(2), perf tracepoint attach, classic BPF sockets and
// libpcap, all behind the injectable `Syscalls` seam. Invariants: inputs are plain bytes (no @tfc/bpf
// types); every kernel object is a handle closed exactly once; failures are values, never throws.
export * from './attr.ts';
export * from './bpf-constants.ts';
export * from './bpf-features.ts';
export * from './btf.ts';
export * from './errno.ts';
export * from './fake-syscalls.ts';
export * from './fd.ts';
export * from './features.ts';
export * from './koffi-syscalls.ts';
export * from './libpcap.ts';
export * from './libpcap-meta.ts';
export * from './map.ts';
export * from './obj.ts';
export * from './packet-socket.ts';
export * from './perf.ts';
export * from './perf-count.ts';
export * from './perf-records.ts';
export * from './perf-ring.ts';
export * from './prog.ts';
export * from './result.ts';
export * from './socket-filter.ts';
export * from './syscalls.ts';
export * from './tap.ts';
