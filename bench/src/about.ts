/*
 * What a suite's table in docs/benchmarks.md means, where the table alone cannot say it: the method, the reference
 * and its exact invocation. Invariants: plain Markdown printed under the suite's heading by `markdownReport`, the
 * same text on every run (no figures here: figures come from the rows of the run); a suite without an entry gets
 * its table alone. No ```sh blocks (docs.test.ts would run their `$ tfc` lines): examples are ```console.
 */
export const ABOUT: Readonly<Record<string, string>> = {
  kernel: `What filtering one trace event hit costs inside the kernel, per engine: marginal ns per hit over the same loop
with nothing of ours attached. Workload: a C program (gcc at run time, \`bench/src/suites/kernel-workload.c\`)
pinned to the last CPU, in a private network namespace, times loops by its thread CPU clock (softirq work done in
its context included: this kernel has no IRQ time accounting): \`lseek(1000, V, SEEK_SET)\` (one
\`syscalls:sys_enter_lseek\` hit each, EBADF), \`getppid()\`, and 60-byte Ethernet frames of ethertype V sent
through an AF_PACKET socket on the namespace's loopback, which no protocol handler takes (one \`skb:kfree_skb\`
hit each, reason UNHANDLED_PROTO, \`protocol\` = V, in the sender's context). Engines: \`kernel-interpreter\` (the
event enabled with the filter in a private tracefs instance), \`tfc-ebpf\` (tfc's program attached with
\`perf_event_open\` as a counting event: it runs after perf built the record), \`tfc-ebpf-raw\` (tfc's program for
the raw tracepoint, \`--attach raw\`: a tp_btf program on \`sys_enter\` or \`kfree_skb\` that decides on the
tracepoint's arguments and builds a record only for a kept hit). Cases: \`EVENT-or-N\` is N equality predicates on
\`offset\` (lseek) or \`protocol\` (kfree_skb) that no hit matches; \`-accept-half\` alternates that hit with one
matching the predicate 5/8 along the series; \`lseek-range\` and \`lseek-mixed\` reject every hit. Before timing,
each engine runs 64 hits and must keep exactly the hits it should (0 or 32). Floors: \`kernel-record-all\` (the
event on, no filter), \`ebpf-return-0\` and \`raw-return-0\` (\`r0 = 0; exit\` through perf and as tp_btf;
\`raw-return-0-x2\`: two of them), \`raw-tp-return-0\` (the same as a classic \`BPF_PROG_TYPE_RAW_TRACEPOINT\`
attached by name); on lseek also \`other-syscall-event\` (getppid's event on, nothing judging lseek: the syscall
tracing slow path alone) and \`raw-other-syscall\` (a raw getppid program on the lseek loop).
\`getppid-pass-over\`: the \`lseek-or-64\` filter attached per engine while the loop makes getppid calls (every
syscall reaches the raw \`sys_enter\` programs). Per run and engine, 4 (nothing, engine) pairs of 50,000-lseek
chunks, or 8 pairs of 10,000-frame chunks (order alternated; engine order rotated per run; a fifth as many hits
with \`--quick\`); a run's marginal is the median pair difference; rows are medians over runs (15; 5 with
\`--quick\`), and the ratios \`tfc/kernel\` and \`tfc-raw/kernel\` are medians of per-run ratios.`,
  trace: `Live tracers on the same workload and filter, in the same run: a C program (gcc at run time) pinned to the last
CPU makes N \`lseek(2)\` calls, half with \`whence == 1\`, paced at 50k or 100k calls/s or flat out; every tracer
gets the filter \`whence == 1 && common_pid == PID\` and a 1024 KiB per-CPU ring buffer. Tracers: \`tfc trace
--engine E\` for each engine, into a pcapng file (\`-w\`) and onto \`veth0\` of a veth pair in a private network
namespace (\`--dev\`); the reference is \`trace-cmd record\` (Debian's 3.1.6) into its trace.dat. An engine that
\`tfc trace\` refuses is reported \`unavailable: <its error>\` and has no rows. Metrics per run:
\`recorded_events_per_s\` (records delivered / workload time), \`cpu_ns_per_event\` (the tracer's whole process
tree, user + system: rusage at exit minus /proc at "recording", so start-up is left out and trace-cmd's final
trace.dat assembly is included), \`lost_pct\` (matching calls fired vs recorded), \`reported_lost\` (what the tracer
reported: tfc's summary line, trace-cmd report's \`EVENTS DROPPED\` marks) and \`unreported_lost\` (the rest, which
must be 0). Ratios are tfc / trace-cmd of the same run, medians over runs; the tracers' order rotates per run.
Each tracer is stopped by SIGINT once its CPU time has stood still for 300 ms after the workload's last call.

trace-cmd on a kernel whose function-tracer files refuse writes (here \`/proc/sys/kernel/ftrace_enabled\`,
\`set_ftrace_pid\` and \`set_ftrace_filter\` answer EPERM even to root): plain \`trace-cmd record -e … -f …\` dies
with "Can't enable ftrace" (it writes \`1\` to \`ftrace_enabled\` whenever it does not disable the function
tracer); \`-d\` skips that write, but with a command to run, the forked child reads \`set_ftrace_pid\`, gets EPERM
and crashes (SIGSEGV, a NULL pointer), and without \`-k\` the reset at exit dies on \`set_ftrace_filter\`. The suite
therefore runs, with no command and stopped by SIGINT:

\`\`\`console
# trace-cmd record -k -d -B tfcbench-PID-N -b 1024 -e syscalls:sys_enter_lseek -f 'whence == 1 && common_pid == PID' -o FILE
\`\`\`

\`-d\` and \`-k\` only concern the function tracer and the reset at exit; the event path measured is trace-cmd's
own (splice of each CPU's \`trace_pipe_raw\` into a file, per-CPU recorder processes). trace-cmd appends its own
recorders' pids to the filter (\`&&((common_pid<A||common_pid>B))\`); with \`-k\` it may leave its instance behind,
which the suite removes.`,
  capture: `Where the kernel drops packets: the per-hit cost at \`skb:kfree_skb\` of tfc's skb capture program (what
\`compileSkbCapture\` builds for \`tfc capture\`) against the kernel's own event filter and against nothing, and
its size against libpcap's cBPF. Workload: a C sender (gcc at run time) pinned to the last CPU, in a private
network namespace, sends UDP datagrams (sendmmsg, 64 a call) to a closed port on its loopback: one NO_SOCKET
drop, i.e. one \`skb:kfree_skb\` hit, per packet (\`hits_per_packet\`). Each chunk is timed per packet by the wall
clock and by the sender's thread CPU clock. Every engine rejects every packet: \`nothing\` (nothing attached);
\`kernel-interpreter\` (\`skb:kfree_skb\` enabled in a private tracefs instance with the filter \`protocol ==
0x86dd\`, the traffic being IPv4); \`tfc-skb\` (\`udp port 9\`, the traffic going to 9999, compiled for
\`tp_btf/kfree_skb\` with the running kernel's BTF layout and attached with \`BPF_RAW_TRACEPOINT_OPEN\`);
\`ebpf-return-0\` (\`r0 = 0; exit\` attached the same way: the floor of any program at this hook). Before timing,
64 packets check each engine: the timed filters record none, the controls (\`udp port 9999\`, \`protocol ==
0x800\`) all. Per run and engine, 8 (nothing, engine) pairs of chunks; a run's marginal is the median over its
pairs of (engine − nothing), its ratio the median of (engine / nothing); rows are medians over runs, and
\`tfc-skb/kernel\` is the quotient of the two median marginals. \`bpf_stats_ns_per_hit\` is the program's own
\`run_time_ns / run_cnt\` while \`BPF_ENABLE_STATS\` is held. Sizes (no kernel needed): every pcap corpus filter
and \`tcp port 80\`, \`ip6 protochain 17\`, \`vlan and tcp\` compiled for \`tp_btf/kfree_skb\` with
\`SKB_LAYOUT_SNAPSHOT\` (snaplen 256) against libpcap 1.10.3's optimised cBPF for \`DLT_EN10MB\` (the corpus's
counts; libpcap through koffi for filters the corpus lacks); \`empty-filter\` is the fixed part (record header,
copy, ring buffer output), and \`tfc-skb-minus-empty/libpcap\` the ratio without it.`,
};
