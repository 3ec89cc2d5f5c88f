/*
 * Field provenance for raw tracepoint programs: for each covered trace event, every record field as an expression
 * over the raw tracepoint's arguments, as the event's TP_fast_assign computes it (include/trace/events/*.h; the
 * per-syscall events: kernel/trace/trace_syscalls.c with x86-64's syscall_get_arguments). Plain data in C's
 * terms — argument index and the type BTF must give it, member path, copy / ntoh — resolved against the running
 * kernel's BTF at load time (raw-layout.ts): offsets and sizes are never written here.
 * Invariants: plain data; a field the kernel computes in a way this table cannot express (conditional copies,
 * strings, derived states) is listed in `uncovered` with the reason, never approximated; argument types are
 * compared with BTF's spelling (qualifiers ignored), so a kernel whose tracepoint changed shape is refused.
 */

/** One record field from the arguments: argument `arg` itself, or a member of what it points to. */
export interface ProvenanceField {
  readonly field: string;
  readonly arg: number;
  /** Member path through the argument's pointee: `.` within a struct, `->` follows a pointer member. */
  readonly member?: string;
  /** The pointee seen as another struct first (`inet_sk(sk)`: `inet_sock`); read with probe reads. */
  readonly cast?: string;
  /** ntohs / ntohl of the member (by its size). */
  readonly ntoh?: boolean;
  /** memcpy of the member's bytes (char arrays, `__u8 saddr[4]`). */
  readonly copy?: boolean;
  /** TP_STORE_ADDRS: `v6` (16 bytes) when the socket's family is AF_INET6, else `v4` as ::ffff:a.b.c.d; `v4` read
   *  through `cast` (inet_sk). Members of the argument's pointee, like `member`. */
  readonly addr6?: {
    readonly family: string;
    readonly v6: string;
    readonly v4: string;
    readonly cast?: string;
  };
}

export interface ProvenanceEvent {
  /** The raw tracepoint (`btf_trace_NAME`) the event's TRACE_EVENT defines. */
  readonly tracepoint: string;
  /** The raw tracepoint's argument types as BTF spells them (qualifiers dropped). */
  readonly args: readonly string[];
  readonly fields: readonly ProvenanceField[];
  /** Fields not covered, with the reason. */
  readonly uncovered?: Readonly<Record<string, string>>;
}

const SKB_TEMPLATE = (tp: string): ProvenanceEvent => ({
  tracepoint: tp,
  args: ['struct sk_buff *'],
  fields: [
    { field: 'skbaddr', arg: 0 },
    { field: 'len', arg: 0, member: 'len' },
  ],
  uncovered: { name: 'a string copied from skb->dev->name (__assign_str)' },
});

const WAKEUP = (tp: string): ProvenanceEvent => ({
  tracepoint: tp,
  args: ['struct task_struct *'],
  fields: [
    { field: 'comm', arg: 0, member: 'comm', copy: true },
    { field: 'pid', arg: 0, member: 'pid' },
    { field: 'prio', arg: 0, member: 'prio' },
    // task_cpu(p): READ_ONCE(task_thread_info(p)->cpu), thread_info inside task_struct on x86-64
    { field: 'target_cpu', arg: 0, member: 'thread_info.cpu' },
  ],
});

/** include/trace/events/tcp.h's tcp_event_sk class: the socket's ports and IPv4 addresses through inet_sk(sk). */
/** TP_STORE_ADDRS(__entry, inet->inet_saddr, inet->inet_daddr, sk->sk_v6_rcv_saddr, sk->sk_v6_daddr). */
const ADDRS6: readonly ProvenanceField[] = [
  {
    field: 'saddr_v6',
    arg: 0,
    addr6: {
      family: '__sk_common.skc_family',
      v6: '__sk_common.skc_v6_rcv_saddr',
      v4: 'inet_saddr',
      cast: 'inet_sock',
    },
  },
  {
    field: 'daddr_v6',
    arg: 0,
    addr6: { family: '__sk_common.skc_family', v6: '__sk_common.skc_v6_daddr', v4: '__sk_common.skc_daddr' },
  },
];

const TCP_EVENT_SK = (tp: string): ProvenanceEvent => ({
  tracepoint: tp,
  args: ['struct sock *'],
  fields: [
    { field: 'skaddr', arg: 0 },
    { field: 'sport', arg: 0, cast: 'inet_sock', member: 'inet_sport', ntoh: true },
    { field: 'dport', arg: 0, member: '__sk_common.skc_dport', ntoh: true },
    { field: 'family', arg: 0, member: '__sk_common.skc_family' },
    { field: 'saddr', arg: 0, cast: 'inet_sock', member: 'inet_saddr', copy: true },
    { field: 'daddr', arg: 0, member: '__sk_common.skc_daddr', copy: true },
    ...ADDRS6,
  ],
  uncovered: { sock_cookie: 'sock_gen_cookie(): allocated on first use' },
});

/** `SYS/NAME` → its provenance (the per-syscall events are generated: syscallProvenance). */
export const RAW_PROVENANCE: Readonly<Record<string, ProvenanceEvent>> = {
  'sock/inet_sock_set_state': {
    tracepoint: 'inet_sock_set_state',
    args: ['struct sock *', 'int', 'int'],
    fields: [
      { field: 'skaddr', arg: 0 },
      { field: 'oldstate', arg: 1 },
      { field: 'newstate', arg: 2 },
      { field: 'sport', arg: 0, cast: 'inet_sock', member: 'inet_sport', ntoh: true },
      { field: 'dport', arg: 0, member: '__sk_common.skc_dport', ntoh: true },
      { field: 'family', arg: 0, member: '__sk_common.skc_family' },
      { field: 'protocol', arg: 0, member: 'sk_protocol' },
      { field: 'saddr', arg: 0, cast: 'inet_sock', member: 'inet_saddr', copy: true },
      { field: 'daddr', arg: 0, member: '__sk_common.skc_daddr', copy: true },
      ...ADDRS6,
    ],
  },
  'skb/kfree_skb': {
    tracepoint: 'kfree_skb',
    args: ['struct sk_buff *', 'void *', 'enum skb_drop_reason', 'struct sock *'],
    fields: [
      { field: 'skbaddr', arg: 0 },
      { field: 'location', arg: 1 },
      { field: 'rx_sk', arg: 3 },
      { field: 'protocol', arg: 0, member: 'protocol', ntoh: true },
      { field: 'reason', arg: 2 },
    ],
  },
  'skb/consume_skb': {
    tracepoint: 'consume_skb',
    args: ['struct sk_buff *', 'void *'],
    fields: [
      { field: 'skbaddr', arg: 0 },
      { field: 'location', arg: 1 },
    ],
  },
  'net/net_dev_queue': SKB_TEMPLATE('net_dev_queue'),
  'net/netif_receive_skb': SKB_TEMPLATE('netif_receive_skb'),
  'net/netif_rx': SKB_TEMPLATE('netif_rx'),
  'net/net_dev_xmit': {
    tracepoint: 'net_dev_xmit',
    args: ['struct sk_buff *', 'int', 'struct net_device *', 'unsigned int'],
    fields: [
      { field: 'skbaddr', arg: 0 },
      { field: 'len', arg: 3 },
      { field: 'rc', arg: 1 },
    ],
    uncovered: { name: 'a string copied from dev->name (__assign_str)' },
  },
  'tcp/tcp_destroy_sock': TCP_EVENT_SK('tcp_destroy_sock'),
  'tcp/tcp_receive_reset': TCP_EVENT_SK('tcp_receive_reset'),
  'tcp/tcp_rcv_space_adjust': TCP_EVENT_SK('tcp_rcv_space_adjust'),
  'sched/sched_switch': {
    tracepoint: 'sched_switch',
    args: ['bool', 'struct task_struct *', 'struct task_struct *', 'unsigned int'],
    fields: [
      { field: 'prev_comm', arg: 1, member: 'comm', copy: true },
      { field: 'prev_pid', arg: 1, member: 'pid' },
      { field: 'prev_prio', arg: 1, member: 'prio' },
      { field: 'next_comm', arg: 2, member: 'comm', copy: true },
      { field: 'next_pid', arg: 2, member: 'pid' },
      { field: 'next_prio', arg: 2, member: 'prio' },
    ],
    uncovered: {
      prev_state: '__trace_sched_switch_state(): a report state derived from prev_state and preempt',
    },
  },
  'sched/sched_wakeup': WAKEUP('sched_wakeup'),
  'sched/sched_waking': WAKEUP('sched_waking'),
  'sched/sched_wakeup_new': WAKEUP('sched_wakeup_new'),
  'sched/sched_process_fork': {
    tracepoint: 'sched_process_fork',
    args: ['struct task_struct *', 'struct task_struct *'],
    fields: [
      { field: 'parent_pid', arg: 0, member: 'pid' },
      { field: 'child_pid', arg: 1, member: 'pid' },
    ],
    uncovered: {
      parent_comm: 'a string copied from parent->comm (__assign_str)',
      child_comm: 'a string copied from child->comm (__assign_str)',
    },
  },
  'sched/sched_process_exit': {
    tracepoint: 'sched_process_exit',
    args: ['struct task_struct *', 'bool'],
    fields: [
      { field: 'comm', arg: 0, member: 'comm', copy: true },
      { field: 'pid', arg: 0, member: 'pid' },
      { field: 'prio', arg: 0, member: 'prio' },
      { field: 'group_dead', arg: 1 },
    ],
  },
  'sched/sched_process_free': {
    tracepoint: 'sched_process_free',
    args: ['struct task_struct *'],
    fields: [
      { field: 'pid', arg: 0, member: 'pid' },
      { field: 'prio', arg: 0, member: 'prio' },
    ],
    uncovered: { comm: 'a string copied from p->comm (__assign_str)' },
  },
  'sched/sched_process_exec': {
    tracepoint: 'sched_process_exec',
    args: ['struct task_struct *', 'pid_t', 'struct linux_binprm *'],
    fields: [
      { field: 'pid', arg: 0, member: 'pid' },
      { field: 'old_pid', arg: 1 },
    ],
    uncovered: { filename: 'a string copied from bprm->filename (__assign_str)' },
  },
};

/** Events of these systems have no provenance yet: the reason tfc gives. */
export const RAW_UNCOVERED_SYSTEMS: Readonly<Record<string, string>> = {
  tcp: 'only the tcp_event_sk events (tcp_destroy_sock, tcp_receive_reset, tcp_rcv_space_adjust) are covered; the others store sockaddrs by family (TP_STORE_ADDR_PORTS) or read the skb',
};

/** x86-64 syscall_get_arguments(): the pt_regs members holding arguments 0-5. */
export const SYSCALL_ARG_REGS: readonly string[] = ['di', 'si', 'dx', 'r10', 'r8', 'r9'];
