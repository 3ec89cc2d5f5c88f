// Where a packet program finds the Linux metadata of the packet it decides on: the IR's `pkttype`, `ifindex`,
// `vlan_present` and `vlan_tci` pseudo-fields (libpcap's `inbound`/`outbound`, `ifindex N` and live `vlan`, which
// its live Linux filters read as the ancillary loads SKF_AD_PKTTYPE, SKF_AD_IFINDEX, SKF_AD_VLAN_TAG_PRESENT and
// SKF_AD_VLAN_TAG: skb->pkt_type, skb->dev->ifindex, skb_vlan_tag_present(skb) and skb->vlan_tci).
// Invariants: one answer per (context, program type, name), shared by the eBPF, translated-classic and C forms:
// socket filters and tc programs read struct __sk_buff's pkt_type (4) and ifindex (40), the same skb fields the
// ancillary loads read (a classic program ends with 0 where skb->dev is NULL, __sk_buff reads 0 there: no packet
// a socket or classifier sees lacks a device), and vlan_present (20, 0/1) and vlan_tci (24, the 16-bit TCI) as
// SKF_AD_VLAN_TAG_PRESENT / SKF_AD_VLAN_TAG do; XDP reads xdp_md's ingress_ifindex (12), the receiving device, and
// has no pkt_type (XDP runs before eth_type_trans sets it) and no VLAN metadata (the tag is still in the frame):
// refused; in the skb context the front end has already made them loads of the capture record
// (compiler/src/front/skb.ts); trace events have neither (their pseudo-fields are cpu and pid).
import type { AncillaryName, Size } from '@tfc/bpf/cbpf';
import type { PseudoName } from '@tfc/ir';
import type { Ctx, ProgType } from '../options.ts';
import { Unsupported } from '../options.ts';

/** struct __sk_buff / struct xdp_md offsets of the fields read here (include/uapi/linux/bpf.h). */
const SK_BUFF = { pkttype: 4, ifindex: 40, vlan_present: 20, vlan_tci: 24 } as const;
/** The C names of those __sk_buff fields. */
const C_FIELD = {
  pkttype: 'pkt_type',
  ifindex: 'ifindex',
  vlan_present: 'vlan_present',
  vlan_tci: 'vlan_tci',
} as const;

export type PacketMetaName = keyof typeof SK_BUFF;
const XDP_MD = { ingress_ifindex: 12 } as const;

/** Whether a pseudo-field is the packet's metadata (rather than the trace environment's cpu/pid). */
export const isPacketMeta = (name: PseudoName): name is PacketMetaName => name in SK_BUFF;

/** The u32 ctx field a socket/tc/XDP program reads for the packet's `name`; a refusal where there is none. */
export function packetMetaField(
  ctx: Ctx,
  progType: ProgType | undefined,
  name: PseudoName,
): { readonly offset: number; readonly cField: string } {
  if (!isPacketMeta(name)) throw new Unsupported('pseudo', `pseudo-field ${name} needs --ctx tracepoint`);
  if (ctx === 'skb')
    throw new Unsupported('pseudo', `the skb context reads the packet's ${name} from its capture record`);
  if (ctx === 'tracepoint')
    throw new Unsupported(
      'pseudo',
      `the packet's ${name} (inbound/outbound/ifindex/vlan) needs a packet context (socket, tc, xdp or skb)`,
    );
  if (progType === 'xdp') {
    if (name === 'pkttype')
      throw new Unsupported(
        'pseudo',
        'XDP has no pkt_type (inbound/outbound): it runs before the kernel classifies the packet; use --prog-type socket or tc',
      );
    if (name !== 'ifindex')
      throw new Unsupported(
        'pseudo',
        "XDP has no VLAN metadata (a live capture's 'vlan' reads it): the tag is still in the frame there; use --prog-type socket or tc, or the offline capture",
      );
    return { offset: XDP_MD.ingress_ifindex, cField: 'ingress_ifindex' };
  }
  return { offset: SK_BUFF[name], cField: C_FIELD[name] };
}

/** The classic ancillary load of each (the kernel reads the field whatever the load size; these are the sizes
 *  libpcap writes: `ldh [type]`, `ld [ifidx]`, `ldb [vlanp]`, `ldb [vlan_tci]`). */
export const ANCILLARY_OF: Readonly<
  Record<PacketMetaName, { readonly size: Size; readonly ext: AncillaryName }>
> = {
  pkttype: { size: 'h', ext: 'pkttype' },
  ifindex: { size: 'w', ext: 'ifindex' },
  vlan_present: { size: 'b', ext: 'vlan_tag_present' },
  vlan_tci: { size: 'b', ext: 'vlan_tag' },
};

/** The packet metadata an ancillary load reads, if it is one of these. */
export const metaOfAncillary = (ext: AncillaryName): PacketMetaName | undefined =>
  (Object.keys(ANCILLARY_OF) as PacketMetaName[]).find((m) => ANCILLARY_OF[m].ext === ext);
