// Test helper: the Linux metadata a generated frame is given when a filter reads it (`inbound`, `outbound`,
// `ifindex N`), for libpcap's program (through @tfc/kernel/sys's withLinuxMeta) and the IR evaluator alike.
// Invariants: pure and deterministic (drawn from the frame's bytes); covers every pkt_type the kernel sets on a
// receive or a transmit (host, broadcast, multicast, other host, outgoing) and two interface indexes.
import type { LinuxPacketMeta } from '@tfc/kernel/sys';

export function metaOf(frame: Uint8Array): LinuxPacketMeta {
  const h = frame.reduce((a, b) => (a * 31 + b) >>> 0, frame.length);
  return { pkttype: [0, 4, 1, 2, 3, 4][h % 6]!, ifindex: [2, 7][(h >>> 8) % 2]! };
}
