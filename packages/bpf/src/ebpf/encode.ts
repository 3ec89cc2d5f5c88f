// Wire encoding of eBPF instructions (struct bpf_insn: u8 code; u8 dst_reg:4, src_reg:4; s16 off; s32 imm).
// Invariants: each slot is 8 bytes; the byte order applies to off and imm; in 'le' the register byte
// is (src << 4) | dst, in 'be' it is (dst << 4) | src, as the kernel's bitfield layout gives on each
// byte order. An ld_imm64 Insn (imm64 set) emits two slots, the second {code 0, regs 0, off 0,
// imm = high half}. decode(encode(p)) deep-equals p for any p without symbolic metadata; a 0x18
// slot whose successor is not a clean second slot decodes as a single-slot Insn (no imm64), so
// encode(decode(b)) === b for every byte string whose length is a multiple of 8.
import type { Insn } from './insn.ts';
import { OPCODE } from './opcode.ts';

export type ByteOrder = 'le' | 'be';

/** Number of 8-byte slots the program occupies. */
export function slotCount(insns: readonly Insn[]): number {
  let n = 0;
  for (const i of insns) n += i.code === OPCODE.ldImm64 && i.imm64 !== undefined ? 2 : 1;
  return n;
}

/** Encodes instructions to bytes (symbolic metadata is ignored: assemble first). */
export function encode(insns: readonly Insn[], order: ByteOrder = 'le'): Uint8Array {
  const out = new Uint8Array(slotCount(insns) * 8);
  const view = new DataView(out.buffer);
  const le = order === 'le';
  let p = 0;
  for (const i of insns) {
    out[p] = i.code & 0xff;
    out[p + 1] = le ? ((i.src & 0xf) << 4) | (i.dst & 0xf) : ((i.dst & 0xf) << 4) | (i.src & 0xf);
    view.setInt16(p + 2, i.off, le);
    if (i.code === OPCODE.ldImm64 && i.imm64 !== undefined) {
      const v = BigInt.asUintN(64, i.imm64);
      view.setUint32(p + 4, Number(v & 0xffffffffn), le);
      view.setUint32(p + 12, Number(v >> 32n), le);
      p += 16;
    } else {
      view.setInt32(p + 4, i.imm, le);
      p += 8;
    }
  }
  return out;
}

/** Decodes bytes to instructions, or an error value when the length is not a multiple of 8. */
export function tryDecode(
  bytes: Uint8Array,
  order: ByteOrder = 'le',
): { ok: true; insns: Insn[] } | { ok: false; error: string } {
  if (bytes.length % 8 !== 0) {
    return { ok: false, error: `program length ${bytes.length} is not a multiple of 8 bytes` };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = order === 'le';
  const insns: Insn[] = [];
  const n = bytes.length / 8;
  for (let s = 0; s < n; s++) {
    const p = s * 8;
    const code = bytes[p]!;
    const regs = bytes[p + 1]!;
    const dst = le ? regs & 0xf : regs >> 4;
    const src = le ? regs >> 4 : regs & 0xf;
    const off = view.getInt16(p + 2, le);
    const imm = view.getInt32(p + 4, le);
    if (code === OPCODE.ldImm64 && s + 1 < n) {
      const q = p + 8;
      if (bytes[q] === 0 && bytes[q + 1] === 0 && view.getInt16(q + 2, le) === 0) {
        const hi = view.getUint32(q + 4, le);
        const imm64 = (BigInt(hi) << 32n) | BigInt(imm >>> 0);
        insns.push({ code, dst, src, off, imm, imm64 });
        s++;
        continue;
      }
    }
    insns.push({ code, dst, src, off, imm });
  }
  return { ok: true, insns };
}

/**
 * Decodes bytes to instructions. Throws RangeError when the length is not a multiple of 8
 * (use tryDecode for untrusted input).
 */
export function decode(bytes: Uint8Array, order: ByteOrder = 'le'): Insn[] {
  const r = tryDecode(bytes, order);
  if (!r.ok) throw new RangeError(r.error);
  return r.insns;
}
