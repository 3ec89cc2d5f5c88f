// The raw tracepoint context's plain data: how each field of a trace event's record is computed from the raw
// tracepoint's arguments (a `tp_btf` program's ctx: one u64 slot per argument), already resolved against a
// kernel's BTF by the caller (member offsets and sizes are data here, never constants), and the output contract
// of a raw program (the record it builds, behind a 16-byte header, in a BPF ring buffer).
// Invariants: pure data, no kernel access; a record field the layout does not list is "not covered": a filter
// that reads it is refused (the caller falls back to the record path) and a built record holds zeros there.

/** One step of a member path: `offset`/`size` within the struct the previous value points to; bitfields give the
 *  bit shift and width inside the byte at `offset` (little-endian). */
export interface RawMember {
  readonly offset: number;
  readonly size: number;
  readonly bit?: { readonly shift: number; readonly bits: number };
}

/**
 * A value over the arguments: ctx slot `arg` (u64), then one load per member of `path`, each from the pointer the
 * value so far holds (every step but the last reads an 8-byte pointer). `access` says how a member is read:
 * `btf`: a direct load the verifier checks against the argument's BTF type (cheap; the path must follow that type
 * without casts), `probe`: bpf_probe_read_kernel (any pointer, e.g. through `inet_sk()`'s cast). `signed`: the
 * last member's C type is signed (sign-extended to 64 bits); `swap`: the kernel's ntohs/ntohl of it.
 */
export interface RawValue {
  /** The ctx slot, or RAW_CURRENT_TASK: the current task (bpf_get_current_task_btf, a `struct task_struct *`). */
  readonly arg: number;
  readonly path: readonly RawMember[];
  readonly access: 'btf' | 'probe';
  readonly signed: boolean;
  readonly swap?: 2 | 4;
  /** A logical right shift of the (unsigned) result: `tp->srtt_us >> 3`. */
  readonly shr?: number;
  /** A left shift of the result (`th->doff * 4`). */
  readonly shl?: number;
  /** `p ? p->member : 0`: a NULL pointer on the path gives 0 (the verifier demands the check where the kernel marks
   *  the argument nullable, e.g. tcp_send_reset's sk). */
  readonly orZero?: boolean;
  /** A test: 1 when the value differs from `ne`, else 0 (`!!skb->vlan_all`, `skb->mac_header != (u16)~0U`). */
  readonly ne?: number;
  /** A difference: this value minus `minus` (`tp->rcv_nxt - tp->copied_seq`), wrapping as the record's width. */
  readonly minus?: RawValue;
  /** A sum: this value plus `plus` (`skb->head + skb->network_header`), before `minus`. */
  readonly plus?: RawValue;
  /** The pointer the path starts from, computed (`skb_shinfo(skb)`: `skb->head + skb->end`) instead of `arg`; the
   *  path is then read with probe reads. */
  readonly base?: RawValue;
  /** `when ? value : 0` (`skb_transport_header_was_set(skb) ? skb_transport_offset(skb) : 0`). */
  readonly when?: RawValue;
}

/** __trace_sched_switch_state() (include/trace/events/sched.h) with __task_state_index() (include/linux/sched.h):
 *  `preempt` ? reportMax : 1 << (fls(s) - 1) (0 when s is 0), where s is (state | exitState) & report, replaced by
 *  reportIdle when state has every bit of idle, and by uninterruptible when state has a bit of `asUninterruptible`
 *  (TASK_RTLOCK_WAIT, TASK_FROZEN). The three values are direct (`btf`) loads: no helper call. */
export interface RawSwitchState extends RawSwitchStateConstants {
  readonly preempt: RawValue;
  readonly state: RawValue;
  readonly exitState: RawValue;
}

/** include/linux/sched.h's constants of the report state (TASK_REPORT, TASK_REPORT_IDLE, TASK_REPORT_MAX, …). */
export interface RawSwitchStateConstants {
  readonly report: number;
  readonly idle: number;
  readonly reportIdle: number;
  readonly asUninterruptible: number;
  readonly uninterruptible: number;
  readonly reportMax: number;
}

/** tcp_send_reset's saddr / daddr: TP_STORE_ADDR_PORTS of the socket (`sock`) when it is a full socket (`state`,
 *  read NULL-safe, is none of `notFull`: TIME_WAIT, NEW_SYN_RECV), else, when the skb is there,
 *  TP_STORE_ADDR_PORTS_SKB with the 4-tuple reversed: the IP header at skb->head + skb->network_header (version 6:
 *  an IPv6 header, else IPv4) and the TCP header at skb->data; `side` is the packet's side this field takes
 *  (the record's saddr is the packet's destination). */
export interface RawResetAddr {
  /** Absent (with `sock`, `notFull`): the packet's tuple only (TP_STORE_ADDR_PORTS_SKB of tcp_bad_csum and the
   *  tcp_hash_* events). */
  readonly state?: RawValue;
  readonly notFull?: readonly number[];
  readonly sock?: RawSockaddr;
  readonly head: RawValue;
  readonly network: RawValue;
  readonly data: RawValue;
  readonly side: 'source' | 'dest';
}

/** TP_STORE_ADDR_PORTS (include/trace/events/net_probe_common.h): a zeroed sockaddr_in6-sized array holding a
 *  sockaddr_in6 (family AF_INET6, `port`, `v6`'s 16 bytes at 8) when `family` is AF_INET6, else a sockaddr_in
 *  (AF_INET, `port`, `v4`'s 4 bytes at 4). `port` is stored as it is in memory (network order). */
export interface RawSockaddr {
  readonly family: RawValue;
  readonly port: RawValue;
  readonly v6: RawValue;
  readonly v4: RawValue;
}

/** Where a record field's bytes come from: an integer value (stored as the record's field width), `n` bytes
 *  copied from the member the path ends at (char arrays, `__u8 saddr[4]`: memcpy in TP_fast_assign), an address
 *  stored by family, a socket cookie, the sched_switch report state, the current task's pid (common_pid) or a
 *  constant (common_type). */
export type RawSource =
  | { readonly kind: 'value'; readonly value: RawValue }
  | { readonly kind: 'bytes'; readonly value: RawValue; readonly n: number }
  /** TP_STORE_ADDRS: the 16 bytes of `v6` when `family` is AF_INET6, else `v4`'s 4 bytes as a v4-mapped IPv6
   *  address (::ffff:a.b.c.d). Built into records only: a filter never reads it (16-byte arrays compare false). */
  | { readonly kind: 'addr6'; readonly family: RawValue; readonly v6: RawValue; readonly v4: RawValue }
  /** TP_STORE_ADDR_PORTS (see RawSockaddr): built into records only, like addr6. */
  | ({ readonly kind: 'sockaddr' } & RawSockaddr)
  /** tcp_send_reset's addresses (see RawResetAddr): built into records only, like addr6. */
  | ({ readonly kind: 'resetAddr' } & RawResetAddr)
  /** sock_gen_cookie(sk) of the socket in ctx slot `arg` (bpf_get_socket_cookie: it allocates the cookie when the
   *  socket has none yet, as sock_gen_cookie does). */
  | { readonly kind: 'cookie'; readonly arg: number }
  | ({ readonly kind: 'switchState' } & RawSwitchState)
  /** tcp_current_ssthresh(sk) (include/net/tcp.h): `snd_ssthresh` while the congestion state (`caState`) is one of
   *  the `reduction` bits (TCPF_CA_CWR | TCPF_CA_Recovery), else max(snd_ssthresh, cwnd / 2 + cwnd / 4). */
  | {
      readonly kind: 'currentSsthresh';
      readonly caState: RawValue;
      readonly ssthresh: RawValue;
      readonly cwnd: RawValue;
      readonly reduction: number;
    }
  /** __string / __assign_str: the string in the char array (of `max` bytes) the path ends at, NUL included, appended
   *  after the fixed record (RawEventLayout.dataStart) in field order; the field holds the __data_loc word
   *  ((length << 16) | offset). Built into records only: string predicates are refused. `pointer`: the path ends at a
   *  `char *` (bprm->filename) and the string is where it points, `max` bytes at most with its NUL: a longer one is
   *  not built (the record counts as lost, never truncated). */
  | { readonly kind: 'string'; readonly value: RawValue; readonly max: number; readonly pointer?: boolean }
  | { readonly kind: 'pid' }
  | { readonly kind: 'const'; readonly value: bigint };

export interface RawField {
  readonly name: string;
  /** Offset and size in the record (the event's format). */
  readonly offset: number;
  readonly size: number;
  readonly source: RawSource;
}

/** One trace event as a raw tracepoint program sees it. */
export interface RawEventLayout {
  /** `syscalls/sys_enter_lseek`. */
  readonly event: string;
  readonly eventId: number;
  /** The raw tracepoint the program attaches to (`sys_enter`): tp_btf/NAME, BTF typedef btf_trace_NAME. */
  readonly tracepoint: string;
  /** Where offsets come from (`BTF of the running kernel 6.18.0`). */
  readonly source: string;
  /** The record's length as the kernel's ring buffer stores it (a multiple of 4, at most RAW_RECORD_MAX). */
  readonly recordSize: number;
  /** Events with strings: offsetof(entry, __data), where the first string's bytes go (its fields' end). */
  readonly dataStart?: number;
  /** Hits whose value differs from `equals` are not this event's (the per-syscall events share sys_enter), nor are
   *  hits where `unless.value & unless.mask` is non-zero (compat syscalls: the kernel's events ignore them). */
  readonly guard?: {
    readonly value: RawValue;
    readonly equals: bigint;
    readonly unless?: { readonly value: RawValue; readonly mask: number };
  };
  /** Covered fields, the common header's common_type and common_pid included. */
  readonly fields: readonly RawField[];
  /** Record fields that are not covered (where they lie in the record), each with the reason. */
  readonly uncovered: readonly {
    readonly name: string;
    readonly offset: number;
    readonly size: number;
    readonly why: string;
  }[];
}

/** output: a record into the ring buffer for every accepted hit, return 0. verdict (tests): a record for every hit
 *  with the verdict (1/0) in the header. return (benches, tfc's VM): no ring buffer, return the verdict. count
 *  (tfc apply): no records; the event's hits and accepted hits counted in RAW_COUNT_MAP. */
export type RawMode = 'output' | 'verdict' | 'return' | 'count';
export const RAW_MODES: readonly RawMode[] = ['output', 'verdict', 'return', 'count'];

export interface RawOptions {
  readonly layout: RawEventLayout;
  readonly mode?: RawMode;
}

/** The ring buffer and the per-CPU lost-record counter (key u32 0, value u64), by name: the loader creates both
 *  and shares them between the programs of one session. */
export const RAW_RINGBUF_MAP = 'tfc_raw_ring';
export const RAW_LOST_MAP = 'tfc_raw_lost';
/** Mode count: a per-CPU array (key u32, value u64) of two counters: 0 the event's hits, 1 the accepted ones. */
export const RAW_COUNT_MAP = 'tfc_raw_count';

/** RawValue.arg of the current task (not a ctx slot). */
export const RAW_CURRENT_TASK = -1;

/** The output header: ktime (ns, u64), cpu (u32), verdict (u32); the record follows. */
export const RAW_HDR = { time: 0, cpu: 8, verdict: 12, record: 16 } as const;
/** Largest record a raw program builds (on its stack, with the header). */
export const RAW_RECORD_MAX = 256;
