// Where a packet program finds the Linux metadata of the packet it decides on: the IR's `pkttype` and `ifindex`
// pseudo-fields (libpcap's `inbound`/`outbound` and `ifindex N`, which its live Linux filters read as the ancillary
// loads SKF_AD_PKTTYPE and SKF_AD_IFINDEX: skb->pkt_type and skb->dev->ifindex).
// Invariants: one answer per (context, program type, name), shared by the eBPF, translated-classic and C forms:
// socket filters and tc programs read struct __sk_buff's pkt_type (4) and ifindex (40), the same skb fields the
// ancillary loads read (a classic program ends with 0 where skb->dev is NULL, __sk_buff reads 0 there: no packet
// a socket or classifier sees lacks a device); XDP reads xdp_md's ingress_ifindex (12), the receiving device, and
// has no pkt_type (XDP runs before eth_type_trans sets it): refused; in the skb context the front end has already
// made them loads of the capture record (compiler/src/front/skb.ts); trace events have neither (their pseudo-fields
// are cpu and pid).
import type { PseudoName } from '@tfc/ir';
import type { Ctx, ProgType } from '../options.ts';
import { Unsupported } from '../options.ts';

/** struct __sk_buff / struct xdp_md offsets of the fields read here (include/uapi/linux/bpf.h). */
const SK_BUFF = { pkttype: 4, ifindex: 40 } as const;
const XDP_MD = { ingress_ifindex: 12 } as const;

/** Whether a pseudo-field is the packet's metadata (rather than the trace environment's cpu/pid). */
export const isPacketMeta = (name: PseudoName): name is 'pkttype' | 'ifindex' =>
  name === 'pkttype' || name === 'ifindex';

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
      `the packet's ${name} (inbound/outbound/ifindex) needs a packet context (socket, tc, xdp or skb)`,
    );
  if (progType === 'xdp') {
    if (name === 'pkttype')
      throw new Unsupported(
        'pseudo',
        'XDP has no pkt_type (inbound/outbound): it runs before the kernel classifies the packet; use --prog-type socket or tc',
      );
    return { offset: XDP_MD.ingress_ifindex, cField: 'ingress_ifindex' };
  }
  return name === 'pkttype'
    ? { offset: SK_BUFF.pkttype, cField: 'pkt_type' }
    : { offset: SK_BUFF.ifindex, cField: 'ifindex' };
}
