// Reading oracle records in tests. Invariant: pure; little-endian locators, as the kernel writes them on x86-64 and
// arm64.

/** Reads a __data_loc string field's bytes (NUL excluded) from a record, zero-padded to `pad`. */
export function dataLocBytes(rec: Uint8Array, offset: number, pad: number): Uint8Array {
  const b = Buffer.from(rec.buffer, rec.byteOffset, rec.byteLength);
  const loc = b.readUInt32LE(offset);
  const start = loc & 0xffff;
  const len = loc >>> 16;
  const out = new Uint8Array(pad);
  const s = b.subarray(start, start + len);
  const nul = s.indexOf(0);
  out.set(s.subarray(0, Math.min(nul < 0 ? s.length : nul, pad)));
  return out;
}
