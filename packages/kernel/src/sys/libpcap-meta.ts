// libpcap programs that read a packet's Linux metadata — `inbound`, `outbound`, `ifindex N` and `vlan` compiled for
// a live capture: the absolute loads SKF_AD_OFF + SKF_AD_PKTTYPE / SKF_AD_IFINDEX / SKF_AD_VLAN_TAG /
// SKF_AD_VLAN_TAG_PRESENT — made runnable by libpcap's own bpf_filter, which has no metadata (such a load lies past
// any packet: the program rejects). The kernel reads skb->pkt_type, skb->dev->ifindex, skb->vlan_tci (16 bits) and
// skb->vlan_all != 0 for any load size; `withLinuxMeta` replaces each such load by an immediate load of the value
// the kernel would read — one instruction for one, so no jump moves — and bpf_filter then decides as the kernel's
// interpreter would on a packet with that metadata.
// Invariants: pure; programs are encoded struct bpf_insn arrays (8 bytes, little-endian code and k as on x86);
// other ancillary offsets are left alone (a program reading them still rejects in bpf_filter).

const SKF_AD_OFF = 0xfffff000;
const AD_PKTTYPE = SKF_AD_OFF + 4;
const AD_IFINDEX = SKF_AD_OFF + 8;
const AD_VLAN_TAG = SKF_AD_OFF + 44;
const AD_VLAN_TAG_PRESENT = SKF_AD_OFF + 48;
const META_LOADS: ReadonlySet<number> = new Set([AD_PKTTYPE, AD_IFINDEX, AD_VLAN_TAG, AD_VLAN_TAG_PRESENT]);
/** ld, ldh, ldb [k] */
const LD_ABS: ReadonlySet<number> = new Set([0x20, 0x28, 0x30]);
const LD_IMM = 0x00;

/** A packet's Linux metadata as the kernel's ancillary loads read it. */
export interface LinuxPacketMeta {
  /** skb->pkt_type: 0 host, 1 broadcast, 2 multicast, 3 other host, 4 outgoing. */
  readonly pkttype: number;
  /** skb->dev->ifindex. */
  readonly ifindex: number;
  /** 1 when the kernel moved the frame's outer VLAN tag into the skb (default 0). */
  readonly vlanPresent?: number;
  /** That tag's TCI, skb->vlan_tci (default 0). */
  readonly vlanTci?: number;
}

const code = (p: Uint8Array, i: number) => p[i * 8]! | (p[i * 8 + 1]! << 8);
const kOf = (p: Uint8Array, i: number) =>
  new DataView(p.buffer, p.byteOffset + i * 8 + 4, 4).getUint32(0, true);
const metaLoad = (p: Uint8Array, i: number) => LD_ABS.has(code(p, i)) && META_LOADS.has(kOf(p, i));

/** What the kernel's ancillary load at `k` reads from `meta`. */
function metaValue(k: number, meta: LinuxPacketMeta): number {
  if (k === AD_PKTTYPE) return meta.pkttype;
  if (k === AD_IFINDEX) return meta.ifindex;
  if (k === AD_VLAN_TAG) return (meta.vlanTci ?? 0) & 0xffff;
  return (meta.vlanPresent ?? 0) === 0 ? 0 : 1;
}

/** Whether the program reads a packet's pkt_type, ifindex or VLAN metadata. */
export function readsLinuxMeta(program: Uint8Array): boolean {
  for (let i = 0; i < program.length / 8; i++) if (metaLoad(program, i)) return true;
  return false;
}

/** The program with its metadata loads made immediate loads of `meta`'s values. */
export function withLinuxMeta(program: Uint8Array, meta: LinuxPacketMeta): Uint8Array {
  const out = program.slice();
  const v = new DataView(out.buffer);
  for (let i = 0; i < out.length / 8; i++) {
    if (!metaLoad(out, i)) continue;
    const value = metaValue(kOf(out, i), meta);
    v.setUint16(i * 8, LD_IMM, true);
    v.setUint32(i * 8 + 4, value >>> 0, true);
  }
  return out;
}
