// BTF for libbpf-style map definitions in `.maps` (include/uapi/linux/btf.h; libbpf's __uint()).
// Invariants: a map definition is an anonymous STRUCT whose members are `int (*NAME)[VALUE]`
// (PTR → ARRAY of int with nelems = VALUE), which is how libbpf's `__uint(NAME, VALUE)` macro
// spells it; each map is a global VAR of that struct, and one DATASEC `.maps` lists the VARs at
// their byte offsets. Type ids are dense from 1 in emission order; identical ARRAY/PTR pairs are
// shared; the blob is little-endian with a 24-byte header. Deterministic: same maps → same bytes.
// readMapDefs inverts encodeMapDefs (and reads clang's `__uint` fields the same way), returning
// undefined instead of throwing on malformed BTF.

export const BTF_KIND = {
  int: 1,
  ptr: 2,
  array: 3,
  struct: 4,
  typedef: 8,
  volatile: 9,
  const: 10,
  var: 14,
  datasec: 15,
} as const;
const BTF_MAGIC = 0xeb9f;
const HDR_LEN = 24;

/** One map: its name and the `__uint` fields (type, key_size, value_size, max_entries, map_flags...). */
export type BtfMapDef = { readonly name: string; readonly fields: readonly (readonly [string, number])[] };

/** The BTF blob and the `.maps` layout (byte offset and size of each map's struct). */
export type EncodedMaps = {
  readonly btf: Uint8Array;
  readonly layout: readonly { offset: number; size: number }[];
};

export function encodeMapDefs(maps: readonly BtfMapDef[]): EncodedMaps {
  const strings: number[] = [0];
  const strIndex = new Map<string, number>([['', 0]]);
  const str = (s: string): number => {
    const known = strIndex.get(s);
    if (known !== undefined) return known;
    const at = strings.length;
    for (const b of new TextEncoder().encode(s)) strings.push(b);
    strings.push(0);
    strIndex.set(s, at);
    return at;
  };
  const words: number[] = [];
  let nextId = 1;
  const type = (
    nameOff: number,
    kind: number,
    vlen: number,
    sizeOrType: number,
    extra: readonly number[],
  ): number => {
    words.push(
      nameOff,
      ((kind & 0x1f) << 24) | (vlen & 0xffff),
      sizeOrType >>> 0,
      ...extra.map((x) => x >>> 0),
    );
    return nextId++;
  };
  const intId = type(str('int'), BTF_KIND.int, 0, 4, [(1 << 24) | 32]); // signed, 32 bits
  const ptrTo = new Map<number, number>();
  const ptrToArray = (n: number): number => {
    const known = ptrTo.get(n);
    if (known !== undefined) return known;
    const arr = type(0, BTF_KIND.array, 0, 0, [intId, intId, n]);
    const ptr = type(0, BTF_KIND.ptr, 0, arr, []);
    ptrTo.set(n, ptr);
    return ptr;
  };
  const layout: { offset: number; size: number }[] = [];
  const vars: number[] = [];
  let offset = 0;
  for (const m of maps) {
    const members = m.fields.map(([name, value], i) => [str(name), ptrToArray(value), 64 * i] as const);
    const size = 8 * members.length;
    const st = type(0, BTF_KIND.struct, members.length, size, members.flat());
    vars.push(type(str(m.name), BTF_KIND.var, 0, st, [1])); // BTF_VAR_GLOBAL_ALLOCATED
    layout.push({ offset, size });
    offset += size;
  }
  type(
    str('.maps'),
    BTF_KIND.datasec,
    vars.length,
    offset,
    vars.flatMap((v, i) => [v, layout[i]!.offset, layout[i]!.size]),
  );
  const typeLen = words.length * 4;
  const out = new Uint8Array(HDR_LEN + typeLen + strings.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, BTF_MAGIC, true);
  v.setUint8(2, 1);
  v.setUint8(3, 0);
  v.setUint32(4, HDR_LEN, true);
  v.setUint32(8, 0, true);
  v.setUint32(12, typeLen, true);
  v.setUint32(16, typeLen, true);
  v.setUint32(20, strings.length, true);
  words.forEach((w, i) => {
    v.setUint32(HDR_LEN + 4 * i, w, true);
  });
  out.set(strings, HDR_LEN + typeLen);
  return { btf: out, layout };
}

type RawType = { name: string; kind: number; vlen: number; sizeOrType: number; extra: number[] };

/** Reads the map definitions of the `.maps` DATASEC (libbpf `__uint` members only), or undefined. */
export function readMapDefs(btf: Uint8Array): BtfMapDef[] | undefined {
  if (btf.length < HDR_LEN) return undefined;
  const v = new DataView(btf.buffer, btf.byteOffset, btf.byteLength);
  if (v.getUint16(0, true) !== BTF_MAGIC) return undefined;
  const hdrLen = v.getUint32(4, true);
  const typeOff = hdrLen + v.getUint32(8, true);
  const typeLen = v.getUint32(12, true);
  const strOff = hdrLen + v.getUint32(16, true);
  const strLen = v.getUint32(20, true);
  if (typeOff + typeLen > btf.length || strOff + strLen > btf.length) return undefined;
  const name = (off: number): string => {
    if (off >= strLen) return '';
    const s = btf.subarray(strOff + off, strOff + strLen);
    const end = s.indexOf(0);
    return new TextDecoder().decode(end < 0 ? s : s.subarray(0, end));
  };
  const types: (RawType | undefined)[] = [undefined];
  let p = typeOff;
  const end = typeOff + typeLen;
  while (p + 12 <= end) {
    const info = v.getUint32(p + 4, true);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const t: RawType = {
      name: name(v.getUint32(p, true)),
      kind,
      vlen,
      sizeOrType: v.getUint32(p + 8, true),
      extra: [],
    };
    p += 12;
    // Extra words per kind (btf.h): INT 1, ARRAY 3, STRUCT/UNION 3*vlen, ENUM 2*vlen, FUNC_PROTO 2*vlen,
    // VAR 1, DATASEC 3*vlen, DECL_TAG 1, ENUM64 3*vlen; others none.
    const n =
      kind === 1 || kind === 14 || kind === 17
        ? 1
        : kind === 3
          ? 3
          : kind === 4 || kind === 5 || kind === 15 || kind === 19
            ? 3 * vlen
            : kind === 6 || kind === 13
              ? 2 * vlen
              : 0;
    if (p + 4 * n > end) return undefined;
    for (let i = 0; i < n; i++) t.extra.push(v.getUint32(p + 4 * i, true));
    p += 4 * n;
    types.push(t);
  }
  const strip = (id: number): RawType | undefined => {
    let t = types[id];
    for (let hops = 0; t !== undefined && hops < 16; hops++) {
      if (t.kind !== BTF_KIND.typedef && t.kind !== BTF_KIND.volatile && t.kind !== BTF_KIND.const) return t;
      t = types[t.sizeOrType];
    }
    return undefined;
  };
  const sec = types.find((t) => t?.kind === BTF_KIND.datasec && t.name === '.maps');
  if (sec === undefined) return [];
  const out: BtfMapDef[] = [];
  for (let i = 0; i < sec.vlen; i++) {
    const varType = types[sec.extra[3 * i]!];
    if (varType === undefined || varType.kind !== BTF_KIND.var) return undefined;
    const st = strip(varType.sizeOrType);
    if (st === undefined || st.kind !== BTF_KIND.struct) return undefined;
    const fields: [string, number][] = [];
    for (let k = 0; k < st.vlen; k++) {
      const ptr = strip(st.extra[3 * k + 1]!);
      const arr = ptr?.kind === BTF_KIND.ptr ? strip(ptr.sizeOrType) : undefined;
      if (arr?.kind === BTF_KIND.array) fields.push([name(st.extra[3 * k]!), arr.extra[2]!]);
    }
    out.push({ name: varType.name, fields });
  }
  return out;
}
