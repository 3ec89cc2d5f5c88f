// Test helper: an sk_buff in simulated kernel memory for tfc's eBPF VM, laid out by an SkbLayout (struct sk_buff,
// its net_device and net, the head buffer with headroom), and what a tap would see of it (the bytes from the packet
// start, the packet length, the start flag) — the expectation the skb context's prologue must meet.
// Invariants: addresses are fixed and distinct; fields are written little-endian at the layout's offsets (pkt_type
// into its bitfield); nothing here imports the code under test's internals.

import type * as ebpf from '@tfc/bpf/ebpf';
import type { SkbField, SkbLayout } from '@tfc/codegen-bpf';

export const ADDR = {
  skb: 0xffff888000100000n,
  head: 0xffff888000200000n,
  dev: 0xffff888000300000n,
  net: 0xffff888000400000n,
};

export interface SimSkb {
  /** The frame as it would be on the wire from its Ethernet header (or from the IP header when `l3only`). */
  readonly frame: Uint8Array;
  /** The frame has no link header (raw IP). */
  readonly l3only: boolean;
  /** Where skb->data points: at the L2 header (tx) or at the L3 header (rx after eth_type_trans). */
  readonly dataAt: 'l2' | 'l3';
  readonly macSet: boolean;
  /** dev->type (1 Ethernet, 772 loopback, 65534 none) or no device. */
  readonly devType: number | undefined;
  /** Linear bytes of the packet (the rest would be in page fragments: never read). */
  readonly linear: number;
  readonly pktType: number;
  readonly mark: number;
  readonly vlanTci: number;
  /** An out-of-band tag (vlan_proto, e.g. 0x8100; 0 = none). */
  readonly vlanProto: number;
  readonly ifindex: number;
  readonly inum: number;
}

export interface Expectation {
  readonly start: 0 | 1;
  /** The bytes from the packet start (what libpcap judges), before the snaplen cut. */
  readonly bytes: Uint8Array;
  readonly pktLen: number;
  readonly linearFromStart: number;
}

const HEADROOM = 64;

function put(b: DataView, f: SkbField, v: bigint | number): void {
  const x = BigInt(v);
  if (f.bit) {
    const m = (1 << f.bit.bits) - 1;
    const old = b.getUint8(f.offset);
    b.setUint8(f.offset, (old & ~(m << f.bit.shift)) | ((Number(x) & m) << f.bit.shift));
    return;
  }
  if (f.size === 1) b.setUint8(f.offset, Number(x & 0xffn));
  else if (f.size === 2) b.setUint16(f.offset, Number(x & 0xffffn), true);
  else if (f.size === 4) b.setUint32(f.offset, Number(x & 0xffffffffn), true);
  else b.setBigUint64(f.offset, BigInt.asUintN(64, x), true);
}

/** Kernel memory and the ctx (argument array) for one sk_buff, and what the program should see. */
export function simulate(
  L: SkbLayout,
  s: SimSkb,
  skbArg = 0,
  reinsert = false,
): { memory: ebpf.VmMemory[]; ctx: Uint8Array; expect: Expectation } {
  const linkLen = s.l3only ? 0 : 14;
  const buf = new Uint8Array(HEADROOM + s.frame.length + 32).fill(0xa5);
  buf.set(s.frame, HEADROOM);
  const macOff = HEADROOM;
  const netOff = HEADROOM + Math.min(linkLen, s.frame.length);
  const dataOff = s.dataAt === 'l2' ? macOff : netOff;
  const endOff = HEADROOM + s.frame.length;
  const tailOff = Math.min(endOff, dataOff + Math.max(0, s.linear));
  const skb = new DataView(new ArrayBuffer(1024));
  put(skb, L.skb.head, ADDR.head);
  put(skb, L.skb.data, ADDR.head + BigInt(dataOff));
  put(skb, L.skb.len, endOff - dataOff);
  put(skb, L.skb.macHeader, s.macSet ? macOff : 0xffff);
  put(skb, L.skb.networkHeader, netOff);
  put(skb, L.skb.tail, tailOff);
  put(skb, L.skb.dev, s.devType === undefined ? 0n : ADDR.dev);
  const proto = s.l3only
    ? (s.frame[0] ?? 0) >> 4 === 6
      ? 0x86dd
      : 0x800
    : ((s.frame[12] ?? 0) << 8) | (s.frame[13] ?? 0);
  put(skb, L.skb.protocol, ((proto & 0xff) << 8) | (proto >> 8));
  put(skb, L.skb.pktType, s.pktType);
  put(skb, L.skb.mark, s.mark);
  put(skb, L.skb.vlanTci, s.vlanTci);
  put(skb, L.skb.vlanProto, ((s.vlanProto & 0xff) << 8) | (s.vlanProto >> 8));
  const dev = new DataView(new ArrayBuffer(1024));
  put(dev, L.dev.ifindex, s.ifindex);
  put(dev, L.dev.type, s.devType ?? 0);
  put(dev, L.dev.ndNet, ADDR.net);
  const net = new DataView(new ArrayBuffer(512));
  put(net, L.net.inum, s.inum);
  const memory: ebpf.VmMemory[] = [
    { addr: ADDR.skb, bytes: new Uint8Array(skb.buffer) },
    { addr: ADDR.head, bytes: buf },
    ...(s.devType === undefined ? [] : [{ addr: ADDR.dev, bytes: new Uint8Array(dev.buffer) }]),
    { addr: ADDR.net, bytes: new Uint8Array(net.buffer) },
  ];
  const ctx = new Uint8Array(8 * 4);
  new DataView(ctx.buffer).setBigUint64(8 * skbArg, ADDR.skb, true);
  const l2 = s.macSet && (s.devType === 1 || s.devType === 772);
  const startOff = l2 ? macOff : netOff;
  const bytes = buf.slice(startOff, endOff);
  const linear = Math.max(0, tailOff - startOff);
  if (reinsert && l2 && s.vlanProto !== 0 && linear >= 12) {
    const tag = [s.vlanProto >> 8, s.vlanProto & 0xff, s.vlanTci >> 8, s.vlanTci & 0xff];
    return {
      memory,
      ctx,
      expect: {
        start: 0,
        bytes: Uint8Array.from([...bytes.subarray(0, 12), ...tag, ...bytes.subarray(12)]),
        pktLen: bytes.length + 4,
        linearFromStart: linear + 4,
      },
    };
  }
  return {
    memory,
    ctx,
    expect: { start: l2 ? 0 : 1, bytes, pktLen: Math.max(0, endOff - startOff), linearFromStart: linear },
  };
}
