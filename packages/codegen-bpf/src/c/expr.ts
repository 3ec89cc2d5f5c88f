// C translation of IR expressions and the lowering's loads (lower/access.ts): every subexpression is a fresh u64
// local assigned in evaluation order, so aborts (packet reads past the end, division by zero) are `goto` statements
// placed before the read; u32 arithmetic wraps; shifts by 32 or more give 0.
// Invariants: packet reads are preceded by an explicit data_end check (tc, xdp) or use bpf_skb_load_bytes
// (socket); tracepoint reads are ctx + constant offset >= 8 (aligned) or bpf_probe_read_kernel through an opaque
// copy of ctx; returns the C expression of the value.
import type { Expr, Width } from '@tfc/ir';
import { type Load, packetRead, recordRead } from '../lower/access.ts';
import { runtimeArithCheck } from '../lower/arith.ts';
import { isPacketMeta, packetMetaField } from '../lower/packet-meta.ts';
import { Unsupported } from '../options.ts';
import { type CGen, fresh, line, lit, sType, uType } from './context.ts';

/** Bytes [k, k+n) of the packet checked (direct) or copied into a fresh local array; the C expression of the
 *  address of byte k (direct) or of the local copy. */
export function packetBytes(g: CGen, k: number, n: number, abort: string): string {
  if (g.direct) {
    line(g, `if ((u8 *)data + ${k + n} > (u8 *)data_end) goto ${abort};`);
    return `((u8 *)data + ${k})`;
  }
  const b = fresh(g);
  line(g, `u8 ${b}[${n}] __attribute__((aligned(8)));`);
  line(g, `if (bpf_skb_load_bytes(ctx, ${k}, ${b}, ${n}) != 0) goto ${abort};`);
  return b;
}

function loadVal(g: CGen, addr: string, w: Width, order: 'le' | 'be', signed: boolean): string {
  const t = fresh(g);
  let v = `*(${uType(w)} *)(${addr})`;
  if (order === 'be' && w > 1) v = `__builtin_bswap${w * 8}(${v})`;
  if (signed) v = w === 8 ? v : `(u64)(s64)(${sType(w)})(${v})`;
  line(g, `u64 ${t} = (u64)(${v});`);
  return t;
}

function recordLoad(g: CGen, x: Load): string {
  const w = x.width;
  const r = recordRead(x, g.o.ctx, g.o.record);
  switch (r.kind) {
    case 'pid': {
      const t = fresh(g);
      line(g, `u64 ${t} = (u64)${r.signed ? '(s64)(s32)' : ''}(u32)bpf_get_current_pid_tgid();`);
      return t;
    }
    case 'const':
      return lit(r.value);
    case 'ctx':
      return loadVal(g, `(u8 *)ctx + ${r.offset}`, w, x.order, x.signed);
    case 'probe': {
      const b = fresh(g);
      const c = fresh(g);
      // An opaque copy of ctx: clang must not derive ctx loads from this modified pointer.
      line(g, `${uType(w)} ${b} = 0;`);
      line(g, `void *${c} = ctx;`);
      line(g, `asm volatile("" : "+r"(${c}));`);
      line(g, `bpf_probe_read_kernel(&${b}, ${w}, (u8 *)${c} + ${r.offset});`);
      return loadVal(g, `&${b}`, w, x.order, x.signed);
    }
  }
}

function load(g: CGen, x: Load, abort: string): string {
  if (x.base === 'record') return recordLoad(g, x);
  const w = x.width;
  const r = packetRead(x, g.o.ctx);
  switch (r.kind) {
    case 'abort':
      if (r.offset !== undefined) expr(g, r.offset, abort);
      line(g, `goto ${abort};`);
      return '0ULL';
    case 'fixed':
      return loadVal(g, packetBytes(g, r.k, w, abort), w, x.order, x.signed);
    case 'computed': {
      const off = expr(g, r.offset, abort);
      line(g, `if (${off} > ${r.limit}) goto ${abort};`);
      const k = fresh(g);
      line(g, `u32 ${k} = (u32)${off} + ${r.base};`);
      if (g.direct) {
        line(g, `if ((u8 *)data + ${k} + ${w} > (u8 *)data_end) goto ${abort};`);
        return loadVal(g, `(u8 *)data + ${k}`, w, x.order, x.signed);
      }
      const b = fresh(g);
      line(g, `u8 ${b}[${w}] __attribute__((aligned(8)));`);
      line(g, `if (bpf_skb_load_bytes(ctx, ${k}, ${b}, ${w}) != 0) goto ${abort};`);
      return loadVal(g, b, w, x.order, x.signed);
    }
  }
}

export function expr(g: CGen, x: Expr, abort: string): string {
  switch (x.kind) {
    case 'const':
      return lit(x.value);
    case 'ref': {
      const d = g.dag.values[x.id];
      if (d === undefined) throw new Unsupported('ref', `unknown value %${x.id}`);
      return expr(g, d.expr, abort);
    }
    case 'pseudo': {
      if (g.packetCtx || isPacketMeta(x.name)) {
        const f = packetMetaField(g.o.ctx, g.o.progType, x.name);
        const t = fresh(g);
        line(g, `u64 ${t} = (u64)*(u32 *)((u8 *)ctx + ${f.offset}); /* ${f.cField} */`);
        return t;
      }
      const t = fresh(g);
      line(
        g,
        `u64 ${t} = (u64)(s64)(s32)${x.name === 'cpu' ? 'bpf_get_smp_processor_id()' : 'bpf_get_current_pid_tgid()'};`,
      );
      return t;
    }
    case 'len': {
      if (!g.packetCtx) throw new Unsupported('len', 'packet length needs a packet context');
      const t = fresh(g);
      line(
        g,
        `u64 ${t} = ${g.o.progType === 'xdp' ? '(u64)((u8 *)data_end - (u8 *)data)' : '(u64)*(u32 *)ctx'};`,
      );
      return t;
    }
    case 'neg': {
      const a = expr(g, x.arg, abort);
      const t = fresh(g);
      line(g, `u64 ${t} = (u64)(u32)(0U - (u32)${a});`);
      return t;
    }
    case 'arith': {
      const l = expr(g, x.left, abort);
      const r = expr(g, x.right, abort);
      const t = fresh(g);
      const op = x.op;
      const check = runtimeArithCheck(op);
      if (check === 'divisor') {
        line(g, `if ((u32)${r} == 0) goto ${abort};`);
        line(g, `u64 ${t} = (u64)((u32)${l} ${op} (u32)${r});`);
      } else if (check === 'shift')
        line(g, `u64 ${t} = (u32)${r} >= 32 ? 0 : (u64)(u32)((u32)${l} ${op} (u32)${r});`);
      else line(g, `u64 ${t} = (u64)(u32)((u32)${l} ${op} (u32)${r});`);
      return t;
    }
    case 'load':
      return load(g, x, abort);
  }
}
