// The skb context's plain data: the sk_buff layout a program is generated for (read from BTF by the caller, never
// here), the hook it attaches to, the capture mode, and the capture record every program writes (the contract shared
// with `tfc capture`).
// Invariants: pure data, no kernel access; record offsets are the contract's and never change here; a layout names
// where it came from (`source`: the running kernel's BTF or a labelled snapshot).

/** Where a struct member lies: byte offset and size; bitfields also give the bit shift and width (little-endian). */
export interface SkbField {
  readonly offset: number;
  readonly size: number;
  readonly bit?: { readonly shift: number; readonly bits: number };
}

/** The members of struct sk_buff, net_device and net that the skb context reads. */
export interface SkbLayout {
  /** Where the offsets come from, e.g. `BTF of the running kernel 6.18.0` or `snapshot of Linux 6.18 …`. */
  readonly source: string;
  readonly skb: {
    readonly head: SkbField;
    readonly data: SkbField;
    readonly len: SkbField;
    readonly macHeader: SkbField;
    readonly networkHeader: SkbField;
    /** sk_buff_data_t tail: the end of the linear data as an offset from head (64-bit kernels). */
    readonly tail: SkbField;
    readonly dev: SkbField;
    readonly protocol: SkbField;
    readonly pktType: SkbField;
    readonly mark: SkbField;
    readonly vlanTci: SkbField;
    readonly vlanProto: SkbField;
  };
  readonly dev: { readonly ifindex: SkbField; readonly type: SkbField; readonly ndNet: SkbField };
  readonly net: { readonly inum: SkbField };
}

/** The hook: a raw tracepoint (`tp_btf/NAME`) or a kernel function (`fentry/NAME`), with the index of the
 *  `struct sk_buff *` among the program's ctx arguments (and of kfree_skb's reason and location). */
export interface SkbHook {
  readonly kind: 'tp_btf' | 'fentry';
  readonly name: string;
  readonly skbArg: number;
  readonly reasonArg?: number;
  readonly locationArg?: number;
}

/** capture: a record into the ring buffer for every accepted packet, return 0. verdict (tests): a record for every
 *  packet with the verdict (1/0) in the reserved word at 84, return 0. return (tfc's VM, tp_btf only): no ring
 *  buffer, return the verdict. */
export type SkbMode = 'capture' | 'verdict' | 'return';
export const SKB_MODES: readonly SkbMode[] = ['capture', 'verdict', 'return'];

export interface SkbOptions {
  readonly layout: SkbLayout;
  readonly hook: SkbHook;
  /** Written into every record (offset 16): the capture tool's number for this hook. */
  readonly hookIndex: number;
  /** Packet bytes copied at most (default 256). */
  readonly snaplen?: number;
  readonly mode?: SkbMode;
  /** An out-of-band VLAN tag: left out of the bytes (`as-is`, default: the record contract) or put back into them
   *  after the MAC addresses (`reinsert`: what libpcap on Linux shows, so that `vlan` sees the tag). */
  readonly vlan?: 'as-is' | 'reinsert';
  /** Count the records the ring buffer refuses (bpf_ringbuf_output fails: full) in SKB_LOST_MAP, a per-CPU array
   *  (key u32 0, value u64) the loader creates and shares between the hooks' programs. */
  readonly countLost?: boolean;
  /** Follow accepted packets (`tfc capture --path`) in SKB_FOLLOW_MAP, a hash (LRU) of skb addresses → the time of
   *  their last record, shared by the programs of every selected hook: an accepted packet's address is inserted
   *  (record word 84 = 1); a rejected packet whose address is there, seen at most FOLLOW_IDLE_NS after its last
   *  record, is output too (word 84 = 0). `ends: true` for hooks that free the skb (kfree_skb, consume_skb): the
   *  address is deleted after the record, so a reused address is a new packet. Capture mode only. */
  readonly follow?: { readonly ends: boolean };
}

/** A followed address whose last record is older than this is forgotten (the kernel freed it unseen). */
export const FOLLOW_IDLE_NS = 1_000_000_000;

export const DEFAULT_SNAPLEN = 256;
/** Largest snaplen: packet offsets stay within a direct load's 16-bit signed offset. */
export const MAX_SNAPLEN = 16384;
/** The per-CPU scratch record (one entry) and the ring buffer, by name (the loader supplies their fds). */
export const SKB_RECORD_MAP = 'tfc_skb_rec';
export const SKB_RINGBUF_MAP = 'tfc_skb_ring';
/** countLost: the per-CPU lost-record counter; follow: the followed skb addresses (both created by the loader). */
export const SKB_LOST_MAP = 'tfc_skb_lost';
export const SKB_FOLLOW_MAP = 'tfc_skb_follow';

/** The capture record (all little-endian; packet bytes from DATA). */
export const REC = {
  skb: 0,
  time: 8,
  hook: 16,
  reason: 20,
  location: 24,
  ifindex: 32,
  netns: 36,
  tgid: 40,
  tid: 44,
  comm: 48,
  pktLen: 64,
  capLen: 68,
  protocol: 72,
  pktType: 74,
  start: 75,
  mark: 76,
  vlanTci: 80,
  vlanProto: 82,
  /** The verdict word: 1 the filter accepted here, 0 the packet is only followed (--path); the verdict in verdict mode. */
  verdict: 84,
  data: 88,
} as const;

/** dev->type values whose packets start at an Ethernet header (ARPHRD_ETHER, ARPHRD_LOOPBACK). */
export const ETHERNET_ARPHRD: readonly number[] = [1, 772];
