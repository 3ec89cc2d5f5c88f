// eBPF translation of string predicates over fixed-size arrays (char[N], comm): the bytes' source as the lowering
// decided it (lower/access.ts arraySource: comm by helper into the stack, the record from ctx, the packet by direct
// access behind one guard or copied whole by bpf_skb_load_bytes), then the matcher's op list, unrolled.
// Invariants: the whole array is guarded (or copied) before any byte is compared, so a frame that ends inside it
// aborts whatever the matcher examines; eBPF's own limits are diagnostics: direct loads reach offset 0x7fff,
// socket copies STRBUF_MAX bytes, an unrolled substring search at most 20,000 compares.
import { alu64, call, mem, mov, R0, R1, R2, R6, R7, R10 } from '@tfc/bpf/ebpf';
import type { StrPred, StrSource } from '@tfc/ir';
import { arraySource } from '../lower/access.ts';
import { lowerArrayMatch, patternBytes } from '../lower/string-ops.ts';
import { Unsupported } from '../options.ts';
import { type EbpfGen, HELPER, STRBUF, STRBUF_MAX } from './context.ts';
import { goto } from './emitter.ts';
import { packetGuard, skbLoad } from './loads.ts';
import { type ByteAt, emitStrOps } from './string-ops.ts';

/** Compares an unrolled substring search may take. */
const UNROLL_LIMIT = 20000;

export function arrayLeaf(
  g: EbpfGen,
  p: StrPred,
  src: Extract<StrSource, { kind: 'comm' | 'fixed' }>,
  t: string,
  f: string,
  a: string,
): void {
  const s = arraySource(src, g.o.ctx);
  let byteAt: ByteAt;
  switch (s.kind) {
    case 'comm':
      g.e(mov.reg(R1, R10));
      g.e(alu64.add.imm(R1, -STRBUF));
      g.e(mov.imm(R2, 16));
      g.e(call(HELPER.comm));
      byteAt = (i) => g.e(mem.ldx('b', R0, R10, -STRBUF + i));
      break;
    case 'record':
      byteAt = (i) => g.e(mem.ldx('b', R0, R6, s.offset + i));
      break;
    case 'packet':
      if (g.direct) {
        if (s.k + s.n > 0x7fff) throw new Unsupported('offset', `string at packet offset ${s.k} is too far`);
        packetGuard(g, s.k, s.n, a);
        byteAt = (i) => g.e(mem.ldx('b', R0, R7, s.k + i));
      } else {
        if (s.n > STRBUF_MAX)
          throw new Unsupported('string-size', `char[${s.n}] exceeds ${STRBUF_MAX} bytes`);
        if (!s.fits) {
          goto(g.em, a);
          return;
        }
        skbLoad(g, undefined, s.k, s.n, STRBUF, a);
        byteAt = (i) => g.e(mem.ldx('b', R0, R10, -STRBUF + i));
      }
      break;
  }
  const plen = patternBytes(p).length;
  if (p.match === 'middle' && plen > 0 && (s.n - plen + 1) * plen * 2 > UNROLL_LIMIT)
    throw new Unsupported('string-size', `substring search over char[${s.n}] is too large to unroll`);
  emitStrOps(g, lowerArrayMatch(p, s.n, t, f), byteAt);
}
