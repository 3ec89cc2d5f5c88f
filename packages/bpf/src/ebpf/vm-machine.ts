// Memory and state of one eBPF VM run: regions, pointers, bounds-checked loads/stores, atomics.
// Invariants: a pointer is (REGION_TAG + region) << 32 | (BASE + offset); regions never move or
// grow during a run; every access goes through resolve(), which checks region, offset and length,
// so an unknown or out-of-bounds access raises VmError (turned into an error value by run()).
// ctx regions are special: pointer fields (data, data_end, data_meta) load as packet pointers,
// tracepoint bytes below ctxMinRead are unreadable, ctx writes are limited to SKB_WRITABLE fields.
import { SKB, SKB_WRITABLE, skbCtxBytes, type VmInput, XDP, xdpCtxBytes } from './vm-context.ts';
import type { VmMap } from './vm-maps.ts';

export type VmMemory = { readonly addr: bigint; readonly bytes: Uint8Array };

export type VmEnv = {
  readonly cpu?: number;
  readonly pid?: number;
  readonly tgid?: number;
  readonly uid?: number;
  readonly gid?: number;
  readonly numaNode?: number;
  /** Task comm (at most 15 bytes are used). */
  readonly comm?: string;
  /** bpf_ktime_get_ns and bpf_ktime_get_boot_ns. */
  readonly ktimeNs?: bigint;
  readonly prandom?: number;
  /** Memory bpf_probe_read_kernel(_str) can read (VM regions are readable too). */
  readonly kernelMemory?: readonly VmMemory[];
  /** Memory bpf_probe_read_user(_str) can read. */
  readonly userMemory?: readonly VmMemory[];
  /** Maps, found by name (Insn.map) or else by fd (the ld_imm64 value). */
  readonly maps?: readonly VmMap[];
};

export const REGION_TAG = 0xffff8800 | 0;
export const MAP_TAG = 0xffff9000 | 0;
export const MAX_REGIONS = 0x800;
export const BASE = 0x10000000;
export const STACK_SIZE = 512;
export const MAX_FRAMES = 8;
export const R_CTX = 0;
export const R_PKT = 1;

export const F_READ = 1;
export const F_WRITE = 2;
export const F_CTX = 4;

export const big = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

export class VmError {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}

/** The state of one run: memory regions, registers, capture buffers (module functions take it). */
export type Machine = {
  readonly env: VmEnv;
  readonly maps: readonly VmMap[];
  readonly printk: string[];
  readonly mem: Uint8Array[];
  readonly view: DataView[];
  readonly flags: number[];
  readonly ctxKind: VmInput['kind'];
  readonly packet: Uint8Array;
  readonly ctxMinRead: number;
  readonly valueRegions: Map<Uint8Array, number>;
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  /** Region found by the last resolve(). */
  at: number;
};

export function newMachine(input: VmInput, env: VmEnv): Machine {
  const packet =
    input.kind === 'skb' || input.kind === 'xdp' ? Uint8Array.from(input.packet) : new Uint8Array(0);
  const m: Machine = {
    env,
    maps: env.maps ?? [],
    printk: [],
    mem: [],
    view: [],
    flags: [],
    ctxKind: input.kind,
    packet,
    ctxMinRead: input.kind === 'tracepoint' ? 8 : 0,
    valueRegions: new Map(),
    lo: new Int32Array(11),
    hi: new Int32Array(11),
    at: 0,
  };
  if (input.kind === 'skb') {
    addRegion(m, skbCtxBytes(input), F_READ | F_WRITE | F_CTX);
    addRegion(m, packet, F_READ | F_WRITE);
  } else if (input.kind === 'xdp') {
    addRegion(m, xdpCtxBytes(input), F_READ | F_CTX);
    addRegion(m, packet, F_READ | F_WRITE);
  } else {
    addRegion(m, Uint8Array.from(input.kind === 'tracepoint' ? input.record : input.ctx), F_READ | F_CTX);
    addRegion(m, new Uint8Array(0), 0);
  }
  setPtr(m, 1, R_CTX, 0);
  setPtr(m, 10, stackRegion(m), STACK_SIZE);
  return m;
}

export function addRegion(m: Machine, bytes: Uint8Array, f: number): number {
  if (m.mem.length >= MAX_REGIONS) throw new VmError('too many memory regions');
  m.mem.push(bytes);
  m.view.push(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  m.flags.push(f);
  return m.mem.length - 1;
}

export function regionOf(m: Machine, bytes: Uint8Array): number {
  let k = m.valueRegions.get(bytes);
  if (k === undefined) {
    k = addRegion(m, bytes, F_READ | F_WRITE);
    m.valueRegions.set(bytes, k);
  }
  return k;
}

export function stackRegion(m: Machine): number {
  return addRegion(m, new Uint8Array(STACK_SIZE), F_READ | F_WRITE);
}

export function setPtr(m: Machine, r: number, region: number, off: number): void {
  m.lo[r] = (BASE + off) | 0;
  m.hi[r] = (REGION_TAG + region) | 0;
}

export function resolve(m: Machine, alo: number, ahi: number, n: number): number {
  const k = (ahi - REGION_TAG) | 0;
  if (k < 0 || k >= m.mem.length) return -1;
  const o = alo - BASE;
  if (o < 0 || o + n > m.mem[k]!.length) return -1;
  m.at = k;
  return o;
}

export function pointerField(m: Machine, o: number): number {
  if (m.ctxKind === 'skb') {
    if (o === SKB.data) return 0;
    if (o === SKB.data_end) return m.packet.length;
    if (o === SKB.data_meta) return 0;
    return -1;
  }
  if (m.ctxKind === 'xdp') {
    if (o === XDP.data || o === XDP.data_meta) return 0;
    if (o === XDP.data_end) return m.packet.length;
  }
  return -1;
}

export function load(m: Machine, rd: number, alo: number, ahi: number, n: number, signed: boolean): void {
  const o = resolve(m, alo, ahi, n);
  if (o < 0 || (m.flags[m.at]! & F_READ) === 0)
    throw new VmError(`invalid read of ${n} bytes at ${hex64(alo, ahi)}`);
  if ((m.flags[m.at]! & F_CTX) !== 0) {
    if (o < m.ctxMinRead)
      throw new VmError(`invalid ctx read at offset ${o} (bytes 0..${m.ctxMinRead - 1} unreadable)`);
    if (o % n !== 0) throw new VmError(`misaligned ctx read at offset ${o}`);
    const pf = pointerField(m, o);
    if (pf >= 0) {
      if (n !== 4) throw new VmError(`narrow read of ctx pointer field at offset ${o}`);
      setPtr(m, rd, R_PKT, pf);
      return;
    }
  }
  const v = m.view[m.at]!;
  switch (n) {
    case 1:
      m.lo[rd] = signed ? v.getInt8(o) : v.getUint8(o);
      break;
    case 2:
      m.lo[rd] = signed ? v.getInt16(o, true) : v.getUint16(o, true);
      break;
    case 4:
      m.lo[rd] = v.getInt32(o, true);
      m.hi[rd] = signed ? m.lo[rd]! >> 31 : 0;
      return;
    default:
      m.lo[rd] = v.getInt32(o, true);
      m.hi[rd] = v.getInt32(o + 4, true);
      return;
  }
  m.hi[rd] = signed ? m.lo[rd]! >> 31 : 0;
}

export function store(m: Machine, alo: number, ahi: number, n: number, vlo: number, vhi: number): void {
  const o = resolve(m, alo, ahi, n);
  if (o < 0 || (m.flags[m.at]! & F_WRITE) === 0)
    throw new VmError(`invalid write of ${n} bytes at ${hex64(alo, ahi)}`);
  if ((m.flags[m.at]! & F_CTX) !== 0) {
    if (!SKB_WRITABLE.some(([f, len]) => o >= f && o + n <= f + len)) {
      throw new VmError(`invalid ctx write at offset ${o}`);
    }
  }
  const v = m.view[m.at]!;
  switch (n) {
    case 1:
      v.setUint8(o, vlo & 0xff);
      break;
    case 2:
      v.setUint16(o, vlo & 0xffff, true);
      break;
    case 4:
      v.setInt32(o, vlo, true);
      break;
    default:
      v.setInt32(o, vlo, true);
      v.setInt32(o + 4, vhi, true);
  }
}

export function bytesAt(m: Machine, alo: number, ahi: number, n: number): Uint8Array | undefined {
  if (n < 0) return undefined;
  const o = resolve(m, alo, ahi, n);
  if (o < 0 || (m.flags[m.at]! & F_READ) === 0) return undefined;
  return m.mem[m.at]!.subarray(o, o + n);
}

export function writable(m: Machine, alo: number, ahi: number, n: number): Uint8Array | undefined {
  const o = resolve(m, alo, ahi, n);
  if (o < 0 || (m.flags[m.at]! & F_WRITE) === 0 || (m.flags[m.at]! & F_CTX) !== 0) return undefined;
  return m.mem[m.at]!.subarray(o, o + n);
}

export function atomicOp(m: Machine, d: number, s: number, a: number, op: number, nbytes: number): void {
  if (s > 10) throw new VmError(`bad register r${s}`);
  if (op === 0x110) {
    store(m, a, m.hi[d]!, nbytes, m.lo[s]!, m.hi[s]!);
    return;
  }
  if (nbytes !== 4 && nbytes !== 8) throw new VmError(`invalid atomic size ${nbytes}`);
  const o = resolve(m, a, m.hi[d]!, nbytes);
  if (o < 0 || (m.flags[m.at]! & F_WRITE) === 0 || (m.flags[m.at]! & F_CTX) !== 0) {
    throw new VmError(`invalid atomic access of ${nbytes} bytes at ${hex64(a, m.hi[d]!)}`);
  }
  const v = m.view[m.at]!;
  const oldLo = v.getInt32(o, true);
  const oldHi = nbytes === 8 ? v.getInt32(o + 4, true) : 0;
  const base = op & ~1;
  const fetch = (op & 1) === 1;
  let nlo: number;
  let nhi: number;
  const slo = m.lo[s]!;
  const shi = nbytes === 8 ? m.hi[s]! : 0;
  if (op === 0xe1) {
    nlo = slo;
    nhi = shi;
  } else if (op === 0xf1) {
    const r0lo = m.lo[0]!;
    const r0hi = nbytes === 8 ? m.hi[0]! : 0;
    const eq = r0lo === oldLo && r0hi === oldHi;
    m.lo[0] = oldLo;
    m.hi[0] = oldHi;
    if (eq) {
      v.setInt32(o, slo, true);
      if (nbytes === 8) v.setInt32(o + 4, shi, true);
    }
    return;
  } else if (base === 0x00) {
    const sum = (oldLo >>> 0) + (slo >>> 0);
    nlo = sum | 0;
    nhi = (oldHi + shi + (sum > 0xffffffff ? 1 : 0)) | 0;
  } else if (base === 0x40) {
    nlo = oldLo | slo;
    nhi = oldHi | shi;
  } else if (base === 0x50) {
    nlo = oldLo & slo;
    nhi = oldHi & shi;
  } else if (base === 0xa0) {
    nlo = oldLo ^ slo;
    nhi = oldHi ^ shi;
  } else throw new VmError(`invalid atomic operation 0x${op.toString(16)}`);
  v.setInt32(o, nlo, true);
  if (nbytes === 8) v.setInt32(o + 4, nhi, true);
  if (fetch || op === 0xe1) {
    m.lo[s] = oldLo;
    m.hi[s] = oldHi;
  }
}

export function hex64(lo: number, hi: number): string {
  return `0x${big(lo, hi).toString(16)}`;
}
