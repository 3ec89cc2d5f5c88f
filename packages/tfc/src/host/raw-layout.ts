/*
 * The raw tracepoint context's facts from the running kernel's BTF: a trace event's field provenance resolved to
 * member offsets (the compiler's RawEventLayout, plain data) through @tfc/kernel's BTF view, and the attach id of
 * its raw tracepoint. The compiler never reads BTF itself: this module hands it the layout, as skb-layout.ts does
 * for sk_buff.
 * Invariants: BTF is read and parsed once per process (cached, also when it failed); every failure is an error value
 * with a sentence (no BTF, an event without provenance, a tracepoint whose arguments changed), never a throw.
 */
import { release } from 'node:os';
import type { RawEventLayout } from '@tfc/codegen-bpf';
import { resolveRawLayout } from '@tfc/compiler';
import { type RawBtfView, rawBtfView } from '@tfc/kernel';
import type { EventFormat } from '@tfc/tracefs';
import { type Fact, readKernelBtf } from './skb-layout.ts';

let cached: Fact<RawBtfView> | undefined;

/** The running kernel's BTF as the raw resolver reads it (read once). */
export function kernelRawBtf(): Fact<RawBtfView> {
  if (cached === undefined) {
    const t = readKernelBtf();
    cached = t.ok ? { ok: true, value: rawBtfView(t.value, `BTF of the running kernel ${release()}`) } : t;
  }
  return cached;
}

/** A raw layout and the attach id of its tracepoint. */
export interface RawTarget {
  readonly layout: RawEventLayout;
  readonly btfId: number;
}

/** `ev`'s raw layout on the running kernel, or why the raw tracepoint does not cover it. */
export function rawTargetOf(ev: EventFormat, btf: Fact<RawBtfView> = kernelRawBtf()): Fact<RawTarget> {
  if (!btf.ok) return btf;
  const r = resolveRawLayout(ev, btf.value);
  if (!r.ok) return { ok: false, error: r.reason };
  const btfId = btf.value.btfId(r.layout.tracepoint);
  if (btfId === undefined) return { ok: false, error: `no btf_trace_${r.layout.tracepoint} in BTF` };
  return { ok: true, value: { layout: r.layout, btfId } };
}

/** Uncovered fields a whole record needs (common_flags and common_preempt_count aside: neither engine but the
 *  kernel's own has them as the kernel's filter saw them). */
export function recordGaps(layout: RawEventLayout): readonly string[] {
  return layout.uncovered
    .filter((u) => u.name !== 'common_flags' && u.name !== 'common_preempt_count')
    .map((u) => `${u.name}: ${u.why}`);
}
