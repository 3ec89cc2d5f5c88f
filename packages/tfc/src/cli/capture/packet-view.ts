// A capture record turned into what the outputs show: the bytes a tap would see (an out-of-band VLAN tag put back
// after the MAC addresses, as libpcap does on Linux), names for the drop reason, location and device, epoch time,
// and a one-line tcpdump-like summary of the packet.
// Invariants: pure given its resolvers; the summary never throws on truncated or malformed bytes (it says what it
// could read); the reinserted tag adds exactly 4 bytes to both lengths and only when the bytes start at L2.
import type { CaptureRecord, Hook } from '@tfc/kernel/skb';
import type { SkbPacket } from '@tfc/live';

export interface Resolvers {
  readonly hooks: readonly Hook[];
  readonly reason: (r: number) => string;
  readonly symbol: (a: bigint) => string;
  readonly device: (netns: number, ifindex: number) => string | undefined;
  /** epoch ns − monotonic ns. */
  readonly clockOffset: bigint;
}

const OUT_HOOKS: ReadonlySet<string> = new Set(['net_dev_queue', 'net_dev_xmit', 'net_dev_start_xmit']);
const IN_HOOKS: ReadonlySet<string> = new Set(['netif_receive_skb', 'netif_rx', 'netif_receive_skb_entry']);

/** The bytes and length a tap would show. */
export function tapBytes(r: CaptureRecord): { readonly data: Uint8Array; readonly len: number } {
  if (r.start !== 0 || r.vlanProto === 0 || r.data.length < 12) return { data: r.data, len: r.len };
  const out = new Uint8Array(r.data.length + 4);
  out.set(r.data.subarray(0, 12));
  out[12] = r.vlanProto >> 8;
  out[13] = r.vlanProto & 0xff;
  out[14] = r.vlanTci >> 8;
  out[15] = r.vlanTci & 0xff;
  out.set(r.data.subarray(12), 16);
  return { data: out, len: r.len + 4 };
}

/** The packet as the pcapng writer and the printers take it. */
export function packetOf(r: CaptureRecord, res: Resolvers, lostBefore?: bigint): SkbPacket {
  const hook = res.hooks[r.hook];
  const name = hook?.name ?? `hook${r.hook}`;
  const { data, len } = tapBytes(r);
  const device = res.device(r.netns, r.ifindex);
  const direction =
    hook !== undefined && OUT_HOOKS.has(hook.target)
      ? 'out'
      : hook !== undefined && IN_HOOKS.has(hook.target)
        ? 'in'
        : r.pktType === 4
          ? 'out'
          : undefined;
  return {
    hook: name,
    ...(hook?.reasonArg !== undefined ? { reason: res.reason(r.reason) } : {}),
    ...(hook?.locationArg !== undefined ? { location: res.symbol(r.location) } : {}),
    ifindex: r.ifindex,
    ...(device !== undefined ? { device } : {}),
    netns: r.netns,
    pid: r.tgid,
    tid: r.tid,
    comm: r.comm,
    skb: r.skb,
    mark: r.mark,
    protocol: r.protocol,
    pktType: r.pktType,
    ...(r.vlanProto !== 0 ? { vlan: { proto: r.vlanProto, tci: r.vlanTci } } : {}),
    ...(direction !== undefined ? { direction } : {}),
    ts: r.timeNs + res.clockOffset,
    len,
    data,
    start: r.start,
    ...(lostBefore !== undefined && lostBefore > 0n ? { lostBefore } : {}),
  };
}

const ip4 = (b: Uint8Array, o: number) => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
function ip6(b: Uint8Array, o: number): string {
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push((((b[o + i] ?? 0) << 8) | (b[o + i + 1] ?? 0)).toString(16));
  return words.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

/** A one-line summary: `10.0.0.1.40000 > 10.0.0.2.9999: UDP, length 3`. */
export function summarize(data: Uint8Array, start: number): string {
  const u16 = (o: number) => (((data[o] ?? 0) << 8) | (data[o + 1] ?? 0)) >>> 0;
  let o = 0;
  let type: number;
  const pre: string[] = [];
  if (start === 0) {
    if (data.length < 14) return `truncated Ethernet (${data.length} bytes)`;
    type = u16(12);
    o = 14;
    while ((type === 0x8100 || type === 0x88a8) && data.length >= o + 4) {
      pre.push(`vlan ${u16(o) & 0xfff}`);
      type = u16(o + 2);
      o += 4;
    }
  } else {
    const v = (data[0] ?? 0) >> 4;
    type = v === 4 ? 0x0800 : v === 6 ? 0x86dd : 0;
  }
  const head = pre.length > 0 ? `${pre.join(', ')}, ` : '';
  let src: string;
  let dst: string;
  let proto: number;
  let l4: number;
  let payloadEnd: number;
  if (type === 0x0800) {
    if (data.length < o + 20) return `${head}IPv4, truncated`;
    const ihl = ((data[o] ?? 0) & 0xf) * 4;
    src = ip4(data, o + 12);
    dst = ip4(data, o + 16);
    proto = data[o + 9] ?? 0;
    l4 = o + ihl;
    payloadEnd = o + u16(o + 2);
  } else if (type === 0x86dd) {
    if (data.length < o + 40) return `${head}IPv6, truncated`;
    src = ip6(data, o + 8);
    dst = ip6(data, o + 24);
    proto = data[o + 6] ?? 0;
    l4 = o + 40;
    payloadEnd = l4 + u16(o + 4);
  } else if (type === 0x0806) {
    return `${head}ARP`;
  } else {
    return `${head}ethertype 0x${type.toString(16).padStart(4, '0')}`;
  }
  if ((proto === 6 || proto === 17) && data.length >= l4 + 4) {
    const name = proto === 6 ? 'TCP' : 'UDP';
    const len = proto === 17 ? u16(l4 + 4) - 8 : payloadEnd - l4 - ((data[l4 + 12] ?? 0) >> 4) * 4;
    return `${head}${src}.${u16(l4)} > ${dst}.${u16(l4 + 2)}: ${name}, length ${Math.max(len, 0)}`;
  }
  if (proto === 1 || proto === 58)
    return `${head}${src} > ${dst}: ICMP${proto === 58 ? '6' : ''} type ${data[l4] ?? '?'}`;
  return `${head}${src} > ${dst}: ip-proto ${proto}`;
}
