// @tfc/kernel: the Linux side. bpf(2), perf events, sockets and libpcap through koffi (./sys),
// tracefs control and the uprobe oracle (./tracefs), tfc programs on live tracepoints (./tracepoint), raw tracepoint
// programs (./raw). The compiler never imports this package.

export * from './raw/index.ts';
export * from './sys/index.ts';
export * from './tracefs/index.ts';
export * from './tracepoint/index.ts';
