// BTF reader: finds a type id by name (and kind) in raw BTF bytes such as /sys/kernel/btf/vmlinux, which tp_btf /
// fentry programs need for attach_btf_id, and reads the type table as plain data: struct member offsets (nested
// anonymous members and bitfields), enum values, the parameters of functions and raw tracepoints.
// Invariants: pure and total — malformed or truncated input yields an error value, never a throw or an out-of-bounds
// read; iteration is a flat loop over the type section (walks through types are depth-bounded, so a cycle in hostile
// input ends); host little-endian BTF only (magic 0xeb9f read as little-endian).

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

// ---------------------------------------------------------------- the type table (members, enums, protos)

/** One member of a struct/union, a FUNC_PROTO parameter or an enum value, as BTF stores it. */
export interface BtfMember {
  readonly name: string;
  /** Member type id (struct/union/proto) or the value (enum, as a bigint for ENUM64 too). */
  readonly type: number;
  readonly value: bigint;
  /** Struct/union: bit offset from the start of the aggregate. */
  readonly bitOffset: number;
  /** Struct/union: bitfield size in bits, 0 for a plain member. */
  readonly bitSize: number;
}

export interface BtfType {
  readonly id: number;
  readonly kind: number;
  readonly name: string;
  /** size (INT, STRUCT, UNION, ENUM, FLOAT) or the referenced type id (PTR, TYPEDEF, FUNC, qualifiers, …). */
  readonly sizeOrType: number;
  readonly members: readonly BtfMember[];
  /** ARRAY: element type and count. */
  readonly array?: { readonly type: number; readonly count: number };
}

/** Every type of a BTF blob, indexed by id (index 0 is void), or an error value. */
export type BtfTable = {
  readonly types: readonly (BtfType | undefined)[];
  readonly byName: Map<string, number[]>;
};

export function parseBtf(btf: Uint8Array): { ok: true; table: BtfTable } | { ok: false; error: string } {
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
  const dec = new TextDecoder();
  const str = (off: number): string => {
    if (off >= strLen) return '';
    const at = strOff + off;
    let e = at;
    while (e < strOff + strLen && btf[e] !== 0) e++;
    return dec.decode(btf.subarray(at, e));
  };
  const types: (BtfType | undefined)[] = [undefined];
  const byName = new Map<string, number[]>();
  let p = typeOff;
  const end = typeOff + typeLen;
  for (let id = 1; p + 12 <= end; id++) {
    const info = v.getUint32(p + 4, true);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const kflag = (info >>> 31) & 1;
    const extra = extraBytes(kind, vlen);
    if (extra < 0) return { ok: false, error: `unknown BTF kind ${kind} at type ${id}` };
    if (p + 12 + extra > end) return { ok: false, error: `BTF type ${id} runs past the type section` };
    const name = str(v.getUint32(p, true));
    const sizeOrType = v.getUint32(p + 8, true);
    const members: BtfMember[] = [];
    let array: BtfType['array'];
    const q = p + 12;
    if (kind === BTF_KIND.STRUCT || kind === BTF_KIND.UNION) {
      for (let i = 0; i < vlen; i++) {
        const m = q + 12 * i;
        const off = v.getUint32(m + 8, true);
        members.push({
          name: str(v.getUint32(m, true)),
          type: v.getUint32(m + 4, true),
          value: 0n,
          bitOffset: kflag ? off & 0xffffff : off,
          bitSize: kflag ? off >>> 24 : 0,
        });
      }
    } else if (kind === BTF_KIND.ENUM || kind === BTF_KIND.FUNC_PROTO) {
      for (let i = 0; i < vlen; i++) {
        const m = q + 8 * i;
        const raw = v.getUint32(m + 4, true);
        members.push({
          name: str(v.getUint32(m, true)),
          type: kind === BTF_KIND.FUNC_PROTO ? raw : 0,
          value: kind === BTF_KIND.ENUM ? BigInt(kflag ? raw | 0 : raw) : 0n,
          bitOffset: 0,
          bitSize: 0,
        });
      }
    } else if (kind === BTF_KIND.ENUM64) {
      for (let i = 0; i < vlen; i++) {
        const m = q + 12 * i;
        const lo = BigInt(v.getUint32(m + 4, true));
        const hi = BigInt(v.getUint32(m + 8, true));
        const u = (hi << 32n) | lo;
        members.push({
          name: str(v.getUint32(m, true)),
          type: 0,
          value: kflag ? BigInt.asIntN(64, u) : u,
          bitOffset: 0,
          bitSize: 0,
        });
      }
    } else if (kind === BTF_KIND.ARRAY) {
      array = { type: v.getUint32(q, true), count: v.getUint32(q + 8, true) };
    }
    const t: BtfType = { id, kind, name, sizeOrType, members, ...(array ? { array } : {}) };
    types.push(t);
    if (name !== '') {
      const l = byName.get(name);
      if (l) l.push(id);
      else byName.set(name, [id]);
    }
    p += 12 + extra;
  }
  return { ok: true, table: { types, byName } };
}

const QUALIFIERS: ReadonlySet<number> = new Set([
  BTF_KIND.TYPEDEF,
  BTF_KIND.VOLATILE,
  BTF_KIND.CONST,
  BTF_KIND.RESTRICT,
  BTF_KIND.TYPE_TAG,
]);

/** The type behind typedefs and qualifiers (bounded: a cycle in hostile input ends the walk). */
export function resolveBtf(table: BtfTable, id: number): BtfType | undefined {
  let t = table.types[id];
  for (let n = 0; t !== undefined && QUALIFIERS.has(t.kind) && n < 64; n++) t = table.types[t.sizeOrType];
  return t;
}

/** The first type named `name` of `kind`. */
export function btfNamed(table: BtfTable, name: string, kind: number): BtfType | undefined {
  for (const id of table.byName.get(name) ?? []) if (table.types[id]?.kind === kind) return table.types[id];
  return undefined;
}

/** Byte size of a type (through typedefs; pointers are 8 bytes), or undefined. */
export function btfSize(table: BtfTable, id: number): number | undefined {
  const t = resolveBtf(table, id);
  if (t === undefined) return undefined;
  if (t.kind === BTF_KIND.PTR) return 8;
  if (t.kind === BTF_KIND.ARRAY && t.array) {
    const e = btfSize(table, t.array.type);
    return e === undefined ? undefined : e * t.array.count;
  }
  if (
    [BTF_KIND.INT, BTF_KIND.STRUCT, BTF_KIND.UNION, BTF_KIND.ENUM, BTF_KIND.ENUM64, BTF_KIND.FLOAT].includes(
      t.kind as 1,
    )
  )
    return t.sizeOrType;
  return undefined;
}

/** Where a (possibly nested) member lies: byte offset and size, plus bit position for bitfields. */
export interface BtfField {
  readonly offset: number;
  readonly size: number;
  /** Bitfields only: bit offset within the byte at `offset` and the width in bits (little-endian). */
  readonly bit?: { readonly shift: number; readonly bits: number };
  readonly type: number;
}

/** A member of `struct name` by path (`['nd_net', 'net']`), looking through anonymous structs and unions. */
export function btfField(
  table: BtfTable,
  structName: string,
  path: readonly string[],
): { ok: true; field: BtfField } | { ok: false; error: string } {
  let t = btfNamed(table, structName, BTF_KIND.STRUCT) ?? btfNamed(table, structName, BTF_KIND.UNION);
  if (t === undefined) return { ok: false, error: `no struct ${structName} in BTF` };
  let bitBase = 0;
  let found: { m: BtfMember; bits: number } | undefined;
  for (const [i, name] of path.entries()) {
    if (t === undefined || (t.kind !== BTF_KIND.STRUCT && t.kind !== BTF_KIND.UNION))
      return { ok: false, error: `${structName}.${path.slice(0, i).join('.')} is not a struct` };
    const hit = findMember(table, t, name, 0);
    if (hit === undefined)
      return { ok: false, error: `no member ${name} in ${structName}.${path.slice(0, i).join('.')}` };
    bitBase += hit.bits;
    found = hit;
    t = resolveBtf(table, hit.m.type);
  }
  if (found === undefined) return { ok: false, error: 'empty member path' };
  const m = found.m;
  if (m.bitSize > 0)
    return {
      ok: true,
      field: {
        offset: Math.floor(bitBase / 8),
        size: 1,
        bit: { shift: bitBase % 8, bits: m.bitSize },
        type: m.type,
      },
    };
  const size = btfSize(table, m.type);
  if (size === undefined)
    return { ok: false, error: `member ${path.join('.')} of ${structName} has no size` };
  if (bitBase % 8 !== 0)
    return { ok: false, error: `member ${path.join('.')} of ${structName} is not byte aligned` };
  return { ok: true, field: { offset: bitBase / 8, size, type: m.type } };
}

function findMember(
  table: BtfTable,
  t: BtfType,
  name: string,
  depth: number,
): { m: BtfMember; bits: number } | undefined {
  for (const m of t.members) if (m.name === name) return { m, bits: m.bitOffset };
  if (depth > 8) return undefined;
  for (const m of t.members) {
    if (m.name !== '') continue;
    const inner = resolveBtf(table, m.type);
    if (inner === undefined || (inner.kind !== BTF_KIND.STRUCT && inner.kind !== BTF_KIND.UNION)) continue;
    const hit = findMember(table, inner, name, depth + 1);
    if (hit !== undefined) return { m: hit.m, bits: m.bitOffset + hit.bits };
  }
  return undefined;
}

/** The members of `enum name` (ENUM or ENUM64) in BTF order (`name`, `value`); empty when there is no such enum. */
export function btfEnumMembers(table: BtfTable, name: string): readonly BtfMember[] {
  const t = btfNamed(table, name, BTF_KIND.ENUM) ?? btfNamed(table, name, BTF_KIND.ENUM64);
  return t?.members ?? [];
}

/** The values of `enum name` (ENUM or ENUM64) by member name. */
export function btfEnum(table: BtfTable, name: string): ReadonlyMap<string, bigint> | undefined {
  const t = btfNamed(table, name, BTF_KIND.ENUM) ?? btfNamed(table, name, BTF_KIND.ENUM64);
  return t === undefined ? undefined : new Map(t.members.map((m) => [m.name, m.value]));
}

/** True when type `id` is a pointer to `struct name` (through typedefs and qualifiers; a forward declaration counts). */
export function btfPointsToStruct(table: BtfTable, id: number, name: string): boolean {
  const p = resolveBtf(table, id);
  if (p?.kind !== BTF_KIND.PTR) return false;
  const s = resolveBtf(table, p.sizeOrType);
  return s !== undefined && (s.kind === BTF_KIND.STRUCT || s.kind === BTF_KIND.FWD) && s.name === name;
}

/** A parameter of a function prototype: its name and its type spelled C-like (`struct sk_buff *`, `u32`). */
export interface BtfParam {
  readonly name: string;
  readonly type: string;
}

/** C-like spelling of a type (enough to recognise `struct sk_buff *`). */
export function btfTypeName(table: BtfTable, id: number, depth = 0): string {
  const t = table.types[id];
  if (t === undefined) return 'void';
  if (depth > 16) return '?';
  switch (t.kind) {
    case BTF_KIND.PTR:
      return `${btfTypeName(table, t.sizeOrType, depth + 1)} *`;
    case BTF_KIND.STRUCT:
      return `struct ${t.name}`;
    case BTF_KIND.UNION:
      return `union ${t.name}`;
    case BTF_KIND.ENUM:
    case BTF_KIND.ENUM64:
      return `enum ${t.name}`;
    case BTF_KIND.CONST:
      return `const ${btfTypeName(table, t.sizeOrType, depth + 1)}`;
    case BTF_KIND.VOLATILE:
    case BTF_KIND.RESTRICT:
    case BTF_KIND.TYPE_TAG:
      return btfTypeName(table, t.sizeOrType, depth + 1);
    case BTF_KIND.FUNC_PROTO:
      return 'fn';
    default:
      return t.name === '' ? '?' : t.name;
  }
}

/** The parameters of a BTF FUNC (`fentry/NAME`) or of a raw tracepoint's `btf_trace_NAME` typedef (without its
 *  leading `void *` context parameter, so that index i is the program's ctx argument i), with the type id a
 *  program attaches to. */
export function btfHookParams(
  table: BtfTable,
  hook: { readonly kind: 'tp_btf' | 'fentry'; readonly name: string },
): { ok: true; btfId: number; params: readonly BtfParam[] } | { ok: false; error: string } {
  const t =
    hook.kind === 'fentry'
      ? btfNamed(table, hook.name, BTF_KIND.FUNC)
      : btfNamed(table, `btf_trace_${hook.name}`, BTF_KIND.TYPEDEF);
  if (t === undefined)
    return {
      ok: false,
      error:
        hook.kind === 'fentry'
          ? `no kernel function ${hook.name} in BTF`
          : `no raw tracepoint ${hook.name} in BTF`,
    };
  let proto = resolveBtf(table, t.sizeOrType);
  if (proto?.kind === BTF_KIND.PTR) proto = resolveBtf(table, proto.sizeOrType);
  if (proto?.kind !== BTF_KIND.FUNC_PROTO)
    return { ok: false, error: `${hook.name} has no function prototype in BTF` };
  const params = proto.members.map((m) => ({ name: m.name, type: btfTypeName(table, m.type) }));
  return { ok: true, btfId: t.id, params: hook.kind === 'tp_btf' ? params.slice(1) : params };
}
