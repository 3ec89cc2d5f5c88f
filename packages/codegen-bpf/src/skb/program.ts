// The skb context's own code around the decision DAG: the prologue that finds the packet behind a hook's
// `struct sk_buff *` and fills the capture record, and the epilogue that hands the record to the ring buffer.
// Invariants:
//  - every kernel read goes through bpf_probe_read_kernel at offsets from the layout (BTF data, never constants
//    here); a NULL or unreadable sk_buff skips the packet (return 0); a failed read of the device leaves ifindex,
//    netns and the device type 0 (so the packet starts at L3);
//  - the packet starts at head + mac_header when mac_header is set (!= 0xffff) and dev->type is Ethernet-framed
//    (ETHERNET_ARPHRD: ARPHRD_ETHER, ARPHRD_LOOPBACK), else at head + network_header (start 1);
//  - packet length = skb->len + (data - start) (0 if negative); captured = min(snaplen, packet length, linear bytes
//    from the start: head + tail - start), 0 when the copy faults: bytes past the linear part are never read;
//  - with `vlan: 'reinsert'` an out-of-band VLAN tag (vlan_proto != 0) of a packet that starts at L2 is put back
//    after the MAC addresses (4 more bytes, as libpcap on Linux shows such packets); `as-is` (default) leaves the
//    bytes as the sk_buff holds them (the tag only in the record's vlan fields);
//  - after the prologue R7 = the record's packet bytes (map value + 88), R8 = captured length (a scalar in
//    [0, snaplen]), the record's header words are written; R6 = the ctx (the hook's argument array);
//  - the epilogue returns 0 except in mode `return` (the verdict); the ring buffer receives 88 + captured bytes.
import {
  alu64,
  call,
  exit,
  jmp,
  ldMapFd,
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
  R9,
  R10,
  toBe,
} from '@tfc/bpf/ebpf';
import type { EbpfGen } from '../ebpf/context.ts';
import { HELPER } from '../ebpf/context.ts';
import { bumpCounter } from '../ebpf/counter.ts';
import { fresh, goto, place } from '../ebpf/emitter.ts';
import { Unsupported } from '../options.ts';
import {
  DEFAULT_SNAPLEN,
  ETHERNET_ARPHRD,
  FOLLOW_IDLE_NS,
  MAX_SNAPLEN,
  REC,
  SKB_FOLLOW_MAP,
  SKB_LOST_MAP,
  SKB_RECORD_MAP,
  SKB_RINGBUF_MAP,
  type SkbField,
  type SkbOptions,
} from './options.ts';

const HELPER_KTIME = 5;
const HELPER_MAP_UPDATE = 2;
const HELPER_MAP_DELETE = 3;
const HELPER_RINGBUF_OUTPUT = 130;
/** Epilogue stack (the decision DAG's slots are dead by then): the followed address and its time. */
const FOLLOW_KEY = 40;
const FOLLOW_VALUE = 48;
/** Stack: the sk_buff members copied at once (fp-512 .. ), the map key, the device pointer, its type, its net. */
const SKB_COPY = 512;
const SKB_COPY_MAX = 312;
const KEY = 4;
const DEV = 16;
const DEV_TYPE = 24;
const NET = 32;

export function snaplenOf(o: SkbOptions): number {
  const s = o.snaplen ?? DEFAULT_SNAPLEN;
  if (!Number.isInteger(s) || s < 1 || s > MAX_SNAPLEN)
    throw new Unsupported('snaplen', `snaplen must be an integer from 1 to ${MAX_SNAPLEN}, not ${s}`);
  return s;
}

/** The record map's value: the header, snaplen packet bytes (rounded up to 8), then one 8-byte slot per shared
 *  value of the filter (expr.ts). */
export function recordValueSize(snaplen: number, values = 0): number {
  return ((REC.data + snaplen + 7) & ~7) + 8 * values;
}

const SIZE = { 1: 'b', 2: 'h', 4: 'w', 8: 'dw' } as const;
function sizeOf(f: SkbField, name: string): 'b' | 'h' | 'w' | 'dw' {
  const s = SIZE[f.size as 1 | 2 | 4 | 8];
  if (s === undefined) throw new Unsupported('skb-layout', `sk_buff layout: ${name} has size ${f.size}`);
  return s;
}

/** What the prologue's phases share: the generator, the options, the validated layout and the sk_buff copy. */
interface Prologue {
  readonly g: EbpfGen;
  readonly e: EbpfGen['e'];
  readonly o: SkbOptions;
  readonly L: SkbOptions['layout'];
  readonly snaplen: number;
  /** The first sk_buff member's offset and the bytes from it to the end of the last one (one copy). */
  readonly base: number;
  readonly span: number;
}

/** R{r} = an sk_buff member from the stack copy (zero-extended). */
function skbField(p: Prologue, r: 0 | 1 | 2 | 3 | 4 | 5, name: keyof SkbLayoutSkb): void {
  const f = p.L.skb[name];
  p.e(mem.ldx(sizeOf(f, name), r, R10, -SKB_COPY + f.offset - p.base));
}

export function skbPrologue(g: EbpfGen, o: SkbOptions): void {
  const snaplen = snaplenOf(o);
  const fields = Object.values(o.layout.skb) as SkbField[];
  const base = Math.min(...fields.map((f) => f.offset));
  const end = Math.max(...fields.map((f) => f.offset + f.size));
  if (end - base > SKB_COPY_MAX)
    throw new Unsupported(
      'skb-layout',
      `sk_buff members span ${end - base} bytes, more than ${SKB_COPY_MAX}`,
    );
  if (o.hook.skbArg < 0 || o.hook.skbArg > 11)
    throw new Unsupported('skb-hook', `sk_buff argument index ${o.hook.skbArg} out of range`);
  const p: Prologue = { g, e: g.e, o, L: o.layout, snaplen, base, span: end - base };
  lookupRecordAndCopySkb(p);
  recordEvent(p);
  recordMembers(p);
  recordDevice(p);
  packetStart(p);
  copyPacket(p);
}

/** R9 = the per-CPU record, R6 = ctx; the sk_buff pointer into the record and its members onto the stack. */
function lookupRecordAndCopySkb(p: Prologue): void {
  const { g, e, o } = p;
  g.maps.push({
    name: SKB_RECORD_MAP,
    type: 'percpu_array',
    keySize: 4,
    valueSize: recordValueSize(p.snaplen, g.dag.values.length),
    maxEntries: 1,
    entries: [],
  });
  e(mov.reg(R6, R1));
  e(mem.st('w', R10, -KEY, 0));
  e(ldMapFd(R1, SKB_RECORD_MAP));
  e(mov.reg(R2, R10));
  e(alu64.add.imm(R2, -KEY));
  e(call(HELPER.mapLookup));
  e(jmp.jeq.imm(R0, 0, 'skb_out'));
  e(mov.reg(R9, R0));
  // the sk_buff pointer and its members
  e(mem.ldx('dw', R3, R6, 8 * o.hook.skbArg));
  // a hook's sk_buff may be NULL (tcp_send_reset): the verifier refuses arithmetic on it before this check
  e(jmp.jeq.imm(R3, 0, 'skb_out'));
  e(mem.stx('dw', R9, REC.skb, R3));
  e(mov.reg(R1, R10));
  e(alu64.add.imm(R1, -SKB_COPY));
  e(mov.imm(R2, p.span));
  if (p.base !== 0) e(alu64.add.imm(R3, p.base));
  e(call(HELPER.probeReadKernel));
  e(jmp.jne.imm(R0, 0, 'skb_out'));
}

/** Time, hook, drop reason, location and the current task into the record. */
function recordEvent(p: Prologue): void {
  const { e, o } = p;
  e(call(HELPER_KTIME));
  e(mem.stx('dw', R9, REC.time, R0));
  e(mem.st('w', R9, REC.hook, o.hookIndex | 0));
  if (o.hook.reasonArg !== undefined) {
    e(mem.ldx('dw', R0, R6, 8 * o.hook.reasonArg));
    e(mem.stx('w', R9, REC.reason, R0));
  } else e(mem.st('w', R9, REC.reason, 0));
  if (o.hook.locationArg !== undefined) {
    e(mem.ldx('dw', R0, R6, 8 * o.hook.locationArg));
    e(mem.stx('dw', R9, REC.location, R0));
  } else e(mem.st('dw', R9, REC.location, 0));
  e(call(HELPER.pidTgid));
  e(mem.stx('w', R9, REC.tid, R0));
  e(alu64.rsh.imm(R0, 32));
  e(mem.stx('w', R9, REC.tgid, R0));
  e(mov.reg(R1, R9));
  e(alu64.add.imm(R1, REC.comm));
  e(mov.imm(R2, 16));
  e(call(HELPER.comm));
}

/** The sk_buff members kept outside the packet. */
function recordMembers(p: Prologue): void {
  const e = p.e;
  skbField(p, 0, 'protocol');
  e(mem.stx('h', R9, REC.protocol, R0));
  skbField(p, 0, 'pktType');
  const pt = p.L.skb.pktType.bit;
  if (pt !== undefined) {
    if (pt.shift !== 0) e(alu64.rsh.imm(R0, pt.shift));
    e(alu64.and.imm(R0, (1 << pt.bits) - 1));
  }
  e(mem.stx('b', R9, REC.pktType, R0));
  skbField(p, 0, 'mark');
  e(mem.stx('w', R9, REC.mark, R0));
  skbField(p, 0, 'vlanTci');
  e(mem.stx('h', R9, REC.vlanTci, R0));
  skbField(p, 0, 'vlanProto');
  e(mem.stx('h', R9, REC.vlanProto, R0));
  e(mem.st('w', R9, REC.verdict, 0));
}

/** The device: ifindex, type (on the stack), netns inode — 0 when dev or a read fails. */
function recordDevice(p: Prologue): void {
  const { g, e, L } = p;
  e(mem.st('w', R9, REC.ifindex, 0));
  e(mem.st('w', R9, REC.netns, 0));
  e(mem.st('dw', R10, -DEV_TYPE, 0));
  const noDev = fresh(g.em);
  skbField(p, 3, 'dev');
  e(jmp.jeq.imm(R3, 0, noDev));
  e(mem.stx('dw', R10, -DEV, R3));
  const devRead = (dst: () => void, f: SkbField, then?: () => void) => {
    dst();
    e(mov.imm(R2, f.size));
    e(mem.ldx('dw', R3, R10, -DEV));
    e(alu64.add.imm(R3, f.offset));
    e(call(HELPER.probeReadKernel));
    then?.();
  };
  devRead(
    () => {
      e(mov.reg(R1, R9));
      e(alu64.add.imm(R1, REC.ifindex));
    },
    sized(L.dev.ifindex, 4, 'net_device.ifindex'),
  );
  devRead(
    () => {
      e(mov.reg(R1, R10));
      e(alu64.add.imm(R1, -DEV_TYPE));
    },
    sized(L.dev.type, 2, 'net_device.type'),
  );
  e(mem.st('dw', R10, -NET, 0));
  devRead(
    () => {
      e(mov.reg(R1, R10));
      e(alu64.add.imm(R1, -NET));
    },
    sized(L.dev.ndNet, 8, 'net_device.nd_net'),
    () => {
      e(mem.ldx('dw', R3, R10, -NET));
      e(jmp.jeq.imm(R3, 0, noDev));
      e(mov.reg(R1, R9));
      e(alu64.add.imm(R1, REC.netns));
      e(mov.imm(R2, 4));
      e(alu64.add.imm(R3, sized(L.net.inum, 4, 'net.ns.inum').offset));
      e(call(HELPER.probeReadKernel));
    },
  );
  place(g.em, noDev);
}

/** Where the packet starts: R3 = header offset from head, R4 = the start flag (0 = L2, 1 = L3), also recorded. */
function packetStart(p: Prologue): void {
  const { g, e } = p;
  const l3 = fresh(g.em);
  const l2 = fresh(g.em);
  const have = fresh(g.em);
  skbField(p, 3, 'macHeader');
  e(jmp.jeq.imm(R3, 0xffff, l3));
  e(mem.ldx('dw', R2, R10, -DEV_TYPE));
  for (const t of ETHERNET_ARPHRD) e(jmp.jeq.imm(R2, t, l2));
  goto(g.em, l3);
  place(g.em, l2);
  e(mov.imm(R4, 0));
  goto(g.em, have);
  place(g.em, l3);
  skbField(p, 3, 'networkHeader');
  e(mov.imm(R4, 1));
  place(g.em, have);
  e(mem.stx('b', R9, REC.start, R4));
}

/** R7 = head, R8 = start; packet length = len + (data - start), captured = min(snaplen, length, linear bytes); the
 *  copy (with an out-of-band VLAN tag put back under `vlan: 'reinsert'`); then R7 = the packet bytes, R8 = captured. */
function copyPacket(p: Prologue): void {
  const { g, e, o, snaplen } = p;
  skbField(p, 0, 'head');
  e(mov.reg(R7, R0));
  e(mov.reg(R8, R7));
  e(alu64.add.reg(R8, R3));
  skbField(p, 0, 'data');
  e(alu64.sub.reg(R0, R8));
  skbField(p, 1, 'len');
  e(alu64.add.reg(R0, R1));
  const pos = fresh(g.em);
  e(jmp.jsgt.imm(R0, 0, pos));
  e(mov.imm(R0, 0));
  place(g.em, pos);
  e(mem.stx('w', R9, REC.pktLen, R0));
  skbField(p, 2, 'tail');
  e(alu64.add.reg(R2, R7));
  e(alu64.sub.reg(R2, R8));
  const a = fresh(g.em);
  e(jmp.jsgt.imm(R2, 0, a));
  e(mov.imm(R2, 0));
  place(g.em, a);
  const copied = fresh(g.em);
  /** R2 = min(R2, R0 packet length, limit); stores the packet and captured lengths. */
  const capture = (limit: number) => {
    const b = fresh(g.em);
    const c = fresh(g.em);
    e(mem.stx('w', R9, REC.pktLen, R0));
    e(jmp.jle.reg(R2, R0, b));
    e(mov.reg(R2, R0));
    place(g.em, b);
    e(jmp.jle.imm(R2, limit, c));
    e(mov.imm(R2, limit));
    place(g.em, c);
    e(mem.stx('w', R9, REC.capLen, R2));
  };
  const failed = fresh(g.em);
  const plain = fresh(g.em);
  if ((o.vlan ?? 'as-is') === 'reinsert' && snaplen >= 16) {
    // an out-of-band tag on a packet that starts at L2 goes back between the MAC addresses, as libpcap does
    e(jmp.jne.imm(R4, 0, plain));
    skbField(p, 1, 'vlanProto');
    e(jmp.jeq.imm(R1, 0, plain));
    e(jmp.jlt.imm(R2, 12, plain));
    e(alu64.add.imm(R0, 4));
    e(alu64.add.imm(R2, 4));
    capture(snaplen);
    e(mem.stx('dw', R10, -NET, R2));
    e(mov.reg(R1, R9));
    e(alu64.add.imm(R1, REC.data));
    e(mov.imm(R2, 12));
    e(mov.reg(R3, R8));
    e(call(HELPER.probeReadKernel));
    e(jmp.jne.imm(R0, 0, failed));
    skbField(p, 0, 'vlanProto');
    e(mem.stx('h', R9, REC.data + 12, R0));
    skbField(p, 0, 'vlanTci');
    e(toBe(R0, 16));
    e(mem.stx('h', R9, REC.data + 14, R0));
    e(mem.ldx('dw', R2, R10, -NET));
    e(alu64.add.imm(R2, -16));
    const d = fresh(g.em);
    const f = fresh(g.em);
    e(jmp.jsgt.imm(R2, 0, d));
    e(mov.imm(R2, 0));
    place(g.em, d);
    e(jmp.jle.imm(R2, snaplen - 16, f));
    e(mov.imm(R2, snaplen - 16));
    place(g.em, f);
    e(mov.reg(R1, R9));
    e(alu64.add.imm(R1, REC.data + 16));
    e(mov.reg(R3, R8));
    e(alu64.add.imm(R3, 12));
    e(call(HELPER.probeReadKernel));
    e(jmp.jeq.imm(R0, 0, copied));
    goto(g.em, failed);
  }
  place(g.em, plain);
  capture(snaplen);
  e(mov.reg(R1, R9));
  e(alu64.add.imm(R1, REC.data));
  e(mov.reg(R3, R8));
  e(call(HELPER.probeReadKernel));
  e(jmp.jeq.imm(R0, 0, copied));
  place(g.em, failed);
  e(mem.st('w', R9, REC.capLen, 0));
  place(g.em, copied);
  e(mov.reg(R7, R9));
  e(alu64.add.imm(R7, REC.data));
  e(mem.ldx('w', R8, R9, REC.capLen));
}

type SkbLayoutSkb = SkbOptions['layout']['skb'];

function sized(f: SkbField, size: number, name: string): SkbField {
  if (f.size !== size || f.bit !== undefined)
    throw new Unsupported('skb-layout', `layout: ${name} is ${f.size} bytes, expected ${size}`);
  return f;
}

/** accept / reject: the record to the ring buffer as the mode says, then the return value. With `countLost` a
 *  refused output adds 1 to the per-CPU lost counter; with `follow` accepted addresses are followed (see
 *  SkbOptions.follow) and a rejected packet at a followed address is output with word 84 = 0. */
export function skbEpilogue(g: EbpfGen, o: SkbOptions): void {
  const mode = o.mode ?? 'capture';
  const snaplen = snaplenOf(o);
  const follow = mode === 'capture' ? o.follow : undefined;
  const e = g.e;
  const output = (): void => {
    e(ldMapFd(R1, SKB_RINGBUF_MAP));
    e(mov.reg(R2, R7));
    e(alu64.add.imm(R2, -REC.data));
    e(mem.ldx('w', R3, R7, REC.capLen - REC.data));
    const ok = fresh(g.em);
    e(jmp.jle.imm(R3, snaplen, ok));
    e(mov.imm(R3, snaplen));
    place(g.em, ok);
    e(alu64.add.imm(R3, REC.data));
    e(mov.imm(R4, 0));
    e(call(HELPER_RINGBUF_OUTPUT));
    if (o.countLost === true) {
      const done = fresh(g.em);
      e(jmp.jeq.imm(R0, 0, done));
      bumpCounter(g, SKB_LOST_MAP, 0, KEY, done);
      place(g.em, done);
    }
    e(mov.imm(R0, 0));
    e(exit());
  };
  /** R2 = &key (the skb address), R1 = the follow map. */
  const followKey = (): void => {
    e(mem.ldx('dw', R1, R7, REC.skb - REC.data));
    e(mem.stx('dw', R10, -FOLLOW_KEY, R1));
    e(ldMapFd(R1, SKB_FOLLOW_MAP));
    e(mov.reg(R2, R10));
    e(alu64.add.imm(R2, -FOLLOW_KEY));
  };
  place(g.em, 'accept');
  if (mode === 'return') {
    e(mov.imm(R0, 1));
    e(exit());
  } else if (mode === 'verdict') {
    e(mem.st('w', R7, REC.verdict - REC.data, 1));
    output();
  } else {
    if (follow !== undefined) {
      e(mem.st('w', R7, REC.verdict - REC.data, 1));
      followKey();
      if (follow.ends) e(call(HELPER_MAP_DELETE));
      else {
        e(mem.ldx('dw', R3, R7, REC.time - REC.data));
        e(mem.stx('dw', R10, -FOLLOW_VALUE, R3));
        e(mov.reg(R3, R10));
        e(alu64.add.imm(R3, -FOLLOW_VALUE));
        e(mov.imm(R4, 0));
        e(call(HELPER_MAP_UPDATE));
      }
    }
    output();
  }
  g.em.dead = true;
  place(g.em, 'reject');
  if (mode === 'verdict') {
    e(mem.st('w', R7, REC.verdict - REC.data, 0));
    output();
  } else if (follow !== undefined) {
    // a followed address: output unless its last record is older than FOLLOW_IDLE_NS (then forget it)
    const forget = fresh(g.em);
    followKey();
    e(call(HELPER.mapLookup));
    e(jmp.jeq.imm(R0, 0, 'skb_out'));
    e(mem.ldx('dw', R1, R7, REC.time - REC.data));
    e(mem.ldx('dw', R2, R0, 0));
    e(mov.reg(R3, R1));
    e(alu64.sub.reg(R3, R2));
    e(jmp.jgt.imm(R3, FOLLOW_IDLE_NS, forget));
    e(mem.stx('dw', R0, 0, R1));
    e(mem.st('w', R7, REC.verdict - REC.data, 0));
    if (follow.ends) {
      followKey();
      e(call(HELPER_MAP_DELETE));
    }
    output();
    g.em.dead = true;
    place(g.em, forget);
    followKey();
    e(call(HELPER_MAP_DELETE));
    e(mov.imm(R0, 0));
    e(exit());
  } else {
    e(mov.imm(R0, 0));
    e(exit());
  }
  g.em.dead = true;
  place(g.em, 'skb_out');
  e(mov.imm(R0, 0));
  e(exit());
}
