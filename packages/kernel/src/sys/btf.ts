// Minimal BTF reader: finds a type id by name (and kind) in raw BTF bytes such as
// /sys/kernel/btf/vmlinux, which tp_btf / fentry programs need for attach_btf_id.
// Invariants: pure and total — malformed or truncated input yields an error value, never a throw or
// an out-of-bounds read; iteration is a flat loop over the type section (no recursion); host
// little-endian BTF only (magic 0xeb9f read as little-endian).

export const BTF_KIND = {
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;

/** Bytes that follow the 12-byte struct btf_type for a kind with `vlen` members, or -1 if unknown. */
function extraBytes(kind: number, vlen: number): number {
  switch (kind) {
    case BTF_KIND.INT:
    case BTF_KIND.VAR:
    case BTF_KIND.DECL_TAG:
      return 4;
    case BTF_KIND.ARRAY:
      return 12;
    case BTF_KIND.STRUCT:
    case BTF_KIND.UNION:
    case BTF_KIND.DATASEC:
    case BTF_KIND.ENUM64:
      return vlen * 12;
    case BTF_KIND.ENUM:
    case BTF_KIND.FUNC_PROTO:
      return vlen * 8;
    case BTF_KIND.PTR:
    case BTF_KIND.FWD:
    case BTF_KIND.TYPEDEF:
    case BTF_KIND.VOLATILE:
    case BTF_KIND.CONST:
    case BTF_KIND.RESTRICT:
    case BTF_KIND.FUNC:
    case BTF_KIND.FLOAT:
    case BTF_KIND.TYPE_TAG:
      return 0;
    default:
      return -1;
  }
}

export type BtfLookup =
  | { readonly ok: true; readonly id: number }
  | { readonly ok: false; readonly error: string };

/** The id of the first type named `name` (of `kind`, if given). */
export function findBtfType(btf: Uint8Array, name: string, kind?: number): BtfLookup {
  if (btf.length < 24) return { ok: false, error: 'BTF shorter than its header' };
  const v = new DataView(btf.buffer, btf.byteOffset, btf.byteLength);
  if (v.getUint16(0, true) !== 0xeb9f) return { ok: false, error: 'bad BTF magic' };
  const hdrLen = v.getUint32(4, true);
  const typeOff = hdrLen + v.getUint32(8, true);
  const typeLen = v.getUint32(12, true);
  const strOff = hdrLen + v.getUint32(16, true);
  const strLen = v.getUint32(20, true);
  if (typeOff + typeLen > btf.length || strOff + strLen > btf.length)
    return { ok: false, error: 'BTF sections out of bounds' };
  const want = new TextEncoder().encode(name);
  const nameIs = (off: number): boolean => {
    const at = strOff + off;
    if (off >= strLen || at + want.length >= strOff + strLen) return false;
    for (let i = 0; i < want.length; i++) if (btf[at + i] !== want[i]) return false;
    return btf[at + want.length] === 0;
  };
  let p = typeOff;
  const end = typeOff + typeLen;
  for (let id = 1; p + 12 <= end; id++) {
    const nameOff = v.getUint32(p, true);
    const info = v.getUint32(p + 4, true);
    const k = (info >>> 24) & 0x1f;
    const extra = extraBytes(k, info & 0xffff);
    if (extra < 0) return { ok: false, error: `unknown BTF kind ${k} at type ${id}` };
    if ((kind === undefined || k === kind) && nameIs(nameOff)) return { ok: true, id };
    p += 12 + extra;
  }
  return { ok: false, error: `no BTF type named ${name}` };
}

/** The btf_trace_<tp> typedef id that a tp_btf program for raw tracepoint `tp` attaches to. */
export function tpBtfTypeId(vmlinuxBtf: Uint8Array, tracepoint: string): BtfLookup {
  return findBtfType(vmlinuxBtf, `btf_trace_${tracepoint}`, BTF_KIND.TYPEDEF);
}
