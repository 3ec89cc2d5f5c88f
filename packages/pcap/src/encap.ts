// The encapsulation stack as explicit data: where the EtherType, the link payload and the network
// header are for the link type and the `vlan`/`mpls` primitives seen so far. libpcap keeps these as
// mutable compiler globals that every `vlan`/`mpls` shifts for the rest of the expression; here each
// primitive returns a new Encap and the lowering decides how far it flows (libpcap order, or scoped).
// Invariants: values are immutable; offsets are byte offsets from the start of the packet; `raw`,
// `ipv4` and `ipv6` have no link header (the packet starts with the IP header) and never carry VLAN/MPLS
// shifts; on 802.11 the link payload (and, with radiotap, the link header) is a run-time offset that
// lower.ts fills in (libpcap's off_linkpl.is_variable).
import type { LinkType } from './linktypes.ts';

export type { LinkType } from './linktypes.ts';

export interface Encap {
  readonly link: LinkType;
  /** Offset of the (possibly VLAN-shifted) EtherType / protocol field; unused without one (raw IP). */
  readonly linktype: number;
  /** Offset of the link-layer payload (after Ethernet + VLAN tags). */
  readonly linkpl: number;
  /** Bytes of MPLS label stack (or 802.2+SNAP on 802.11) after the link payload start (libpcap off_nl). */
  readonly nl: number;
  /** libpcap's off_nl_nosnap: where an 802.2-only (no SNAP) payload starts after the link payload. */
  readonly nlNosnap: number;
  /** Number of MPLS labels matched so far (libpcap's label_stack_depth: it outlives `geneve`). */
  readonly mplsDepth: number;
  /** After `geneve` libpcap's offsets are run-time values (lower.ts encodes them as shared values). */
  readonly geneve: boolean;
  /** After `pppoes`: the "link type" is the PPP protocol field (libpcap switches to DLT_PPP rules). */
  readonly ppp: boolean;
  /** After `geneve`: the (dynamic) offset of the inner link header, which `link[…]` indexes from. */
  readonly linkhdr?: number;
}

/** gencode.c init_linktype's offsets (type field, link payload, off_nl, off_nl_nosnap) per link type. */
const INIT: Record<LinkType, readonly [number, number, number, number]> = {
  ethernet: [12, 14, 0, 3],
  raw: [0, 0, 0, 0],
  ipv4: [0, 0, 0, 0],
  ipv6: [0, 0, 0, 0],
  linux_sll: [14, 16, 0, 0],
  linux_sll2: [0, 20, 0, 0],
  // the payload offset is variable (the 802.11 header's length): lower.ts replaces linkpl at run time
  ieee802_11: [24, 0, 8, 3],
  ieee802_11_radio: [24, 0, 8, 3],
};

export function initialEncap(link: LinkType): Encap {
  const [linktype, linkpl, nl, nlNosnap] = INIT[link];
  return { link, linktype, linkpl, nl, nlNosnap, mplsDepth: 0, geneve: false, ppp: false };
}

/** The link type has no protocol field: the packet is an IP packet (DLT_RAW, DLT_IPV4, DLT_IPV6). */
export function noLinkHeader(e: Encap): boolean {
  return (e.link === 'raw' || e.link === 'ipv4' || e.link === 'ipv6') && !e.ppp;
}

/** 802.11 with or without radiotap (gen_linktype's DLT_IEEE802_11 family). */
export function isWlan(e: Encap): boolean {
  return e.link === 'ieee802_11' || e.link === 'ieee802_11_radio';
}

/** Offset of the network-layer header (libpcap OR_LINKPL + off_nl). */
export function netOffset(e: Encap): number {
  return e.linkpl + e.nl;
}

/** Offset of the previous MPLS label (OR_PREVMPLSHDR); meaningful when mplsDepth > 0. */
export function prevMplsOffset(e: Encap): number {
  return e.linkpl + e.nl - 4;
}

export function afterVlan(e: Encap): Encap {
  return { ...e, linktype: e.linktype + 4, linkpl: e.linkpl + 4 };
}

/** PPPoE session: PPP protocol at payload + 6, PPP payload at + 8, MPLS offsets reset; the link header is
 *  now the PPP one (at the protocol field, which `linktype` holds: no separate `linkhdr`). */
export function afterPppoes(e: Encap): Encap {
  const at = e.linkpl + e.nl;
  const { linkhdr: _, ...rest } = e;
  return { ...rest, linktype: at + 6, linkpl: at + 8, nl: 0, nlNosnap: 0, ppp: true };
}

/** gen_mpls: off_nl and off_nl_nosnap move 4 bytes on and the label depth grows; only `pppoes` (which libpcap
 *  allows nowhere inside a label stack) resets the offsets, and nothing resets the depth — not `geneve`. */
export function afterMpls(e: Encap): Encap {
  return { ...e, nl: e.nl + 4, nlNosnap: e.nlNosnap + 4, mplsDepth: e.mplsDepth + 1 };
}
