// A whole-table BTF reader for the capture tool: every type of a raw BTF blob (such as /sys/kernel/btf/vmlinux)
// with its name, kind, members (bit offsets, bitfield sizes), function parameters and enum values, so hooks,
// struct layouts and drop-reason names can be read as data at load time.
// Invariants: pure and total — malformed or truncated input yields an error value, never a throw or an
// out-of-bounds read; the loop over types is flat (no recursion); ids are BTF's (1-based, 0 = void); host
// little-endian BTF only. (The lead folds this into sys/btf.ts once its owner has member offsets and enums.)

export const KIND = {
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

/** One struct/union member: `bitOffset` from the start of the aggregate, `bitSize` 0 unless a bitfield. */
export interface BtfMember {
  readonly name: string;
  readonly type: number;
  readonly bitOffset: number;
  readonly bitSize: number;
}
export interface BtfParam {
  readonly name: string;
  readonly type: number;
}
export interface BtfEnumValue {
  readonly name: string;
  readonly value: bigint;
}
export interface BtfType {
  readonly id: number;
  readonly kind: number;
  readonly name: string;
  /** size for INT/STRUCT/UNION/ENUM/FLOAT/DATASEC, else the referenced type id. */
  readonly sizeOrType: number;
  readonly vlen: number;
  readonly members?: readonly BtfMember[];
  readonly params?: readonly BtfParam[];
  readonly values?: readonly BtfEnumValue[];
  /** FUNC: linkage (0 static, 1 global, 2 extern). */
  readonly linkage?: number;
}

export interface BtfTable {
  /** types[id]; types[0] is undefined (void). */
  readonly types: readonly (BtfType | undefined)[];
  /** The ids of all types with a given name, in id order. */
  byName(name: string): readonly number[];
}

export type BtfTableResult =
  | { readonly ok: true; readonly table: BtfTable }
  | { readonly ok: false; readonly error: string };

/** Parses every type of a raw BTF blob. */
export function parseBtf(btf: Uint8Array): BtfTableResult {
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
  const decoder = new TextDecoder();
  const strings = new Map<number, string>();
  const str = (off: number): string => {
    if (off === 0 || off >= strLen) return '';
    const cached = strings.get(off);
    if (cached !== undefined) return cached;
    let e = strOff + off;
    const limit = strOff + strLen;
    while (e < limit && btf[e] !== 0) e++;
    const s = decoder.decode(btf.subarray(strOff + off, e));
    strings.set(off, s);
    return s;
  };
  const types: (BtfType | undefined)[] = [undefined];
  const names = new Map<string, number[]>();
  const end = typeOff + typeLen;
  let p = typeOff;
  for (let id = 1; p + 12 <= end; id++) {
    const name = str(v.getUint32(p, true));
    const info = v.getUint32(p + 4, true);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const kflag = info >>> 31;
    const sizeOrType = v.getUint32(p + 8, true);
    let q = p + 12;
    const need = (n: number): boolean => q + n <= end;
    let t: BtfType = { id, kind, name, sizeOrType, vlen };
    switch (kind) {
      case KIND.INT:
      case KIND.VAR:
      case KIND.DECL_TAG:
        if (!need(4)) return { ok: false, error: `type ${id} truncated` };
        q += 4;
        break;
      case KIND.ARRAY:
        if (!need(12)) return { ok: false, error: `type ${id} truncated` };
        q += 12;
        break;
      case KIND.STRUCT:
      case KIND.UNION: {
        if (!need(vlen * 12)) return { ok: false, error: `type ${id} truncated` };
        const members: BtfMember[] = [];
        for (let i = 0; i < vlen; i++, q += 12) {
          const off = v.getUint32(q + 8, true);
          members.push({
            name: str(v.getUint32(q, true)),
            type: v.getUint32(q + 4, true),
            bitOffset: kflag ? off & 0xffffff : off,
            bitSize: kflag ? off >>> 24 : 0,
          });
        }
        t = { ...t, members };
        break;
      }
      case KIND.ENUM: {
        if (!need(vlen * 8)) return { ok: false, error: `type ${id} truncated` };
        const values: BtfEnumValue[] = [];
        for (let i = 0; i < vlen; i++, q += 8)
          values.push({
            name: str(v.getUint32(q, true)),
            value: BigInt(kflag ? v.getInt32(q + 4, true) : v.getUint32(q + 4, true)),
          });
        t = { ...t, values };
        break;
      }
      case KIND.ENUM64: {
        if (!need(vlen * 12)) return { ok: false, error: `type ${id} truncated` };
        const values: BtfEnumValue[] = [];
        for (let i = 0; i < vlen; i++, q += 12) {
          const lo = BigInt(v.getUint32(q + 4, true));
          const hi = BigInt(v.getUint32(q + 8, true));
          values.push({ name: str(v.getUint32(q, true)), value: (hi << 32n) | lo });
        }
        t = { ...t, values };
        break;
      }
      case KIND.FUNC_PROTO: {
        if (!need(vlen * 8)) return { ok: false, error: `type ${id} truncated` };
        const params: BtfParam[] = [];
        for (let i = 0; i < vlen; i++, q += 8)
          params.push({ name: str(v.getUint32(q, true)), type: v.getUint32(q + 4, true) });
        t = { ...t, params };
        break;
      }
      case KIND.DATASEC:
        if (!need(vlen * 12)) return { ok: false, error: `type ${id} truncated` };
        q += vlen * 12;
        break;
      case KIND.FUNC:
        t = { ...t, linkage: vlen };
        break;
      case KIND.PTR:
      case KIND.FWD:
      case KIND.TYPEDEF:
      case KIND.VOLATILE:
      case KIND.CONST:
      case KIND.RESTRICT:
      case KIND.FLOAT:
      case KIND.TYPE_TAG:
        break;
      default:
        return { ok: false, error: `unknown BTF kind ${kind} at type ${id}` };
    }
    types.push(t);
    if (name !== '') {
      const list = names.get(name);
      if (list === undefined) names.set(name, [id]);
      else list.push(id);
    }
    p = q;
  }
  return { ok: true, table: { types, byName: (n) => names.get(n) ?? [] } };
}

/** The first type named `name` of `kind`, or undefined. */
export function findType(table: BtfTable, name: string, kind: number): BtfType | undefined {
  for (const id of table.byName(name)) {
    const t = table.types[id];
    if (t?.kind === kind) return t;
  }
  return undefined;
}

const SKIPPED: ReadonlySet<number> = new Set([
  KIND.TYPEDEF,
  KIND.VOLATILE,
  KIND.CONST,
  KIND.RESTRICT,
  KIND.TYPE_TAG,
]);

/** Follows typedefs and qualifiers (at most 64 steps) to the underlying type. */
export function resolve(table: BtfTable, id: number): BtfType | undefined {
  let t = table.types[id];
  for (let i = 0; i < 64 && t !== undefined && SKIPPED.has(t.kind); i++) t = table.types[t.sizeOrType];
  return t;
}

/** True when `id` is a pointer to `struct NAME` (through typedefs and qualifiers). */
export function isPointerToStruct(table: BtfTable, id: number, name: string): boolean {
  const p = resolve(table, id);
  if (p?.kind !== KIND.PTR) return false;
  const s = resolve(table, p.sizeOrType);
  return s !== undefined && (s.kind === KIND.STRUCT || s.kind === KIND.FWD) && s.name === name;
}

/** A member reached from a struct: byte offset from the struct's start, bit position inside, its type. */
export interface MemberPath {
  readonly bitOffset: number;
  readonly bitSize: number;
  readonly type: number;
}

/**
 * The member `name` of a struct/union, looked for through anonymous struct/union members (a breadth-first
 * walk, bounded), with its bit offset from the start of `structId`.
 */
export function findMember(table: BtfTable, structId: number, name: string): MemberPath | undefined {
  const queue: { readonly id: number; readonly base: number }[] = [{ id: structId, base: 0 }];
  for (let steps = 0; steps < 4096 && queue.length > 0; steps++) {
    const cur = queue.shift();
    if (cur === undefined) break;
    const t = resolve(table, cur.id);
    if (t?.members === undefined) continue;
    for (const m of t.members) {
      if (m.name === name) return { bitOffset: cur.base + m.bitOffset, bitSize: m.bitSize, type: m.type };
      if (m.name === '') queue.push({ id: m.type, base: cur.base + m.bitOffset });
    }
  }
  return undefined;
}

/** The byte size of a type (INT/STRUCT/UNION/ENUM/PTR(8)), through typedefs; undefined when unsized. */
export function typeSize(table: BtfTable, id: number): number | undefined {
  const t = resolve(table, id);
  if (t === undefined) return undefined;
  if (t.kind === KIND.PTR) return 8;
  if (
    t.kind === KIND.INT ||
    t.kind === KIND.STRUCT ||
    t.kind === KIND.UNION ||
    t.kind === KIND.ENUM ||
    t.kind === KIND.ENUM64
  )
    return t.sizeOrType;
  return undefined;
}
