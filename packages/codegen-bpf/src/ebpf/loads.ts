// eBPF translation of the lowering's loads (lower/access.ts): tracepoint record reads (helpers for the common
// header, ctx loads, probe reads), packet reads by direct access behind a data_end guard (tc, xdp) or through
// bpf_skb_load_bytes (socket), byte order and sign extension.
// Invariants: the value ends in R0 as the IR defines it (zero- or sign-extended to 64 bits); every packet byte is
// read only after a guard against data_end or through a helper whose failure is checked, and a failed guard goes
// to `abort`; a guard already proven on every path (`g.checked`) is not repeated; clobbers R0-R5. In the skb context
// (g.buffer) packet bytes are the record's copy: guards compare with the captured length in R8, a read reaching past
// the snaplen is an abort, and record loads read the capture record's header (the metadata outside the packet).
import { alu64, call, jmp, mem, mov, R0, R1, R2, R3, R4, R6, R7, R8, R10, type Reg } from '@tfc/bpf/ebpf';
import type { Width } from '@tfc/ir';
import { type Load, packetRead, recordRead } from '../lower/access.ts';
import { Unsupported } from '../options.ts';
import { rawLoad } from '../raw/program.ts';
import { REC } from '../skb/options.ts';
import { type EbpfGen, extend, HELPER, loadConst, SCRATCH, sizeName, swap } from './context.ts';
import { goto } from './emitter.ts';
import { expr } from './expr.ts';

/** The guard of direct packet access: bytes [k, k+n) lie before data_end, else goto abort (k + n <= 0xffff). */
export function packetGuard(g: EbpfGen, k: number, n: number, abort: string): void {
  // Already proven on every path to here (dominating checks): the verifier knows it too.
  if (k + n <= g.checked && k <= 0x7fff) return;
  if (g.buffer !== undefined) {
    // the skb context's record buffer: nothing at or past the snaplen was copied
    if (k + n > g.buffer) goto(g.em, abort);
    else g.e(jmp.jlt.imm(R8, k + n, abort));
    g.checked = Math.max(g.checked, k + n);
    return;
  }
  g.e(mov.reg(R1, R7));
  g.e(alu64.add.imm(R1, k + n));
  g.e(jmp.jgt.reg(R1, R8, abort));
  g.checked = Math.max(g.checked, k + n);
}

/** bpf_skb_load_bytes(ctx, offReg + k, fp - bufOff, n); a failure goes to abort. */
export function skbLoad(
  g: EbpfGen,
  offReg: Reg | undefined,
  k: number,
  n: number,
  bufOff: number,
  abort: string,
) {
  if (offReg === undefined) g.e(mov.imm(R2, k));
  else {
    if (offReg !== R2) g.e(mov.reg(R2, offReg));
    if (k !== 0) g.e(alu64.add.imm(R2, k));
  }
  g.e(mov.reg(R1, R6));
  g.e(mov.reg(R3, R10));
  g.e(alu64.add.imm(R3, -bufOff));
  g.e(mov.imm(R4, n));
  g.e(call(HELPER.skbLoadBytes));
  g.e(jmp.jne.imm(R0, 0, abort));
}

/** R0 = a tracepoint record field. */
function recordLoad(g: EbpfGen, x: Load): void {
  const w = x.width;
  const r = recordRead(x, g.o.ctx, g.o.record);
  switch (r.kind) {
    case 'pid':
      g.e(call(HELPER.pidTgid));
      g.e(alu64.lsh.imm(R0, 32));
      g.e(r.signed ? alu64.arsh.imm(R0, 32) : alu64.rsh.imm(R0, 32));
      return;
    case 'const':
      loadConst(g, R0, r.value);
      return;
    case 'ctx':
      g.e(mem.ldx(sizeName(w), R0, R6, r.offset));
      break;
    case 'probe':
      g.e(mov.reg(R1, R10));
      g.e(alu64.add.imm(R1, -SCRATCH));
      g.e(mov.imm(R2, w));
      g.e(mov.reg(R3, R6));
      g.e(alu64.add.imm(R3, r.offset));
      g.e(call(HELPER.probeReadKernel));
      g.e(mem.ldx(sizeName(w), R0, R10, -SCRATCH));
      break;
  }
  if (x.order === 'be') swap(g, R0, w);
  if (x.signed || x.order === 'be') extend(g, R0, w, x.signed);
}

/** R0 = a word of the skb context's capture record (the metadata kept outside the packet); bytes past the record's
 *  header read as zero, as the IR's record loads do. */
function captureRecordLoad(g: EbpfGen, x: Load, abort: string): void {
  const w = x.width;
  if (typeof x.offset !== 'number') {
    expr(g, x.offset, abort);
    throw new Unsupported(
      'record-computed-offset',
      'record loads at computed offsets are not supported on skb',
    );
  }
  if (x.offset + w > REC.data) {
    g.e(mov.imm(R0, 0));
    return;
  }
  g.e(mem.ldx(sizeName(w), R0, R7, x.offset - REC.data));
  if (x.order === 'be') swap(g, R0, w);
  if (x.signed || x.order === 'be') extend(g, R0, w, x.signed);
}

/** R0 = the load's value; an out-of-bounds packet read goes to abort. */
export function load(g: EbpfGen, x: Load, abort: string): void {
  if (x.base === 'record' && g.buffer !== undefined) {
    captureRecordLoad(g, x, abort);
    return;
  }
  if (x.base === 'record' && g.o.raw !== undefined) {
    rawLoad(g, x, g.o.raw);
    return;
  }
  if (x.base === 'record') {
    recordLoad(g, x);
    return;
  }
  const w = x.width;
  const r = packetRead(x, g.o.ctx);
  if (r.kind === 'abort') {
    if (r.offset !== undefined) expr(g, r.offset, abort);
    goto(g.em, abort);
    return;
  }
  if (r.kind === 'fixed') {
    if (g.direct) {
      packetGuard(g, r.k, w, abort);
      if (r.k <= 0x7fff) g.e(mem.ldx(sizeName(w), R0, R7, r.k));
      else g.e(mem.ldx(sizeName(w), R0, R1, -w));
    } else {
      skbLoad(g, undefined, r.k, w, SCRATCH, abort);
      g.e(mem.ldx(sizeName(w), R0, R10, -SCRATCH));
    }
  } else {
    expr(g, r.offset, abort);
    readAtR0(g, r.base, r.limit, w, abort);
  }
  if (x.order === 'be') swap(g, R0, w);
  if (x.signed) extend(g, R0, w, true);
}

/** R0 = the `w` packet bytes (little-endian as they lie) at offset R0 + `base`; R0 above `limit` (a read ending past
 *  MAX_PKT_OFF) or a read past the packet's end goes to abort. Clobbers R0-R5. */
export function readAtR0(g: EbpfGen, base: number, limit: number, w: Width, abort: string): void {
  const r = { base, limit };
  if (g.buffer !== undefined) {
    const limit = Math.min(r.limit, g.buffer - w - r.base);
    if (limit < 0) goto(g.em, abort);
    else {
      g.e(jmp.jgt.imm(R0, limit, abort));
      g.e(mov.reg(R1, R0));
      g.e(alu64.add.imm(R1, r.base + w));
      g.e(jmp.jgt.reg(R1, R8, abort));
      g.e(mov.reg(R1, R7));
      g.e(alu64.add.reg(R1, R0));
      g.e(mem.ldx(sizeName(w), R0, R1, r.base));
    }
  } else g.e(jmp.jgt.imm(R0, r.limit, abort));
  if (g.buffer !== undefined) {
    // read above
  } else if (g.direct) {
    g.e(mov.reg(R1, R7));
    g.e(alu64.add.reg(R1, R0));
    if (r.base !== 0) g.e(alu64.add.imm(R1, r.base));
    g.e(mov.reg(R2, R1));
    g.e(alu64.add.imm(R2, w));
    g.e(jmp.jgt.reg(R2, R8, abort));
    g.e(mem.ldx(sizeName(w), R0, R1, 0));
  } else {
    skbLoad(g, R0, r.base, w, SCRATCH, abort);
    g.e(mem.ldx(sizeName(w), R0, R10, -SCRATCH));
  }
}
