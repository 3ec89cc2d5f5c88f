// eBPF helper functions of the VM (ids from include/uapi/linux/bpf.h), over a Machine.
// Invariants: arguments are read from r1..r5 and the result written to r0 as the kernel's calling
// convention says; buffers are bounds-checked through the machine; a fault in probe reads is the
// kernel's -EFAULT with the destination zeroed; unsupported helpers raise VmError. Supported ids:
// 1-3 map lookup/update/delete, 4/112/113 probe_read(_user/_kernel), 45/114/115 probe_read(_user/
// _kernel)_str, 5/125 ktime, 6 trace_printk (captured), 7 prandom, 8 cpu, 14 pid_tgid, 15 uid_gid,
// 16 comm, 26 skb_load_bytes, 42 numa node.

import {
  BASE,
  big,
  bytesAt,
  MAP_TAG,
  type Machine,
  R_CTX,
  REGION_TAG,
  regionOf,
  setPtr,
  VmError,
  type VmMemory,
  writable,
} from './vm-machine.ts';
import { ERRNO, latin1, mapDelete, mapLookup, mapUpdate, type VmMap } from './vm-maps.ts';

export function mapOf(m: Machine, r: number): VmMap {
  const k = (m.hi[r]! - MAP_TAG) | 0;
  const mp = m.lo[r] === BASE && k >= 0 ? m.maps[k] : undefined;
  if (mp === undefined) throw new VmError(`r${r} is not a map pointer`);
  return mp;
}

export function probeRead(
  m: Machine,
  space: readonly VmMemory[] | undefined,
  alo: number,
  ahi: number,
  n: number,
  vm: boolean,
) {
  if (vm) {
    const b = bytesAt(m, alo, ahi, n);
    if (b !== undefined) return b;
  }
  const a = big(alo, ahi);
  for (const r of space ?? []) {
    if (a >= r.addr && a + BigInt(n) <= r.addr + BigInt(r.bytes.length)) {
      const o = Number(a - r.addr);
      return r.bytes.subarray(o, o + n);
    }
  }
  return undefined;
}

export function probeStr(
  m: Machine,
  space: readonly VmMemory[] | undefined,
  alo: number,
  ahi: number,
  max: number,
  vm: boolean,
) {
  const out: number[] = [];
  let plo = alo;
  let phi = ahi;
  while (out.length < max) {
    const b = probeRead(m, space, plo, phi, 1, vm);
    if (b === undefined) return undefined; // a fault anywhere is -EFAULT, as strncpy_from_kernel_nofault
    if (b[0] === 0) return out;
    out.push(b[0]!);
    const s = (plo >>> 0) + 1;
    plo = s | 0;
    if (s > 0xffffffff) phi = (phi + 1) | 0;
  }
  return out;
}

export function setR0(m: Machine, v: number | bigint): void {
  const b = BigInt.asUintN(64, BigInt(v));
  m.lo[0] = Number(BigInt.asIntN(32, b));
  m.hi[0] = Number(BigInt.asIntN(32, b >> 32n));
}

export function helper(m: Machine, id: number): void {
  switch (id) {
    case 1: {
      const mp = mapOf(m, 1);
      const key = bytesAt(m, m.lo[2]!, m.hi[2]!, mp.keySize);
      if (key === undefined) throw new VmError('map key is not readable');
      const value = mapLookup(mp, key);
      if (value === undefined) setR0(m, 0);
      else setPtr(m, 0, regionOf(m, value), 0);
      return;
    }
    case 2: {
      const mp = mapOf(m, 1);
      const key = bytesAt(m, m.lo[2]!, m.hi[2]!, mp.keySize);
      const value = bytesAt(m, m.lo[3]!, m.hi[3]!, mp.valueSize);
      if (key === undefined || value === undefined) throw new VmError('map key or value is not readable');
      setR0(m, mapUpdate(mp, Uint8Array.from(key), Uint8Array.from(value), m.lo[4]! >>> 0));
      return;
    }
    case 3: {
      const mp = mapOf(m, 1);
      const key = bytesAt(m, m.lo[2]!, m.hi[2]!, mp.keySize);
      if (key === undefined) throw new VmError('map key is not readable');
      setR0(m, mapDelete(mp, Uint8Array.from(key)));
      return;
    }
    case 4:
    case 112:
    case 113: {
      const n = m.lo[2]! >>> 0;
      const dst = writable(m, m.lo[1]!, m.hi[1]!, n);
      if (dst === undefined) throw new VmError('probe_read destination is not writable');
      const src = probeRead(
        m,
        id === 112 ? m.env.userMemory : m.env.kernelMemory,
        m.lo[3]!,
        m.hi[3]!,
        n,
        id !== 112,
      );
      if (src === undefined) {
        dst.fill(0);
        setR0(m, -ERRNO.EFAULT);
      } else {
        dst.set(src);
        setR0(m, 0);
      }
      return;
    }
    case 45:
    case 114:
    case 115: {
      const n = m.lo[2]! >>> 0;
      const dst = writable(m, m.lo[1]!, m.hi[1]!, n);
      if (dst === undefined) throw new VmError('probe_read_str destination is not writable');
      if (n === 0) {
        setR0(m, 0);
        return;
      }
      const s = probeStr(
        m,
        id === 114 ? m.env.userMemory : m.env.kernelMemory,
        m.lo[3]!,
        m.hi[3]!,
        n - 1,
        id !== 114,
      );
      if (s === undefined) {
        dst.fill(0);
        setR0(m, -ERRNO.EFAULT);
      } else {
        dst.set(s);
        dst[s.length] = 0;
        setR0(m, s.length + 1);
      }
      return;
    }
    case 5:
      setR0(m, m.env.ktimeNs ?? 0n);
      return;
    case 6:
      setR0(m, tracePrintk(m));
      return;
    case 7:
      setR0(m, (m.env.prandom ?? 0) >>> 0);
      return;
    case 8:
      setR0(m, m.env.cpu ?? 0);
      return;
    case 14:
      setR0(m, (BigInt((m.env.tgid ?? 0) >>> 0) << 32n) | BigInt((m.env.pid ?? 0) >>> 0));
      return;
    case 15:
      setR0(m, (BigInt((m.env.gid ?? 0) >>> 0) << 32n) | BigInt((m.env.uid ?? 0) >>> 0));
      return;
    case 42:
      setR0(m, m.env.numaNode ?? 0);
      return;
    case 125:
      setR0(m, m.env.ktimeNs ?? 0n);
      return;
    case 16: {
      const n = m.lo[2]! >>> 0;
      const dst = writable(m, m.lo[1]!, m.hi[1]!, n);
      if (dst === undefined) throw new VmError('get_current_comm buffer is not writable');
      dst.fill(0);
      const comm = new TextEncoder().encode(m.env.comm ?? '').subarray(0, 15);
      if (n > 0) dst.set(comm.subarray(0, n - 1));
      setR0(m, 0);
      return;
    }
    case 26: {
      if (m.ctxKind !== 'skb' || m.lo[1] !== BASE || m.hi[1] !== ((REGION_TAG + R_CTX) | 0)) {
        throw new VmError('skb_load_bytes needs the skb ctx in r1');
      }
      const off = m.lo[2]! >>> 0;
      const n = m.lo[4]! >>> 0;
      const dst = writable(m, m.lo[3]!, m.hi[3]!, n);
      if (dst === undefined || n === 0) throw new VmError('skb_load_bytes destination is not writable');
      if (off > 0x7fffffff || off + n > m.packet.length) {
        dst.fill(0);
        setR0(m, -ERRNO.EFAULT);
      } else {
        dst.set(m.packet.subarray(off, off + n));
        setR0(m, 0);
      }
      return;
    }
    default:
      throw new VmError(`unsupported helper #${id}`);
  }
}

export function tracePrintk(m: Machine): number {
  const size = m.lo[2]! >>> 0;
  const fmtBytes = bytesAt(m, m.lo[1]!, m.hi[1]!, size);
  if (fmtBytes === undefined) throw new VmError('trace_printk format is not readable');
  let end = fmtBytes.indexOf(0);
  if (end < 0) throw new VmError('trace_printk format is not NUL-terminated');
  if (end > size) end = size;
  const fmt = latin1(fmtBytes.subarray(0, end));
  let arg = 3;
  let out = '';
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    let j = i + 1;
    if (fmt[j] === '%') {
      out += '%';
      i = j;
      continue;
    }
    let longs = 0;
    while (fmt[j] === 'l') {
      longs++;
      j++;
    }
    const conv = fmt[j];
    if (arg > 5) throw new VmError('trace_printk takes at most 3 arguments');
    const alo = m.lo[arg]!;
    const ahi = m.hi[arg]!;
    arg++;
    const v64 = big(alo, ahi);
    switch (conv) {
      case 'd':
      case 'i':
        out += longs > 0 ? BigInt.asIntN(64, v64).toString() : String(alo | 0);
        break;
      case 'u':
        out += longs > 0 ? v64.toString() : String(alo >>> 0);
        break;
      case 'x':
        out += longs > 0 ? v64.toString(16) : (alo >>> 0).toString(16);
        break;
      case 'c':
        out += String.fromCharCode(alo & 0xff);
        break;
      case 'p':
        out += `0x${v64.toString(16)}`;
        break;
      case 's': {
        const s = probeStr(m, m.env.kernelMemory, alo, ahi, 4096, true);
        out += s === undefined ? '(efault)' : latin1(s);
        break;
      }
      default:
        throw new VmError(`trace_printk: unsupported conversion '%${'l'.repeat(longs)}${conv ?? ''}'`);
    }
    i = j;
  }
  m.printk.push(out);
  return out.length;
}
