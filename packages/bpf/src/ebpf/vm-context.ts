// Program contexts for the eBPF VM: the inputs a program sees and the uapi ctx layouts.
// Invariants: offsets are those of include/uapi/linux/bpf.h (struct __sk_buff, struct xdp_md) on
// Linux 6.18; `protocol` is given as the host-order ethertype (0x0800) and stored in the ctx as the
// kernel's __be16 skb->protocol reads on a little-endian machine; skbTestRunInput reproduces what
// BPF_PROG_TEST_RUN (net/bpf/test_run.c) builds from a frame: eth_type_trans on a loopback device
// (dev_addr and broadcast 00:00:00:00:00:00, ifindex 1), data at the MAC header for sched_cls and
// sched_act and at the network header otherwise. Inputs are never mutated by the VM (it copies packet and ctx bytes).

/** __sk_buff field offsets (u32 unless noted). */
export const SKB = {
  len: 0,
  pkt_type: 4,
  mark: 8,
  queue_mapping: 12,
  protocol: 16,
  vlan_present: 20,
  vlan_tci: 24,
  vlan_proto: 28,
  priority: 32,
  ingress_ifindex: 36,
  ifindex: 40,
  tc_index: 44,
  cb: 48,
  hash: 68,
  tc_classid: 72,
  data: 76,
  data_end: 80,
  napi_id: 84,
  family: 88,
  remote_ip4: 92,
  local_ip4: 96,
  remote_ip6: 100,
  local_ip6: 116,
  remote_port: 132,
  local_port: 136,
  data_meta: 140,
  flow_keys: 144,
  tstamp: 152,
  wire_len: 160,
  gso_segs: 164,
  sk: 168,
  gso_size: 176,
  tstamp_type: 180,
  hwtstamp: 184,
} as const;
/** sizeof(struct __sk_buff). */
export const SKB_SIZE = 192;
/** __sk_buff fields a program may write (tc; socket filters may write only cb[]). */
export const SKB_WRITABLE: readonly (readonly [number, number])[] = [
  [SKB.mark, 4],
  [SKB.queue_mapping, 4],
  [SKB.priority, 4],
  [SKB.tc_index, 4],
  [SKB.cb, 20],
  [SKB.tc_classid, 4],
  [SKB.tstamp, 8],
];

/** xdp_md field offsets (u32). */
export const XDP = {
  data: 0,
  data_end: 4,
  data_meta: 8,
  ingress_ifindex: 12,
  rx_queue_index: 16,
  egress_ifindex: 20,
} as const;
export const XDP_SIZE = 24;

export type SkbInput = {
  readonly kind: 'skb';
  /** The bytes skb->data points at (linear data; data_end = data + packet.length). */
  readonly packet: Uint8Array;
  /** skb->len (default packet.length). */
  readonly len?: number;
  /** Host-order ethertype (default: bytes 12..13 of the packet when it has 14 bytes, else 0). */
  readonly protocol?: number;
  readonly pktType?: number;
  /** An out-of-band VLAN tag (skb->vlan_all != 0: __sk_buff.vlan_present reads 1) and its TCI. */
  readonly vlanPresent?: boolean;
  readonly vlanTci?: number;
  readonly mark?: number;
  readonly priority?: number;
  readonly ifindex?: number;
  readonly ingressIfindex?: number;
  readonly queueMapping?: number;
  readonly hash?: number;
  readonly tcIndex?: number;
  readonly cb?: readonly number[];
};
export type XdpInput = {
  readonly kind: 'xdp';
  readonly packet: Uint8Array;
  readonly ingressIfindex?: number;
  readonly rxQueueIndex?: number;
};
export type TracepointInput = {
  readonly kind: 'tracepoint';
  /** The event record (common fields first); bytes 0..7 are not readable by programs. */
  readonly record: Uint8Array;
};
export type RawInput = {
  readonly kind: 'raw';
  /** Raw tracepoint args (u64 each) or any read-only ctx bytes. */
  readonly ctx: Uint8Array;
};
export type VmInput = SkbInput | XdpInput | TracepointInput | RawInput;

/** Builds the __sk_buff bytes (data/data_end/data_meta are filled by the VM with pointers). */
export function skbCtxBytes(input: SkbInput): Uint8Array {
  const ctx = new Uint8Array(SKB_SIZE);
  const v = new DataView(ctx.buffer);
  const p = input.packet;
  const proto = input.protocol ?? (p.length >= 14 ? (p[12]! << 8) | p[13]! : 0);
  v.setUint32(SKB.len, input.len ?? p.length, true);
  v.setUint32(SKB.pkt_type, input.pktType ?? 0, true);
  v.setUint32(SKB.vlan_present, input.vlanPresent === true ? 1 : 0, true);
  v.setUint32(SKB.vlan_tci, (input.vlanTci ?? 0) & 0xffff, true);
  v.setUint32(SKB.mark, input.mark ?? 0, true);
  v.setUint32(SKB.queue_mapping, input.queueMapping ?? 0, true);
  // skb->protocol is __be16: its bytes in memory are big-endian.
  v.setUint16(SKB.protocol, proto & 0xffff, false);
  v.setUint32(SKB.priority, input.priority ?? 0, true);
  v.setUint32(SKB.ingress_ifindex, input.ingressIfindex ?? 0, true);
  v.setUint32(SKB.ifindex, input.ifindex ?? 0, true);
  v.setUint32(SKB.tc_index, input.tcIndex ?? 0, true);
  (input.cb ?? []).slice(0, 5).forEach((c, i) => {
    v.setUint32(SKB.cb + 4 * i, c >>> 0, true);
  });
  v.setUint32(SKB.hash, input.hash ?? 0, true);
  v.setUint32(SKB.wire_len, 0, true);
  return ctx;
}

/** Builds the xdp_md bytes (pointer fields are filled by the VM). */
export function xdpCtxBytes(input: XdpInput): Uint8Array {
  const ctx = new Uint8Array(XDP_SIZE);
  const v = new DataView(ctx.buffer);
  v.setUint32(XDP.ingress_ifindex, input.ingressIfindex ?? 0, true);
  v.setUint32(XDP.rx_queue_index, input.rxQueueIndex ?? 0, true);
  return ctx;
}

/** Ethernet frame → what BPF_PROG_TEST_RUN hands a socket filter ('socket') or tc program ('tc'). */
export function skbTestRunInput(frame: Uint8Array, progType: 'socket' | 'tc'): SkbInput {
  const dst = frame.subarray(0, 6);
  // eth_type_trans on loopback: dev->broadcast and dev->dev_addr are both 00:00:00:00:00:00, so a
  // group address (ff:ff:ff:ff:ff:ff included) is PACKET_MULTICAST and any other non-zero address
  // PACKET_OTHERHOST (measured on 6.18 against BPF_PROG_TEST_RUN).
  let pktType = 0; // PACKET_HOST
  if (frame.length >= 6) {
    if ((dst[0]! & 1) !== 0)
      pktType = 2; // PACKET_MULTICAST
    else if (!dst.every((b) => b === 0)) pktType = 3; // PACKET_OTHERHOST
  }
  let protocol = 0;
  if (frame.length >= 14) {
    const t = (frame[12]! << 8) | frame[13]!;
    if (t >= 0x600) protocol = t;
    else protocol = frame.length >= 16 && frame[14] === 0xff && frame[15] === 0xff ? 0x0001 : 0x0004;
  }
  const packet = progType === 'tc' ? frame : frame.subarray(Math.min(14, frame.length));
  return { kind: 'skb', packet, protocol, pktType, ifindex: 1, ingressIfindex: 0 };
}

/** Ethernet frame → what BPF_PROG_TEST_RUN hands an XDP program (loopback, rx queue 0). */
export function xdpTestRunInput(frame: Uint8Array): XdpInput {
  return { kind: 'xdp', packet: frame, ingressIfindex: 1, rxQueueIndex: 0 };
}
