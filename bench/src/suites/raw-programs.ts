/*
 * Raw tracepoint programs for the live suites (`kernel` on sys_enter_lseek, `capture` on skb:kfree_skb): a trace
 * filter compiled by tfc for the raw tracepoint (compileRaw, `--attach raw`) against the running kernel's BTF, and
 * attached for the duration of one measured run through the kernel's raw session (ring buffer, lost counter, link).
 * Invariants: everything opened for a run is released when it ends, also when it throws; a program that cannot be
 * built is a reason (a string), never an exception; a spec-less RawProg is the 2-instruction program (the floor).
 */
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { compileRaw, type EbpfProgram, linkMaps, resolveRawLayout } from '@tfc/compiler';
import {
  nrCpuIds,
  openRawSession,
  parseBtf,
  type RawBtfView,
  rawBtfView,
  type Syscalls,
  TRIVIAL_EBPF,
} from '@tfc/kernel';
import type { EventFormat } from '@tfc/tracefs';
import type { SuiteContext } from '../suite.ts';

/** A raw tracepoint program to attach for a run: its instructions before linking (none: the floor), and where. */
export interface RawProg {
  readonly spec: EbpfProgram | undefined;
  readonly btfId: number;
  readonly tracepoint: string;
}

/** The record bytes a raw program output during a run. */
export type RawRecords = readonly Uint8Array[];

/** An attached raw program: the records it output so far, and its release (maps, ring and link). */
export interface AttachedRaw {
  readonly drain: () => RawRecords;
  readonly dispose: () => void;
}

/** Attaches `raw` until dispose(); throws (with the verifier's log) when it does not load. */
export function attachRawProgram(sys: Syscalls, raw: RawProg): AttachedRaw {
  const spec = raw.spec;
  const opened = openRawSession(sys, {
    ringSize: 1 << 22,
    programs: [
      {
        tracepoint: raw.tracepoint,
        btfId: raw.btfId,
        link: (m) => {
          if (spec === undefined) return { ok: true, insns: TRIVIAL_EBPF };
          const l = linkMaps(
            spec.insns,
            new Map([
              [spec.raw?.ringbuf ?? '', m.ringbuf],
              [spec.raw?.lost ?? '', m.lost],
            ]),
          );
          return l.ok ? { ok: true, insns: l.bytes } : { ok: false, error: l.message };
        },
      },
    ],
  });
  if (!opened.ok) throw new Error(`raw program: ${opened.error}\n${opened.log ?? ''}`);
  const session = opened.session;
  return { drain: () => session.drain().map((r) => r.data), dispose: () => session.dispose() };
}

/** Attaches `raw` for the duration of `run`; the records it output (maps, ring and link released after it). */
export async function withRawProgram<T>(
  sys: Syscalls,
  raw: RawProg,
  run: () => Promise<T>,
): Promise<{ value: T; records: RawRecords }> {
  const a = attachRawProgram(sys, raw);
  try {
    const value = await run();
    return { value, records: a.drain() };
  } finally {
    a.dispose();
  }
}

/** The raw program of `filter` on event `ev` (output mode), or why not. */
export function rawProgramFor(
  btf: RawBtfView | undefined,
  ev: EventFormat,
  filter: string,
): RawProg | string {
  if (btf === undefined) return 'no kernel BTF';
  const l = resolveRawLayout(ev, btf);
  if (!l.ok) return l.reason;
  const btfId = btf.btfId(l.layout.tracepoint);
  if (btfId === undefined) return `no btf_trace_${l.layout.tracepoint}`;
  const r = compileRaw({ filter, event: ev, layout: l.layout, nrCpuIds: nrCpuIds() });
  if (!r.ok) return r.diagnostics.map((d) => d.message).join('; ');
  if (r.program.target !== 'ebpf') return 'not eBPF';
  return { spec: r.program, btfId, tracepoint: l.layout.tracepoint };
}

/** The running kernel's BTF as the raw resolver reads it; undefined (with a note naming `what` is not measured). */
export function kernelRawBtf(ctx: SuiteContext, what: string): RawBtfView | undefined {
  try {
    const t = parseBtf(new Uint8Array(readFileSync('/sys/kernel/btf/vmlinux')));
    if (t.ok) return rawBtfView(t.table, `BTF of the running kernel ${release()}`);
    ctx.note(`kernel BTF unreadable (${t.error}): ${what} not measured`);
  } catch (e) {
    ctx.note(`no kernel BTF (${(e as Error).message}): ${what} not measured`);
  }
  return undefined;
}
