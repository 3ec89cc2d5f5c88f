// eBPF code generation from a decision DAG (tracepoint records, trace frames and packets).
// Invariants:
//  - forward jumps only, except the back edges of the bounded loops over the per-CPU string buffer
//    (copy and substring search, at most 4,096 iterations, shaped so the verifier's pending-branch
//    stack stays constant; their verifier cost is budgeted, beyond it a diagnostic): DAG nodes are emitted in topological order and
//    every other label is placed after the jumps that name it; no instruction is unreachable (the
//    emitter drops code after an unconditional jump until a referenced label revives it; a loop head is
//    referenced only when it is placed in live code);
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
//  - strings: char[N]/comm by unrolled byte compares and a compiled glob automaton; __data_loc /
//    __rel_loc (full, front, end; middle in tracepoints via the buffer) byte by byte through
//    bpf_probe_read_kernel (tracepoint) or the packet (frames, the whole string bounds-checked
//    first); char * copied with
//    bpf_probe_read_{kernel,user}_str into a 1,024-byte per-CPU map value (full, front, end, middle);
//    a failed copy makes the leaf false regardless of negation;
//  - maps (set lookups, the string buffer) are referenced by name and listed in the result;
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
  ldMapFd,
  mem,
  mov,
  R0,
  R1,
  R2,
  R3,
  R4,
  R5,
  R6,
  R7,
  R8,
  R9,
  R10,
  type Reg,
  toBe,
} from '@tfc/bpf/ebpf';
import type { CmpOp, Dag, EbpfJump, Expr, LeafPred, StrPred, Width } from '@tfc/ir';
import { FRAME_RECORD_OFFSET, OPS } from '@tfc/ir';
import { ARITH_ALU } from './arith-ops.ts';
import { topoOrder } from './dag-order.ts';
import { type GlobNext, globAutomaton, MAX_GLOB_STATES } from './glob-automaton.ts';
import { type GlobElement, type GlobSegments, globSegments } from './glob-segments.ts';
import { type Ctx, type MapDef, type ProgType, type RecordLayout, Unsupported } from './options.ts';
import { registerNeed } from './register-need.ts';

const HELPER = {
  mapLookup: 1,
  probeReadUserStr: 114,
  probeReadKernelStr: 115,
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
/** Per-CPU buffer for `char *` copies (the kernel's filter copies into 1,024 bytes too). */
const STRBUF_MAP = 'tfc_strbuf';
const PTR_BUF = 1024;
/** The per-CPU buffer's size: a tracefs record never exceeds a page, so neither does a string in it. */
const STRBUF_SIZE = 4096;
/** Share of the verifier's 1,000,000-instruction limit that string loops may use. */
const LOOP_BUDGET = 700_000;

export interface EbpfGenOptions {
  readonly ctx: Ctx;
  readonly progType: ProgType;
  readonly onMatch: number;
  readonly onMiss: number;
  readonly binarySearchMin: number;
  readonly setLookup: 'search' | 'map';
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
  if (em.pendingJa !== undefined) {
    // Code after an unconditional jump is unreachable until a referenced label is placed.
    flushJa(em);
    return;
  }
  if (i.target !== undefined) em.referenced.add(i.target);
  rawEmit(em, i);
}

function goto(em: Emitter, target: string): void {
  if (em.dead) return;
  if (em.pendingJa !== undefined) {
    flushJa(em);
    return;
  }
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

/** A loop head placed here. Its back edge comes later, so it is marked referenced only when this point is live:
 *  a loop in code no path reaches stays dropped instead of reviving (the verifier refuses unreachable insns). */
function placeLoopHead(em: Emitter): string {
  const head = fresh(em);
  if (!em.dead && em.pendingJa === undefined) em.referenced.add(head);
  place(em, head);
  return head;
}

/**
 * The head of a loop over the windows of a string buffer: R4 is the window start, R5 the data length. Each turn
 * leaves (through `leave`, which ends the loop with its "not found" result) when a window of `width` bytes would
 * pass R5 or the buffer's `bound`; the caller then tests the window, places `next`, steps R4 and jumps to `head`.
 * R1 is clobbered.
 */
function windowLoopHead(
  em: Emitter,
  width: number,
  bound: number,
  leave: () => void,
): { head: string; next: string } {
  const head = placeLoopHead(em);
  const inRange = fresh(em);
  const inBound = fresh(em);
  const next = fresh(em);
  emit(em, mov.reg(R1, R4));
  emit(em, alu64.add.imm(R1, width));
  emit(em, jmp.jle.reg(R1, R5, inRange));
  leave();
  place(em, inRange);
  emit(em, jmp.jle.imm(R4, bound - width, inBound));
  leave();
  place(em, inBound);
  return { head, next };
}

/** An unsigned load no wider than `w` is already zero-extended: masking it again changes nothing. */
export function zeroExtended(x: Expr, w: Width, m: 'mask' | 'sext' | 'none'): boolean {
  return m === 'mask' && x.kind === 'load' && !x.signed && x.width <= w;
}

function leBytes(v: bigint, w: number): Uint8Array {
  const out = new Uint8Array(w);
  for (let i = 0; i < w; i++) out[i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return out;
}

function fitsS32(v: bigint): boolean {
  const s = BigInt.asIntN(64, v);
  return s >= -0x80000000n && s <= 0x7fffffffn;
}

/** `tfc_s` + 40 bits of FNV-1a-64 over the key width and the keys (a BPF object name: at most 15 characters). */
export function setMapName(width: number, entries: readonly { readonly key: Uint8Array }[]): string {
  let h = 0xcbf29ce484222325n;
  const mix = (b: number) => {
    h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  };
  mix(width);
  for (const e of entries) for (const b of e.key) mix(b);
  return `tfc_s${(h >> 24n).toString(16).padStart(10, '0')}`;
}

export function genEbpf(dag: Dag, o: EbpfGenOptions): { insns: Insn[]; maps: MapDef[] } {
  const em = newEmitter();
  const maps: MapDef[] = [];
  /** Label placed right after the node being emitted (a jump there is a fall-through). */
  let fallLabel = '';
  /** Packet bytes [0, checked) are known to be inside the packet here (direct access only). */
  let checked = 0;
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
    // Already proven on every path to here (dominating checks): the verifier knows it too.
    if (k + n <= checked && k <= 0x7fff) return true;
    e(mov.reg(R1, R7));
    e(alu64.add.imm(R1, k + n));
    e(jmp.jgt.reg(R1, R8, abort));
    checked = Math.max(checked, k + n);
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
        const flagsOrCount = off <= 3 && off + w > 2;
        throw new Unsupported(
          'record-header',
          flagsOrCount
            ? `common_flags / common_preempt_count (record bytes 2-3) cannot be read by a tracepoint program: perf overwrites bytes 0-7 of the record with a pt_regs pointer before the program runs, and no helper returns the irq/softirq/need-resched flags or the preempt count the kernel's filter sees (taken when the event is reserved, one preemption level below the program's); use the kernel's own filter, or --ctx trace-frame where the record travels whole`
            : `record bytes ${off}..${off + w - 1} overlap the common header (bytes 0-7), which tracepoint programs cannot read; only common_pid (u32 at 4) and common_type (u16 at 0, with a known event id) are served`,
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
      // A read ending past offset 0xffff is out of bounds for every packet this target sees, and the bound has to
      // be that tight: the verifier propagates a packet range only while umax(offset) + fixed offset + size stays
      // within MAX_PACKET_OFF (0xffff); a looser bound made it reject loads at computed offsets (found with
      // `tcp[((tcp[12:1] & 0xf0) >> 2):4] = ...` on sched_cls).
      const limit = MAX_PKT_OFF - w - baseOff;
      if (limit < 0) {
        goto(em, abort);
        return;
      }
      e(jmp.jgt.imm(R0, limit, abort));
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

  const ARITH = ARITH_ALU;

  /** Temporaries an expression needs (Sethi-Ullman number); memoised per node object. */
  const need = registerNeed(dag);

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
        // Deeper operand first (Sethi-Ullman): fewer temporaries. Order does not change the result:
        // operands are pure and any abort aborts the whole leaf.
        if (need(x.right) > need(x.left)) {
          expr(x.right, abort);
          const slot = push();
          expr(x.left, abort);
          e(mov.reg(R1, R0));
          pop(R0, slot);
        } else {
          expr(x.left, abort);
          const slot = push();
          expr(x.right, abort);
          pop(R1, slot);
        }
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
    let j = signed ? info.ebpf.signed : info.ebpf.unsigned;
    let [tt, ff] = info.ebpf.invert ? [f, t] : [t, f];
    // The jump taken to tt tests condOp; its negation may have a direct jump too.
    const condOp: CmpOp = info.ebpf.invert ? info.negation : p.op;
    const neg = OPS[OPS[condOp].negation];
    if (tt === fallLabel && !neg.ebpf.invert) {
      // The taken branch is the next node: jump on the negated compare and fall through.
      j = signed ? neg.ebpf.signed : neg.ebpf.unsigned;
      [tt, ff] = [ff, tt];
    }
    const m: Mask = signed ? 'sext' : 'mask';
    if (p.right.kind !== 'const' && need(p.right) > need(p.left)) {
      expr(p.right, a);
      normalize(R0, p.width, m);
      const slot = push();
      expr(p.left, a);
      normalize(R0, p.width, m);
      pop(R1, slot);
      if (p.width === 4) e(jmp32[j].reg(R0, R1, tt));
      else e(jmp[j].reg(R0, R1, tt));
      goto(em, ff);
      return;
    }
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
    if (o.setLookup === 'map') {
      // Hash map lookup: key = the value's low `width` bytes (host order), value = one byte.
      const entries = set.map((v) => ({ key: leBytes(v, p.width), value: Uint8Array.of(1) }));
      // Named by its contents: equal sets share a pinned map, different sets never do.
      const name = setMapName(p.width, entries);
      if (!maps.some((m) => m.name === name))
        maps.push({ name, type: 'hash', keySize: p.width, valueSize: 1, maxEntries: set.length, entries });
      e(mem.stx(sizeName(p.width), R10, -SCRATCH, R0));
      e(ldMapFd(R1, name));
      e(mov.reg(R2, R10));
      e(alu64.add.imm(R2, -SCRATCH));
      e(call(HELPER.mapLookup));
      e(jmp.jne.imm(R0, 0, t));
      goto(em, f);
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

  /** full/front/end over a string of runtime length in register L (bytes at index >= L read as
   *  0 and are never loaded): the kernel's matchers restated for a view [0, len). */
  const runtimeLenMatch = (
    p: StrPred,
    L: Reg,
    byteAt: (plusLen: boolean, k: number) => void,
    t: string,
    f: string,
  ) => {
    const pat = [...p.pattern].map((c) => c.charCodeAt(0) & 0xff);
    const plen = pat.length;
    const yes = p.negate ? f : t;
    const no = p.negate ? t : f;
    switch (p.match) {
      case 'full': {
        // strncmp(str, pat, len); len == 0 (a zero-length __data_loc locator) is strcmp from the offset.
        const nulEnded = fresh(em);
        e(jmp.jeq.imm(L, 0, nulEnded));
        for (let i = 0; i <= plen; i++) {
          if (i > 0) e(jmp.jle.imm(L, i, yes));
          byteAt(false, i);
          e(jmp.jne.imm(R0, i < plen ? pat[i]! : 0, no));
        }
        goto(em, yes);
        place(em, nulEnded);
        for (let i = 0; i <= plen; i++) {
          byteAt(false, i);
          e(jmp.jne.imm(R0, i < plen ? pat[i]! : 0, no));
        }
        goto(em, yes);
        return;
      }
      case 'front': {
        if (plen === 0) {
          goto(em, yes);
          return;
        }
        // strncmp(str, pat, plen); false when 0 < len < plen (len 0: the string at the offset).
        const nulEnded = fresh(em);
        e(jmp.jeq.imm(L, 0, nulEnded));
        e(jmp.jlt.imm(L, plen, no));
        place(em, nulEnded);
        for (let i = 0; i < plen; i++) {
          byteAt(false, i);
          e(jmp.jne.imm(R0, pat[i]!, no));
        }
        goto(em, yes);
        return;
      }
      case 'end':
        // The plen bytes ending just before byte len - 1 (never when len = 0).
        e(jmp.jlt.imm(L, plen + 1, no));
        for (let j = 0; j < plen; j++) {
          byteAt(true, j - 1 - plen);
          e(jmp.jne.imm(R0, pat[j]!, no));
        }
        goto(em, yes);
        return;
      default:
        throw new Unsupported(
          'string-match',
          `string match kind ${p.match} not supported by the eBPF target yet`,
        );
    }
  };

  /** __data_loc / __rel_loc strings in a tracepoint record: R7 = ctx + data start, R8 = len. The
   *  matchers see bytes [0, len) of the data and zeros after it (IR: the view has length len); len 0 is
   *  the NUL-terminated string at the offset (full/front/middle read up to its NUL, in frames each byte
   *  bounds-checked: a read past the frame aborts, as in the IR). */
  const dataLocLeaf = (
    p: StrPred,
    src: Extract<StrPred['source'], { kind: 'dataloc' }>,
    t: string,
    f: string,
    a: string,
  ) => {
    if (p.match === 'middle' && packetCtx)
      throw new Unsupported(
        'string-match',
        'string match kind middle on __data_loc strings in frames not supported by the eBPF target yet',
      );
    let L: Reg = R8;
    let byteAt: (plusLen: boolean, k: number) => void = recordByte;
    if (!packetCtx) {
      load(
        { kind: 'load', base: 'record', offset: src.offset, width: 4, order: src.order, signed: false },
        a,
      );
      e(mov.reg(R8, R0));
      e(alu64.rsh.imm(R8, 16));
      e(alu64.and.imm(R0, 0xffff));
      if (src.rel) e(alu64.add.imm(R0, src.offset + 4));
      e(mem.stx('dw', R10, -8, R0));
      e(mov.reg(R7, R6));
      e(alu64.add.reg(R7, R0));
      if (p.match === 'middle') {
        dataLocMiddle(p, t, f);
        return;
      }
      if (p.match === 'glob') {
        dataLocGlob(p, t, f);
        return;
      }
    } else {
      // Frames: the whole string [start, start + len) must be inside the packet, else abort.
      const baseOff = src.base === 'frame' ? FRAME_RECORD_OFFSET : 0;
      const S: Reg = direct ? R5 : R7;
      L = direct ? R9 : R8;
      load(
        { kind: 'load', base: src.base, offset: src.offset, width: 4, order: src.order, signed: false },
        a,
      );
      e(mov.reg(L, R0));
      e(alu64.rsh.imm(L, 16));
      e(mov.reg(S, R0));
      e(alu64.and.imm(S, 0xffff));
      e(alu64.add.imm(S, baseOff + (src.rel ? src.offset + 4 : 0)));
      e(mov.reg(R2, S));
      e(alu64.add.reg(R2, L));
      if (direct) {
        e(mov.reg(R3, R8));
        e(alu64.sub.reg(R3, R7));
      } else e(mem.ldx('w', R3, R6, 0));
      e(jmp.jgt.reg(R2, R3, a));
      byteAt = (plusLen, k) => {
        e(mov.reg(R2, S));
        if (plusLen) e(alu64.add.reg(R2, L));
        if (k !== 0) e(alu64.add.imm(R2, k));
        if (direct) {
          e(jmp.jgt.imm(R2, MAX_PKT_OFF - 1, a));
          e(mov.reg(R1, R7));
          e(alu64.add.reg(R1, R2));
          e(mov.reg(R2, R1));
          e(alu64.add.imm(R2, 1));
          e(jmp.jgt.reg(R2, R8, a));
          e(mem.ldx('b', R0, R1, 0));
        } else {
          skbLoad(R2, 0, 1, SCRATCH, a);
          e(mem.ldx('b', R0, R10, -SCRATCH));
        }
      };
    }
    runtimeLenMatch(p, L, byteAt, t, f);
  };

  /** R9 = this CPU's string buffer (map tfc_strbuf, 4,096 bytes); a failed lookup (never) goes to
   *  `fail`. Clobbers R0-R5. */
  const strbufToR9 = (fail: string) => {
    if (!maps.some((m) => m.name === STRBUF_MAP))
      maps.push({
        name: STRBUF_MAP,
        type: 'percpu_array',
        keySize: 4,
        valueSize: STRBUF_SIZE + 8,
        maxEntries: 1,
        entries: [],
      });
    e(mem.st('w', R10, -SCRATCH, 0));
    e(ldMapFd(R1, STRBUF_MAP));
    e(mov.reg(R2, R10));
    e(alu64.add.imm(R2, -SCRATCH));
    e(call(HELPER.mapLookup));
    e(jmp.jeq.imm(R0, 0, fail));
    e(mov.reg(R9, R0));
  };

  /** Instructions the verifier walks through string loops (it visits every iteration); beyond the
   *  budget the program would fail to load ("too large"), so it is a diagnostic instead. */
  let loopBudget = LOOP_BUDGET;
  const spendLoopBudget = (n: number) => {
    loopBudget -= n;
    if (loopBudget < 0)
      throw new Unsupported(
        'verifier-budget',
        `string loops (substring search over __data_loc / char * strings) need about ${LOOP_BUDGET - loopBudget} verifier steps, more than the ${LOOP_BUDGET} this program may use`,
      );
  };

  /** Leaves a loop: scratch registers and loop slots get fixed values first, so every iteration
   *  reaches the exit with the same verifier state and later code is verified once, not per iteration. */
  const leaveLoop = (target: string) => {
    for (const r of [R0, R1, R2, R3, R4, R5] as const) e(mov.imm(r, 0));
    e(mem.st('dw', R10, -16, 0));
    goto(em, target);
  };

  /** Substring search over R9[0, n) (n in R5, s in R4; no helper calls inside): windows s + plen <= n.
   *  Verifier-friendly shape: every conditional jump targets the long path (the loop) and falls
   *  through to a short one, and a window is compared branch-free (xor/or), so the verifier's stack of
   *  pending branches stays constant however many iterations it walks. */
  const bufferMiddle = (pat: readonly number[], bound: number, yes: string, no: string) => {
    const plen = pat.length;
    spendLoopBudget(bound * (16 + 4 * Math.ceil(plen / 4)));
    e(mov.imm(R4, 0));
    const { head, next } = windowLoopHead(em, plen, bound, () => leaveLoop(no));
    e(mov.reg(R1, R9));
    e(alu64.add.reg(R1, R4));
    e(mov.imm(R2, 0));
    // Window bytes in 8/4/2/1-byte little-endian chunks (x86-64 and arm64 allow unaligned map reads).
    for (let j = 0; j < plen; ) {
      const w = plen - j >= 8 ? 8 : plen - j >= 4 ? 4 : plen - j >= 2 ? 2 : 1;
      let v = 0n;
      for (let b = w - 1; b >= 0; b--) v = (v << 8n) | BigInt(pat[j + b]!);
      e(mem.ldx(sizeName(w as Width), R0, R1, j));
      if (w === 8 || v > 0x7fffffffn) {
        e(ldImm64(R3, v));
        e(alu64.xor.reg(R0, R3));
      } else e(alu64.xor.imm(R0, Number(v)));
      e(alu64.or.reg(R2, R0));
      j += w;
    }
    e(jmp.jne.imm(R2, 0, next));
    leaveLoop(yes);
    place(em, next);
    e(alu64.add.imm(R4, 1));
    e(ja(head));
    em.dead = true;
  };

  /** middle on a tracepoint __data_loc string: R7 = ctx + start, R8 = len, fp-8 = start. The first
   *  n = min(len, 4096 - start) bytes are copied into the buffer (one probe read, or byte by byte
   *  when it faults so that bytes outside the record read 0), then searched; windows past n reach
   *  beyond any record (<= 4,096 bytes), whose bytes read 0 and never match a pattern. */
  /** Copies the first n = min(len, 4096 - start) bytes of a tracepoint __data_loc string (R7 = ctx + start,
   *  R8 = len, fp-8 = start) into the buffer R9 (one probe read, or byte by byte when it faults so that bytes
   *  outside the record read 0) and leaves n in fp-24; bytes past n are beyond any record (<= 4,096 bytes) and
   *  read 0. A start past the buffer goes to `beyond`, or with `emptyBeyond` copies nothing (n = 0). */
  const dataLocCopy = (beyond: string, emptyBeyond: boolean) => {
    const empty = emptyBeyond ? fresh(em) : beyond;
    e(mem.ldx('dw', R1, R10, -8));
    e(jmp.jge.imm(R1, STRBUF_SIZE, empty));
    e(mov.imm(R3, STRBUF_SIZE));
    e(alu64.sub.reg(R3, R1));
    e(mov.reg(R2, R8));
    const ok = fresh(em);
    e(jmp.jle.reg(R2, R3, ok));
    e(mov.reg(R2, R3));
    place(em, ok);
    e(jmp.jgt.imm(R2, STRBUF_SIZE, beyond));
    e(mem.stx('dw', R10, -24, R2));
    e(mov.reg(R1, R9));
    e(mov.reg(R3, R7));
    e(call(HELPER.probeReadKernel));
    const copied = fresh(em);
    const bytewise = fresh(em);
    e(jmp.jne.imm(R0, 0, bytewise));
    leaveLoop(copied);
    place(em, bytewise);
    // Byte by byte: a fault zeroes just that byte.
    spendLoopBudget(STRBUF_SIZE * 20);
    e(mem.st('dw', R10, -16, 0));
    const loop = placeLoopHead(em);
    const more = fresh(em);
    const inBuf = fresh(em);
    e(mem.ldx('dw', R1, R10, -16));
    e(mem.ldx('dw', R2, R10, -24));
    e(jmp.jlt.reg(R1, R2, more));
    leaveLoop(copied);
    place(em, more);
    e(jmp.jle.imm(R1, STRBUF_SIZE - 1, inBuf));
    leaveLoop(copied);
    place(em, inBuf);
    e(mov.reg(R3, R7));
    e(alu64.add.reg(R3, R1));
    e(alu64.add.reg(R1, R9));
    e(mov.imm(R2, 1));
    e(call(HELPER.probeReadKernel));
    e(mem.ldx('dw', R1, R10, -16));
    e(alu64.add.imm(R1, 1));
    e(mem.stx('dw', R10, -16, R1));
    e(ja(loop));
    em.dead = true;
    if (emptyBeyond) {
      place(em, empty);
      e(mem.st('dw', R10, -24, 0));
      leaveLoop(copied);
    }
    place(em, copied);
  };

  /** middle on a tracepoint __data_loc string: the string copied into the buffer (dataLocCopy), then
   *  searched; windows past n reach beyond any record, whose bytes read 0 and never match a pattern. */
  const dataLocMiddle = (p: StrPred, t: string, f: string) => {
    const pat = [...p.pattern].map((c) => c.charCodeAt(0) & 0xff);
    const plen = pat.length;
    const yes = p.negate ? f : t;
    const no = p.negate ? t : f;
    if (plen === 0) {
      goto(em, yes);
      return;
    }
    // len 0 (a zero-length locator): strstr, over the bytes from the offset to the buffer's end (beyond
    // any record) cut at their first NUL.
    const counted = fresh(em);
    e(jmp.jne.imm(R8, 0, counted));
    e(mov.imm(R8, STRBUF_SIZE));
    strbufToR9(no);
    dataLocCopy(no, true);
    copiedStrlen(no);
    e(mem.ldx('dw', R5, R10, -32));
    bufferMiddle(pat, STRBUF_SIZE, yes, no);
    place(em, counted);
    strbufToR9(no);
    dataLocCopy(no, false);
    e(mem.ldx('dw', R5, R10, -24));
    bufferMiddle(pat, STRBUF_SIZE, yes, no);
  };

  /** The map cell after the string bytes of the per-CPU buffer: a value that differs per loop iteration leaves
   *  the loop through it (the verifier does not track map contents), so every iteration reaches the exit in the
   *  same state and the code after a loop is verified once. */
  const CELL = STRBUF_SIZE;
  /** leaveLoop, also clearing R7/R8 (window pointer, scratch of the glob loops). */
  const leaveGlobLoop = (target: string) => {
    e(mov.imm(R7, 0));
    e(mov.imm(R8, 0));
    leaveLoop(target);
  };
  const leaveVia = (r: Reg, target: string) => {
    e(mem.stx('dw', R9, CELL, r));
    leaveGlobLoop(target);
  };
  /** r = the cell's value, bounded for the verifier (a value above `bound` is impossible and goes to `no`). */
  const fromCell = (r: Reg, bound: number, no: string) => {
    e(mem.ldx('dw', r, R9, CELL));
    e(jmp.jgt.imm(r, bound, no));
  };

  /** R2 |= mismatch of segment `seg` at the window starting at register W (bytes W[0, |seg|), all inside the
   *  string, so none is NUL): branch-free (xor for bytes, sign bits of c - a and b - c for class ranges), as
   *  the loops need. Clobbers R0, R1, R3, R8. */
  const windowMismatch = (seg: readonly GlobElement[], W: Reg) => {
    seg.forEach((el, j) => {
      if (el.kind === 'any') return;
      e(mem.ldx('b', R0, W, j));
      if (el.kind === 'byte') {
        e(alu64.xor.imm(R0, el.value));
        e(alu64.or.reg(R2, R0));
        return;
      }
      // outside every range: AND over ranges of ((c - a) | (b - c)) >> 63
      e(mov.imm(R8, 1));
      for (const [a, b] of el.ranges) {
        e(mov.reg(R1, R0));
        e(alu64.sub.imm(R1, a));
        e(mov.imm(R3, b));
        e(alu64.sub.reg(R3, R0));
        e(alu64.or.reg(R1, R3));
        e(alu64.rsh.imm(R1, 63));
        e(alu64.and.reg(R8, R1));
      }
      if (el.inverted) e(alu64.xor.imm(R8, 1));
      e(alu64.or.reg(R2, R8));
    });
  };

  /** glob over the string R9[0, m), m in fp-32 (at most `bound`): S0 at 0, each middle segment at its leftmost
   *  place (a bounded loop per segment, its end carried out through the cell), the last segment ending at m
   *  (glob-segments.ts). Positions in fp-40. */
  const bufferGlob = (segs: GlobSegments, bound: number, yes: string, no: string) => {
    const first = segs[0]!;
    e(mem.ldx('dw', R5, R10, -32));
    if (segs.length === 1) {
      e(jmp.jne.imm(R5, first.length, no));
      e(mov.imm(R2, 0));
      windowMismatch(first, R9);
      e(jmp.jne.imm(R2, 0, no));
      goto(em, yes);
      return;
    }
    if (first.length > 0) {
      e(jmp.jlt.imm(R5, first.length, no));
      e(mov.imm(R2, 0));
      windowMismatch(first, R9);
      e(jmp.jne.imm(R2, 0, no));
    }
    e(mem.st('dw', R10, -40, first.length));
    for (const seg of segs.slice(1, -1)) {
      if (seg.length === 0) continue;
      const n = seg.length;
      if (n > bound) {
        goto(em, no);
        return;
      }
      spendLoopBudget(
        bound * (14 + 3 * n + 7 * seg.reduce((k, el) => k + (el.kind === 'class' ? el.ranges.length : 0), 0)),
      );
      e(mem.ldx('dw', R4, R10, -40));
      e(mem.ldx('dw', R5, R10, -32));
      const { head, next } = windowLoopHead(em, n, bound, () => leaveGlobLoop(no));
      const found = fresh(em);
      e(mov.reg(R7, R9));
      e(alu64.add.reg(R7, R4));
      e(mov.imm(R2, 0));
      windowMismatch(seg, R7);
      e(jmp.jne.imm(R2, 0, next));
      e(mov.reg(R1, R4));
      e(alu64.add.imm(R1, n));
      leaveVia(R1, found);
      place(em, next);
      e(alu64.add.imm(R4, 1));
      e(ja(head));
      em.dead = true;
      place(em, found);
      fromCell(R1, bound, no);
      e(mem.stx('dw', R10, -40, R1));
    }
    const last = segs[segs.length - 1]!;
    if (last.length === 0) {
      goto(em, yes);
      return;
    }
    e(mem.ldx('dw', R1, R10, -32));
    e(jmp.jgt.imm(R1, bound, no));
    e(jmp.jlt.imm(R1, last.length, no));
    e(alu64.sub.imm(R1, last.length));
    e(mem.ldx('dw', R2, R10, -40));
    e(jmp.jlt.reg(R1, R2, no));
    e(mov.reg(R7, R9));
    e(alu64.add.reg(R7, R1));
    e(mov.imm(R2, 0));
    windowMismatch(last, R7);
    e(jmp.jne.imm(R2, 0, no));
    goto(em, yes);
  };

  const globSegmentsOf = (p: StrPred, what: string): GlobSegments => {
    const segs = globSegments([...p.pattern].map((c) => c.charCodeAt(0) & 0xff));
    if (segs === undefined)
      throw new Unsupported(
        'string-match',
        `glob patterns ending in a backslash are not supported on ${what} strings by the eBPF target`,
      );
    return segs;
  };

  /** glob on a tracepoint __data_loc string: copied (dataLocCopy), m = strnlen(buffer, n) (copiedStrlen),
   *  then bufferGlob. */
  const dataLocGlob = (p: StrPred, t: string, f: string) => {
    const segs = globSegmentsOf(p, '__data_loc');
    const yes = p.negate ? f : t;
    const no = p.negate ? t : f;
    strbufToR9(no);
    dataLocCopy(no, true);
    copiedStrlen(no);
    bufferGlob(segs, STRBUF_SIZE, yes, no);
  };

  /** After dataLocCopy: m = strnlen(buffer, n) by a bounded loop (the string ends at its first NUL or at
   *  n) into fp-32. */
  const copiedStrlen = (no: string) => {
    spendLoopBudget(STRBUF_SIZE * 14);
    e(mem.ldx('dw', R5, R10, -24));
    e(mov.imm(R4, 0));
    const head = placeLoopHead(em);
    const more = fresh(em);
    const inBuf = fresh(em);
    const next = fresh(em);
    const found = fresh(em);
    e(jmp.jlt.reg(R4, R5, more));
    leaveVia(R4, found);
    place(em, more);
    e(jmp.jle.imm(R4, STRBUF_SIZE - 1, inBuf));
    leaveVia(R4, found);
    place(em, inBuf);
    e(mov.reg(R1, R9));
    e(alu64.add.reg(R1, R4));
    e(mem.ldx('b', R0, R1, 0));
    e(jmp.jne.imm(R0, 0, next));
    leaveVia(R4, found);
    place(em, next);
    e(alu64.add.imm(R4, 1));
    e(ja(head));
    em.dead = true;
    place(em, found);
    fromCell(R1, STRBUF_SIZE, no);
    e(mem.stx('dw', R10, -32, R1));
  };

  /** strnstr over the copied `char *` string (R9 buffer, R8 = len): a bounded loop over the start
   *  position s (R7) in [0, len - plen], the window compared unrolled; the loop's only backward jump
   *  goes to its head, and s <= 1024 - plen bounds it for the verifier. */
  const ptrMiddle = (p: StrPred, t: string, f: string) => {
    const pat = [...p.pattern].map((c) => c.charCodeAt(0) & 0xff);
    const yes = p.negate ? f : t;
    const no = p.negate ? t : f;
    if (pat.length === 0) {
      goto(em, yes);
      return;
    }
    e(mov.reg(R5, R8));
    bufferMiddle(pat, PTR_BUF, yes, no);
  };

  /** `char *` strings: copied with bpf_probe_read_{kernel,user}_str (at most 1023 chars + NUL) into a
   *  1,024-byte per-CPU array value (R9); len = the helper's return (strlen + 1) in R8; a failed copy
   *  makes the leaf false whatever its negation (edge f). Bytes at index >= len are never read. */
  const ptrLeaf = (
    p: StrPred,
    src: Extract<StrPred['source'], { kind: 'ptr' }>,
    t: string,
    f: string,
    a: string,
  ) => {
    if (packetCtx) throw new Unsupported('string-source', 'char * strings need --ctx tracepoint');
    const segs = p.match === 'glob' ? globSegmentsOf(p, 'char *') : undefined;
    strbufToR9(f);
    load({ kind: 'load', base: src.base, offset: src.offset, width: 8, order: src.order, signed: false }, a);
    e(mov.reg(R3, R0));
    e(mov.reg(R1, R9));
    e(mov.imm(R2, PTR_BUF));
    e(call(src.space === 'user' ? HELPER.probeReadUserStr : HELPER.probeReadKernelStr));
    e(jmp.jslt.imm(R0, 0, f));
    e(mov.reg(R8, R0));
    if (p.match === 'middle') {
      ptrMiddle(p, t, f);
      return;
    }
    if (segs !== undefined) {
      // m = strlen = the copy's length without its NUL.
      e(mov.reg(R1, R8));
      e(alu64.sub.imm(R1, 1));
      e(jmp.jgt.imm(R1, PTR_BUF - 1, f));
      e(mem.stx('dw', R10, -32, R1));
      bufferGlob(segs, PTR_BUF, p.negate ? f : t, p.negate ? t : f);
      return;
    }
    runtimeLenMatch(
      p,
      R8,
      (plusLen, k) => {
        if (!plusLen) {
          e(mem.ldx('b', R0, R9, k));
          return;
        }
        e(mov.reg(R1, R8));
        e(alu64.add.imm(R1, k));
        e(jmp.jgt.imm(R1, PTR_BUF - 1, f));
        e(alu64.add.reg(R1, R9));
        e(mem.ldx('b', R0, R1, 0));
      },
      t,
      f,
    );
  };

  const strLeaf = (p: StrPred, t: string, f: string, a: string) => {
    const src = p.source;
    if (p.match === 'glob' && packetCtx && src.kind === 'dataloc')
      throw new Unsupported(
        'string-match',
        'string match kind glob on __data_loc strings inside trace frames is not supported by the eBPF target yet',
      );
    if (src.kind === 'ptr') {
      ptrLeaf(p, src, t, f, a);
      return;
    }
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
      case 'glob': {
        const g = globAutomaton(pat, n);
        if (g === undefined)
          throw new Unsupported(
            'string-size',
            `glob pattern over char[${n}] needs more than ${MAX_GLOB_STATES} states`,
          );
        const base = fresh(em);
        const to = (x: GlobNext) => (x === 'T' ? yes : x === 'F' ? no : `${base}g${x}`);
        goto(em, to(g.start));
        g.states.forEach((st, i) => {
          place(em, to(i));
          byteAt(st.byte);
          for (const tst of st.tests) {
            if (tst.lo === tst.hi) e(jmp.jeq.imm(R0, tst.lo, to(tst.next)));
            else if (tst.lo === 0) e(jmp.jle.imm(R0, tst.hi, to(tst.next)));
            else {
              const skip = fresh(em);
              e(jmp.jlt.imm(R0, tst.lo, skip));
              e(jmp.jle.imm(R0, tst.hi, to(tst.next)));
              place(em, skip);
            }
          }
          goto(em, to(st.otherwise));
        });
        return;
      }
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

  /** Largest end of a constant-offset packet access the leaf performs on every non-aborting run. */
  const exprChecks = (x: Expr): number => {
    switch (x.kind) {
      case 'load': {
        const inner = typeof x.offset === 'number' ? 0 : exprChecks(x.offset);
        if (x.base === 'record' || typeof x.offset !== 'number') return inner;
        const end = x.offset + (x.base === 'frame' ? FRAME_RECORD_OFFSET : 0) + x.width;
        return end <= MAX_PKT_OFF && end - x.width <= 0x7fff ? end : 0;
      }
      case 'arith':
        return Math.max(exprChecks(x.left), exprChecks(x.right));
      case 'neg':
        return exprChecks(x.arg);
      case 'ref': {
        const d = dag.values[x.id];
        return d === undefined ? 0 : exprChecks(d.expr);
      }
      default:
        return 0;
    }
  };
  const leafChecks = (l: LeafPred): number => {
    if (l.kind === 'cmp') return Math.max(exprChecks(l.left), exprChecks(l.right));
    if (l.kind === 'in') return exprChecks(l.value);
    const src = l.source;
    if (src.kind === 'fixed' && src.base !== 'record') {
      const end = src.offset + (src.base === 'frame' ? FRAME_RECORD_OFFSET : 0) + src.size;
      return end <= 0x7fff ? end : 0;
    }
    if (src.kind === 'dataloc' && src.base !== 'record') {
      const end = src.offset + (src.base === 'frame' ? FRAME_RECORD_OFFSET : 0) + 4;
      return end <= 0x7fff ? end : 0;
    }
    return 0;
  };

  // Prologue.
  e(mov.reg(R6, R1));
  if (direct) {
    const [d, de] = o.progType === 'xdp' ? [0, 4] : [76, 80];
    e(mem.ldx('w', R7, R6, d));
    e(mem.ldx('w', R8, R6, de));
  }
  goto(em, label(dag.root));
  const order = topoOrder(dag);
  // Bounds proven on entry to each node: the minimum over its incoming t/f edges of what the
  // predecessor had proven plus the constant-offset checks its leaf always performs.
  const provenAt = new Map<number, number>([[dag.root, 0]]);
  order.forEach((id, k) => {
    fallLabel = k + 1 < order.length ? label(order[k + 1]!) : 'accept';
    checked = direct ? (provenAt.get(id) ?? 0) : 0;
    const n0 = dag.nodes[id - 3]!;
    const out = Math.max(checked, direct ? leafChecks(dag.leaves[n0.leaf]!) : 0);
    for (const v of [n0.t, n0.f])
      if (v >= 3) provenAt.set(v, Math.min(provenAt.get(v) ?? Number.POSITIVE_INFINITY, out));
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
  });
  place(em, 'accept');
  e(alu32.mov.imm(R0, o.onMatch | 0));
  e(exit());
  em.dead = true;
  place(em, 'reject');
  e(alu32.mov.imm(R0, o.onMiss | 0));
  e(exit());
  flushJa(em);
  const resolve = (l: string): string => em.alias.get(l) ?? l;
  return {
    insns: em.out.map((i) => (i.target === undefined ? i : { ...i, target: resolve(i.target) })),
    maps,
  };
}
