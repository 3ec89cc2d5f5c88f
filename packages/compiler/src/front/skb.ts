/*
 * The skb front end: one libpcap filter for packets that start at an Ethernet header (start 0) or at the network
 * header (start 1), as one IR: `start == 0 && ETHERNET || start == 1 && RAW`, where start is the capture record's
 * byte 75 (a `record` load, served from the record the skb prologue fills) and ETHERNET / RAW are the filter lowered
 * for DLT_EN10MB and DLT_RAW (what libpcap compiles for a capture whose packets start at the IP header).
 * `inbound`, `outbound` and `ifindex N` read the record's pkt_type and ifindex, as libpcap's Linux live filters read
 * SKF_AD_PKTTYPE (outbound: PACKET_OUTGOING) and SKF_AD_IFINDEX.
 * Invariants: pure; the Ethernet lowering's diagnostics are the filter's (a filter libpcap refuses on Ethernet is
 * refused); a filter that only has a meaning on a link layer (`ether host`, `vlan`, `arp`, …: libpcap refuses it on
 * DLT_RAW) rejects every packet that starts at L3, and `l3` says why; shared values of the RAW half are renumbered
 * after the ETHERNET half's, so the two halves never share one.
 */

import { REC } from '@tfc/codegen-bpf';
import {
  and,
  cmp,
  type Expr,
  FALSE,
  type Filter,
  filter,
  konst,
  load,
  mapExpr,
  mapPredExprs,
  or,
  ref,
} from '@tfc/ir';
import { compilePcap, type NameDb, type PcapVersion } from '@tfc/pcap';
import { diagnosticsOf } from '../diagnostic.ts';
import type { FrontResult } from '../driver/stages.ts';

/** Record byte 75: 0 = the packet starts at the Ethernet header, 1 = at the network header. */
export const SKB_START_OFFSET = REC.start;

export interface SkbFrontExtra {
  /** Why packets that start at L3 are all rejected (the filter does not compile for raw IP), if they are. */
  readonly l3?: string;
}

/** What the filter's names and `ip broadcast` resolve against, and the libpcap version: as for packets. */
export interface SkbPcapOptions {
  readonly names?: NameDb;
  readonly netmask?: number;
  readonly pcapVersion?: PcapVersion;
}

export function skbFront(text: string, options: SkbPcapOptions = {}): FrontResult<SkbFrontExtra> {
  const skbMeta = { pktType: REC.pktType, ifindex: REC.ifindex };
  const l2 = compilePcap(text, { ...options, linktype: 'ethernet', skbMeta });
  if (!l2.ok) return { ok: false, diagnostics: diagnosticsOf('parse', l2.diagnostics) };
  const l3 = compilePcap(text, { ...options, linktype: 'raw', skbMeta });
  const start = (v: number) => cmp('eq', 1, false, load('record', REC.start, 1, 'le'), konst(v));
  const shift = l2.ir.values.length;
  const renumber = (e: Expr): Expr => (e.kind === 'ref' ? ref(e.id + shift) : e);
  const l3Body = l3.ok ? mapPredExprs(l3.ir.body, renumber) : FALSE;
  const l3Values = l3.ok
    ? l3.ir.values.map((v) => ({ id: v.id + shift, expr: mapExpr(v.expr, renumber) }))
    : [];
  const ir: Filter = filter(or(and(start(0), l2.ir.body), and(start(1), l3Body)), [
    ...l2.ir.values,
    ...l3Values,
  ]);
  return l3.ok
    ? { ok: true, ir }
    : {
        ok: true,
        ir,
        l3: `packets that start at the network header never match: ${l3.diagnostics[0]?.message ?? 'the filter needs a link layer'}`,
      };
}
