// The encapsulation stack as explicit data: where the EtherType, the link payload and the network
// header are for the link type and the `vlan`/`mpls` primitives seen so far. libpcap keeps these as
// mutable compiler globals that every `vlan`/`mpls` shifts for the rest of the expression; here each
// primitive returns a new Encap and the lowering decides how far it flows (libpcap order, or scoped).
// Invariants: values are immutable; offsets are byte offsets from the start of the packet; `raw` has
// no link header (the packet starts with the IP header) and never carries VLAN/MPLS shifts.

export type LinkType = 'ethernet' | 'raw';

export interface Encap {
  readonly link: LinkType;
  /** Offset of the (possibly VLAN-shifted) EtherType; unused for raw. */
  readonly linktype: number;
  /** Offset of the link-layer payload (after Ethernet + VLAN tags). */
  readonly linkpl: number;
  /** Bytes of MPLS label stack after the link payload start (4 per label). */
  readonly nl: number;
  /** Number of MPLS labels matched so far. */
  readonly mplsDepth: number;
  /** After `geneve` libpcap's offsets are run-time values (lower.ts encodes them as shared values). */
  readonly geneve: boolean;
  /** After `pppoes`: the "link type" is the PPP protocol field (libpcap switches to DLT_PPP rules). */
  readonly ppp: boolean;
  /** After `geneve`: the (dynamic) offset of the inner link header, which `link[…]` indexes from. */
  readonly linkhdr?: number;
}

export function initialEncap(link: LinkType): Encap {
  return link === 'ethernet'
    ? { link, linktype: 12, linkpl: 14, nl: 0, mplsDepth: 0, geneve: false, ppp: false }
    : { link, linktype: 0, linkpl: 0, nl: 0, mplsDepth: 0, geneve: false, ppp: false };
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

/** PPPoE session: PPP protocol at payload + 6, PPP payload at + 8, MPLS offsets reset. */
export function afterPppoes(e: Encap): Encap {
  const at = e.linkpl + e.nl;
  return { ...e, linktype: at + 6, linkpl: at + 8, nl: 0, ppp: true };
}

export function afterMpls(e: Encap): Encap {
  return { ...e, nl: e.nl + 4, mplsDepth: e.mplsDepth + 1 };
}
