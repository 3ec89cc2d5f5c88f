// `tfc capture --path`: the hooks one skb passes, followed by its address. A path opens when a record matches the
// filter at any hook, takes every later record with the same skb address and the same packet identity (matching
// or not: the filter may stop matching after NAT), and closes at the free (skb/kfree_skb with its reason,
// skb/consume_skb).
// Invariants: a record after the free, at the same address, is a new packet: it opens a new path only if it
// matches. The kernel also frees skbs without a tracepoint (`__kfree_skb` in TCP's receive path), so an address
// can come back as another packet unseen: a record whose identity (IPv4: protocol, id, total length; IPv6: next
// header, payload length, flow label; TCP: sequence and acknowledgement numbers; none for other bytes) differs
// from the path's last step, or that comes more than `idleNs` after it, closes the path as "no free seen" first.
// At most `maxOpen` paths are open (the oldest is closed as "evicted"); finish() closes the rest as "in flight".
import type { SkbPacket } from '@tfc/live';

export type PathEnd = 'dropped' | 'consumed' | 'no free seen' | 'evicted' | 'in flight';

export interface PacketPath {
  readonly skb: bigint;
  readonly steps: readonly SkbPacket[];
  readonly end: PathEnd;
}

/** What stays the same while one packet crosses the stack (NAT rewrites addresses and ports, not these). */
export function packetIdentity(data: Uint8Array, start: number): string | undefined {
  const u16 = (o: number) => (((data[o] ?? 0) << 8) | (data[o + 1] ?? 0)) >>> 0;
  const u32 = (o: number) => ((u16(o) << 16) | u16(o + 2)) >>> 0;
  let o = 0;
  let v = 0;
  if (start === 0) {
    if (data.length < 14) return undefined;
    let type = u16(12);
    o = 14;
    while ((type === 0x8100 || type === 0x88a8) && data.length >= o + 4) {
      type = u16(o + 2);
      o += 4;
    }
    v = type === 0x0800 ? 4 : type === 0x86dd ? 6 : 0;
  } else v = (data[0] ?? 0) >> 4;
  let key: string;
  let proto: number;
  let l4: number;
  if (v === 4 && data.length >= o + 20) {
    proto = data[o + 9] ?? 0;
    key = `4/${proto}/${u16(o + 4)}/${u16(o + 2)}`;
    l4 = o + ((data[o] ?? 0) & 0xf) * 4;
  } else if (v === 6 && data.length >= o + 40) {
    proto = data[o + 6] ?? 0;
    key = `6/${proto}/${u16(o + 4)}/${u32(o) & 0xfffff}`;
    l4 = o + 40;
  } else return undefined;
  if (proto === 6 && data.length >= l4 + 12) key += `/${u32(l4 + 4)}/${u32(l4 + 8)}`;
  return key;
}

const FREE_HOOKS: Readonly<Record<string, PathEnd>> = {
  'skb/kfree_skb': 'dropped',
  'skb/consume_skb': 'consumed',
};

export class PathTracker {
  readonly #open = new Map<bigint, SkbPacket[]>();
  readonly #idleNs: bigint;
  readonly #maxOpen: number;
  constructor(options: { readonly idleNs?: bigint; readonly maxOpen?: number } = {}) {
    this.#idleNs = options.idleNs ?? 1_000_000_000n;
    this.#maxOpen = options.maxOpen ?? 65536;
  }

  /** Feeds one record (in time order): whether it joined a path, and the paths it closed. */
  add(p: SkbPacket, matches: boolean): { readonly joined: boolean; readonly closed: PacketPath[] } {
    const closed: PacketPath[] = [];
    let steps = this.#open.get(p.skb);
    const last = steps?.[steps.length - 1];
    if (
      steps !== undefined &&
      last !== undefined &&
      (p.ts - last.ts > this.#idleNs ||
        packetIdentity(p.data, p.start) !== packetIdentity(last.data, last.start))
    ) {
      this.#open.delete(p.skb);
      closed.push({ skb: p.skb, steps, end: 'no free seen' });
      steps = undefined;
    }
    if (steps === undefined) {
      if (!matches) return { joined: false, closed };
      if (this.#open.size >= this.#maxOpen) {
        const [oldest, s] = this.#open.entries().next().value as [bigint, SkbPacket[]];
        this.#open.delete(oldest);
        closed.push({ skb: oldest, steps: s, end: 'evicted' });
      }
      steps = [];
      this.#open.set(p.skb, steps);
    }
    steps.push(p);
    const end = FREE_HOOKS[p.hook];
    if (end !== undefined) {
      this.#open.delete(p.skb);
      closed.push({ skb: p.skb, steps, end });
    }
    return { joined: true, closed };
  }

  /** Closes every open path (oldest first) as in flight. */
  finish(): PacketPath[] {
    const out = [...this.#open].map(([skb, steps]) => ({ skb, steps, end: 'in flight' as const }));
    this.#open.clear();
    return out;
  }
}
