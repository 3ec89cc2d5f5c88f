/*
 * `tfc encap`: trace event records (JSON lines, the form `recordFromJson` reads) → tfc trace frames → capture records
 * ready for a pcap writer with link type Ethernet (1). Invariants: pure and deterministic — record i gets timestamp
 * startNs + i·stepNs unless the line carries "@ts" (nanoseconds; not a C identifier, so never an event field);
 * sequence numbers count per CPU from 0 in input order; the frame header's timestamp equals the capture timestamp;
 * blank lines are skipped; every bad line is a diagnostic naming its 1-based line number, never an exception.
 */
import { encodeTraceFrame } from './frame.ts';
import { recordFromJson } from './records.ts';
import type { EventFormat } from './types.ts';

export const LINKTYPE_ETHERNET = 1;

export interface EncapOptions {
  /** Timestamp of the first record (default 0). */
  readonly startNs?: bigint;
  /** Distance between consecutive records (default 1000 ns). */
  readonly stepNs?: bigint;
}

export interface EncapFrame {
  /** Nanoseconds. */
  readonly ts: bigint;
  /** Original length (= data.length: frames are never truncated). */
  readonly len: number;
  readonly data: Uint8Array;
}

export interface EncapDiagnostic {
  readonly line: number;
  readonly message: string;
}

export type EncapResult =
  | { readonly ok: true; readonly frames: readonly EncapFrame[]; readonly linkType: number }
  | { readonly ok: false; readonly diagnostics: readonly EncapDiagnostic[] };

function tsOf(v: unknown): bigint | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && /^\d{1,20}$/.test(v)) {
    const b = BigInt(v);
    return b < 1n << 64n ? b : undefined;
  }
  return undefined;
}

/** Encapsulates JSON-lines text (one record object per line). */
export function encapJsonLines(event: EventFormat, text: string, opts: EncapOptions = {}): EncapResult {
  const values: { line: number; value: unknown }[] = [];
  const diagnostics: EncapDiagnostic[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    try {
      values.push({ line: i + 1, value: JSON.parse(line) as unknown });
    } catch (e) {
      diagnostics.push({ line: i + 1, message: `not JSON: ${e instanceof Error ? e.message : String(e)}` });
    }
  });
  if (diagnostics.length > 0) return { ok: false, diagnostics };
  return encapRecords(event, values, opts);
}

/** Encapsulates already-parsed records (`line` numbers are used in diagnostics). */
export function encapRecords(
  event: EventFormat,
  records: readonly { readonly line: number; readonly value: unknown }[],
  opts: EncapOptions = {},
): EncapResult {
  const start = opts.startNs ?? 0n;
  const step = opts.stepNs ?? 1000n;
  const frames: EncapFrame[] = [];
  const diagnostics: EncapDiagnostic[] = [];
  const seq = new Map<number, number>();
  records.forEach(({ line, value }, i) => {
    let json = value;
    let ts = start + BigInt(i) * step;
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && '@ts' in value) {
      const { '@ts': t, ...rest } = value as Record<string, unknown>;
      const given = tsOf(t);
      if (given === undefined) {
        diagnostics.push({ line, message: `'@ts' must be a non-negative integer of nanoseconds` });
        return;
      }
      ts = given;
      json = rest;
    }
    const r = recordFromJson(event, json);
    if (!r.ok) {
      diagnostics.push({ line, message: r.error });
      return;
    }
    const n = seq.get(r.ctx.cpu) ?? 0;
    seq.set(r.ctx.cpu, n + 1);
    const data = encodeTraceFrame(r.record, {
      eventId: event.id,
      cpu: r.ctx.cpu,
      comm: r.ctx.comm,
      timestampNs: ts,
      sequence: n,
    });
    frames.push({ ts, len: data.length, data });
  });
  if (diagnostics.length > 0) return { ok: false, diagnostics };
  return { ok: true, frames, linkType: LINKTYPE_ETHERNET };
}
