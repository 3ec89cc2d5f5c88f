/*
 * compileP4(): a trace event filter as prioritized TCAM entries and a P4_16 program, for NICs and switch ASICs that
 * see the event as a trace frame (docs: trace-over-ethernet).
 * Invariants: the entries decide exactly what the IR decides for well-formed trace frames of the event; the frame
 * guard is expressed as keys (EtherType 0x88b5 and the event id) plus a minimum frame length (the header and the
 * record's fixed part), because a TCAM cannot compare the header's record-length field with the frame length: a
 * frame whose record-length field lies is outside the contract. Key names are the event's field names; header keys
 * are `ethertype`, `event_id`, `cpu`, `comm`.
 */
import { compileP4 as entriesFromIr, type P4Outputs, PACKET_MODEL, traceFrameModel } from '@tfc/codegen-p4';
import * as ir from '@tfc/ir';
import { compilePcap } from '@tfc/pcap';
import {
  type EventFormat,
  type FilterError,
  FRAME_HEADER,
  lowerFilter,
  parseFilter,
  TRACE_ETHERTYPE,
  TRACE_RECORD_OFFSET,
} from '@tfc/tracefs';
import type { CompileRequest, Diagnostic } from './compile.ts';

export type P4Request = Pick<
  CompileRequest,
  'filter' | 'event' | 'nrCpuIds' | 'lookupSymbol' | 'dialect' | 'maxFilterBytes'
> & {
  /** Range matches (default true); without them ranges are prefix-expanded into ternary entries. */
  readonly ranges?: boolean;
};

export type P4Result =
  | {
      readonly ok: true;
      readonly outputs: P4Outputs;
      /** The optimized IR the entries were built from, and (pcap) the front end's IR before the passes. */
      readonly ir: ir.Filter;
      readonly lowered?: ir.Filter;
    }
  | {
      readonly ok: false;
      readonly diagnostics: readonly Diagnostic[];
      /** The kernel's own rejection of a trace event filter (render it with renderFilterFile). */
      readonly filterError?: FilterError;
    };

export function compileP4(req: P4Request): P4Result {
  const parsed = parseFilter(
    req.filter,
    req.event,
    {
      nrCpuIds: req.nrCpuIds,
      ...(req.lookupSymbol ? { lookupSymbol: req.lookupSymbol } : {}),
      ...(req.dialect ? { dialect: req.dialect } : {}),
    },
    req.maxFilterBytes !== undefined ? { maxBytes: req.maxFilterBytes + 1 } : undefined,
  );
  if (!parsed.ok)
    return {
      ok: false,
      diagnostics: [{ stage: 'parse', message: parsed.error.message }],
      filterError: parsed.error,
    };
  const lowered = lowerFilter(parsed.filter, req.event, {
    ctx: 'trace-frame',
    nrCpuIds: req.nrCpuIds,
    frameGuard: false,
  });
  if (!lowered.ok)
    return {
      ok: false,
      diagnostics: lowered.diagnostics.map((d) => ({ stage: 'lower', message: d.message })),
    };
  const guard = ir.and(
    ir.cmp(
      'eq',
      2,
      false,
      ir.load('packet', FRAME_HEADER.ethertype, 2, 'be', false),
      BigInt(TRACE_ETHERTYPE),
    ),
    ir.cmp('eq', 2, false, ir.load('packet', FRAME_HEADER.eventId, 2, 'be', false), BigInt(req.event.id)),
  );
  const body = ir.filter(ir.and(guard, lowered.ir.body), lowered.ir.values);
  const optimized = ir.runPasses(body);
  if (!optimized.ok)
    return {
      ok: false,
      diagnostics: optimized.diagnostics.map((d) => ({ stage: 'passes', message: d.message })),
    };
  const r = entriesFromIr(optimized.ir, {
    headers: traceFrameModel(
      req.event.id,
      req.event.name,
      req.event.fields.map((f) => ({ name: f.name, offset: f.offset, size: f.size })),
      TRACE_ETHERTYPE,
      TRACE_RECORD_OFFSET,
    ),
    keyNames: keyNames(req.event),
    minFrameLength: TRACE_RECORD_OFFSET + fixedRecordSize(req.event),
    ranges: req.ranges ?? true,
    title: `${req.event.system}/${req.event.name}: ${req.filter.trim()}`,
  });
  if (!r.ok)
    return {
      ok: false,
      diagnostics: r.diagnostics.map((d) => ({ stage: 'codegen', message: `${d.message} [${d.code}]` })),
    };
  return { ok: true, outputs: r.outputs, ir: optimized.ir };
}

function keyNames(event: EventFormat): ReadonlyMap<number, string> {
  const names = new Map<number, string>([
    [FRAME_HEADER.ethertype, 'ethertype'],
    [FRAME_HEADER.eventId, 'event_id'],
    [FRAME_HEADER.cpu, 'cpu'],
    [FRAME_HEADER.comm, 'comm'],
  ]);
  for (const f of event.fields)
    if (!names.has(TRACE_RECORD_OFFSET + f.offset)) names.set(TRACE_RECORD_OFFSET + f.offset, f.name);
  return names;
}

function fixedRecordSize(event: EventFormat): number {
  return Math.max(0, ...event.fields.map((f) => f.offset + f.size));
}

export interface PcapP4Request {
  /** A libpcap filter expression (DLT_EN10MB). */
  readonly filter: string;
  /** Range matches (default true); without them ranges are prefix-expanded into ternary entries. */
  readonly ranges?: boolean;
}

/**
 * compilePcapP4(): a libpcap filter as TCAM entries over the ethernet/ipv4/ipv6/tcp/udp/sctp/icmp headers a P4 parser
 * extracts (PACKET_MODEL), with the P4_16 program, P4Runtime and BMv2 outputs. The entries decide what libpcap
 * decides on frames within the model's contract (IPv4 IHL ≥ 5, frames not truncated inside a parsed header, at
 * least the 14-byte Ethernet header); what the parser cannot hold (vlan/mpls offsets, payload bytes, packet
 * length, reads whose header the path does not establish) is a diagnostic.
 */
export function compilePcapP4(req: PcapP4Request): P4Result {
  const front = compilePcap(req.filter, { linktype: 'ethernet' });
  if (!front.ok)
    return { ok: false, diagnostics: front.diagnostics.map((d) => ({ stage: 'parse', message: d.message })) };
  const optimized = ir.runPasses(front.ir);
  if (!optimized.ok)
    return {
      ok: false,
      diagnostics: optimized.diagnostics.map((d) => ({ stage: 'passes', message: d.message })),
    };
  const r = entriesFromIr(optimized.ir, {
    headers: PACKET_MODEL,
    minFrameLength: 14,
    ranges: req.ranges ?? true,
    title: `pcap: ${req.filter.trim()}`,
  });
  if (!r.ok)
    return {
      ok: false,
      diagnostics: r.diagnostics.map((d) => ({ stage: 'codegen', message: `${d.message} [${d.code}]` })),
    };
  return { ok: true, outputs: r.outputs, ir: optimized.ir, lowered: front.ir };
}
