/*
 * pcapng for packets captured where the kernel handles them (`tfc capture`): one interface per hook (if_name = the
 * hook, `skb/kfree_skb`), all LINKTYPE_ETHERNET: a packet that starts at the network header (no link header on
 * its skb) gets a synthesized Ethernet header (zero addresses, the EtherType of skb->protocol, else of the IP
 * version) and `l2=synthesized` in its comment, because libpcap (tcpdump) refuses a file whose interfaces differ
 * in link type. Each packet's Enhanced Packet Block carries its metadata
 * as one opt_comment line of `key=value` pairs, plus the standard options where pcapng has them: epb_flags
 * (direction and reception type), epb_packetid (the skb address: the same skb seen at several hooks has the same
 * id), epb_dropcount (records the kernel lost since the previous packet).
 * Invariants: pure and deterministic; an interface block is emitted (once) just before the first packet that
 * needs it, so the output can be streamed; comment values never contain spaces or '=' (names are sanitised) and
 * `parseSkbComment(skbComment(m))` gives back every field written.
 */
import { concatBlocks, interfaceBlock, sectionHeaderBlock, statisticsBlock } from './pcapng-blocks.ts';
import { LINKTYPE } from './types.ts';

/** The metadata of one captured packet, already named (drop reason, symbol, device). */
export interface SkbPacketMeta {
  readonly hook: string;
  /** Drop reason name (`NO_SOCKET`), absent where the hook has none. */
  readonly reason?: string;
  /** `symbol+0xoff` of the caller (kfree_skb, consume_skb). */
  readonly location?: string;
  readonly ifindex: number;
  readonly device?: string;
  readonly netns: number;
  readonly pid: number;
  readonly tid: number;
  readonly comm: string;
  readonly skb: bigint;
  readonly mark: number;
  /** `skb->protocol` (host order EtherType). */
  readonly protocol: number;
  readonly pktType: number;
  /** Out-of-band VLAN tag (TPID host order, TCI), when there is one. */
  readonly vlan?: { readonly proto: number; readonly tci: number };
  /** 'in'/'out' when the hook says so (receive/transmit tracepoints) or pkt_type is OUTGOING. */
  readonly direction?: 'in' | 'out';
}

export interface SkbPacket extends SkbPacketMeta {
  /** Nanoseconds since the epoch. */
  readonly ts: bigint;
  /** Packet length as a tap would see it. */
  readonly len: number;
  readonly data: Uint8Array;
  /** 0: bytes start at the Ethernet header; 1: at the network header. */
  readonly start: number;
  /** Records the kernel lost since the previous packet (epb_dropcount), when known. */
  readonly lostBefore?: bigint;
}

/** pkt_type names (include/uapi/linux/if_packet.h). */
export const PACKET_TYPE_NAMES: readonly string[] = [
  'HOST',
  'BROADCAST',
  'MULTICAST',
  'OTHERHOST',
  'OUTGOING',
  'LOOPBACK',
  'USER',
  'KERNEL',
];

const clean = (s: string): string => s.replace(/[\s=]/g, '_').replace(/[\x00-\x1f\x7f]/g, '?');

/** The EPB comment: `hook=… reason=… location=… dev=… ifindex=… netns=… pid=… tid=… comm=… skb=0x… …`. */
export function skbComment(m: SkbPacketMeta | SkbPacket): string {
  const parts: [string, string][] = [['hook', m.hook]];
  if (m.reason !== undefined) parts.push(['reason', m.reason]);
  if (m.location !== undefined) parts.push(['location', m.location]);
  if (m.device !== undefined) parts.push(['dev', m.device]);
  parts.push(
    ['ifindex', String(m.ifindex)],
    ['netns', String(m.netns)],
    ['pid', String(m.pid)],
    ['tid', String(m.tid)],
    ['comm', m.comm],
    ['skb', `0x${m.skb.toString(16)}`],
    ['protocol', `0x${m.protocol.toString(16).padStart(4, '0')}`],
    ['pkt_type', PACKET_TYPE_NAMES[m.pktType] ?? String(m.pktType)],
    ['mark', `0x${m.mark.toString(16)}`],
  );
  if ('start' in m && m.start === 1) parts.push(['l2', 'synthesized']);
  if (m.vlan !== undefined)
    parts.push([
      'vlan',
      `0x${m.vlan.proto.toString(16).padStart(4, '0')}:${m.vlan.tci & 0xfff}:${m.vlan.tci >> 13}`,
    ]);
  return parts.map(([k, v]) => `${k}=${clean(v === '' ? '-' : v)}`).join(' ');
}

/** The key/value pairs of an EPB comment written by skbComment (other text gives what it can). */
export function parseSkbComment(comment: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of comment.trim().split(/\s+/)) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

const OPT_FLAGS = 2;
const OPT_DROPCOUNT = 4;
const OPT_PACKETID = 5;
const OPT_COMMENT = 1;

/** epb_flags: bits 0-1 direction (1 inbound, 2 outbound), bits 2-4 reception type (from pkt_type, inbound only). */
export function epbFlags(direction: 'in' | 'out' | undefined, pktType: number): number {
  const dir = direction === 'in' ? 1 : direction === 'out' ? 2 : 0;
  // pkt_type HOST → unicast (1), BROADCAST → 3, MULTICAST → 2, OTHERHOST → promiscuous (4)
  const rx = direction === 'in' ? ([1, 3, 2, 4][pktType] ?? 0) : 0;
  return dir | (rx << 2);
}

const pad4 = (n: number) => (n + 3) & ~3;

/** A network-header packet with a synthesized Ethernet header in front (zero addresses); others unchanged. */
export function withLinkHeader(p: SkbPacket): SkbPacket {
  if (p.start === 0) return p;
  const v = (p.data[0] ?? 0) >> 4;
  const type = p.protocol !== 0 ? p.protocol : v === 4 ? 0x0800 : v === 6 ? 0x86dd : 0;
  const data = new Uint8Array(14 + p.data.length);
  data[12] = type >> 8;
  data[13] = type & 0xff;
  data.set(p.data, 14);
  return { ...p, data, len: p.len + 14 };
}

function epb(iface: number, p: SkbPacket, comment: string): Uint8Array {
  const text = new TextEncoder().encode(comment).subarray(0, 0xffff);
  const flags = epbFlags(p.direction, p.pktType);
  const opts: [number, Uint8Array][] = [[OPT_COMMENT, text]];
  if (flags !== 0) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, flags, true);
    opts.push([OPT_FLAGS, b]);
  }
  const id = new Uint8Array(8);
  new DataView(id.buffer).setBigUint64(0, p.skb, true);
  opts.push([OPT_PACKETID, id]);
  if (p.lostBefore !== undefined && p.lostBefore > 0n) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, p.lostBefore, true);
    opts.push([OPT_DROPCOUNT, b]);
  }
  const optLen = opts.reduce((s, [, v]) => s + 4 + pad4(v.length), 4);
  const body = 20 + pad4(p.data.length) + optLen;
  const total = 12 + body;
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, 6, true);
  v.setUint32(4, total, true);
  v.setUint32(8, iface >>> 0, true);
  const ts = p.ts < 0n ? 0n : p.ts;
  v.setUint32(12, Number(ts >> 32n), true);
  v.setUint32(16, Number(ts & 0xffffffffn), true);
  v.setUint32(20, p.data.length, true);
  v.setUint32(24, p.len >>> 0, true);
  out.set(p.data, 28);
  let at = 28 + pad4(p.data.length);
  for (const [code, value] of opts) {
    v.setUint16(at, code, true);
    v.setUint16(at + 2, value.length, true);
    out.set(value, at + 4);
    at += 4 + pad4(value.length);
  }
  v.setUint32(total - 4, total, true);
  return out;
}

/** Streams a capture as pcapng blocks: header() first, then packet() per packet, end() last. */
export class SkbPcapngWriter {
  readonly #snaplen: number;
  readonly #ifaces = new Map<string, number>();
  readonly #delivered: bigint[] = [];
  constructor(snaplen: number) {
    this.#snaplen = snaplen;
  }

  /** The section header block. */
  header(): Uint8Array {
    return sectionHeaderBlock();
  }

  /** The blocks for one packet: its interface block the first time its hook is seen, then the EPB. */
  packet(p: SkbPacket): Uint8Array {
    const key = p.hook;
    let iface = this.#ifaces.get(key);
    const blocks: Uint8Array[] = [];
    if (iface === undefined) {
      iface = this.#ifaces.size;
      this.#ifaces.set(key, iface);
      this.#delivered.push(0n);
      blocks.push(
        interfaceBlock({
          linkType: LINKTYPE.ETHERNET,
          snaplen: this.#snaplen + 14,
          precision: 'nsec',
          name: p.hook,
          description: `tfc capture at ${p.hook}`,
        }),
      );
    }
    this.#delivered[iface] = (this.#delivered[iface] ?? 0n) + 1n;
    blocks.push(epb(iface, withLinkHeader(p), skbComment(p)));
    return concatBlocks(blocks);
  }

  /** One statistics block per interface: packets written (isb_usrdeliv); `lost` records go to the first one. */
  end(ts: bigint, lost: bigint): Uint8Array {
    const blocks: Uint8Array[] = [];
    for (const [, iface] of this.#ifaces)
      blocks.push(
        statisticsBlock(
          {
            iface,
            ts,
            delivered: this.#delivered[iface] ?? 0n,
            ...(iface === 0
              ? { osDropped: lost, comments: [`records lost by the kernel (all hooks): ${lost}`] }
              : {}),
          },
          'nsec',
        ),
      );
    return concatBlocks(blocks);
  }

  get interfaces(): number {
    return this.#ifaces.size;
  }
}
