/*
 * The skb front end: one libpcap filter for packets that start at an Ethernet header (start 0) or at the network
 * header (start 1), as one IR: `start == 0 && ETHERNET || start == 1 && RAW`, where start is the capture record's
 * byte 75 (a `record` load, served from the record the skb prologue fills) and ETHERNET / RAW are the filter lowered
 * for DLT_EN10MB and DLT_RAW (what libpcap compiles for a capture whose packets start at the IP header).
 * `inbound`, `outbound` and `ifindex N` (the pkttype/ifindex pseudo-fields) read the record's pkt_type and ifindex, as
 * libpcap's Linux live filters read SKF_AD_PKTTYPE (outbound: PACKET_OUTGOING) and SKF_AD_IFINDEX.
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
  type ValueDef,
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

/** The packet's metadata (`inbound`, `outbound`, `ifindex N`: the IR's pkttype/ifindex pseudo-fields) as the
 *  capture record holds it: what the hook found in skb->pkt_type and the device's ifindex. */
function fromRecord(e: Expr): Expr {
  if (e.kind !== 'pseudo') return e;
  if (e.name === 'pkttype') return load('record', REC.pktType, 1, 'le');
  if (e.name === 'ifindex') return load('record', REC.ifindex, 4, 'le');
  return e;
}

const valueFromRecord = (v: ValueDef): ValueDef => ({ id: v.id, expr: mapExpr(v.expr, fromRecord) });

export function skbFront(text: string, options: SkbPcapOptions = {}): FrontResult<SkbFrontExtra> {
  const parsed = compilePcap(text, { ...options, linktype: 'ethernet' });
  if (!parsed.ok) return { ok: false, diagnostics: diagnosticsOf('parse', parsed.diagnostics) };
  const l2 = {
    body: mapPredExprs(parsed.ir.body, fromRecord),
    values: parsed.ir.values.map(valueFromRecord),
  };
  const l3 = compilePcap(text, { ...options, linktype: 'raw' });
  const start = (v: number) => cmp('eq', 1, false, load('record', REC.start, 1, 'le'), konst(v));
  const shift = l2.values.length;
  const renumber = (e: Expr): Expr => (e.kind === 'ref' ? ref(e.id + shift) : fromRecord(e));
  const l3Body = l3.ok ? mapPredExprs(l3.ir.body, renumber) : FALSE;
  const l3Values = l3.ok
    ? l3.ir.values.map((v) => ({ id: v.id + shift, expr: mapExpr(v.expr, renumber) }))
    : [];
  const ir: Filter = filter(or(and(start(0), l2.body), and(start(1), l3Body)), [...l2.values, ...l3Values]);
  return l3.ok
    ? { ok: true, ir }
    : {
        ok: true,
        ir,
        l3: `packets that start at the network header never match: ${l3.diagnostics[0]?.message ?? 'the filter needs a link layer'}`,
      };
}
