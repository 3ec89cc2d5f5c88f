// eBPF translation of string predicates, by source: fixed-size arrays (string-array.ts), __data_loc / __rel_loc
// strings (a tracepoint record's through probe reads and the string buffer, a frame's from the packet with the
// whole string guarded first) and `char *` strings (copied with bpf_probe_read_{kernel,user}_str into the
// 1,024-byte buffer). full/front/end over a runtime length are the lowering's ops (lower/string-ops.ts).
// Invariants: the matchers see bytes [0, len) and zeros after them; a failed `char *` copy makes the leaf false
// whatever its negation (edge f); a frame read past the packet aborts, as in the IR.
import { alu64, call, jmp, mem, mov, R0, R1, R2, R3, R5, R6, R7, R8, R9, R10, type Reg } from '@tfc/bpf/ebpf';
import type { StrPred } from '@tfc/ir';
import { dataLocWord, MAX_PKT_OFF } from '../lower/access.ts';
import { Unsupported } from '../options.ts';
import { type EbpfGen, HELPER, PTR_BUF, SCRATCH, STRBUF_SIZE } from './context.ts';
import { fresh, goto, place } from './emitter.ts';
import { frameGlob, frameMiddle } from './frame-string.ts';
import { load, skbLoad } from './loads.ts';
import { arrayLeaf } from './string-array.ts';
import { bufferMiddle, copiedStrlen, dataLocCopy, strbufToR9 } from './string-buffer.ts';
import { bufferGlob, globSegmentsOf } from './string-glob-loop.ts';
import { runtimeLenMatch } from './string-ops.ts';

/** One record byte at R7 + (R8 if `plusLen`) + k into R0, through bpf_probe_read_kernel (a fault
 *  leaves the destination zeroed: bytes outside the record read as 0, as in the IR). */
export function recordByte(g: EbpfGen, plusLen: boolean, k: number) {
  g.e(mov.reg(R1, R10));
  g.e(alu64.add.imm(R1, -SCRATCH));
  g.e(mov.imm(R2, 1));
  g.e(mov.reg(R3, R7));
  if (plusLen) g.e(alu64.add.reg(R3, R8));
  if (k !== 0) g.e(alu64.add.imm(R3, k));
  g.e(call(HELPER.probeReadKernel));
  g.e(mem.ldx('b', R0, R10, -SCRATCH));
}

/** __data_loc / __rel_loc strings in a tracepoint record: R7 = ctx + data start, R8 = len. The
 *  matchers see bytes [0, len) of the data and zeros after it (IR: the view has length len); len 0 is
 *  the NUL-terminated string at the offset (full/front/middle read up to its NUL, in frames each byte
 *  bounds-checked: a read past the frame aborts, as in the IR). */
export function dataLocLeaf(
  g: EbpfGen,
  p: StrPred,
  src: Extract<StrPred['source'], { kind: 'dataloc' }>,
  t: string,
  f: string,
  a: string,
) {
  let L: Reg = R8;
  let byteAt: (plusLen: boolean, k: number) => void = (plusLen, k) => recordByte(g, plusLen, k);
  if (!g.packetCtx) {
    const d = dataLocWord(src, 'record');
    load(g, d.word, a);
    g.e(mov.reg(R8, R0));
    g.e(alu64.rsh.imm(R8, 16));
    g.e(alu64.and.imm(R0, 0xffff));
    if (d.add !== 0) g.e(alu64.add.imm(R0, d.add));
    g.e(mem.stx('dw', R10, -8, R0));
    g.e(mov.reg(R7, R6));
    g.e(alu64.add.reg(R7, R0));
    if (p.match === 'middle') {
      dataLocMiddle(g, p, t, f);
      return;
    }
    if (p.match === 'glob') {
      dataLocGlob(g, p, t, f);
      return;
    }
  } else {
    // Frames: the whole string [start, start + len) must be inside the packet, else abort.
    const d = dataLocWord(src, src.base);
    const S: Reg = g.direct ? R5 : R7;
    L = g.direct ? R9 : R8;
    load(g, d.word, a);
    g.e(mov.reg(L, R0));
    g.e(alu64.rsh.imm(L, 16));
    g.e(mov.reg(S, R0));
    g.e(alu64.and.imm(S, 0xffff));
    g.e(alu64.add.imm(S, d.add));
    g.e(mov.reg(R2, S));
    g.e(alu64.add.reg(R2, L));
    if (g.direct) {
      g.e(mov.reg(R3, R8));
      g.e(alu64.sub.reg(R3, R7));
    } else g.e(mem.ldx('w', R3, R6, 0));
    g.e(jmp.jgt.reg(R2, R3, a));
    if (p.match === 'middle') {
      frameMiddle(g, p, S, L, t, f, a);
      return;
    }
    if (p.match === 'glob') {
      frameGlob(g, p, S, L, t, f, a);
      return;
    }
    byteAt = (plusLen, k) => {
      g.e(mov.reg(R2, S));
      if (plusLen) g.e(alu64.add.reg(R2, L));
      if (k !== 0) g.e(alu64.add.imm(R2, k));
      if (g.direct) {
        g.e(jmp.jgt.imm(R2, MAX_PKT_OFF - 1, a));
        g.e(mov.reg(R1, R7));
        g.e(alu64.add.reg(R1, R2));
        g.e(mov.reg(R2, R1));
        g.e(alu64.add.imm(R2, 1));
        g.e(jmp.jgt.reg(R2, R8, a));
        g.e(mem.ldx('b', R0, R1, 0));
      } else {
        skbLoad(g, R2, 0, 1, SCRATCH, a);
        g.e(mem.ldx('b', R0, R10, -SCRATCH));
      }
    };
  }
  runtimeLenMatch(g, p, L, byteAt, t, f);
}

/** middle on a tracepoint __data_loc string: the string copied into the buffer (dataLocCopy), then
 *  searched; windows past n reach beyond any record, whose bytes read 0 and never match a pattern. */
export function dataLocMiddle(g: EbpfGen, p: StrPred, t: string, f: string) {
  const pat = [...p.pattern].map((c) => c.charCodeAt(0) & 0xff);
  const plen = pat.length;
  const yes = p.negate ? f : t;
  const no = p.negate ? t : f;
  if (plen === 0) {
    goto(g.em, yes);
    return;
  }
  // len 0 (a zero-length locator): strstr, over the bytes from the offset to the buffer's end (beyond
  // any record) cut at their first NUL.
  const counted = fresh(g.em);
  g.e(jmp.jne.imm(R8, 0, counted));
  g.e(mov.imm(R8, STRBUF_SIZE));
  strbufToR9(g, no);
  dataLocCopy(g, no, true);
  copiedStrlen(g, no);
  g.e(mem.ldx('dw', R5, R10, -32));
  bufferMiddle(g, pat, STRBUF_SIZE, yes, no);
  place(g.em, counted);
  strbufToR9(g, no);
  dataLocCopy(g, no, false);
  g.e(mem.ldx('dw', R5, R10, -24));
  bufferMiddle(g, pat, STRBUF_SIZE, yes, no);
}

/** glob on a tracepoint __data_loc string: copied (dataLocCopy), m = strnlen(buffer, n) (copiedStrlen),
 *  then bufferGlob. */
export function dataLocGlob(g: EbpfGen, p: StrPred, t: string, f: string) {
  const segs = globSegmentsOf(p, '__data_loc');
  const yes = p.negate ? f : t;
  const no = p.negate ? t : f;
  strbufToR9(g, no);
  dataLocCopy(g, no, true);
  copiedStrlen(g, no);
  bufferGlob(g, segs, STRBUF_SIZE, yes, no);
}

/** strnstr over the copied `char *` string (R9 buffer, R8 = len): a bounded loop over the start
 *  position s (R7) in [0, len - plen], the window compared unrolled; the loop's only backward jump
 *  goes to its head, and s <= 1024 - plen bounds it for the verifier. */
export function ptrMiddle(g: EbpfGen, p: StrPred, t: string, f: string) {
  const pat = [...p.pattern].map((c) => c.charCodeAt(0) & 0xff);
  const yes = p.negate ? f : t;
  const no = p.negate ? t : f;
  if (pat.length === 0) {
    goto(g.em, yes);
    return;
  }
  g.e(mov.reg(R5, R8));
  bufferMiddle(g, pat, PTR_BUF, yes, no);
}

/** `char *` strings: copied with bpf_probe_read_{kernel,user}_str (at most 1023 chars + NUL) into a
 *  1,024-byte per-CPU array value (R9); len = the helper's return (strlen + 1) in R8; a failed copy
 *  makes the leaf false whatever its negation (edge f). Bytes at index >= len are never read. */
export function ptrLeaf(
  g: EbpfGen,
  p: StrPred,
  src: Extract<StrPred['source'], { kind: 'ptr' }>,
  t: string,
  f: string,
  a: string,
) {
  if (g.packetCtx) throw new Unsupported('string-source', 'char * strings need --ctx tracepoint');
  const segs = p.match === 'glob' ? globSegmentsOf(p, 'char *') : undefined;
  strbufToR9(g, f);
  load(g, { kind: 'load', base: src.base, offset: src.offset, width: 8, order: src.order, signed: false }, a);
  g.e(mov.reg(R3, R0));
  g.e(mov.reg(R1, R9));
  g.e(mov.imm(R2, PTR_BUF));
  g.e(call(src.space === 'user' ? HELPER.probeReadUserStr : HELPER.probeReadKernelStr));
  g.e(jmp.jslt.imm(R0, 0, f));
  g.e(mov.reg(R8, R0));
  if (p.match === 'middle') {
    ptrMiddle(g, p, t, f);
    return;
  }
  if (segs !== undefined) {
    // m = strlen = the copy's length without its NUL.
    g.e(mov.reg(R1, R8));
    g.e(alu64.sub.imm(R1, 1));
    g.e(jmp.jgt.imm(R1, PTR_BUF - 1, f));
    g.e(mem.stx('dw', R10, -32, R1));
    bufferGlob(g, segs, PTR_BUF, p.negate ? f : t, p.negate ? t : f);
    return;
  }
  runtimeLenMatch(
    g,
    p,
    R8,
    (plusLen, k) => {
      if (!plusLen) {
        g.e(mem.ldx('b', R0, R9, k));
        return;
      }
      g.e(mov.reg(R1, R8));
      g.e(alu64.add.imm(R1, k));
      g.e(jmp.jgt.imm(R1, PTR_BUF - 1, f));
      g.e(alu64.add.reg(R1, R9));
      g.e(mem.ldx('b', R0, R1, 0));
    },
    t,
    f,
  );
}

export function strLeaf(g: EbpfGen, p: StrPred, t: string, f: string, a: string): void {
  const src = p.source;
  if (g.buffer !== undefined)
    throw new Unsupported('string-source', 'string predicates are not supported in the skb context');
  if (src.kind === 'ptr') ptrLeaf(g, p, src, t, f, a);
  else if (src.kind === 'dataloc') dataLocLeaf(g, p, src, t, f, a);
  else arrayLeaf(g, p, src, t, f, a);
}
