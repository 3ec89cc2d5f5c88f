// eBPF code generation from a decision DAG (tracepoint records, trace frames and packets).
// Invariants:
//  - straight-line code with forward jumps only: DAG nodes are emitted in topological order and every
//    local label is placed after the jumps that name it; no instruction is unreachable (the emitter
//    drops code after an unconditional jump until a referenced label revives it);
//  - every packet byte is read only after a bounds check against data_end (tc/xdp) or through
//    bpf_skb_load_bytes whose failure is checked (socket): an out-of-bounds read takes the leaf's
//    abort edge, which ends in the miss return, as the IR's abort does;
//  - tracepoint ctx loads are at offsets >= 8 and naturally aligned; other record reads go through
//    bpf_probe_read_kernel into the stack; common_pid comes from bpf_get_current_pid_tgid,
//    common_type from the layout's constant, cpu from bpf_get_smp_processor_id, comm from
//    bpf_get_current_comm;
//  - compares take their jump opcodes and branch inversion from the IR's OPS table; widths 1/2 are
//    masked or sign-extended to 64 bits, width 4 uses JMP32, width 8 JMP;
//  - sets of `binarySearchMin`+ values become a binary search, smaller ones a chain of jeq;
//  - anything not supported yet raises Unsupported (a precise diagnostic), never wrong code.
import {
  alu32,
  alu64,
  call,
  exit,
  type Insn,
  ja,
  jmp,
  jmp32,
  ldImm64,
  mem,
  mov,
  R0,
  R1,
  R2,
  R3,
  R4,
  R6,
  R7,
  R8,
  R10,
  type Reg,
  toBe,
} from '@tfc/bpf/ebpf';
import type { CmpOp, Dag, EbpfJump, Expr, LeafPred, StrPred, Width } from '@tfc/ir';
import { FRAME_RECORD_OFFSET, OPS } from '@tfc/ir';
import { topoOrder } from './dag-order.ts';
import { type Ctx, type ProgType, type RecordLayout, Unsupported } from './options.ts';

const HELPER = {
  probeReadKernel: 113,
  cpu: 8,
  pidTgid: 14,
  comm: 16,
  skbLoadBytes: 26,
} as const;

/** Stack layout (offsets below r10). */
const TEMP_SLOTS = 24; // fp-8 .. fp-192: expression temporaries
const SCRATCH = 200; // fp-200: 8 bytes for a loaded value
const STRBUF = 512; // fp-512 .. fp-201: string bytes (comm, socket loads)
const STRBUF_MAX = STRBUF - SCRATCH;
const MAX_PKT_OFF = 0xffff;

export interface EbpfGenOptions {
  readonly ctx: Ctx;
  readonly progType: ProgType;
  readonly onMatch: number;
  readonly onMiss: number;
  readonly binarySearchMin: number;
  readonly record: RecordLayout;
}

type Mask = 'mask' | 'sext' | 'none';

interface Emitter {
  readonly out: Insn[];
  pendingLabels: string[];
  pendingJa: string | undefined;
  dead: boolean;
  readonly referenced: Set<string>;
  readonly alias: Map<string, string>;
  next: number;
}

function newEmitter(): Emitter {
  return {
    out: [],
    pendingLabels: [],
    pendingJa: undefined,
    dead: false,
    referenced: new Set(),
    alias: new Map(),
    next: 0,
  };
}

function rawEmit(em: Emitter, i: Insn): void {
  if (em.pendingLabels.length > 0) {
    const [first, ...rest] = em.pendingLabels;
    for (const r of rest) em.alias.set(r, first!);
    em.out.push({ ...i, label: first! });
    em.pendingLabels = [];
  } else em.out.push(i);
}

function flushJa(em: Emitter): void {
  if (em.pendingJa !== undefined) {
    rawEmit(em, ja(em.pendingJa));
    em.pendingJa = undefined;
    em.dead = true;
  }
}

function emit(em: Emitter, i: Insn): void {
  if (em.dead) return;
  flushJa(em);
  if (i.target !== undefined) em.referenced.add(i.target);
  rawEmit(em, i);
}

function goto(em: Emitter, target: string): void {
  if (em.dead) return;
  flushJa(em);
  em.referenced.add(target);
  em.pendingJa = target;
}

function place(em: Emitter, label: string): void {
  if (em.pendingJa !== undefined) {
    if (em.pendingJa === label) {
      em.pendingJa = undefined;
      em.dead = false;
    } else flushJa(em);
  }
  if (!em.referenced.has(label)) return;
  em.dead = false;
  em.pendingLabels.push(label);
}

function fresh(em: Emitter): string {
  return `l${em.next++}`;
}

/** An unsigned load no wider than `w` is already zero-extended: masking it again changes nothing. */
export function zeroExtended(x: Expr, w: Width, m: 'mask' | 'sext' | 'none'): boolean {
  return m === 'mask' && x.kind === 'load' && !x.signed && x.width <= w;
}

function fitsS32(v: bigint): boolean {
  const s = BigInt.asIntN(64, v);
  return s >= -0x80000000n && s <= 0x7fffffffn;
}

export function genEbpf(dag: Dag, o: EbpfGenOptions): Insn[] {
  const em = newEmitter();
  const packetCtx = o.ctx !== 'tracepoint';
  const direct = packetCtx && o.progType !== 'socket';
  let depth = 0;

  const e = (i: Insn) => emit(em, i);

  const loadConst = (r: Reg, v: bigint) => {
    const u = BigInt.asUintN(64, v);
    if (u <= 0x7fffffffn) e(mov.imm(r, Number(u)));
    else e(ldImm64(r, u));
  };

  const extend = (r: Reg, width: Width, signed: boolean) => {
    if (width === 8) return;
    const sh = 64 - 8 * width;
    e(alu64.lsh.imm(r, sh));
    e(signed ? alu64.arsh.imm(r, sh) : alu64.rsh.imm(r, sh));
  };

  const swap = (r: Reg, width: Width) => {
    if (width !== 1) e(toBe(r, (width * 8) as 16 | 32 | 64));
  };

  const sizeName = (w: Width) =>
    (w === 1 ? 'b' : w === 2 ? 'h' : w === 4 ? 'w' : 'dw') as 'b' | 'h' | 'w' | 'dw';

  /** R0 = bytes [k, k+n) of the packet (absolute offset), direct access, or abort. */
  const packetBoundsConst = (k: number, n: number, abort: string): boolean => {
    if (k + n > MAX_PKT_OFF) {
      goto(em, abort);
      return false;
    }
    e(mov.reg(R1, R7));
    e(alu64.add.imm(R1, k + n));
    e(jmp.jgt.reg(R1, R8, abort));
    return true;
  };

  const skbLoad = (offReg: Reg | undefined, k: number, n: number, bufOff: number, abort: string) => {
    // bpf_skb_load_bytes(ctx, offset, to, len)
    if (offReg === undefined) e(mov.imm(R2, k));
    else {
      if (offReg !== R2) e(mov.reg(R2, offReg));
      if (k !== 0) e(alu64.add.imm(R2, k));
    }
    e(mov.reg(R1, R6));
    e(mov.reg(R3, R10));
    e(alu64.add.imm(R3, -bufOff));
    e(mov.imm(R4, n));
    e(call(HELPER.skbLoadBytes));
    e(jmp.jne.imm(R0, 0, abort));
  };

  const load = (x: Extract<Expr, { kind: 'load' }>, abort: string) => {
    const w = x.width;
    if (x.base === 'record') {
      if (packetCtx)
        throw new Unsupported('base', `record loads need --ctx tracepoint (use base frame for trace frames)`);
      if (typeof x.offset !== 'number')
        throw new Unsupported(
          'record-computed-offset',
          'record loads at computed offsets are not supported yet',
        );
      const off = x.offset;
      if (off < 8) {
        if (off === 4 && w === 4 && x.order === 'le') {
          e(call(HELPER.pidTgid));
          e(alu64.lsh.imm(R0, 32));
          e(x.signed ? alu64.arsh.imm(R0, 32) : alu64.rsh.imm(R0, 32));
          return;
        }
        if (off === 0 && w === 2 && x.order === 'le' && o.record.commonType !== undefined) {
          const t = BigInt(o.record.commonType & 0xffff);
          loadConst(R0, x.signed ? BigInt.asUintN(64, BigInt.asIntN(16, t)) : t);
          return;
        }
        throw new Unsupported(
          'record-header',
          `record bytes ${off}..${off + w - 1} overlap the common header (bytes 0-7), which tracepoint programs cannot read; only common_pid (u32 at 4) and common_type (u16 at 0, with a known event id) are served`,
        );
      }
      if (off % w === 0) e(mem.ldx(sizeName(w), R0, R6, off));
      else {
        e(mov.reg(R1, R10));
        e(alu64.add.imm(R1, -SCRATCH));
        e(mov.imm(R2, w));
        e(mov.reg(R3, R6));
        e(alu64.add.imm(R3, off));
        e(call(HELPER.probeReadKernel));
        e(mem.ldx(sizeName(w), R0, R10, -SCRATCH));
      }
      if (x.order === 'be') swap(R0, w);
      if (x.signed || x.order === 'be') extend(R0, w, x.signed);
      return;
    }
    if (!packetCtx)
      throw new Unsupported('base', `${x.base} loads need a packet context (--ctx trace-frame)`);
    const baseOff = x.base === 'frame' ? FRAME_RECORD_OFFSET : 0;
    if (w === 8 && !direct) {
      // skb_load_bytes into the stack handles every width alike.
    }
    if (typeof x.offset === 'number') {
      const k = x.offset + baseOff;
      if (direct) {
        if (!packetBoundsConst(k, w, abort)) return;
        if (k <= 0x7fff) e(mem.ldx(sizeName(w), R0, R7, k));
        else e(mem.ldx(sizeName(w), R0, R1, -w));
      } else {
        if (k + w > MAX_PKT_OFF) {
          goto(em, abort);
          return;
        }
        skbLoad(undefined, k, w, SCRATCH, abort);
        e(mem.ldx(sizeName(w), R0, R10, -SCRATCH));
      }
    } else {
      expr(x.offset, abort);
      e(jmp.jgt.imm(R0, MAX_PKT_OFF, abort));
      if (direct) {
        e(mov.reg(R1, R7));
        e(alu64.add.reg(R1, R0));
        if (baseOff !== 0) e(alu64.add.imm(R1, baseOff));
        e(mov.reg(R2, R1));
        e(alu64.add.imm(R2, w));
        e(jmp.jgt.reg(R2, R8, abort));
        e(mem.ldx(sizeName(w), R0, R1, 0));
      } else {
        skbLoad(R0, baseOff, w, SCRATCH, abort);
        e(mem.ldx(sizeName(w), R0, R10, -SCRATCH));
      }
    }
    if (x.order === 'be') swap(R0, w);
    if (x.signed) extend(R0, w, true);
  };

  const ARITH = {
    '+': 'add',
    '-': 'sub',
    '*': 'mul',
    '/': 'div',
    '%': 'mod',
    '&': 'and',
    '|': 'or',
    '^': 'xor',
    '<<': 'lsh',
    '>>': 'rsh',
  } as const;

  const push = (): number => {
    if (depth >= TEMP_SLOTS)
      throw new Unsupported('expr-depth', `expression needs more than ${TEMP_SLOTS} temporaries`);
    depth++;
    e(mem.stx('dw', R10, -8 * depth, R0));
    return depth;
  };
  const pop = (r: Reg, slot: number) => {
    e(mem.ldx('dw', r, R10, -8 * slot));
    depth--;
  };

  /** Evaluates `x` into R0 (64-bit value as the IR defines it); jumps to `abort` when it aborts. */
  const expr = (x: Expr, abort: string): void => {
    switch (x.kind) {
      case 'const':
        loadConst(R0, x.value);
        return;
      case 'ref': {
        const def = dag.values[x.id];
        if (def === undefined) throw new Unsupported('ref', `unknown value %${x.id}`);
        expr(def.expr, abort);
        return;
      }
      case 'pseudo':
        if (packetCtx) throw new Unsupported('pseudo', `pseudo-field ${x.name} needs --ctx tracepoint`);
        e(call(x.name === 'cpu' ? HELPER.cpu : HELPER.pidTgid));
        e(alu64.lsh.imm(R0, 32));
        e(alu64.arsh.imm(R0, 32));
        return;
      case 'len':
        if (!packetCtx) throw new Unsupported('len', 'packet length needs a packet context');
        if (o.progType === 'xdp') {
          e(mov.reg(R0, R8));
          e(alu64.sub.reg(R0, R7));
        } else e(mem.ldx('w', R0, R6, 0));
        return;
      case 'load':
        load(x, abort);
        return;
      case 'neg':
        expr(x.arg, abort);
        e(alu32.neg.imm(R0, 0));
        return;
      case 'arith': {
        const op = ARITH[x.op];
        if (x.right.kind === 'const') {
          const k = Number(x.right.value & 0xffffffffn);
          expr(x.left, abort);
          if ((op === 'div' || op === 'mod') && k === 0) goto(em, abort);
          else if ((op === 'lsh' || op === 'rsh') && k >= 32) e(alu32.mov.imm(R0, 0));
          else if (k > 0x7fffffff && (op === 'div' || op === 'mod')) {
            // alu32 imm is used as a u32 for div/mod
            e(alu32[op].imm(R0, k | 0));
          } else e(alu32[op].imm(R0, k | 0));
          return;
        }
        expr(x.left, abort);
        const slot = push();
        expr(x.right, abort);
        pop(R1, slot);
        if (op === 'div' || op === 'mod') e(jmp32.jeq.imm(R0, 0, abort));
        if (op === 'lsh' || op === 'rsh') {
          const big = fresh(em);
          const done = fresh(em);
          e(jmp32.jge.imm(R0, 32, big));
          e(alu32[op].reg(R1, R0));
          e(alu32.mov.reg(R0, R1));
          goto(em, done);
          place(em, big);
          e(alu32.mov.imm(R0, 0));
          place(em, done);
          return;
        }
        e(alu32[op].reg(R1, R0));
        e(alu32.mov.reg(R0, R1));
        return;
      }
    }
  };

  const normalize = (r: Reg, w: Width, m: Mask) => {
    if (w === 8 || w === 4 || m === 'none') return;
    if (m === 'mask') e(alu64.and.imm(r, w === 1 ? 0xff : 0xffff));
    else extend(r, w, true);
  };
  const normalizeConst = (v: bigint, w: Width, m: Mask): bigint => {
    if (w === 8) return BigInt.asUintN(64, v);
    if (w === 4) return v & 0xffffffffn;
    const t = BigInt.asUintN(w * 8, v);
    return m === 'sext' ? BigInt.asUintN(64, BigInt.asIntN(w * 8, t)) : t;
  };

  const jumpConst = (j: EbpfJump, r: Reg, c: bigint, w: Width, target: string) => {
    if (w === 4) {
      e(jmp32[j].imm(r, Number(BigInt.asIntN(32, c & 0xffffffffn)), target));
      return;
    }
    if (fitsS32(c)) e(jmp[j].imm(r, Number(BigInt.asIntN(64, c)), target));
    else {
      e(ldImm64(R2, c));
      e(jmp[j].reg(r, R2, target));
    }
  };

  const cmpLeaf = (p: Extract<LeafPred, { kind: 'cmp' }>, t: string, f: string, a: string) => {
    const info = OPS[p.op as CmpOp];
    const signed = info.ordered && p.signed;
    const j = signed ? info.ebpf.signed : info.ebpf.unsigned;
    const [tt, ff] = info.ebpf.invert ? [f, t] : [t, f];
    const m: Mask = signed ? 'sext' : 'mask';
    expr(p.left, a);
    if (!zeroExtended(p.left, p.width, m)) normalize(R0, p.width, m);
    if (p.right.kind === 'const') {
      jumpConst(j, R0, normalizeConst(p.right.value, p.width, m), p.width, tt);
    } else {
      const slot = push();
      expr(p.right, a);
      normalize(R0, p.width, m);
      pop(R1, slot);
      if (p.width === 4) e(jmp32[j].reg(R1, R0, tt));
      else e(jmp[j].reg(R1, R0, tt));
    }
    goto(em, ff);
  };

  const inLeaf = (p: Extract<LeafPred, { kind: 'in' }>, t: string, f: string, a: string) => {
    expr(p.value, a);
    if (!zeroExtended(p.value, p.width, 'mask')) normalize(R0, p.width, 'mask');
    const set = p.set.map((v) => normalizeConst(v, p.width, 'mask'));
    const linear = (lo: number, hi: number) => {
      for (let i = lo; i <= hi; i++) jumpConst('jeq', R0, set[i]!, p.width, t);
      goto(em, f);
    };
    if (set.length < o.binarySearchMin) {
      linear(0, set.length - 1);
      return;
    }
    // Explicit work stack instead of recursion; each range is emitted after the jump naming it.
    const work: { lo: number; hi: number; label?: string }[] = [{ lo: 0, hi: set.length - 1 }];
    while (work.length > 0) {
      const w = work.pop()!;
      if (w.label !== undefined) place(em, w.label);
      if (w.hi - w.lo < 4) {
        linear(w.lo, w.hi);
        continue;
      }
      const mid = (w.lo + w.hi) >> 1;
      const right = fresh(em);
      jumpConst('jeq', R0, set[mid]!, p.width, t);
      jumpConst('jgt', R0, set[mid]!, p.width, right);
      work.push({ lo: mid + 1, hi: w.hi, label: right });
      work.push({ lo: w.lo, hi: mid - 1 });
    }
  };

  /** One record byte at R7 + (R8 if `plusLen`) + k into R0, through bpf_probe_read_kernel (a fault
   *  leaves the destination zeroed: bytes outside the record read as 0, as in the IR). */
  const recordByte = (plusLen: boolean, k: number) => {
    e(mov.reg(R1, R10));
    e(alu64.add.imm(R1, -SCRATCH));
    e(mov.imm(R2, 1));
    e(mov.reg(R3, R7));
    if (plusLen) e(alu64.add.reg(R3, R8));
    if (k !== 0) e(alu64.add.imm(R3, k));
    e(call(HELPER.probeReadKernel));
    e(mem.ldx('b', R0, R10, -SCRATCH));
  };

  /** __data_loc / __rel_loc strings in a tracepoint record: R7 = ctx + data start, R8 = len. The
   *  matchers see bytes [0, len) of the data and zeros after it (IR: the view has length len). */
  const dataLocLeaf = (
    p: StrPred,
    src: Extract<StrPred['source'], { kind: 'dataloc' }>,
    t: string,
    f: string,
    a: string,
  ) => {
    if (packetCtx) throw new Unsupported('string-source', '__data_loc strings in frames are not supported by the eBPF target yet');
    if (p.match === 'middle')
      throw new Unsupported('string-match', 'string match kind middle on __data_loc strings not supported by the eBPF target yet');
    load({ kind: 'load', base: 'record', offset: src.offset, width: 4, order: src.order, signed: false }, a);
    e(mov.reg(R8, R0));
    e(alu64.rsh.imm(R8, 16));
    e(alu64.and.imm(R0, 0xffff));
    e(mov.reg(R7, R6));
    e(alu64.add.reg(R7, R0));
    if (src.rel) e(alu64.add.imm(R7, src.offset + 4));
    const pat = [...p.pattern].map((c) => c.charCodeAt(0) & 0xff);
    const plen = pat.length;
    const yes = p.negate ? f : t;
    const no = p.negate ? t : f;
    switch (p.match) {
      case 'full':
        // strncmp(str, pat, len); len == 0 sees an empty string.
        e(jmp.jeq.imm(R8, 0, plen === 0 ? yes : no));
        for (let i = 0; i <= plen; i++) {
          if (i > 0) e(jmp.jle.imm(R8, i, yes));
          recordByte(false, i);
          e(jmp.jne.imm(R0, i < plen ? pat[i]! : 0, no));
        }
        goto(em, yes);
        return;
      case 'front':
        if (plen === 0) {
          goto(em, yes);
          return;
        }
        e(jmp.jlt.imm(R8, plen, no));
        for (let i = 0; i < plen; i++) {
          recordByte(false, i);
          e(jmp.jne.imm(R0, pat[i]!, no));
        }
        goto(em, yes);
        return;
      case 'end':
        // The plen bytes ending just before byte len - 1.
        e(jmp.jlt.imm(R8, plen + 1, no));
        for (let j = 0; j < plen; j++) {
          recordByte(true, j - 1 - plen);
          e(jmp.jne.imm(R0, pat[j]!, no));
        }
        goto(em, yes);
        return;
      default:
        throw new Unsupported('string-match', `string match kind ${p.match} not supported by the eBPF target yet`);
    }
  };

  const strLeaf = (p: StrPred, t: string, f: string, a: string) => {
    const src = p.source;
    if (p.match === 'glob')
      throw new Unsupported('string-match', 'string match kind glob not supported by the eBPF target yet');
    if (src.kind === 'ptr')
      throw new Unsupported('string-source', 'string source char * not supported by the eBPF target yet');
    if (src.kind === 'dataloc') {
      dataLocLeaf(p, src, t, f, a);
      return;
    }
    let n: number;
    let byteAt: (i: number) => void;
    if (src.kind === 'comm') {
      if (packetCtx)
        throw new Unsupported('comm', 'comm needs --ctx tracepoint (trace frames carry it in the header)');
      n = 16;
      e(mov.reg(R1, R10));
      e(alu64.add.imm(R1, -STRBUF));
      e(mov.imm(R2, 16));
      e(call(HELPER.comm));
      byteAt = (i) => e(mem.ldx('b', R0, R10, -STRBUF + i));
    } else {
      n = src.size;
      if (src.base === 'record') {
        if (packetCtx) throw new Unsupported('base', 'record strings need --ctx tracepoint');
        if (src.offset < 8)
          throw new Unsupported('record-header', 'strings in the common header (bytes 0-7) are not readable');
        byteAt = (i) => e(mem.ldx('b', R0, R6, src.offset + i));
      } else {
        if (!packetCtx) throw new Unsupported('base', `${src.base} strings need a packet context`);
        const k = src.offset + (src.base === 'frame' ? FRAME_RECORD_OFFSET : 0);
        if (direct) {
          if (k + n > 0x7fff) throw new Unsupported('offset', `string at packet offset ${k} is too far`);
          if (!packetBoundsConst(k, n, a)) return;
          byteAt = (i) => e(mem.ldx('b', R0, R7, k + i));
        } else {
          if (n > STRBUF_MAX) throw new Unsupported('string-size', `char[${n}] exceeds ${STRBUF_MAX} bytes`);
          if (k + n > MAX_PKT_OFF) {
            goto(em, a);
            return;
          }
          skbLoad(undefined, k, n, STRBUF, a);
          byteAt = (i) => e(mem.ldx('b', R0, R10, -STRBUF + i));
        }
      }
    }
    const pat = [...p.pattern].map((c) => c.charCodeAt(0) & 0xff);
    const plen = pat.length;
    const yes = p.negate ? f : t;
    const no = p.negate ? t : f;
    const limit = 20000;
    switch (p.match) {
      case 'full': {
        // strncmp(str, pat, n) == 0 (n > 0 for arrays)
        for (let i = 0; i < n; i++) {
          const c2 = i < plen ? pat[i]! : 0;
          byteAt(i);
          e(jmp.jne.imm(R0, c2, no));
          if (c2 === 0) break;
        }
        goto(em, yes);
        return;
      }
      case 'front': {
        if (n < plen) {
          goto(em, no);
          return;
        }
        for (let i = 0; i < plen; i++) {
          byteAt(i);
          e(jmp.jne.imm(R0, pat[i]!, no));
        }
        goto(em, yes);
        return;
      }
      case 'middle': {
        if (plen === 0) {
          goto(em, yes);
          return;
        }
        if ((n - plen + 1) * plen * 2 > limit)
          throw new Unsupported('string-size', `substring search over char[${n}] is too large to unroll`);
        for (let s = 0; s + plen <= n; s++) {
          const next = fresh(em);
          for (let j = 0; j < plen; j++) {
            byteAt(s + j);
            e(jmp.jne.imm(R0, pat[j]!, next));
          }
          goto(em, yes);
          place(em, next);
        }
        goto(em, no);
        return;
      }
      case 'end': {
        const last = n - 1;
        if (n === 0 || last < plen) {
          goto(em, no);
          return;
        }
        for (let j = 0; j < plen; j++) {
          byteAt(last - plen + j);
          e(jmp.jne.imm(R0, pat[j]!, no));
        }
        goto(em, yes);
        return;
      }
    }
  };

  const label = (u: number) => (u === 1 ? 'accept' : u === 0 || u === 2 ? 'reject' : `n${u}`);

  // Prologue.
  e(mov.reg(R6, R1));
  if (direct) {
    const [d, de] = o.progType === 'xdp' ? [0, 4] : [76, 80];
    e(mem.ldx('w', R7, R6, d));
    e(mem.ldx('w', R8, R6, de));
  }
  goto(em, label(dag.root));
  for (const id of topoOrder(dag)) {
    place(em, label(id));
    const n = dag.nodes[id - 3]!;
    const leaf = dag.leaves[n.leaf]!;
    const t = label(n.t);
    const f = label(n.f);
    const a = label(n.a ?? 2);
    depth = 0;
    if (leaf.kind === 'cmp') cmpLeaf(leaf, t, f, a);
    else if (leaf.kind === 'in') inLeaf(leaf, t, f, a);
    else strLeaf(leaf, t, f, a);
  }
  place(em, 'accept');
  e(alu32.mov.imm(R0, o.onMatch | 0));
  e(exit());
  em.dead = true;
  place(em, 'reject');
  e(alu32.mov.imm(R0, o.onMiss | 0));
  e(exit());
  flushJa(em);
  const resolve = (l: string): string => em.alias.get(l) ?? l;
  return em.out.map((i) => (i.target === undefined ? i : { ...i, target: resolve(i.target) }));
}
