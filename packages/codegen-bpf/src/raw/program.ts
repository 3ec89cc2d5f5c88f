// The raw tracepoint context's own code around the decision DAG: the prologue (the per-syscall guard), record
// loads served from the tracepoint's arguments through the layout (raw/options.ts), and the epilogue that builds
// the record the kernel would have written and hands it to the ring buffer.
// Invariants:
//  - no record exists while the filter runs: a load of record bytes becomes the covering field's value computed
//    from the arguments (the layout's member offsets, never constants here), then cut, shifted, swapped and
//    extended exactly as the IR's record load says; a load no covered field holds is refused (Unsupported), as is
//    any string predicate on record bytes (comm comes from its helper and is fine);
//  - a hit the guard does not hold for is not this event's: return 0, nothing output; its `unless` part (compat
//    syscalls) is checked at once in the modes that see every hit (verdict, count), else only for kept hits, so a
//    rejected hit never pays for it;
//  - the record is built on the stack (fp-RECORD .. ), zeroed first, so uncovered fields and holes read 0, behind
//    the 16-byte header (ktime, cpu, verdict), and output with bpf_ringbuf_output; a refused output adds 1 to the
//    per-CPU lost counter; the program returns 0 except in mode `return` (the verdict);
//  - strings (__data_loc) follow the fixed record in field order, each read with bpf_probe_read_kernel_str into the
//    zeroed room (bounded by its char array, or by the room left for a `char *`: a longer one is not built and
//    counts as lost), its word (length << 16 | offset) as the kernel's, the record's length
//    sizeof(entry) + the strings' bytes rounded up to 4, as the kernel reserves and its ring buffer stores it;
//  - a path marked orZero checks every pointer it follows and reads 0 through NULL (`p ? p->m : 0`); the other
//    direct loads rely on the verifier's BTF checks;
//  - R6 = the ctx (the argument slots) throughout; value computations clobber R0-R5; R7 holds the strings' length
//    while the record is built (after the decision, nothing else is live then).
import { alu64, call, exit, jmp, ldMapFd, mem, mov, R0, R1, R2, R3, R4, R6, R7, R10 } from '@tfc/bpf/ebpf';
import type { Dag } from '@tfc/ir';
import type { EbpfGen } from '../ebpf/context.ts';
import { extend, HELPER, loadConst, pop, push, SCRATCH, sizeName, swap } from '../ebpf/context.ts';
import { bumpCounter } from '../ebpf/counter.ts';
import { fresh, goto, place } from '../ebpf/emitter.ts';
import type { Load } from '../lower/access.ts';
import { Unsupported } from '../options.ts';
import {
  RAW_COUNT_MAP,
  RAW_CURRENT_TASK,
  RAW_HDR,
  RAW_LOST_MAP,
  RAW_RECORD_MAX,
  RAW_RINGBUF_MAP,
  type RawEventLayout,
  type RawField,
  type RawOptions,
  type RawResetAddr,
  type RawSockaddr,
  type RawSwitchState,
  type RawValue,
} from './options.ts';

const HELPER_KTIME = 5;
const HELPER_CURRENT_TASK_BTF = 158;
const AF_INET6 = 10;
const HELPER_RINGBUF_OUTPUT = 130;
const HELPER_SOCKET_COOKIE = 46;
const HELPER_PROBE_READ_KERNEL_STR = 115;
const AF_INET = 2;
/** The header and record on the stack: fp-512 .. fp-512+16+RAW_RECORD_MAX (above the expression temporaries). */
const RECORD = 512;

const isWidth = (n: number): n is 1 | 2 | 4 | 8 => n === 1 || n === 2 || n === 4 || n === 8;

/** Refuses what a raw program cannot serve: string predicates on record bytes, a record too large to build. */
export function rawRefusals(dag: Dag, o: RawOptions): void {
  const L = o.layout;
  if (recordRoom(L) > RAW_RECORD_MAX)
    throw new Unsupported(
      'raw-record',
      `${L.event}: records of up to ${recordRoom(L)} bytes are too large to build`,
    );
  for (const leaf of dag.leaves)
    if (leaf.kind === 'str' && leaf.source.kind !== 'comm')
      throw new Unsupported(
        'raw-string',
        `${L.event}: string fields are not covered on the raw tracepoint (the record path reads them)`,
      );
}

/** The string fields, in record order (the order the kernel appends their bytes). */
const stringFields = (L: RawEventLayout) =>
  L.fields.flatMap((f) => (f.source.kind === 'string' ? [{ f, s: f.source }] : []));

/** The most bytes a record can take: the fixed part, or the strings' start and every string at its longest. */
function recordRoom(L: RawEventLayout): number {
  const strings = stringFields(L);
  if (strings.length === 0) return L.recordSize;
  return L.recordSize + strings.reduce((n, x) => n + x.s.max, 0);
}

/** R0 = a pointer or value after `steps` members of `v`'s path (all of them when undefined). */
function walk(g: EbpfGen, v: RawValue, steps = v.path.length): void {
  const e = g.e;
  if (v.base !== undefined) {
    if (v.access !== 'probe') throw new Unsupported('raw-layout', 'a computed base is read with probe reads');
    rawValue(g, v.base);
  } else if (v.arg === RAW_CURRENT_TASK) e(call(HELPER_CURRENT_TASK_BTF));
  else if (v.arg < 0 || v.arg > 11) throw new Unsupported('raw-arg', `argument index ${v.arg} out of range`);
  else e(mem.ldx('dw', R0, R6, 8 * v.arg));
  const zero = v.orZero === true && steps > 0 ? fresh(g.em) : undefined;
  for (const m of v.path.slice(0, steps)) {
    if (!isWidth(m.size)) throw new Unsupported('raw-layout', `member of size ${m.size} is not a scalar`);
    if (zero !== undefined) e(jmp.jeq.imm(R0, 0, zero));
    if (v.access === 'btf') e(mem.ldx(sizeName(m.size), R0, R0, m.offset));
    else {
      e(mov.reg(R3, R0));
      if (m.offset !== 0) e(alu64.add.imm(R3, m.offset));
      e(mov.reg(R1, R10));
      e(alu64.add.imm(R1, -SCRATCH));
      e(mov.imm(R2, m.size));
      e(call(HELPER.probeReadKernel));
      e(mem.ldx(sizeName(m.size), R0, R10, -SCRATCH));
    }
    if (m.bit !== undefined) {
      if (m.bit.shift !== 0) e(alu64.rsh.imm(R0, m.bit.shift));
      e(alu64.and.imm(R0, (1 << m.bit.bits) - 1));
    }
  }
  if (zero !== undefined) place(g.em, zero);
}

/** R0 = the value of `v` (64 bits: sign-extended when signed, swapped as the kernel's ntoh*). */
export function rawValue(g: EbpfGen, v: RawValue): void {
  if (v.when !== undefined) {
    const { when, ...rest } = v;
    const zero = fresh(g.em);
    const done = fresh(g.em);
    rawValue(g, when);
    g.e(jmp.jeq.imm(R0, 0, zero));
    rawValue(g, rest);
    goto(g.em, done);
    place(g.em, zero);
    g.e(mov.imm(R0, 0));
    place(g.em, done);
    return;
  }
  if (v.minus !== undefined) {
    const { minus, ...rest } = v;
    rawValue(g, minus);
    const slot = push(g);
    rawValue(g, rest);
    pop(g, R1, slot);
    g.e(alu64.sub.reg(R0, R1));
    return;
  }
  if (v.plus !== undefined) {
    const { plus, ...rest } = v;
    rawValue(g, plus);
    const slot = push(g);
    rawValue(g, rest);
    pop(g, R1, slot);
    g.e(alu64.add.reg(R0, R1));
    return;
  }
  walk(g, v);
  const last = v.path[v.path.length - 1];
  if (last !== undefined && last.bit === undefined && v.signed && isWidth(last.size))
    extend(g, R0, last.size, true);
  if (v.swap !== undefined) swap(g, R0, v.swap);
  if (v.shr !== undefined && v.shr > 0) g.e(alu64.rsh.imm(R0, v.shr));
  if (v.shl !== undefined && v.shl > 0) g.e(alu64.lsh.imm(R0, v.shl));
  if (v.ne !== undefined) {
    const same = fresh(g.em);
    g.e(mov.reg(R1, R0));
    g.e(mov.imm(R0, 0));
    g.e(jmp.jeq.imm(R1, v.ne, same));
    g.e(mov.imm(R0, 1));
    place(g.em, same);
  }
}

/** R0 = sched_switch's report state (RawSwitchState); uses R0-R4, no helper call. */
function switchState(g: EbpfGen, s: RawSwitchState): void {
  const e = g.e;
  const done = fresh(g.em);
  const notIdle = fresh(g.em);
  const highest = fresh(g.em);
  for (const v of [s.preempt, s.state, s.exitState])
    if (v.access !== 'btf') throw new Unsupported('raw-layout', 'the switch state reads direct loads only');
  rawValue(g, s.preempt);
  e(mov.imm(R4, s.reportMax));
  e(jmp.jne.imm(R0, 0, done));
  rawValue(g, s.exitState);
  e(mov.reg(R4, R0));
  rawValue(g, s.state);
  e(mov.reg(R2, R0));
  e(alu64.or.reg(R4, R2));
  e(alu64.and.imm(R4, s.report));
  e(mov.reg(R3, R2));
  e(alu64.and.imm(R3, s.idle));
  e(jmp.jne.imm(R3, s.idle, notIdle));
  e(mov.imm(R4, s.reportIdle));
  place(g.em, notIdle);
  e(jmp.jset.imm(R2, s.asUninterruptible, highest));
  const fls = fresh(g.em);
  goto(g.em, fls);
  place(g.em, highest);
  e(mov.imm(R4, s.uninterruptible));
  place(g.em, fls);
  // 1 << (fls(R4) - 1), 0 for 0: R4's highest set bit (smear it right, then keep the top one)
  for (const k of [1, 2, 4, 8, 16]) {
    e(mov.reg(R3, R4));
    e(alu64.rsh.imm(R3, k));
    e(alu64.or.reg(R4, R3));
  }
  e(mov.reg(R3, R4));
  e(alu64.rsh.imm(R3, 1));
  e(alu64.sub.reg(R4, R3));
  place(g.em, done);
  e(mov.reg(R0, R4));
}

/** R0 = tcp_current_ssthresh(sk) (the `currentSsthresh` source); clobbers R0-R5 and one temporary. */
function currentSsthresh(g: EbpfGen, s: Extract<RawField['source'], { kind: 'currentSsthresh' }>): void {
  const e = g.e;
  const reduced = fresh(g.em);
  const done = fresh(g.em);
  rawValue(g, s.caState);
  e(mov.imm(R1, 1));
  e(alu64.lsh.reg(R1, R0));
  e(jmp.jset.imm(R1, s.reduction, reduced));
  // max(snd_ssthresh, (cwnd >> 1) + (cwnd >> 2)), unsigned
  rawValue(g, s.cwnd);
  e(mov.reg(R1, R0));
  e(alu64.rsh.imm(R1, 1));
  e(alu64.rsh.imm(R0, 2));
  e(alu64.add.reg(R0, R1));
  const slot = push(g);
  rawValue(g, s.ssthresh);
  pop(g, R1, slot);
  e(jmp.jge.reg(R0, R1, done));
  e(mov.reg(R0, R1));
  goto(g.em, done);
  place(g.em, reduced);
  rawValue(g, s.ssthresh);
  place(g.em, done);
}

/** R3 = the address of the bytes a `bytes` source copies (+ delta). */
function bytesAddress(g: EbpfGen, v: RawValue, delta: number): void {
  const last = v.path[v.path.length - 1];
  if (last === undefined) throw new Unsupported('raw-layout', 'a byte copy needs a member');
  walk(g, v, v.path.length - 1);
  // orZero: a NULL base gives address 0, whose probe read fails and zeroes the bytes (no arithmetic on NULL)
  const base = v.orZero === true ? fresh(g.em) : undefined;
  const done = v.orZero === true ? fresh(g.em) : undefined;
  if (base !== undefined && done !== undefined) {
    g.e(jmp.jne.imm(R0, 0, base));
    g.e(mov.imm(R3, 0));
    goto(g.em, done);
    place(g.em, base);
  }
  g.e(mov.reg(R3, R0));
  if (last.offset + delta !== 0) g.e(alu64.add.imm(R3, last.offset + delta));
  if (done !== undefined) place(g.em, done);
}

/** R0 = the field's bytes as a little-endian integer (bytes fields: `w` of them from `delta`). */
function fieldInto(g: EbpfGen, f: RawField, delta: number, w: number): void {
  const s = f.source;
  switch (s.kind) {
    case 'const':
      loadConst(g, R0, s.value);
      return;
    case 'pid':
      g.e(call(HELPER.pidTgid));
      g.e(alu64.lsh.imm(R0, 32));
      g.e(alu64.rsh.imm(R0, 32));
      return;
    case 'value':
      rawValue(g, s.value);
      return;
    case 'cookie':
      g.e(mem.ldx('dw', R1, R6, 8 * s.arg));
      g.e(call(HELPER_SOCKET_COOKIE));
      return;
    case 'switchState':
      switchState(g, s);
      return;
    case 'currentSsthresh':
      currentSsthresh(g, s);
      return;
    case 'addr6':
    case 'sockaddr':
    case 'resetAddr':
    case 'string':
      throw new Unsupported(
        'raw-field',
        `field ${f.name} is built into records only (read it on the record path)`,
      );
    case 'bytes':
      if (!isWidth(w)) throw new Unsupported('raw-layout', `a ${w}-byte read of ${f.name}`);
      bytesAddress(g, s.value, delta);
      g.e(mov.reg(R1, R10));
      g.e(alu64.add.imm(R1, -SCRATCH));
      g.e(mov.imm(R2, w));
      g.e(call(HELPER.probeReadKernel));
      g.e(mem.ldx(sizeName(w), R0, R10, -SCRATCH));
      return;
  }
}

/** The covered field that holds record bytes [off, off + w), if any. */
export function coveringField(L: RawEventLayout, off: number, w: number): RawField | undefined {
  return L.fields.find((f) => f.offset <= off && off + w <= f.offset + f.size);
}

/** R0 = a record load's value, from the arguments (see the header). */
export function rawLoad(g: EbpfGen, x: Load, o: RawOptions): void {
  const L = o.layout;
  if (typeof x.offset !== 'number')
    throw new Unsupported('record-computed-offset', 'record loads at computed offsets are not supported');
  const off = x.offset;
  const w = x.width;
  const f = coveringField(L, off, w);
  if (f === undefined) {
    const u = L.uncovered.find((x) => x.offset < off + w && off < x.offset + x.size);
    throw new Unsupported(
      'raw-field',
      u === undefined
        ? `${L.event}: record bytes ${off}..${off + w - 1} are not covered on the raw tracepoint`
        : `${L.event}: field ${u.name} is not covered on the raw tracepoint: ${u.why}`,
    );
  }
  const delta = off - f.offset;
  fieldInto(g, f, delta, w);
  if (f.source.kind !== 'bytes' && delta > 0) g.e(alu64.rsh.imm(R0, 8 * delta));
  if (x.order === 'be') swap(g, R0, w);
  extend(g, R0, w, x.signed);
}

/** Mode count: adds 1 to counter `key` of RAW_COUNT_MAP (clobbers R0-R5). */
function bump(g: EbpfGen, key: 0 | 1): void {
  const done = fresh(g.em);
  bumpCounter(g, RAW_COUNT_MAP, key, SCRATCH, done);
  place(g.em, done);
}

/** Prologue: R6 = ctx; a hit the guard does not hold for returns 0 at once; mode count counts the event's hits. */
export function rawPrologue(g: EbpfGen, o: RawOptions): void {
  g.e(mov.reg(R6, R1));
  const guard = o.layout.guard;
  if (guard !== undefined) {
    rawValue(g, guard.value);
    const c = BigInt.asUintN(64, guard.equals);
    if (c <= 0x7fffffffn) g.e(jmp.jne.imm(R0, Number(c), 'raw_out'));
    else {
      loadConst(g, R2, c);
      g.e(jmp.jne.reg(R0, R2, 'raw_out'));
    }
    // modes that see every hit drop the excluded ones at once; the others only where a hit is kept (accept)
    if (o.mode === 'verdict' || o.mode === 'count') excluded(g, o);
  }
  if (o.mode === 'count') bump(g, 0);
}

/** A hit the guard's `unless` holds for (a compat syscall) is not the event's: goto raw_out (return 0). */
function excluded(g: EbpfGen, o: RawOptions): void {
  const unless = o.layout.guard?.unless;
  if (unless === undefined) return;
  rawValue(g, unless.value);
  g.e(jmp.jset.imm(R0, unless.mask | 0, 'raw_out'));
}

/** probe-reads `n` bytes of the member `v`'s path ends at into the stack at `at`. */
function copyInto(g: EbpfGen, v: RawValue, at: number, n: number): void {
  bytesAddress(g, v, 0);
  g.e(mov.reg(R1, R10));
  g.e(alu64.add.imm(R1, at));
  g.e(mov.imm(R2, n));
  g.e(call(HELPER.probeReadKernel));
}

/** TP_STORE_ADDRS into the (zeroed) record at `at`: the IPv6 address, or ::ffff: and the IPv4 one. */
function addr6(g: EbpfGen, s: Extract<RawField['source'], { kind: 'addr6' }>, at: number): void {
  const mapped = fresh(g.em);
  const done = fresh(g.em);
  rawValue(g, s.family);
  g.e(jmp.jne.imm(R0, AF_INET6, mapped));
  copyInto(g, s.v6, at, 16);
  goto(g.em, done);
  place(g.em, mapped);
  g.e(mem.st('h', R10, at + 10, 0xffff));
  copyInto(g, s.v4, at + 12, 4);
  place(g.em, done);
}

/** TP_STORE_ADDR_PORTS into the (zeroed) record at `at` (RawSockaddr). */
function sockaddr(g: EbpfGen, s: RawSockaddr, at: number): void {
  const v4 = fresh(g.em);
  const port = fresh(g.em);
  rawValue(g, s.family);
  g.e(jmp.jne.imm(R0, AF_INET6, v4));
  g.e(mem.st('h', R10, at, AF_INET6));
  copyInto(g, s.v6, at + 8, 16);
  goto(g.em, port);
  place(g.em, v4);
  g.e(mem.st('h', R10, at, AF_INET));
  copyInto(g, s.v4, at + 4, 4);
  place(g.em, port);
  rawValue(g, s.port);
  g.e(mem.stx('h', R10, at + 2, R0));
}

/** The strings after the fixed record (RawSource `string`): each read with bpf_probe_read_kernel_str at the
 *  strings' start + R7 (the bytes so far), its __data_loc word stored, R7 advanced by its length (NUL included). */
function strings(g: EbpfGen, L: RawEventLayout): void {
  const e = g.e;
  const start = L.dataStart ?? L.recordSize;
  const truncated = fresh(g.em);
  const built = fresh(g.em);
  e(mov.imm(R7, 0));
  for (const { f, s } of stringFields(L)) {
    const ok = fresh(g.em);
    const fits = fresh(g.em);
    if (s.pointer === true) {
      rawValue(g, s.value);
      e(mov.reg(R3, R0));
    } else bytesAddress(g, s.value, 0);
    e(mov.reg(R1, R10));
    e(alu64.add.imm(R1, -RECORD + RAW_HDR.record + start));
    e(alu64.add.reg(R1, R7));
    e(mov.imm(R2, s.max));
    e(call(HELPER_PROBE_READ_KERNEL_STR));
    // a string that may not have fit (its NUL in the last byte or beyond) is not built
    if (s.pointer === true) e(jmp.jge.imm(R0, s.max, truncated));
    e(jmp.jsgt.imm(R0, 0, ok));
    e(mov.imm(R0, 0));
    place(g.em, ok);
    e(jmp.jle.imm(R0, s.max, fits));
    e(mov.imm(R0, s.max));
    place(g.em, fits);
    e(mov.reg(R1, R0));
    e(alu64.lsh.imm(R1, 16));
    e(mov.reg(R2, R7));
    e(alu64.add.imm(R2, start));
    e(alu64.or.reg(R1, R2));
    e(mem.stx('w', R10, -RECORD + RAW_HDR.record + f.offset, R1));
    e(alu64.add.reg(R7, R0));
  }
  if (!stringFields(L).some((x) => x.s.pointer === true)) return;
  goto(g.em, built);
  place(g.em, truncated);
  bumpCounter(g, RAW_LOST_MAP, 0, SCRATCH, 'raw_out');
  e(mov.imm(R0, 0));
  e(exit());
  g.em.dead = true;
  place(g.em, built);
}

/** probe-reads `n` bytes at R3 + `delta` into the stack at `at` (R3 is consumed). */
function probeAt(g: EbpfGen, delta: number, at: number, n: number): void {
  if (delta !== 0) g.e(alu64.add.imm(R3, delta));
  g.e(mov.reg(R1, R10));
  g.e(alu64.add.imm(R1, at));
  g.e(mov.imm(R2, n));
  g.e(call(HELPER.probeReadKernel));
}

/** tcp_send_reset's address field at `at`, or (no socket in it) the packet's own side of tcp_bad_csum and the
 *  tcp_hash_* events (RawResetAddr; the record is zeroed). */
function resetAddr(g: EbpfGen, s: RawResetAddr, at: number): void {
  const e = g.e;
  const fromSkb = fresh(g.em);
  const done = fresh(g.em);
  const v4 = fresh(g.em);
  if (s.state !== undefined && s.sock !== undefined) {
    rawValue(g, s.state);
    for (const st of s.notFull ?? []) e(jmp.jeq.imm(R0, st, fromSkb));
    // a NULL sk reads state 0: not a full socket either (TCP states start at 1)
    e(jmp.jeq.imm(R0, 0, fromSkb));
    sockaddr(g, s.sock, at);
    goto(g.em, done);
  }
  place(g.em, fromSkb);
  rawValue(g, s.data);
  e(jmp.jeq.imm(R0, 0, done));
  const th = push(g);
  rawValue(g, s.head);
  const head = push(g);
  rawValue(g, s.network);
  pop(g, R1, head);
  e(alu64.add.reg(R0, R1));
  const iph = push(g);
  // the port: th->source (0) or th->dest (2), as stored (network order)
  e(mem.ldx('dw', R3, R10, -8 * th));
  probeAt(g, s.side === 'source' ? 0 : 2, at + 2, 2);
  // iph->version: the high nibble of its first byte
  e(mem.ldx('dw', R3, R10, -8 * iph));
  probeAt(g, 0, -SCRATCH, 1);
  e(mem.ldx('b', R0, R10, -SCRATCH));
  e(alu64.rsh.imm(R0, 4));
  e(mem.ldx('dw', R3, R10, -8 * iph));
  e(jmp.jne.imm(R0, 6, v4));
  e(mem.st('h', R10, at, AF_INET6));
  probeAt(g, s.side === 'source' ? 8 : 24, at + 8, 16);
  goto(g.em, done);
  place(g.em, v4);
  e(mem.st('h', R10, at, AF_INET));
  probeAt(g, s.side === 'source' ? 12 : 16, at + 4, 4);
  g.depth -= 2;
  place(g.em, done);
}

/** Builds the record with `verdict` in its header and outputs it (see the header); returns 0. */
function buildAndOutput(g: EbpfGen, L: RawEventLayout, verdict: number): void {
  const e = g.e;
  const total = RAW_HDR.record + L.recordSize;
  const room = RAW_HDR.record + recordRoom(L);
  for (let k = 0; k < room; k += 8) e(mem.st('dw', R10, -RECORD + k, 0));
  e(call(HELPER_KTIME));
  e(mem.stx('dw', R10, -RECORD + RAW_HDR.time, R0));
  e(call(HELPER.cpu));
  e(mem.stx('w', R10, -RECORD + RAW_HDR.cpu, R0));
  e(mem.st('w', R10, -RECORD + RAW_HDR.verdict, verdict));
  for (const f of L.fields) {
    const at = -RECORD + RAW_HDR.record + f.offset;
    if (f.source.kind === 'addr6') {
      addr6(g, f.source, at);
      continue;
    }
    if (f.source.kind === 'sockaddr') {
      sockaddr(g, f.source, at);
      continue;
    }
    if (f.source.kind === 'string') continue;
    if (f.source.kind === 'resetAddr') {
      resetAddr(g, f.source, at);
      continue;
    }
    if (f.source.kind === 'bytes') {
      bytesAddress(g, f.source.value, 0);
      e(mov.reg(R1, R10));
      e(alu64.add.imm(R1, at));
      e(mov.imm(R2, Math.min(f.source.n, f.size)));
      e(call(HELPER.probeReadKernel));
      continue;
    }
    if (!isWidth(f.size) || f.offset % f.size !== 0)
      throw new Unsupported('raw-layout', `${L.event}: field ${f.name} is not an aligned scalar`);
    fieldInto(g, f, 0, f.size);
    e(mem.stx(sizeName(f.size), R10, at, R0));
  }
  const dynamic = stringFields(L).length > 0;
  if (dynamic) strings(g, L);
  e(ldMapFd(R1, RAW_RINGBUF_MAP));
  e(mov.reg(R2, R10));
  e(alu64.add.imm(R2, -RECORD));
  e(mov.imm(R3, total));
  if (dynamic) {
    // the kernel reserves sizeof(entry) + the strings' bytes (R7), which its ring buffer rounds up to 4 (the
    // strings start at offsetof(entry, __data): before sizeof(entry) when the struct has tail padding)
    const fixed = fresh(g.em);
    e(mov.reg(R0, R7));
    e(alu64.add.imm(R0, RAW_HDR.record + L.recordSize + 3));
    e(alu64.and.imm(R0, -4));
    e(jmp.jle.imm(R0, total, fixed));
    e(mov.reg(R3, R0));
    place(g.em, fixed);
  }
  e(mov.imm(R4, 0));
  e(call(HELPER_RINGBUF_OUTPUT));
  e(jmp.jeq.imm(R0, 0, 'raw_out'));
  bumpCounter(g, RAW_LOST_MAP, 0, SCRATCH, 'raw_out');
  e(mov.imm(R0, 0));
  e(exit());
  g.em.dead = true;
}

/** accept / reject as the mode says, then `raw_out` (return 0). */
export function rawEpilogue(g: EbpfGen, o: RawOptions): void {
  const mode = o.mode ?? 'output';
  const e = g.e;
  place(g.em, 'accept');
  if (mode === 'output' || mode === 'return') excluded(g, o);
  if (mode === 'return' || mode === 'count') {
    if (mode === 'count') bump(g, 1);
    e(mov.imm(R0, mode === 'return' ? 1 : 0));
    e(exit());
    g.em.dead = true;
  } else buildAndOutput(g, o.layout, 1);
  place(g.em, 'reject');
  if (mode === 'verdict') buildAndOutput(g, o.layout, 0);
  else {
    e(mov.imm(R0, 0));
    e(exit());
    g.em.dead = true;
  }
  place(g.em, 'raw_out');
  e(mov.imm(R0, 0));
  e(exit());
}
