// `struct sock_filter` array encoding: 8 bytes per instruction, little-endian (x86-64 host order):
//   u16 code | u8 jt | u8 jf | u32 k
// Invariants: encode masks each field to its width (code & 0xffff, jt/jf & 0xff, k >>> 0) so the output is always
// 8·n bytes; decode(encode(p)) equals p for in-range fields; decode ignores a trailing partial instruction only when
// asked through `decodeChecked`, which reports it instead.
import type { RawInsn } from './insn.ts';

export const SOCK_FILTER_SIZE = 8;

export function encode(prog: readonly RawInsn[]): Uint8Array {
  const out = new Uint8Array(prog.length * SOCK_FILTER_SIZE);
  const view = new DataView(out.buffer);
  for (let i = 0; i < prog.length; i++) {
    const r = prog[i]!;
    const o = i * SOCK_FILTER_SIZE;
    view.setUint16(o, r.code & 0xffff, true);
    view.setUint8(o + 2, r.jt & 0xff);
    view.setUint8(o + 3, r.jf & 0xff);
    view.setUint32(o + 4, r.k >>> 0, true);
  }
  return out;
}

/** Decode whole 8-byte records; a trailing partial record is ignored (see decodeChecked). */
export function decode(bytes: Uint8Array): RawInsn[] {
  const n = Math.floor(bytes.length / SOCK_FILTER_SIZE);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: RawInsn[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * SOCK_FILTER_SIZE;
    out[i] = {
      code: view.getUint16(o, true),
      jt: view.getUint8(o + 2),
      jf: view.getUint8(o + 3),
      k: view.getUint32(o + 4, true),
    };
  }
  return out;
}

export function decodeChecked(
  bytes: Uint8Array,
): { ok: true; program: RawInsn[] } | { ok: false; error: string } {
  if (bytes.length % SOCK_FILTER_SIZE !== 0) {
    return { ok: false, error: `length ${bytes.length} is not a multiple of ${SOCK_FILTER_SIZE}` };
  }
  return { ok: true, program: decode(bytes) };
}
