/*
 * The capture model shared by the pcap and pcapng readers and writers: plain data, no I/O.
 * Invariants: a record's `data.length` is its captured length (caplen) and `len` its original length on the wire
 * (len >= caplen is not enforced: files in the wild break it, and the readers keep what the file says);
 * timestamps are nanoseconds since the Unix epoch as a bigint, whatever the file's resolution; `linkType` is the
 * LINKTYPE_* number (the 16 low bits of the pcap header's network field; the IDB's for pcapng).
 */

export type CaptureFormat = 'pcap' | 'pcapng';
export type Precision = 'usec' | 'nsec';
export type ByteOrder = 'le' | 'be';

export interface CaptureRecord {
  /** Nanoseconds since the epoch. */
  readonly ts: bigint;
  /** Original length of the packet. */
  readonly len: number;
  /** Captured bytes (caplen = data.length). */
  readonly data: Uint8Array;
  /** pcapng: the interface the packet came from (index into `interfaces`); pcap: always 0. */
  readonly iface: number;
  /** pcapng: the EPB's opt_comment (a trace frame's event name, `sock:inet_sock_set_state`). */
  readonly comment?: string;
  /** pcapng EPB options, when present: epb_flags, epb_dropcount, epb_packetid. */
  readonly flags?: number;
  readonly dropCount?: bigint;
  readonly packetId?: bigint;
}

export interface CaptureInterface {
  readonly linkType: number;
  readonly snaplen: number;
  /** Timestamp resolution as written in the file (pcapng if_tsresol, pcap magic). */
  readonly precision: Precision;
  /** pcapng if_name (a trace device's name) and if_description, when the file has them. */
  readonly name?: string;
  readonly description?: string;
}

/**
 * A pcapng Interface Statistics Block. Counters are absent when the file does not have them; for trace devices
 * (docs/wireshark.md): received = events the kernel produced for the device (delivered + lost), dropped = events
 * the kernel reported lost, osDropped = events tfc dropped itself, delivered = frames written; comments carry the
 * per-CPU and per-event breakdown, one line each.
 */
export interface InterfaceStatistics {
  readonly iface: number;
  /** Nanoseconds since the epoch (the block's own timestamp). */
  readonly ts: bigint;
  readonly start?: bigint;
  readonly end?: bigint;
  readonly received?: bigint;
  readonly dropped?: bigint;
  readonly accepted?: bigint;
  readonly osDropped?: bigint;
  readonly delivered?: bigint;
  readonly comments: readonly string[];
}

export interface Capture {
  readonly format: CaptureFormat;
  readonly order: ByteOrder;
  /** pcap: exactly one interface (from the file header). */
  readonly interfaces: readonly CaptureInterface[];
  readonly records: readonly CaptureRecord[];
  /** pcapng: the Interface Statistics Blocks, in file order (absent for pcap and when there are none). */
  readonly statistics?: readonly InterfaceStatistics[];
}

export type CaptureResult =
  | { readonly ok: true; readonly capture: Capture }
  | { readonly ok: false; readonly error: string; readonly offset: number };

/** LINKTYPE_* names for the common link types (for messages and listings). */
export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  LINUX_SLL2: 276,
} as const;

/** Readers refuse a record larger than this (libpcap's MAXIMUM_SNAPLEN is 262144; leave headroom). */
export const MAX_RECORD = 1 << 24;
