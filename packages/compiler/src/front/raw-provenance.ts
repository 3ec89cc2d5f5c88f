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
import type { RawSwitchStateConstants } from '@tfc/codegen-bpf';

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
    /** The argument v6 and v4 are members of, when not `arg` (tcp_retransmit_synack: the request sock). */
    readonly addrArg?: number;
  };
  /** A logical right shift of the member (`tp->srtt_us >> 3`). */
  readonly shr?: number;
  /** `p ? p->member : 0` (the argument may be NULL). */
  readonly orZero?: boolean;
  /** A test: `member != ne` as 1 or 0. */
  readonly ne?: number;
  /** A difference: the member minus this other member of the same argument (through the same cast), shifted left
   *  by `shl` first (`th->doff * 4`). A `->(struct)` segment sees a pointer as that struct. */
  readonly minus?: string | { readonly member: string; readonly shl?: number };
  /** A sum: the member plus this other member of the same argument (`skb->head + skb->network_header`). */
  readonly plus?: string;
  /** `member != ne ? value : 0` of the same argument. */
  readonly when?: { readonly member: string; readonly ne: number };
  /** The member is one of skb_shinfo(argument): struct skb_shared_info at `skb->head + skb->end`. */
  readonly shinfo?: boolean;
  /** tcp_current_ssthresh(sk) of argument `arg`: the congestion state, snd_ssthresh and snd_cwnd members, and the
   *  states (a bit mask) in which the window is being reduced. */
  readonly currentSsthresh?: {
    readonly caState: ProvenanceMember;
    readonly ssthresh: ProvenanceMember;
    readonly cwnd: ProvenanceMember;
    readonly reduction: number;
  };
  /** tcp_send_reset's saddr / daddr: TP_STORE_ADDR_PORTS of the socket (argument `arg`, `sockaddr`) when it is a
   *  full socket (its `state` none of `notFull`), else TP_STORE_ADDR_PORTS_SKB reversed from argument `skb` (its
   *  head, network_header and data members), the packet's `side`. */
  readonly resetAddr?: {
    readonly state: string;
    readonly notFull: readonly number[];
    readonly sockaddr: NonNullable<ProvenanceField['sockaddr']>;
    readonly skb: number;
    readonly side: 'source' | 'dest';
  };
  /** TP_STORE_ADDR_PORTS_SKB(skb, th, saddr, daddr) of argument `arg` (a `struct sk_buff *`): the packet's `side`
   *  from its IP header (skb->head + skb->network_header) and its TCP header at skb->data, whatever the socket. */
  readonly packetAddr?: 'source' | 'dest';
  /** __string(field, member) / __assign_str: the member is a char array (or, `'pointer'`, a `char *`), the record's
   *  field a __data_loc string. */
  readonly string?: true | 'pointer';
  /** sock_gen_cookie(argument `arg`), a `struct sock *`. */
  readonly cookie?: boolean;
  /** TP_STORE_ADDR_PORTS: a sockaddr_in6 (family AF_INET6) or sockaddr_in in a 28-byte array, each part a member of
   *  the argument's pointee (through its own cast). */
  readonly sockaddr?: {
    readonly family: string;
    readonly port: ProvenanceMember;
    readonly v6: ProvenanceMember;
    readonly v4: ProvenanceMember;
  };
  /** __trace_sched_switch_state(preempt, prev_state, prev): arguments `arg` (preempt), `state` and `task` (whose
   *  `exitState` member is read), with include/linux/sched.h's constants. */
  readonly switchState?: RawSwitchStateConstants & {
    readonly state: number;
    readonly task: number;
    readonly exitState: string;
  };
}

/** A member path through an argument's pointee, optionally seen as another struct first (probe reads). */
export interface ProvenanceMember {
  readonly member: string;
  readonly cast?: string;
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
    { field: 'name', arg: 0, member: 'dev->name', string: true },
  ],
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

/** The socket's ports and family as the tcp and sock events assign them: ntohs(inet->inet_sport),
 *  ntohs(inet->inet_dport) (sk_dport), sk->sk_family. */
const SK_PORTS: readonly ProvenanceField[] = [
  { field: 'sport', arg: 0, cast: 'inet_sock', member: 'inet_sport', ntoh: true },
  { field: 'dport', arg: 0, member: '__sk_common.skc_dport', ntoh: true },
  { field: 'family', arg: 0, member: '__sk_common.skc_family' },
];

/** `__be32 *p32 = saddr; *p32 = inet->inet_saddr` (and daddr: inet_daddr, i.e. sk_daddr), then TP_STORE_ADDRS. */
const SK_ADDRS: readonly ProvenanceField[] = [
  { field: 'saddr', arg: 0, cast: 'inet_sock', member: 'inet_saddr', copy: true },
  { field: 'daddr', arg: 0, member: '__sk_common.skc_daddr', copy: true },
  ...ADDRS6,
];

/** `__entry->sock_cookie = sock_gen_cookie(sk)`. */
const SOCK_COOKIE: ProvenanceField = { field: 'sock_cookie', arg: 0, cookie: true };

/** include/trace/events/tcp.h's tcp_event_sk class. */
const TCP_EVENT_SK = (tp: string): ProvenanceEvent => ({
  tracepoint: tp,
  args: ['struct sock *'],
  fields: [{ field: 'skaddr', arg: 0 }, ...SK_PORTS, ...SK_ADDRS, SOCK_COOKIE],
});

/** TP_STORE_ADDR_PORTS(__entry, inet, sk): saddr from inet's source port and address (inet6_sk(sk)->saddr for
 *  IPv6), daddr from sk_dport and sk_daddr / sk_v6_daddr. */
const SK_SOCKADDRS_SPEC = {
  saddr: {
    family: '__sk_common.skc_family',
    port: { member: 'inet_sport', cast: 'inet_sock' },
    v6: { member: 'pinet6->saddr', cast: 'inet_sock' },
    v4: { member: 'inet_saddr', cast: 'inet_sock' },
  },
  daddr: {
    family: '__sk_common.skc_family',
    port: { member: '__sk_common.skc_dport' },
    v6: { member: '__sk_common.skc_v6_daddr' },
    v4: { member: '__sk_common.skc_daddr' },
  },
} as const;

const SK_SOCKADDRS: readonly ProvenanceField[] = [
  { field: 'saddr', arg: 0, sockaddr: SK_SOCKADDRS_SPEC.saddr },
  { field: 'daddr', arg: 0, sockaddr: SK_SOCKADDRS_SPEC.daddr },
];

/** sk_fullsock(sk): sk_state is neither TCP_TIME_WAIT (6) nor TCP_NEW_SYN_RECV (12); the skb is argument 1. */
const RESET_SIDE = { state: '__sk_common.skc_state', notFull: [6, 12], skb: 1 } as const;

/** A member of tcp_sk(sk) (struct tcp_sock). */
const TP = (field: string, member: string, shr?: number, minus?: string): ProvenanceField => ({
  field,
  arg: 0,
  cast: 'tcp_sock',
  member,
  ...(shr !== undefined ? { shr } : {}),
  ...(minus !== undefined ? { minus } : {}),
});

/** include/linux/sched.h: TASK_REPORT (the states a report shows, 0x7f), TASK_IDLE (TASK_UNINTERRUPTIBLE |
 *  TASK_NOLOAD), TASK_REPORT_IDLE (TASK_REPORT + 1), TASK_RTLOCK_WAIT | TASK_FROZEN, TASK_UNINTERRUPTIBLE and
 *  TASK_REPORT_MAX (TASK_REPORT_IDLE << 1); the sched_switch format's print fmt spells TASK_REPORT out. */
const TASK_STATES = {
  report: 0x7f,
  idle: 0x0402,
  reportIdle: 0x80,
  asUninterruptible: 0x1000 | 0x8000,
  uninterruptible: 0x2,
  reportMax: 0x100,
} as const;

/** The skb fields net.h's verbose events assign alike: queue_mapping, the skb, skb_vlan_tag_present (!!vlan_all),
 *  ntohs(vlan_proto), skb_vlan_tag_get (vlan_tci), ntohs(protocol), ip_summed, len, data_len. */
const SKB_COMMON: readonly ProvenanceField[] = [
  { field: 'queue_mapping', arg: 0, member: 'queue_mapping' },
  { field: 'skbaddr', arg: 0 },
  { field: 'vlan_tagged', arg: 0, member: 'vlan_all', ne: 0 },
  { field: 'vlan_proto', arg: 0, member: 'vlan_proto', ntoh: true },
  { field: 'vlan_tci', arg: 0, member: 'vlan_tci' },
  { field: 'protocol', arg: 0, member: 'protocol', ntoh: true },
  { field: 'ip_summed', arg: 0, member: 'ip_summed' },
  { field: 'len', arg: 0, member: 'len' },
  { field: 'data_len', arg: 0, member: 'data_len' },
];

/** include/trace/events/net.h's net_dev_rx_verbose_template (the receive paths' `*_entry` events). */
const RX_VERBOSE = (tp: string): ProvenanceEvent => ({
  tracepoint: tp,
  args: ['struct sk_buff *'],
  fields: [
    { field: 'name', arg: 0, member: 'dev->name', string: true },
    ...SKB_COMMON,
    { field: 'hash', arg: 0, member: 'hash' },
    { field: 'l4_hash', arg: 0, member: 'l4_hash' },
    { field: 'truesize', arg: 0, member: 'truesize' },
    // skb_mac_header_was_set(skb): mac_header != (u16)~0U
    { field: 'mac_header_valid', arg: 0, member: 'mac_header', ne: 0xffff },
    // skb_mac_header(skb) - skb->data
    { field: 'mac_header', arg: 0, member: 'mac_header', plus: 'head', minus: 'data' },
    { field: 'nr_frags', arg: 0, member: 'nr_frags', shinfo: true },
    { field: 'gso_size', arg: 0, member: 'gso_size', shinfo: true },
    { field: 'gso_type', arg: 0, member: 'gso_type', shinfo: true },
  ],
  uncovered: {
    napi_id:
      'napi_id_valid(skb->napi_id) ? skb->napi_id : 0 under CONFIG_NET_RX_BUSY_POLL: the member is shared with ' +
      'sender_cpu and an id is valid from NR_CPUS + 1, a bound BTF does not give',
  },
});

/** net_dev_rx_exit_template: the receive paths' `*_exit` events, (int ret). */
const RX_EXIT = (tp: string): ProvenanceEvent => ({
  tracepoint: tp,
  args: ['int'],
  fields: [{ field: 'ret', arg: 0 }],
});

/** include/trace/events/sock.h's sock_msg_length class: (sk, ret, flags). */
const SOCK_MSG_LENGTH = (tp: string): ProvenanceEvent => ({
  tracepoint: tp,
  args: ['struct sock *', 'int', 'int'],
  fields: [
    { field: 'sk', arg: 0 },
    { field: 'family', arg: 0, member: '__sk_common.skc_family' },
    { field: 'protocol', arg: 0, member: 'sk_protocol' },
    { field: 'ret', arg: 1 },
    { field: 'flags', arg: 2 },
  ],
});

/** The packet's 4-tuple as TP_STORE_ADDR_PORTS_SKB(skb, th, saddr, daddr) stores it (skb is argument `skb`). */
const PACKET_ADDRS = (skb: number): readonly ProvenanceField[] => [
  { field: 'saddr', arg: skb, packetAddr: 'source' },
  { field: 'daddr', arg: skb, packetAddr: 'dest' },
];

/** `th = (const struct tcphdr *)skb->data`: a member of the TCP header of argument 1 (the skb). */
const TH = (field: string, member: string, ntoh?: boolean): ProvenanceField => ({
  field,
  arg: 1,
  member: `data->(tcphdr)${member}`,
  ...(ntoh === true ? { ntoh } : {}),
});

/** include/trace/events/tcp.h's tcp_hash_event class (sk, skb): net_cookie (sock_net(sk)->net_cookie), the skb
 *  and socket, sk_state, the packet's 4-tuple, the TCP header's ports and flags, sk_family. */
const TCP_HASH_EVENT = (tp: string): ProvenanceEvent => ({
  tracepoint: tp,
  args: ['struct sock *', 'struct sk_buff *'],
  fields: [
    { field: 'net_cookie', arg: 0, member: '__sk_common.skc_net.net->net_cookie' },
    { field: 'skbaddr', arg: 1 },
    { field: 'skaddr', arg: 0 },
    { field: 'state', arg: 0, member: '__sk_common.skc_state' },
    ...PACKET_ADDRS(1),
    TH('sport', 'source', true),
    TH('dport', 'dest', true),
    { field: 'family', arg: 0, member: '__sk_common.skc_family' },
    TH('fin', 'fin'),
    TH('syn', 'syn'),
    TH('rst', 'rst'),
    TH('psh', 'psh'),
    TH('ack', 'ack'),
  ],
  uncovered: {
    l3index: "inet_sdif(skb) ? inet_iif(skb) : 0: the IPv4 control block's L3 master device flags",
  },
});

/** tcp_ao_handshake_failure (sk, skb, keyid, rnext, maclen): the hash class's fields and the three arguments. */
const TCP_AO_HANDSHAKE_FAILURE: ProvenanceEvent = ((h: ProvenanceEvent) => ({
  ...h,
  args: [...h.args, '__u8', '__u8', '__u8'],
  fields: [...h.fields, { field: 'keyid', arg: 2 }, { field: 'rnext', arg: 3 }, { field: 'maclen', arg: 4 }],
}))(TCP_HASH_EVENT('tcp_ao_handshake_failure'));

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
      { field: 'name', arg: 2, member: 'name', string: true },
    ],
  },
  'tcp/tcp_destroy_sock': TCP_EVENT_SK('tcp_destroy_sock'),
  'tcp/tcp_receive_reset': TCP_EVENT_SK('tcp_receive_reset'),
  'tcp/tcp_rcv_space_adjust': TCP_EVENT_SK('tcp_rcv_space_adjust'),
  'tcp/tcp_retransmit_skb': {
    tracepoint: 'tcp_retransmit_skb',
    args: ['struct sock *', 'struct sk_buff *', 'int'],
    fields: [
      { field: 'skbaddr', arg: 1 },
      { field: 'skaddr', arg: 0 },
      { field: 'state', arg: 0, member: '__sk_common.skc_state' },
      ...SK_PORTS,
      ...SK_ADDRS,
      { field: 'err', arg: 2 },
    ],
  },
  'tcp/tcp_send_reset': {
    tracepoint: 'tcp_send_reset',
    args: ['struct sock *', 'struct sk_buff *', 'enum sk_rst_reason'],
    fields: [
      { field: 'skbaddr', arg: 1 },
      { field: 'skaddr', arg: 0 },
      { field: 'state', arg: 0, member: '__sk_common.skc_state', orZero: true },
      { field: 'reason', arg: 2 },
      // the record's saddr is the packet's destination, its daddr the packet's source (the reset answers it)
      {
        field: 'saddr',
        arg: 0,
        resetAddr: { ...RESET_SIDE, sockaddr: SK_SOCKADDRS_SPEC.saddr, side: 'dest' },
      },
      {
        field: 'daddr',
        arg: 0,
        resetAddr: { ...RESET_SIDE, sockaddr: SK_SOCKADDRS_SPEC.daddr, side: 'source' },
      },
    ],
  },
  'tcp/tcp_retransmit_synack': {
    tracepoint: 'tcp_retransmit_synack',
    args: ['struct sock *', 'struct request_sock *'],
    // inet_rsk(req)'s ir_num, ir_rmt_port, ir_loc_addr, ir_rmt_addr, ir_v6_* are req->__req_common's skc_*
    fields: [
      { field: 'skaddr', arg: 0 },
      { field: 'req', arg: 1 },
      { field: 'sport', arg: 1, member: '__req_common.skc_num' },
      { field: 'dport', arg: 1, member: '__req_common.skc_dport', ntoh: true },
      { field: 'family', arg: 0, member: '__sk_common.skc_family' },
      { field: 'saddr', arg: 1, member: '__req_common.skc_rcv_saddr', copy: true },
      { field: 'daddr', arg: 1, member: '__req_common.skc_daddr', copy: true },
      {
        field: 'saddr_v6',
        arg: 0,
        addr6: {
          family: '__sk_common.skc_family',
          v6: '__req_common.skc_v6_rcv_saddr',
          v4: '__req_common.skc_rcv_saddr',
          addrArg: 1,
        },
      },
      {
        field: 'daddr_v6',
        arg: 0,
        addr6: {
          family: '__sk_common.skc_family',
          v6: '__req_common.skc_v6_daddr',
          v4: '__req_common.skc_daddr',
          addrArg: 1,
        },
      },
    ],
  },
  'tcp/tcp_cong_state_set': {
    tracepoint: 'tcp_cong_state_set',
    args: ['struct sock *', 'u8'],
    fields: [{ field: 'skaddr', arg: 0 }, ...SK_PORTS, ...SK_ADDRS, { field: 'cong_state', arg: 1 }],
  },
  'tcp/tcp_probe': {
    tracepoint: 'tcp_probe',
    args: ['struct sock *', 'struct sk_buff *'],
    fields: [
      ...SK_SOCKADDRS,
      ...SK_PORTS,
      { field: 'mark', arg: 1, member: 'mark' },
      // skb->len - __tcp_hdrlen(th), th = skb->data: doff 32-bit words
      { field: 'data_len', arg: 1, member: 'len', minus: { member: 'data->(tcphdr)doff', shl: 2 } },
      TP('snd_nxt', 'snd_nxt'),
      TP('snd_una', 'snd_una'),
      TP('snd_cwnd', 'snd_cwnd'),
      TP('snd_wnd', 'snd_wnd'),
      {
        field: 'ssthresh',
        arg: 0,
        // tcp_in_cwnd_reduction(): (TCPF_CA_CWR | TCPF_CA_Recovery) & (1 << icsk_ca_state)
        currentSsthresh: {
          caState: { member: 'icsk_ca_state', cast: 'inet_connection_sock' },
          ssthresh: { member: 'snd_ssthresh', cast: 'tcp_sock' },
          cwnd: { member: 'snd_cwnd', cast: 'tcp_sock' },
          reduction: (1 << 2) | (1 << 3),
        },
      },
      TP('srtt', 'srtt_us', 3),
      TP('rcv_wnd', 'rcv_wnd'),
      SOCK_COOKIE,
      { field: 'skbaddr', arg: 1 },
      { field: 'skaddr', arg: 0 },
    ],
  },
  'tcp/tcp_rcvbuf_grow': {
    tracepoint: 'tcp_rcvbuf_grow',
    args: ['struct sock *', 'int'],
    fields: [
      { field: 'time', arg: 1 },
      TP('rtt_us', 'rcv_rtt_est.rtt_us', 3),
      TP('copied', 'copied_seq', undefined, 'rcvq_space.seq'),
      TP('inq', 'rcv_nxt', undefined, 'copied_seq'),
      TP('space', 'rcvq_space.space'),
      { field: 'rcvbuf', arg: 0, member: 'sk_rcvbuf' },
      TP('rcv_ssthresh', 'rcv_ssthresh'),
      TP('window_clamp', 'window_clamp'),
      TP('rcv_wnd', 'rcv_wnd'),
      TP('scaling_ratio', 'scaling_ratio'),
      ...SK_PORTS,
      ...SK_ADDRS,
      { field: 'skaddr', arg: 0 },
      SOCK_COOKIE,
    ],
    uncovered: {
      ooo_space: 'by the out-of-order queue (RB_EMPTY_ROOT, its last skb)',
    },
  },
  'tcp/tcp_bad_csum': {
    tracepoint: 'tcp_bad_csum',
    args: ['struct sk_buff *'],
    fields: [{ field: 'skbaddr', arg: 0 }, ...PACKET_ADDRS(0)],
  },
  'tcp/tcp_hash_bad_header': TCP_HASH_EVENT('tcp_hash_bad_header'),
  'tcp/tcp_hash_md5_required': TCP_HASH_EVENT('tcp_hash_md5_required'),
  'tcp/tcp_hash_md5_unexpected': TCP_HASH_EVENT('tcp_hash_md5_unexpected'),
  'tcp/tcp_hash_md5_mismatch': TCP_HASH_EVENT('tcp_hash_md5_mismatch'),
  'tcp/tcp_hash_ao_required': TCP_HASH_EVENT('tcp_hash_ao_required'),
  'tcp/tcp_ao_handshake_failure': TCP_AO_HANDSHAKE_FAILURE,
  'tcp/tcp_sendmsg_locked': {
    tracepoint: 'tcp_sendmsg_locked',
    args: ['struct sock *', 'struct msghdr *', 'struct sk_buff *', 'int'],
    fields: [
      { field: 'skb_addr', arg: 2 },
      { field: 'skb_len', arg: 2, member: 'len', orZero: true },
      // msg_data_left(msg): iov_iter_count(&msg->msg_iter), a size_t stored into an int
      { field: 'msg_left', arg: 1, member: 'msg_iter.count' },
      { field: 'size_goal', arg: 3 },
    ],
  },
  'sock/inet_sk_error_report': {
    tracepoint: 'inet_sk_error_report',
    args: ['struct sock *'],
    fields: [
      { field: 'error', arg: 0, member: 'sk_err' },
      ...SK_PORTS,
      { field: 'protocol', arg: 0, member: 'sk_protocol' },
      ...SK_ADDRS,
    ],
  },
  'sock/sock_rcvqueue_full': {
    tracepoint: 'sock_rcvqueue_full',
    args: ['struct sock *', 'struct sk_buff *'],
    fields: [
      // atomic_read(&sk->sk_rmem_alloc): sk_rmem_alloc is sk_backlog.rmem_alloc
      { field: 'rmem_alloc', arg: 0, member: 'sk_backlog.rmem_alloc.counter' },
      { field: 'truesize', arg: 1, member: 'truesize' },
      { field: 'sk_rcvbuf', arg: 0, member: 'sk_rcvbuf' },
    ],
  },
  'sock/sock_exceed_buf_limit': {
    tracepoint: 'sock_exceed_buf_limit',
    args: ['struct sock *', 'struct proto *', 'long int', 'int'],
    fields: [
      { field: 'allocated', arg: 2 },
      { field: 'rmem_alloc', arg: 0, member: 'sk_backlog.rmem_alloc.counter' },
      // refcount_read(&sk->sk_wmem_alloc)
      { field: 'wmem_alloc', arg: 0, member: 'sk_wmem_alloc.refs.counter' },
      { field: 'wmem_queued', arg: 0, member: 'sk_wmem_queued' },
      { field: 'kind', arg: 3 },
    ],
    uncovered: {
      name: "strscpy(name, prot->name, 32): the bytes past the NUL are not written (the buffer's old bytes)",
      sysctl_mem: 'READ_ONCE(prot->sysctl_mem[0..2]): three longs behind a pointer',
      sysctl_rmem:
        "sk_get_rmem0(sk, prot): the net namespace's sysctl at the protocol's offset, else prot->sysctl_rmem[0]",
      sysctl_wmem:
        "sk_get_wmem0(sk, prot): the net namespace's sysctl at the protocol's offset, else prot->sysctl_wmem[0]",
    },
  },
  'sock/sock_recv_length': SOCK_MSG_LENGTH('sock_recv_length'),
  'sock/sock_send_length': SOCK_MSG_LENGTH('sock_send_length'),
  'sock/sk_data_ready': {
    tracepoint: 'sk_data_ready',
    args: ['struct sock *'],
    fields: [
      { field: 'skaddr', arg: 0 },
      { field: 'family', arg: 0, member: '__sk_common.skc_family' },
      { field: 'protocol', arg: 0, member: 'sk_protocol' },
    ],
    uncovered: { ip: "_RET_IP_: the caller's return address, no argument holds it" },
  },
  'skb/skb_copy_datagram_iovec': {
    tracepoint: 'skb_copy_datagram_iovec',
    args: ['struct sk_buff *', 'int'],
    fields: [
      { field: 'skbaddr', arg: 0 },
      { field: 'len', arg: 1 },
    ],
  },
  'net/netif_rx_entry': RX_VERBOSE('netif_rx_entry'),
  'net/netif_receive_skb_entry': RX_VERBOSE('netif_receive_skb_entry'),
  'net/netif_receive_skb_list_entry': RX_VERBOSE('netif_receive_skb_list_entry'),
  'net/napi_gro_receive_entry': RX_VERBOSE('napi_gro_receive_entry'),
  'net/napi_gro_frags_entry': RX_VERBOSE('napi_gro_frags_entry'),
  'net/netif_rx_exit': RX_EXIT('netif_rx_exit'),
  'net/netif_receive_skb_exit': RX_EXIT('netif_receive_skb_exit'),
  'net/netif_receive_skb_list_exit': RX_EXIT('netif_receive_skb_list_exit'),
  'net/napi_gro_receive_exit': RX_EXIT('napi_gro_receive_exit'),
  'net/napi_gro_frags_exit': RX_EXIT('napi_gro_frags_exit'),
  'net/net_dev_start_xmit': {
    tracepoint: 'net_dev_start_xmit',
    args: ['struct sk_buff *', 'struct net_device *'],
    fields: [
      { field: 'queue_mapping', arg: 0, member: 'queue_mapping' },
      { field: 'skbaddr', arg: 0 },
      ...SKB_COMMON,
      { field: 'name', arg: 1, member: 'name', string: true },
      // skb_transport_header_was_set(skb): transport_header != (u16)~0U
      { field: 'transport_offset_valid', arg: 0, member: 'transport_header', ne: 0xffff },
      // skb_network_offset(skb): skb->head + skb->network_header - skb->data
      { field: 'network_offset', arg: 0, member: 'network_header', plus: 'head', minus: 'data' },
      {
        field: 'transport_offset',
        arg: 0,
        member: 'transport_header',
        plus: 'head',
        minus: 'data',
        when: { member: 'transport_header', ne: 0xffff },
      },
      { field: 'tx_flags', arg: 0, member: 'tx_flags', shinfo: true },
      { field: 'gso_size', arg: 0, member: 'gso_size', shinfo: true },
      { field: 'gso_segs', arg: 0, member: 'gso_segs', shinfo: true },
      { field: 'gso_type', arg: 0, member: 'gso_type', shinfo: true },
    ],
  },
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
      {
        field: 'prev_state',
        arg: 0,
        switchState: { state: 3, task: 1, exitState: 'exit_state', ...TASK_STATES },
      },
    ],
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
      { field: 'parent_comm', arg: 0, member: 'comm', string: true },
      { field: 'child_comm', arg: 1, member: 'comm', string: true },
    ],
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
      { field: 'comm', arg: 0, member: 'comm', string: true },
    ],
  },
  'sched/sched_process_exec': {
    tracepoint: 'sched_process_exec',
    args: ['struct task_struct *', 'pid_t', 'struct linux_binprm *'],
    fields: [
      { field: 'pid', arg: 0, member: 'pid' },
      { field: 'old_pid', arg: 1 },
      { field: 'filename', arg: 2, member: 'filename', string: 'pointer' },
    ],
  },
};

/** x86-64 syscall_get_arguments(): the pt_regs members holding arguments 0-5. */
export const SYSCALL_ARG_REGS: readonly string[] = ['di', 'si', 'dx', 'r10', 'r8', 'r9'];
