/*
 * `tfc trace --engine ebpf --attach raw|auto`: tfc's program decides on each event's raw tracepoint (tp_btf),
 * before any record exists, and builds the record only for the hits it keeps (raw-program.ts compiles, the kernel's
 * raw session loads and attaches, all programs output into one BPF ring buffer). Delivered as the other engines
 * deliver: records in time order (per CPU in ring order), losses as `lostBefore`.
 * What a delivered record is: the record the kernel would have written for the covered fields (the common header's
 * common_type and common_pid included), zero in common_flags, common_preempt_count and any uncovered field (auto
 * only picks this engine when nothing else is uncovered; docs/raw-tracepoints.md), exactly as long as the record's
 * struct; the timestamp is bpf_ktime_get_ns (CLOCK_MONOTONIC).
 * Invariants: every filter compiles before anything is loaded; a refusal is returned as the text to print (exit
 * 1); the session releases every program, link, mapping and map on dispose() (idempotent) and when opening fails.
 */

import { linkMaps } from '@tfc/codegen-bpf';
import { loadKoffiSyscalls, openRawSession, type RawSession, TaskComms, type TimedRecord } from '@tfc/kernel';
import type { EventFormat, FilterDialect } from '@tfc/tracefs';
import type { Host } from '../../host/index.ts';
import type { TraceSource } from './ebpf-engine.ts';
import { chooseRaw, rawProgram } from './raw-program.ts';
import { refusalText } from './tracepoint-program.ts';

export interface RawEngineRequest {
  readonly events: readonly EventFormat[];
  readonly filter?: string;
  readonly dialect: FilterDialect;
  readonly host: Host;
  readonly bufferKb: number;
  readonly root: string;
  readonly attach: 'raw' | 'auto';
}

export type RawEngineStart =
  | { readonly kind: 'started'; readonly session: RawTraceSession; readonly notes: readonly string[] }
  /** Some event is not covered: the record path's job (auto), or a refusal (raw). */
  | { readonly kind: 'fallback'; readonly why: string }
  | { readonly kind: 'rejected'; readonly stderr: string }
  | { readonly kind: 'unusable'; readonly reason: string };

/** Ring bytes for `bufferKb` per CPU: a power of two, at least 64 KiB. */
function ringSize(bufferKb: number, cpus: number): number {
  const want = Math.max(65536, bufferKb * 1024 * cpus);
  let n = 65536;
  while (n < want && n < 1 << 30) n *= 2;
  return n;
}

export class RawTraceSession implements TraceSource {
  readonly #raw: RawSession;
  readonly #comms: TaskComms;
  #lost = 0n;
  #disposed = false;
  constructor(raw: RawSession, root: string) {
    this.#raw = raw;
    this.#comms = new TaskComms(root);
  }

  read(): { records: TimedRecord[]; error: string | null } {
    if (this.#disposed) return { records: [], error: null };
    const out: TimedRecord[] = this.#raw
      .drain()
      .map((r) => ({ cpu: r.cpu, data: r.data, ts: r.ts, lostBefore: 0 }));
    // one ring for all CPUs: each CPU's records are in ring order with rising timestamps, a stable sort keeps it
    out.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
    const lost = this.#raw.lost();
    if (lost > this.#lost) {
      out.push({
        cpu: 0,
        data: new Uint8Array(0),
        ts: out[out.length - 1]?.ts ?? 0n,
        lostBefore: Number(lost - this.#lost),
      });
      this.#lost = lost;
    }
    return { records: out, error: null };
  }

  commOf(pid: number): string {
    return this.#comms.of(pid);
  }

  /** tp_btf programs never veto one another's hits. */
  foreignPrograms(): number[] {
    return [];
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#raw.dispose();
  }
}

/** Compiles every event's raw program, loads and attaches them; see the header. */
export function startRawEngine(req: RawEngineRequest): RawEngineStart {
  const programs = [];
  const notes: string[] = [];
  for (const ev of req.events) {
    const c = chooseRaw(
      { filter: req.filter ?? '', event: ev, dialect: req.dialect, host: req.host, whole: true },
      req.attach,
    );
    if (c.kind === 'fallback') return { kind: 'fallback', why: c.why };
    const spec = rawProgram(c.result);
    if (spec === undefined)
      return { kind: 'rejected', stderr: c.result.ok ? '' : refusalText(c.result, req.filter ?? '') };
    if (c.gaps.length > 0)
      notes.push(`${ev.system}:${ev.name}: the raw tracepoint leaves these fields 0: ${c.gaps.join('; ')}`);
    programs.push({
      tracepoint: c.layout.tracepoint,
      btfId: c.btfId,
      link: (m: { ringbuf: number; lost: number }) => {
        const l = linkMaps(
          spec.insns,
          new Map([
            [spec.raw?.ringbuf ?? '', m.ringbuf],
            [spec.raw?.lost ?? '', m.lost],
          ]),
        );
        return l.ok ? { ok: true as const, insns: l.bytes } : { ok: false as const, error: l.message };
      },
    });
  }
  const sysLoad = loadKoffiSyscalls();
  if (!sysLoad.ok) return { kind: 'unusable', reason: `the kernel cannot be used here: ${sysLoad.reason}` };
  const opened = openRawSession(sysLoad.value, {
    programs,
    ringSize: ringSize(req.bufferKb, req.host.nrCpuIds()),
  });
  if (!opened.ok) {
    if (opened.log === undefined && /EPERM|EACCES|permitted/.test(opened.error))
      return {
        kind: 'unusable',
        reason: `loading BPF programs needs CAP_BPF and CAP_PERFMON (${opened.error})`,
      };
    return { kind: 'rejected', stderr: `tfc: ${opened.error}\n${opened.log ?? ''}` };
  }
  return { kind: 'started', session: new RawTraceSession(opened.session, req.root), notes };
}
