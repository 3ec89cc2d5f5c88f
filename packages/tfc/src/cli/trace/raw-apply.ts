/*
 * `tfc apply --attach raw|auto`: the filter as a counting raw tracepoint program (compileRaw mode count) attached
 * at its tp_btf hook: "seen" counts the event's hits (after the per-syscall guard), "accepted" the hits the filter
 * keeps; no record is ever built. Presented with the counting interface `tfc apply` reads (counts, other programs).
 * Invariants: a refusal is the text to print (exit 1), never a throw; auto's fallback to the record path is
 * reported as a note; the counter is the caller's to dispose (it owns link, program and map).
 */
import { linkMaps } from '@tfc/codegen-bpf';
import { type HitCounts, loadKoffiSyscalls, RawCounter } from '@tfc/kernel';
import type { EventFormat, FilterDialect } from '@tfc/tracefs';
import type { Host } from '../../host/index.ts';
import { chooseRaw, rawProgram } from './raw-program.ts';
import { refusalText } from './tracepoint-program.ts';

/** What `tfc apply` reads from a counting attachment (TracepointAttachment's shape). */
export interface Counting {
  counts(): { ok: true; value: HitCounts } | { ok: false; error: { message: string } };
  foreignPrograms(): { ok: true; value: number[] } | { ok: false; error: { message: string } };
  dispose(): void;
}

export type RawApply =
  | { readonly kind: 'started'; readonly counting: Counting; readonly insns: number }
  | { readonly kind: 'fallback'; readonly note: string }
  | { readonly kind: 'rejected'; readonly stderr: string }
  | { readonly kind: 'unusable'; readonly reason: string };

export function startRawApply(
  req: { filter: string; event: EventFormat; dialect: FilterDialect; host: Host },
  attach: 'raw' | 'auto',
): RawApply {
  const c = chooseRaw({ ...req, mode: 'count' }, attach);
  if (c.kind === 'fallback') {
    if (attach === 'raw') return { kind: 'rejected', stderr: `tfc: apply: --attach raw: ${c.why}\n` };
    return { kind: 'fallback', note: `--attach auto: the record path (perf): ${c.why}` };
  }
  const spec = rawProgram(c.result);
  if (spec === undefined)
    return { kind: 'rejected', stderr: c.result.ok ? '' : refusalText(c.result, req.filter) };
  const sys = loadKoffiSyscalls();
  if (!sys.ok) return { kind: 'unusable', reason: `the kernel cannot be used here: ${sys.reason}` };
  const a = RawCounter.attach(sys.value, {
    tracepoint: c.layout.tracepoint,
    btfId: c.btfId,
    link: (fd) => {
      const l = linkMaps(spec.insns, new Map([[spec.raw?.count ?? '', fd]]));
      return l.ok ? { ok: true, insns: l.bytes } : { ok: false, error: l.message };
    },
  });
  if (!a.ok) {
    if (a.log === undefined && /EPERM|EACCES/.test(a.error))
      return { kind: 'unusable', reason: `loading BPF programs needs CAP_BPF and CAP_PERFMON (${a.error})` };
    return {
      kind: 'rejected',
      stderr: `tfc: the verifier rejects the program: ${a.error}\n${a.log ?? ''}program:\n${spec.listing}`,
    };
  }
  const counter = a.counter;
  return {
    kind: 'started',
    insns: spec.stats.instructions,
    counting: {
      counts: () => ({ ok: true, value: counter.counts() }),
      // tp_btf programs do not veto one another: nothing else decides what counts as accepted
      foreignPrograms: () => ({ ok: true, value: [] }),
      dispose: () => counter.dispose(),
    },
  };
}
