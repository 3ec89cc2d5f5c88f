// Classic-BPF virtual machine with two semantics: the Linux kernel's ('kernel', default) and libpcap 1.10.3's
// userland bpf_filter ('libpcap'). Programs are precompiled into typed arrays (an internal opcode per
// instruction, with the semantic choices already made) and run by one switch loop; nothing is allocated per
// packet except the 16-word scratch memory's reset.
//
// Kernel semantics (net/core/filter.c, classic programs as converted by bpf_convert_filter):
// - The program must pass `validate` (bpf_check_classic); otherwise run() returns an error and compileVm throws.
// - A = X = 0 at entry; M[0..15] zeroed (the kernel instead proves every M[i] is written before read).
// - ld/ldh/ldb [k], [x+k], ldxb 4*([k]&0xf): the offset is a signed 32-bit int ((X + k) wraps mod 2^32). A
//   non-negative offset must satisfy offset + size <= packet length; a negative offset goes through
//   bpf_internal_load_pointer_neg_helper: k >= SKF_NET_OFF reads at ctx.netOffset + (k - SKF_NET_OFF),
//   k >= SKF_LL_OFF reads at ctx.macOffset (default 0: the packet starts at the link-layer header) +
//   (k - SKF_LL_OFF), anything else fails. A failed load ends the program with return value 0. Without
//   ctx.netOffset, SKF_NET_OFF loads fail; with a negative ctx.macOffset, SKF_LL_OFF loads fail. (An AF_UNIX
//   datagram socket, checked here with SO_ATTACH_FILTER, behaves as { netOffset: 0, macOffset: -1 }.)
// - Ancillary loads (k = SKF_AD_OFF + SKF_AD_*, any size) give full 32-bit values from ctx (default 0):
//   protocol (host order, & 0xffff), pkttype (& 7), ifindex, mark, queue (& 0xffff), hatype (& 0xffff),
//   rxhash, cpu, vlan_tag (vlan_tci & 0xffff), vlan_tag_present (0/1), vlan_tpid, pay_offset, random; with
//   ctx.noDevice, ifindex and hatype end the program returning A (the converted code exits when skb->dev is NULL);
//   alu_xor_x gives A ^ X; nlattr / nlattr_nest search netlink attributes in the packet at offset A for type X
//   (__skb_get_nlattr / __skb_get_nlattr_nest) and give the attribute's offset or 0.
// - div/mod by X == 0 returns 0 (bpf_convert_filter inserts "if X == 0 return 0"). Shifts by X use X & 31
//   (eBPF ALU32 shift semantics; constant shifts >= 32 are rejected by the checker). All ALU ops are u32.
// - ld #len / ldx #len give the packet length.
//
// libpcap semantics (libpcap 1.10.3 bpf_filter, as installed here; checked against it through a C harness):
// - No validation; no ancillary data: every SKF_AD_OFF load is an out-of-range absolute load and returns 0,
//   except `ldb [vlan_tci]` / `ldb [vlanp]`, which read aux data: ctx.vlanTci / ctx.vlanPresent when either is
//   given, else return 0. SKF_NET_OFF / SKF_LL_OFF loads are out of range (return 0).
// - [x+k] returns 0 when X + k overflows 32 bits or passes the end (no wrap-around, unlike the kernel).
// - lsh/rsh by X >= 32 give A = 0; by constant k use k & 31 (x86 behaviour of libpcap's unchecked C shift).
// - div/mod by X == 0 returns 0; div/mod by constant 0 crashes libpcap (SIGFPE): reported as an error.
// - ldx #len is supported; ld/ldx M[k] / st / stx with k >= 16 return 0.
// - ja sign-extends k (backward jumps, used by `ip6 protochain`), bounded only by fuel. Opcodes libpcap does not
//   know (including ret x), jumps past the end and falling off the end abort libpcap: reported as errors.
// Fuel: every executed instruction costs 1; exhausting the fuel (default 1,000,000) is an error.
// compileVm's function returns the u32 result, or -1 where run() would report a runtime error.
import type { RawInsn } from './insn.ts';
import { fromRaw } from './insn.ts';
import { BPF_MEMWORDS, SKF_AD_OFF, SKF_LL_OFF, SKF_NET_OFF } from './opcodes.ts';
import { validate } from './validate.ts';

export interface VmContext {
  readonly protocol?: number;
  readonly pkttype?: number;
  readonly ifindex?: number;
  readonly mark?: number;
  readonly vlanTci?: number;
  readonly vlanPresent?: boolean;
  readonly hatype?: number;
  readonly rxhash?: number;
  readonly cpu?: number;
  readonly queue?: number;
  readonly netOffset?: number;
  /** No network device (skb->dev == NULL, e.g. AF_UNIX): ifindex / hatype loads end the program returning A. */
  readonly noDevice?: boolean;
  /** Link-layer header offset for SKF_LL_OFF loads: default 0 (packet sockets); negative = not set (unix sockets). */
  readonly macOffset?: number;
  readonly vlanTpid?: number;
  readonly payOffset?: number;
  readonly random?: number;
}

export type Semantics = 'kernel' | 'libpcap';

export interface VmOptions {
  readonly semantics?: Semantics;
  readonly ctx?: VmContext;
  readonly fuel?: number;
}

export interface TraceStep {
  readonly pc: number;
  readonly a: number;
  readonly x: number;
}

export type RunResult =
  | { result: number; steps: number; trace?: readonly TraceStep[] }
  | { error: string; steps?: number };

export const DEFAULT_FUEL = 1_000_000;

// Internal opcodes (the precompiled form).
const O = {
  retK: 0,
  retA: 1,
  ldAbsW: 2,
  ldAbsH: 3,
  ldAbsB: 4,
  ldIndW: 5,
  ldIndH: 6,
  ldIndB: 7,
  ldNegW: 8,
  ldNegH: 9,
  ldNegB: 10,
  ldLen: 11,
  ldxLen: 12,
  ldImm: 13,
  ldxImm: 14,
  ldMem: 15,
  ldxMem: 16,
  st: 17,
  stx: 18,
  ldxMsh: 19,
  ja: 20,
  jeqK: 21,
  jgtK: 22,
  jgeK: 23,
  jsetK: 24,
  jeqX: 25,
  jgtX: 26,
  jgeX: 27,
  jsetX: 28,
  addK: 29,
  subK: 30,
  mulK: 31,
  divK: 32,
  modK: 33,
  andK: 34,
  orK: 35,
  xorK: 36,
  lshK: 37,
  rshK: 38,
  addX: 39,
  subX: 40,
  mulX: 41,
  divX: 42,
  modX: 43,
  andX: 44,
  orX: 45,
  xorX: 46,
  lshX: 47,
  rshX: 48,
  neg: 49,
  tax: 50,
  txa: 51,
  anc: 52,
  fail0: 53, // return 0 (load that can never succeed)
  abort: 54, // runtime error (libpcap undefined behaviour)
  lshXPcap: 55,
  rshXPcap: 56,
  ldIndWPcap: 57,
  ldIndHPcap: 58,
  ldIndBPcap: 59,
  ldxMshNeg: 60,
  memOob: 61, // libpcap: M[k] with k >= 16 returns 0
} as const;

// Ancillary selectors stored in k for O.anc.
const A = {
  protocol: 0,
  pkttype: 4,
  ifindex: 8,
  nlattr: 12,
  nlattrNest: 16,
  mark: 20,
  queue: 24,
  hatype: 28,
  rxhash: 32,
  cpu: 36,
  xorX: 40,
  vlanTag: 44,
  vlanPresent: 48,
  payOffset: 52,
  random: 56,
  vlanTpid: 60,
  pcapVlanTag: 100,
  pcapVlanPresent: 101,
} as const;

interface Compiled {
  readonly n: number;
  readonly ops: Uint8Array;
  readonly ks: Uint32Array;
  readonly jts: Int32Array; // absolute targets; -1 = abort (out of range)
  readonly jfs: Int32Array;
  readonly errors: readonly string[]; // per abort site, indexed through ks
}

function sizeOf(code: number): 1 | 2 | 4 {
  const s = code & 0x18;
  return s === 0x10 ? 1 : s === 0x08 ? 2 : 4;
}

function compile(p: readonly RawInsn[], semantics: Semantics): Compiled {
  const n = p.length;
  const ops = new Uint8Array(n);
  const ks = new Uint32Array(n);
  const jts = new Int32Array(n);
  const jfs = new Int32Array(n);
  const errors: string[] = [];
  const pcap = semantics === 'libpcap';
  const target = (t: number) => (t >= 0 && t < n ? t : -1);
  for (let pc = 0; pc < n; pc++) {
    const r = p[pc]!;
    const k = r.k >>> 0;
    ks[pc] = k;
    const i = fromRaw(r);
    const abort = (why: string) => {
      ops[pc] = O.abort;
      ks[pc] = errors.length;
      errors.push(`instruction ${pc}: ${why}`);
    };
    const size = sizeOf(r.code);
    switch (i.kind) {
      case 'invalid':
        abort(`opcode 0x${(r.code >>> 0).toString(16)} is not implemented`);
        break;
      case 'ld_abs':
      case 'ld_anc': {
        if (k < 0x80000000) {
          ops[pc] = size === 4 ? O.ldAbsW : size === 2 ? O.ldAbsH : O.ldAbsB;
        } else if (pcap) {
          if (i.kind === 'ld_anc' && size === 1 && i.ext === 'vlan_tag') {
            ops[pc] = O.anc;
            ks[pc] = A.pcapVlanTag;
          } else if (i.kind === 'ld_anc' && size === 1 && i.ext === 'vlan_tag_present') {
            ops[pc] = O.anc;
            ks[pc] = A.pcapVlanPresent;
          } else ops[pc] = O.fail0;
        } else if (k >= SKF_AD_OFF) {
          ops[pc] = O.anc;
          ks[pc] = k - SKF_AD_OFF;
        } else {
          ops[pc] = size === 4 ? O.ldNegW : size === 2 ? O.ldNegH : O.ldNegB;
        }
        break;
      }
      case 'ld_ind':
        if (pcap) ops[pc] = size === 4 ? O.ldIndWPcap : size === 2 ? O.ldIndHPcap : O.ldIndBPcap;
        else ops[pc] = size === 4 ? O.ldIndW : size === 2 ? O.ldIndH : O.ldIndB;
        break;
      case 'ld_len':
        ops[pc] = O.ldLen;
        break;
      case 'ldx_len':
        ops[pc] = O.ldxLen;
        break;
      case 'ld_imm':
        ops[pc] = O.ldImm;
        break;
      case 'ldx_imm':
        ops[pc] = O.ldxImm;
        break;
      case 'ld_mem':
        ops[pc] = k < BPF_MEMWORDS ? O.ldMem : O.memOob;
        break;
      case 'ldx_mem':
        ops[pc] = k < BPF_MEMWORDS ? O.ldxMem : O.memOob;
        break;
      case 'st':
        ops[pc] = k < BPF_MEMWORDS ? O.st : O.memOob;
        break;
      case 'stx':
        ops[pc] = k < BPF_MEMWORDS ? O.stx : O.memOob;
        break;
      case 'ldx_msh':
        if (k < 0x80000000) ops[pc] = O.ldxMsh;
        else ops[pc] = pcap ? O.fail0 : O.ldxMshNeg;
        break;
      case 'ja': {
        ops[pc] = O.ja;
        // libpcap sign-extends k; the kernel's checker only admits forward jumps in range.
        const t = pc + 1 + (k | 0);
        jts[pc] = target(t);
        if (pcap && (k | 0) === -1) abort('ja -1 loops forever');
        break;
      }
      case 'jmp_k':
      case 'jmp_x': {
        const base = i.kind === 'jmp_k' ? O.jeqK : O.jeqX;
        const off = i.cond === 'jeq' ? 0 : i.cond === 'jgt' ? 1 : i.cond === 'jge' ? 2 : 3;
        ops[pc] = base + off;
        jts[pc] = target(pc + 1 + r.jt);
        jfs[pc] = target(pc + 1 + r.jf);
        break;
      }
      case 'alu_k': {
        const idx = ['add', 'sub', 'mul', 'div', 'mod', 'and', 'or', 'xor', 'lsh', 'rsh'].indexOf(i.op);
        ops[pc] = O.addK + idx;
        if ((i.op === 'div' || i.op === 'mod') && k === 0) abort(`${i.op} by constant 0 (SIGFPE in libpcap)`);
        if ((i.op === 'lsh' || i.op === 'rsh') && pcap) ks[pc] = k & 31;
        break;
      }
      case 'alu_x': {
        const idx = ['add', 'sub', 'mul', 'div', 'mod', 'and', 'or', 'xor', 'lsh', 'rsh'].indexOf(i.op);
        ops[pc] = O.addX + idx;
        if (pcap && i.op === 'lsh') ops[pc] = O.lshXPcap;
        if (pcap && i.op === 'rsh') ops[pc] = O.rshXPcap;
        break;
      }
      case 'neg':
        ops[pc] = O.neg;
        break;
      case 'ret_k':
        ops[pc] = O.retK;
        break;
      case 'ret_a':
        ops[pc] = O.retA;
        break;
      case 'tax':
        ops[pc] = O.tax;
        break;
      case 'txa':
        ops[pc] = O.txa;
        break;
    }
  }
  return { n, ops, ks, jts, jfs, errors };
}

/** Signals from the inner loop (negative numbers never collide with u32 results). */
const ABORT = -1;
const FUEL = -2;
const OFF_END = -3;
const BAD_JUMP = -4;

interface Machine {
  steps: number;
  abortIndex: number;
  readonly mem: Uint32Array;
  trace: TraceStep[] | undefined;
}

function load(pkt: Uint8Array, off: number, size: 1 | 2 | 4): number {
  // off >= 0 and off + size <= pkt.length checked by the caller
  if (size === 1) return pkt[off]!;
  if (size === 2) return (pkt[off]! << 8) | pkt[off + 1]!;
  return ((pkt[off]! << 24) | (pkt[off + 1]! << 16) | (pkt[off + 2]! << 8) | pkt[off + 3]!) >>> 0;
}

/** bpf_internal_load_pointer_neg_helper: resolve a negative offset to a packet index, or -1. */
function negOffset(k: number, size: number, len: number, ctx: VmContext): number {
  let o: number;
  if (k >= SKF_NET_OFF) {
    if (ctx.netOffset === undefined) return -1;
    o = ctx.netOffset + (k - SKF_NET_OFF);
  } else if (k >= SKF_LL_OFF) {
    const mac = ctx.macOffset ?? 0;
    if (mac < 0) return -1;
    o = mac + (k - SKF_LL_OFF);
  } else return -1;
  return o >= 0 && o + size <= len ? o : -1;
}

function nlaFind(pkt: Uint8Array, start: number, rem: number, type: number): number {
  // nla_for_each_attr + nla_ok + nla_next (lib/nlattr.c); nlattr = { u16 nla_len; u16 nla_type } host-endian.
  let pos = start;
  while (rem >= 4) {
    const nlaLen = pkt[pos]! | (pkt[pos + 1]! << 8);
    const nlaType = (pkt[pos + 2]! | (pkt[pos + 3]! << 8)) & 0x3fff;
    if (nlaLen < 4 || nlaLen > rem) return -1;
    if (nlaType === type) return pos;
    const tot = (nlaLen + 3) & ~3;
    rem -= tot;
    pos += tot;
  }
  return -1;
}

function ancillary(sel: number, a: number, x: number, pkt: Uint8Array, ctx: VmContext): number {
  switch (sel) {
    case A.protocol:
      return (ctx.protocol ?? 0) & 0xffff;
    case A.pkttype:
      return (ctx.pkttype ?? 0) & 7;
    case A.ifindex:
      return (ctx.ifindex ?? 0) >>> 0;
    case A.mark:
      return (ctx.mark ?? 0) >>> 0;
    case A.queue:
      return (ctx.queue ?? 0) & 0xffff;
    case A.hatype:
      return (ctx.hatype ?? 0) & 0xffff;
    case A.rxhash:
      return (ctx.rxhash ?? 0) >>> 0;
    case A.cpu:
      return (ctx.cpu ?? 0) >>> 0;
    case A.xorX:
      return (a ^ x) >>> 0;
    case A.vlanTag:
      return (ctx.vlanTci ?? 0) & 0xffff;
    case A.vlanPresent:
      return ctx.vlanPresent === true ? 1 : 0;
    case A.vlanTpid:
      return (ctx.vlanTpid ?? 0) & 0xffff;
    case A.payOffset:
      return (ctx.payOffset ?? 0) >>> 0;
    case A.random:
      return (ctx.random ?? 0) >>> 0;
    case A.nlattr:
    case A.nlattrNest: {
      const len = pkt.length;
      // __skb_get_nlattr{,_nest}: skb->len < sizeof(nlattr) or A > len - sizeof(nlattr) -> 0
      if (len < 4 || a > len - 4) return 0;
      const type = x | 0;
      if (sel === A.nlattr) {
        const at = nlaFind(pkt, a, len - a, type);
        return Math.max(at, 0);
      }
      const outerLen = pkt[a]! | (pkt[a + 1]! << 8);
      if (outerLen > len - a) return 0;
      const at = nlaFind(pkt, a + 4, outerLen - 4, type);
      return Math.max(at, 0);
    }
    default:
      return 0;
  }
}

function exec(c: Compiled, pkt: Uint8Array, ctx: VmContext, fuel: number, m: Machine): number {
  const { ops, ks, jts, jfs } = c;
  const n = c.n;
  const mem = m.mem;
  const len = pkt.length;
  mem.fill(0);
  let a = 0;
  let x = 0;
  let pc = 0;
  let steps = 0;
  const trace = m.trace;
  for (;;) {
    if (pc >= n) {
      m.steps = steps;
      return OFF_END;
    }
    if (steps >= fuel) {
      m.steps = steps;
      return FUEL;
    }
    steps++;
    if (trace !== undefined) trace.push({ pc, a, x });
    const k = ks[pc]!;
    switch (ops[pc]) {
      case O.retK:
        m.steps = steps;
        return k;
      case O.retA:
        m.steps = steps;
        return a;
      case O.ldAbsW:
        if (k + 4 > len) {
          m.steps = steps;
          return 0;
        }
        a = ((pkt[k]! << 24) | (pkt[k + 1]! << 16) | (pkt[k + 2]! << 8) | pkt[k + 3]!) >>> 0;
        break;
      case O.ldAbsH:
        if (k + 2 > len) {
          m.steps = steps;
          return 0;
        }
        a = (pkt[k]! << 8) | pkt[k + 1]!;
        break;
      case O.ldAbsB:
        if (k >= len) {
          m.steps = steps;
          return 0;
        }
        a = pkt[k]!;
        break;
      case O.ldIndW:
      case O.ldIndH:
      case O.ldIndB: {
        const size = ops[pc] === O.ldIndW ? 4 : ops[pc] === O.ldIndH ? 2 : 1;
        const off = (x + k) | 0;
        const o = off >= 0 ? (off + size <= len ? off : -1) : negOffset(off >>> 0, size, len, ctx);
        if (o < 0) {
          m.steps = steps;
          return 0;
        }
        a = load(pkt, o, size);
        break;
      }
      case O.ldIndWPcap:
      case O.ldIndHPcap:
      case O.ldIndBPcap: {
        const size = ops[pc] === O.ldIndWPcap ? 4 : ops[pc] === O.ldIndHPcap ? 2 : 1;
        const off = x + k; // exact (no wrap): X and k are both < 2^32
        if (off + size > len) {
          m.steps = steps;
          return 0;
        }
        a = load(pkt, off, size);
        break;
      }
      case O.ldNegW:
      case O.ldNegH:
      case O.ldNegB: {
        const size = ops[pc] === O.ldNegW ? 4 : ops[pc] === O.ldNegH ? 2 : 1;
        const o = negOffset(k, size, len, ctx);
        if (o < 0) {
          m.steps = steps;
          return 0;
        }
        a = load(pkt, o, size);
        break;
      }
      case O.ldLen:
        a = len;
        break;
      case O.ldxLen:
        x = len;
        break;
      case O.ldImm:
        a = k;
        break;
      case O.ldxImm:
        x = k;
        break;
      case O.ldMem:
        a = mem[k]!;
        break;
      case O.ldxMem:
        x = mem[k]!;
        break;
      case O.st:
        mem[k] = a;
        break;
      case O.stx:
        mem[k] = x;
        break;
      case O.memOob:
        m.steps = steps;
        return 0;
      case O.ldxMsh:
        if (k >= len) {
          m.steps = steps;
          return 0;
        }
        x = (pkt[k]! & 0xf) << 2;
        break;
      case O.ldxMshNeg: {
        const o = negOffset(k, 1, len, ctx);
        if (o < 0) {
          m.steps = steps;
          return 0;
        }
        x = (pkt[o]! & 0xf) << 2;
        break;
      }
      case O.ja: {
        const t = jts[pc]!;
        if (t < 0) {
          m.steps = steps;
          m.abortIndex = pc;
          return BAD_JUMP;
        }
        pc = t;
        continue;
      }
      case O.jeqK:
        pc = a === k ? jts[pc]! : jfs[pc]!;
        if (pc < 0) return badJump(m, steps);
        continue;
      case O.jgtK:
        pc = a > k ? jts[pc]! : jfs[pc]!;
        if (pc < 0) return badJump(m, steps);
        continue;
      case O.jgeK:
        pc = a >= k ? jts[pc]! : jfs[pc]!;
        if (pc < 0) return badJump(m, steps);
        continue;
      case O.jsetK:
        pc = (a & k) !== 0 ? jts[pc]! : jfs[pc]!;
        if (pc < 0) return badJump(m, steps);
        continue;
      case O.jeqX:
        pc = a === x ? jts[pc]! : jfs[pc]!;
        if (pc < 0) return badJump(m, steps);
        continue;
      case O.jgtX:
        pc = a > x ? jts[pc]! : jfs[pc]!;
        if (pc < 0) return badJump(m, steps);
        continue;
      case O.jgeX:
        pc = a >= x ? jts[pc]! : jfs[pc]!;
        if (pc < 0) return badJump(m, steps);
        continue;
      case O.jsetX:
        pc = (a & x) !== 0 ? jts[pc]! : jfs[pc]!;
        if (pc < 0) return badJump(m, steps);
        continue;
      case O.addK:
        a = (a + k) >>> 0;
        break;
      case O.subK:
        a = (a - k) >>> 0;
        break;
      case O.mulK:
        a = Math.imul(a, k) >>> 0;
        break;
      case O.divK:
        a = Math.floor(a / k) >>> 0;
        break;
      case O.modK:
        a = (a % k) >>> 0;
        break;
      case O.andK:
        a = (a & k) >>> 0;
        break;
      case O.orK:
        a = (a | k) >>> 0;
        break;
      case O.xorK:
        a = (a ^ k) >>> 0;
        break;
      case O.lshK:
        a = (a << k) >>> 0;
        break;
      case O.rshK:
        a = a >>> k;
        break;
      case O.addX:
        a = (a + x) >>> 0;
        break;
      case O.subX:
        a = (a - x) >>> 0;
        break;
      case O.mulX:
        a = Math.imul(a, x) >>> 0;
        break;
      case O.divX:
        if (x === 0) {
          m.steps = steps;
          return 0;
        }
        a = Math.floor(a / x) >>> 0;
        break;
      case O.modX:
        if (x === 0) {
          m.steps = steps;
          return 0;
        }
        a = (a % x) >>> 0;
        break;
      case O.andX:
        a = (a & x) >>> 0;
        break;
      case O.orX:
        a = (a | x) >>> 0;
        break;
      case O.xorX:
        a = (a ^ x) >>> 0;
        break;
      case O.lshX:
        a = (a << (x & 31)) >>> 0;
        break;
      case O.rshX:
        a = a >>> (x & 31);
        break;
      case O.lshXPcap:
        a = x < 32 ? (a << x) >>> 0 : 0;
        break;
      case O.rshXPcap:
        a = x < 32 ? a >>> x : 0;
        break;
      case O.neg:
        a = -a >>> 0;
        break;
      case O.tax:
        x = a;
        break;
      case O.txa:
        a = x;
        break;
      case O.anc:
        if (k === A.pcapVlanTag || k === A.pcapVlanPresent) {
          if (ctx.vlanTci === undefined && ctx.vlanPresent === undefined) {
            m.steps = steps;
            return 0;
          }
          a = k === A.pcapVlanTag ? (ctx.vlanTci ?? 0) & 0xffff : ctx.vlanPresent === true ? 1 : 0;
        } else if ((k === A.ifindex || k === A.hatype) && ctx.noDevice === true) {
          // convert_bpf_extensions: "if (skb->dev == NULL) exit" with R0 = A
          m.steps = steps;
          return a;
        } else a = ancillary(k, a, x, pkt, ctx);
        break;
      case O.fail0:
        m.steps = steps;
        return 0;
      default:
        // O.abort
        m.steps = steps;
        m.abortIndex = k;
        return ABORT;
    }
    pc++;
  }
}

function badJump(m: Machine, steps: number): number {
  m.steps = steps;
  return BAD_JUMP;
}

const EMPTY_CTX: VmContext = {};

function staticError(p: readonly RawInsn[], semantics: Semantics): string | undefined {
  if (semantics === 'kernel') {
    const d = validate(p);
    if (d.length > 0) {
      const first = d[0]!;
      return `the kernel rejects this program: ${first.index >= 0 ? `instruction ${first.index}: ` : ''}${first.message}`;
    }
  } else if (p.length === 0) {
    return 'empty program';
  }
  return undefined;
}

function describe(code: number, c: Compiled, m: Machine, fuel: number): string {
  switch (code) {
    case FUEL:
      return `fuel exhausted after ${fuel} steps`;
    case OFF_END:
      return 'execution fell off the end of the program';
    case BAD_JUMP:
      return 'jump target outside the program';
    default:
      return c.errors[m.abortIndex] ?? 'aborted';
  }
}

/** Run `p` on one packet. Errors (rejected program, libpcap undefined behaviour, fuel) are values. */
export function run(
  p: readonly RawInsn[],
  packet: Uint8Array,
  opts?: VmOptions & { readonly trace?: boolean },
): RunResult {
  const semantics = opts?.semantics ?? 'kernel';
  const err = staticError(p, semantics);
  if (err !== undefined) return { error: err };
  const c = compile(p, semantics);
  const fuel = opts?.fuel ?? DEFAULT_FUEL;
  const m: Machine = {
    steps: 0,
    abortIndex: 0,
    mem: new Uint32Array(BPF_MEMWORDS),
    trace: opts?.trace === true ? [] : undefined,
  };
  const r = exec(c, packet, opts?.ctx ?? EMPTY_CTX, fuel, m);
  if (r < 0) return { error: describe(r, c, m, fuel), steps: m.steps };
  return m.trace !== undefined
    ? { result: r, steps: m.steps, trace: m.trace }
    : { result: r, steps: m.steps };
}

/**
 * Precompile `p` once and return a fast per-packet function (u32 result, or -1 on a runtime error).
 * Throws an Error (message only) when run() would refuse the program statically; use `tryCompileVm` to get the
 * refusal as a value.
 */
export function compileVm(p: readonly RawInsn[], opts?: VmOptions): (packet: Uint8Array) => number {
  const r = tryCompileVm(p, opts);
  if (!r.ok) throw new Error(r.error);
  return r.fn;
}

export function tryCompileVm(
  p: readonly RawInsn[],
  opts?: VmOptions,
): { ok: true; fn: (packet: Uint8Array) => number } | { ok: false; error: string } {
  const semantics = opts?.semantics ?? 'kernel';
  const err = staticError(p, semantics);
  if (err !== undefined) return { ok: false, error: err };
  const c = compile(p, semantics);
  const ctx = opts?.ctx ?? EMPTY_CTX;
  const fuel = opts?.fuel ?? DEFAULT_FUEL;
  const m: Machine = { steps: 0, abortIndex: 0, mem: new Uint32Array(BPF_MEMWORDS), trace: undefined };
  return {
    ok: true,
    fn: (packet: Uint8Array) => {
      const r = exec(c, packet, ctx, fuel, m);
      return r < 0 ? -1 : r;
    },
  };
}
