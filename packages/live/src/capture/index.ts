/*
 * Packet captures (pcap and pcapng): readers that sniff the format, writers, pcapng block encoders for streaming,
 * and trace-frame captures with per-device interfaces, event comments and statistics. Pure: bytes in, bytes out.
 * Invariants: readCapture never throws on any input; the result is either a Capture or an error value with the
 * byte offset of the fault; writers are deterministic.
 */
import { isPcap, readPcap } from './pcap.ts';
import { isPcapng, readPcapng } from './pcapng.ts';
import type { CaptureResult } from './types.ts';

export { isPcap, type PcapWriteOptions, readPcap, writePcap } from './pcap.ts';
export {
  isPcapng,
  type PcapngCaptureDescription,
  type PcapngWriteOptions,
  readPcapng,
  writePcapng,
  writePcapngCapture,
} from './pcapng.ts';
export {
  BLOCK,
  concatBlocks,
  type InterfaceDescription,
  interfaceBlock,
  PacketBlockBuffer,
  type PacketDescription,
  packetBlock,
  type StatisticsDescription,
  sectionHeaderBlock,
  statisticsBlock,
} from './pcapng-blocks.ts';
export { type EventNamer, TraceCounters, type TraceDeviceCapture, writeTracePcapng } from './trace.ts';
export type {
  ByteOrder,
  Capture,
  CaptureFormat,
  CaptureInterface,
  CaptureRecord,
  CaptureResult,
  InterfaceStatistics,
  Precision,
} from './types.ts';
export { LINKTYPE, MAX_RECORD } from './types.ts';

/** Reads a pcap or pcapng capture, whichever the first bytes say. */
export function readCapture(bytes: Uint8Array): CaptureResult {
  if (isPcapng(bytes)) return readPcapng(bytes);
  if (isPcap(bytes)) return readPcap(bytes);
  return { ok: false, error: 'not a pcap or pcapng capture (unknown magic number)', offset: 0 };
}
export {
  epbFlags,
  PACKET_TYPE_NAMES,
  parseSkbComment,
  type SkbPacket,
  type SkbPacketMeta,
  SkbPcapngWriter,
  skbComment,
  withLinkHeader,
} from './skb.ts';
