// The BPF lowering's access decisions, made once for every BPF emitter (eBPF, cBPF, C): how a record load is
// served on a tracepoint (the common header's pid and event id by helper or constant, the rest from ctx, aligned
// or through a probe read), where a packet load lands (absolute offset, or an abort for reads past 0xffff), and
// where the bytes of a fixed-size string come from (comm, the record, the packet).
// Invariants: pure, plain data out; every refusal is an Unsupported with one text for every target (an emitter
// keeps only its own capability limits); a packet read ending past MAX_PKT_OFF is an abort on every packet.
import type { Expr, StrSource } from '@tfc/ir';
import { FRAME_RECORD_OFFSET } from '@tfc/ir';
import { type Ctx, type RecordLayout, Unsupported } from '../options.ts';

/** The largest packet offset any BPF program type reads: a read ending past it aborts on every packet. */
export const MAX_PKT_OFF = 0xffff;

export type Load = Extract<Expr, { kind: 'load' }>;

/** Where packet offset 0 of a base lies: trace frames carry the record at FRAME_RECORD_OFFSET. */
export function baseOffset(base: string): number {
  return base === 'frame' ? FRAME_RECORD_OFFSET : 0;
}

/** True in the packet contexts (trace frames and packets), false on tracepoints. */
export function isPacketCtx(ctx: Ctx): boolean {
  return ctx !== 'tracepoint';
}

/** A record load on a tracepoint: the pid (low half of bpf_get_current_pid_tgid), the event id as a constant
 *  (already extended as the load asks), a naturally aligned ctx read, or an unaligned read (probe read). */
export type RecordRead =
  | { readonly kind: 'pid'; readonly signed: boolean }
  | { readonly kind: 'const'; readonly value: bigint }
  | { readonly kind: 'ctx'; readonly offset: number }
  | { readonly kind: 'probe'; readonly offset: number };

export function recordRead(x: Load, ctx: Ctx, record: RecordLayout): RecordRead {
  const w = x.width;
  if (isPacketCtx(ctx))
    throw new Unsupported('base', `record loads need --ctx tracepoint (use base frame for trace frames)`);
  if (typeof x.offset !== 'number')
    throw new Unsupported('record-computed-offset', 'record loads at computed offsets are not supported yet');
  const off = x.offset;
  if (off < 8) {
    if (off === 4 && w === 4 && x.order === 'le') return { kind: 'pid', signed: x.signed };
    if (off === 0 && w === 2 && x.order === 'le' && record.commonType !== undefined) {
      const t = BigInt(record.commonType & 0xffff);
      return { kind: 'const', value: x.signed ? BigInt.asUintN(64, BigInt.asIntN(16, t)) : t };
    }
    const flagsOrCount = off <= 3 && off + w > 2;
    throw new Unsupported(
      'record-header',
      flagsOrCount
        ? `common_flags / common_preempt_count (record bytes 2-3) cannot be read by a tracepoint program: perf overwrites bytes 0-7 of the record with a pt_regs pointer before the program runs, and no helper returns the irq/softirq/need-resched flags or the preempt count the kernel's filter sees (taken when the event is reserved, one preemption level below the program's); use the kernel's own filter, or --ctx trace-frame where the record travels whole`
        : `record bytes ${off}..${off + w - 1} overlap the common header (bytes 0-7), which tracepoint programs cannot read; only common_pid (u32 at 4) and common_type (u16 at 0, with a known event id) are served`,
    );
  }
  return off % w === 0 ? { kind: 'ctx', offset: off } : { kind: 'probe', offset: off };
}

/** A packet (or frame) load: bytes [k, k + width) at an absolute offset, an abort (they end past MAX_PKT_OFF),
 *  or a computed offset, checked against `limit` (a larger offset ends past MAX_PKT_OFF) before `base` is added.
 *  The bound has to be that tight for the verifier: it propagates a packet range only while umax(offset) + fixed
 *  offset + size stays within MAX_PACKET_OFF (found with `tcp[((tcp[12:1] & 0xf0) >> 2):4] = ...` on sched_cls). */
export type PacketRead =
  /** Past MAX_PKT_OFF on every packet; a computed offset (`offset`) is still evaluated first (it may abort). */
  | { readonly kind: 'abort'; readonly offset?: Expr }
  | { readonly kind: 'fixed'; readonly k: number }
  | { readonly kind: 'computed'; readonly offset: Expr; readonly base: number; readonly limit: number };

export function packetRead(x: Load, ctx: Ctx): PacketRead {
  if (!isPacketCtx(ctx))
    throw new Unsupported('base', `${x.base} loads need a packet context (--ctx trace-frame)`);
  const base = baseOffset(x.base);
  if (typeof x.offset === 'number') {
    const k = x.offset + base;
    return k + x.width > MAX_PKT_OFF ? { kind: 'abort' } : { kind: 'fixed', k };
  }
  const limit = MAX_PKT_OFF - x.width - base;
  return limit < 0
    ? { kind: 'abort', offset: x.offset }
    : { kind: 'computed', offset: x.offset, base, limit };
}

/** The bytes of a fixed-size string (char[N] or comm): comm through its helper, N bytes of the record at an
 *  offset past the common header, or N packet bytes at an absolute offset (`fits`: they end within
 *  MAX_PKT_OFF; else reading them aborts). */
export type ArraySource =
  | { readonly kind: 'comm'; readonly n: 16 }
  | { readonly kind: 'record'; readonly offset: number; readonly n: number }
  | { readonly kind: 'packet'; readonly k: number; readonly n: number; readonly fits: boolean };

export function arraySource(src: Extract<StrSource, { kind: 'comm' | 'fixed' }>, ctx: Ctx): ArraySource {
  const packetCtx = isPacketCtx(ctx);
  if (src.kind === 'comm') {
    if (packetCtx)
      throw new Unsupported('comm', 'comm needs --ctx tracepoint (trace frames carry it in the header)');
    return { kind: 'comm', n: 16 };
  }
  const n = src.size;
  if (src.base === 'record') {
    if (packetCtx) throw new Unsupported('base', 'record strings need --ctx tracepoint');
    if (src.offset < 8)
      throw new Unsupported('record-header', 'strings in the common header (bytes 0-7) are not readable');
    return { kind: 'record', offset: src.offset, n };
  }
  if (!packetCtx) throw new Unsupported('base', `${src.base} strings need a packet context`);
  const k = src.offset + baseOffset(src.base);
  return { kind: 'packet', k, n, fits: k + n <= MAX_PKT_OFF };
}

/** A __data_loc / __rel_loc string's descriptor: the u32 `word` to load (length in its high half, start in its low
 *  half) and what is added to the start to make it an absolute offset of `base` (the frame header, and for
 *  __rel_loc the end of the descriptor itself). */
export function dataLocWord(
  src: Extract<StrSource, { kind: 'dataloc' }>,
  base: Load['base'],
): { readonly word: Load; readonly add: number } {
  return {
    word: { kind: 'load', base, offset: src.offset, width: 4, order: src.order, signed: false },
    add: baseOffset(base) + (src.rel ? src.offset + 4 : 0),
  };
}
