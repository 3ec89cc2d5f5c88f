// Arithmetic of the eBPF VM on (lo, hi) int32 register pairs: ALU64, ALU32, byte swaps, compares.
// Invariants: pure functions of their arguments plus the register arrays they write; 32-bit results
// are zero-extended; shifts are masked; division by zero gives 0 and modulo by zero keeps dst;
// sdiv by -1 negates and smod by -1 gives 0 (the kernel verifier's rewrite of those cases).
import { big, VmError } from './vm-machine.ts';

export function alu64(
  lo: Int32Array,
  hi: Int32Array,
  op: number,
  d: number,
  blo: number,
  bhi: number,
  o: number,
  immv: number,
): void {
  const alo = lo[d]!;
  const ahi = hi[d]!;
  switch (op) {
    case 0x00: {
      const s = (alo >>> 0) + (blo >>> 0);
      lo[d] = s | 0;
      hi[d] = (ahi + bhi + (s > 0xffffffff ? 1 : 0)) | 0;
      return;
    }
    case 0x10: {
      const s = (alo >>> 0) - (blo >>> 0);
      lo[d] = s | 0;
      hi[d] = (ahi - bhi - (s < 0 ? 1 : 0)) | 0;
      return;
    }
    case 0x20:
      set64(lo, hi, d, BigInt.asUintN(64, big(alo, ahi) * big(blo, bhi)));
      return;
    case 0x30:
    case 0x90: {
      const a = big(alo, ahi);
      const b = big(blo, bhi);
      if (o === 1) {
        const sa = BigInt.asIntN(64, a);
        const sb = BigInt.asIntN(64, b);
        if (sb === 0n) set64(lo, hi, d, op === 0x30 ? 0n : a);
        else if (sb === -1n) set64(lo, hi, d, op === 0x30 ? BigInt.asUintN(64, -sa) : 0n);
        else set64(lo, hi, d, BigInt.asUintN(64, op === 0x30 ? sa / sb : sa % sb));
      } else if (o === 0) {
        if (b === 0n) set64(lo, hi, d, op === 0x30 ? 0n : a);
        else set64(lo, hi, d, op === 0x30 ? a / b : a % b);
      } else throw new VmError(`invalid offset ${o} for div/mod`);
      return;
    }
    case 0x40:
      lo[d] = alo | blo;
      hi[d] = ahi | bhi;
      return;
    case 0x50:
      lo[d] = alo & blo;
      hi[d] = ahi & bhi;
      return;
    case 0xa0:
      lo[d] = alo ^ blo;
      hi[d] = ahi ^ bhi;
      return;
    case 0x60: {
      const sh = blo & 63;
      if (sh === 0) return;
      if (sh < 32) {
        hi[d] = (ahi << sh) | (alo >>> (32 - sh));
        lo[d] = alo << sh;
      } else {
        hi[d] = alo << (sh - 32);
        lo[d] = 0;
      }
      return;
    }
    case 0x70: {
      const sh = blo & 63;
      if (sh === 0) return;
      if (sh < 32) {
        lo[d] = (alo >>> sh) | (ahi << (32 - sh));
        hi[d] = ahi >>> sh;
      } else {
        lo[d] = ahi >>> (sh - 32);
        hi[d] = 0;
      }
      return;
    }
    case 0xc0: {
      const sh = blo & 63;
      if (sh === 0) return;
      if (sh < 32) {
        lo[d] = (alo >>> sh) | (ahi << (32 - sh));
        hi[d] = ahi >> sh;
      } else {
        lo[d] = ahi >> (sh - 32);
        hi[d] = ahi >> 31;
      }
      return;
    }
    case 0x80: {
      const s = 0 - (alo >>> 0);
      lo[d] = s | 0;
      hi[d] = (0 - ahi - (s < 0 ? 1 : 0)) | 0;
      return;
    }
    case 0xb0:
      if (o === 0) {
        lo[d] = blo;
        hi[d] = bhi;
      } else if (o === 8) {
        lo[d] = (blo << 24) >> 24;
        hi[d] = lo[d]! >> 31;
      } else if (o === 16) {
        lo[d] = (blo << 16) >> 16;
        hi[d] = lo[d]! >> 31;
      } else if (o === 32) {
        lo[d] = blo;
        hi[d] = blo >> 31;
      } else throw new VmError(`invalid offset ${o} for mov`);
      return;
    case 0xd0:
      // bswap (ALU64 class, ISA v4)
      swap(lo, hi, d, immv, true);
      return;
    default:
      throw new VmError(`invalid ALU64 operation 0x${op.toString(16)}`);
  }
}

export function alu32(
  lo: Int32Array,
  hi: Int32Array,
  op: number,
  d: number,
  b: number,
  o: number,
  immv: number,
  isReg: boolean,
): void {
  const a = lo[d]!;
  let r: number;
  switch (op) {
    case 0x00:
      r = a + b;
      break;
    case 0x10:
      r = a - b;
      break;
    case 0x20:
      r = Math.imul(a, b);
      break;
    case 0x30:
    case 0x90:
      if (o === 1) {
        if (b === 0) r = op === 0x30 ? 0 : a;
        else if (b === -1) r = op === 0x30 ? -a : 0;
        else r = op === 0x30 ? Math.trunc(a / b) : a % b;
      } else if (o === 0) {
        const ua = a >>> 0;
        const ub = b >>> 0;
        if (ub === 0) r = op === 0x30 ? 0 : a;
        else r = op === 0x30 ? Math.floor(ua / ub) : ua % ub;
      } else throw new VmError(`invalid offset ${o} for div/mod`);
      break;
    case 0x40:
      r = a | b;
      break;
    case 0x50:
      r = a & b;
      break;
    case 0xa0:
      r = a ^ b;
      break;
    case 0x60:
      r = a << (b & 31);
      break;
    case 0x70:
      r = a >>> (b & 31);
      break;
    case 0xc0:
      r = a >> (b & 31);
      break;
    case 0x80:
      r = -a;
      break;
    case 0xb0:
      if (o === 0) r = b;
      else if (o === 8) r = (b << 24) >> 24;
      else if (o === 16) r = (b << 16) >> 16;
      else throw new VmError(`invalid offset ${o} for mov32`);
      break;
    case 0xd0:
      // to_be (source bit X) swaps, to_le truncates on a little-endian machine
      swap(lo, hi, d, immv, isReg);
      return;
    default:
      throw new VmError(`invalid ALU operation 0x${op.toString(16)}`);
  }
  lo[d] = r | 0;
  hi[d] = 0;
}

export function swap(lo: Int32Array, hi: Int32Array, d: number, bits: number, doSwap: boolean): void {
  const a = lo[d]!;
  if (bits === 16) {
    lo[d] = doSwap ? ((a & 0xff) << 8) | ((a >>> 8) & 0xff) : a & 0xffff;
    hi[d] = 0;
  } else if (bits === 32) {
    lo[d] = doSwap ? bswap32(a) : a;
    hi[d] = 0;
  } else if (bits === 64) {
    if (doSwap) {
      const h = hi[d]!;
      lo[d] = bswap32(h);
      hi[d] = bswap32(a);
    }
  } else throw new VmError(`invalid byte swap width ${bits}`);
}

export function set64(lo: Int32Array, hi: Int32Array, d: number, v: bigint): void {
  lo[d] = Number(BigInt.asIntN(32, v));
  hi[d] = Number(BigInt.asIntN(32, v >> 32n));
}

export function ugt(alo: number, ahi: number, blo: number, bhi: number): boolean {
  const ah = ahi >>> 0;
  const bh = bhi >>> 0;
  return ah > bh || (ah === bh && alo >>> 0 > blo >>> 0);
}
export function sgt(alo: number, ahi: number, blo: number, bhi: number): boolean {
  return ahi > bhi || (ahi === bhi && alo >>> 0 > blo >>> 0);
}
export function bswap32(a: number): number {
  return ((a & 0xff) << 24) | ((a & 0xff00) << 8) | ((a >>> 8) & 0xff00) | ((a >>> 24) & 0xff);
}
