// A raw trace session: one program per raw tracepoint (tp_btf) that decides on the tracepoint's arguments and
// outputs the records it builds into one BPF ring buffer shared by all of them, with a per-CPU lost-record counter.
// It is the capture session's machinery (skb/session.ts: maps, ring, tp_btf attach, release order) driven with
// raw programs: a raw tracepoint is a capture hook without an sk_buff argument (skbArg -1).
// Invariants: opening is all or nothing; programs come from the caller, linked by it against the shared maps'
// fds (this package never builds programs); a delivered record is a copy (header decoded: time, cpu, verdict);
// dispose() releases links, programs, the mapping and the maps once.

import type { Hook } from '../skb/hooks.ts';
import { type CaptureSession, openCapture } from '../skb/session.ts';
import type { Syscalls } from '../sys/syscalls.ts';

/** The output header of a raw program's record (the code generator's RAW_HDR): time, cpu, verdict, record. */
export const RAW_HEADER_BYTES = 16;

/** One program: where it attaches and how it is linked against the shared maps' fds. */
export interface RawProgramRequest {
  /** The raw tracepoint (`sys_enter`) and its attach id (btf_trace_NAME). */
  readonly tracepoint: string;
  readonly btfId: number;
  link(maps: {
    readonly ringbuf: number;
    readonly lost: number;
  }): { readonly ok: true; readonly insns: Uint8Array } | { readonly ok: false; readonly error: string };
}

export interface RawSessionOptions {
  readonly programs: readonly RawProgramRequest[];
  /** Ring size in bytes (a power of two, a multiple of the page size). */
  readonly ringSize: number;
}

/** A record a raw program output: ktime (ns), the CPU, the verdict word, the record bytes. */
export interface RawTraceRecord {
  readonly ts: bigint;
  readonly cpu: number;
  readonly verdict: number;
  readonly data: Uint8Array;
}

export class RawSession {
  readonly #capture: CaptureSession;
  constructor(capture: CaptureSession) {
    this.#capture = capture;
  }

  /** Every record output since the last call, in ring order (copies). */
  drain(max?: number): RawTraceRecord[] {
    const out: RawTraceRecord[] = [];
    this.#capture.drain((b) => {
      if (b.length < RAW_HEADER_BYTES) return;
      const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
      out.push({
        ts: v.getBigUint64(0, true),
        cpu: v.getUint32(8, true),
        verdict: v.getUint32(12, true),
        data: b.slice(RAW_HEADER_BYTES),
      });
    }, max);
    return out;
  }

  /** Records the programs could not fit into the ring, summed over CPUs. */
  lost(): bigint {
    return this.#capture.lost();
  }

  dispose(): void {
    this.#capture.dispose();
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
}

export type OpenRawResult =
  | { readonly ok: true; readonly session: RawSession }
  | { readonly ok: false; readonly error: string; readonly log?: string };

/** Creates the shared maps and the ring, links, loads and attaches every program. */
export function openRawSession(sys: Syscalls, o: RawSessionOptions): OpenRawResult {
  const hooks: Hook[] = o.programs.map((p) => ({
    name: `tp_btf/${p.tracepoint}`,
    kind: 'tp_btf',
    target: p.tracepoint,
    btfId: p.btfId,
    skbArg: -1,
    argCount: 0,
  }));
  const r = openCapture(sys, {
    hooks,
    snaplen: 0,
    ringSize: o.ringSize,
    source: ({ hookIndex }) => {
      const p = o.programs[hookIndex];
      if (p === undefined) return { ok: false, error: 'no program' };
      return {
        ok: true,
        program: {
          maps: [],
          link: (_own, shared) => {
            const l = p.link({ ringbuf: shared.ringbuf, lost: shared.lost });
            return l.ok ? { ok: true, insns: l.insns } : l;
          },
        },
      };
    },
  });
  return r.ok ? { ok: true, session: new RawSession(r.session) } : r;
}
