/*
 * compileP4() / compilePcapP4(): a trace event filter (seen as trace frames, docs: trace-over-ethernet) or a libpcap
 * filter as prioritized TCAM entries and a P4_16 program, for NICs and switch ASICs — the list of stages: front
 * end, passes, the P4 target (decision list → P4), run once by the driver.
 * Invariants: the entries decide exactly what the IR decides for well-formed frames of the header model; the
 * trace frame guard is expressed as keys (EtherType 0x88b5 and the event id) plus a minimum frame length (the
 * header and the record's fixed part), because a TCAM cannot compare the header's record-length field with the
 * frame length: a frame whose record-length field lies is outside the contract. Key names are the event's field
 * names; header keys are `ethertype`, `event_id`, `cpu`, `comm`. Packets: what the parser model cannot hold
 * (vlan/mpls offsets, payload bytes, packet length, reads whose header the path does not establish) is a
 * diagnostic.
 */
import { type P4Outputs, PACKET_MODEL, traceFrameModel } from '@tfc/codegen-p4';
import * as ir from '@tfc/ir';
import { type FilterError, TRACE_ETHERTYPE, TRACE_RECORD_OFFSET } from '@tfc/tracefs';
import { type CompileRequest, frontEnv } from './compile.ts';
import type { PcapEnv } from './compile-pcap.ts';
import type { Diagnostic } from './diagnostic.ts';
import { type DriveResult, drive } from './driver/drive.ts';
import { pcapFront } from './front/pcap.ts';
import { fixedRecordSize, keyGuard, traceKeyNames } from './front/trace-frames.ts';
import { traceFront } from './front/tracefs.ts';
import { optimizationPlan } from './options.ts';
import { p4Target } from './targets/p4.ts';

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
  const { event } = req;
  const r = drive({
    // The event's filter over its trace frames, guarded by the keys a TCAM can match (EtherType, event id).
    front: () => {
      const f = traceFront(
        {
          filter: req.filter,
          event,
          env: frontEnv(req),
          ...(req.maxFilterBytes !== undefined ? { maxFilterBytes: req.maxFilterBytes } : {}),
        },
        { ctx: 'trace-frame', nrCpuIds: req.nrCpuIds, frameGuard: false },
      );
      return f.ok
        ? { ok: true, ir: ir.filter(ir.and(ir.and(...keyGuard(event)), f.ir.body), f.ir.values) }
        : f;
    },
    plan: optimizationPlan(2),
    target: (optimized) =>
      p4Target.run(optimized, {
        headers: traceFrameModel(
          event.id,
          event.name,
          event.fields.map((f) => ({ name: f.name, offset: f.offset, size: f.size })),
          TRACE_ETHERTYPE,
          TRACE_RECORD_OFFSET,
        ),
        keyNames: traceKeyNames([event]),
        minFrameLength: TRACE_RECORD_OFFSET + fixedRecordSize(event),
        ranges: req.ranges ?? true,
        title: `${event.system}/${event.name}: ${req.filter.trim()}`,
      }),
  });
  return p4Result(r, false);
}

export interface PcapP4Request {
  /** A libpcap filter expression (DLT_EN10MB). */
  readonly filter: string;
  /** Range matches (default true); without them ranges are prefix-expanded into ternary entries. */
  readonly ranges?: boolean;
  readonly env?: PcapEnv;
}

/** A libpcap filter as TCAM entries over the ethernet/ipv4/ipv6/tcp/udp/sctp/icmp headers (PACKET_MODEL). */
export function compilePcapP4(req: PcapP4Request): P4Result {
  const r = drive({
    front: () => pcapFront({ filter: req.filter, options: { linktype: 'ethernet', ...req.env } }),
    plan: optimizationPlan(2),
    target: (optimized) =>
      p4Target.run(optimized, {
        headers: PACKET_MODEL,
        minFrameLength: 14,
        ranges: req.ranges ?? true,
        title: `pcap: ${req.filter.trim()}`,
      }),
  });
  return p4Result(r, true);
}

function p4Result(r: DriveResult<P4Outputs>, withLowered: boolean): P4Result {
  if (!r.ok) {
    const { dump: _, ...fail } = r;
    return fail;
  }
  return {
    ok: true,
    outputs: r.run.product,
    ir: r.run.optimized,
    ...(withLowered ? { lowered: r.run.lowered } : {}),
  };
}
