// The running kernel's BTF as the raw tracepoint resolver asks for it (the compiler's `RawBtf`, matched
// structurally: this package never imports the compiler): a raw tracepoint's argument types and attach id, and
// struct members by path with offset, size, bitfield, sign and the struct a pointer member points to.
// Invariants: pure over a parsed BtfTable (sys/btf.ts is the one BTF reader); every miss is a sentence, never a
// throw; sign follows BTF's integer names (`unsigned`, `_Bool` and enums are unsigned).
import {
  BTF_KIND,
  type BtfTable,
  btfField,
  btfHookParams,
  btfNamed,
  btfTypeName,
  resolveBtf,
} from '../sys/btf.ts';

export interface RawBtfMemberView {
  readonly offset: number;
  readonly size: number;
  readonly bit?: { readonly shift: number; readonly bits: number };
  readonly signed: boolean;
  readonly pointee?: string;
}

export interface RawBtfView {
  readonly source: string;
  args(tracepoint: string): readonly string[] | undefined;
  member(struct: string, path: readonly string[]): RawBtfMemberView | string;
  /** attach_btf_id of `tp_btf/NAME` (the btf_trace_NAME typedef). */
  btfId(tracepoint: string): number | undefined;
}

function signedType(table: BtfTable, id: number): boolean {
  const t = resolveBtf(table, id);
  return t?.kind === BTF_KIND.INT && !/unsigned|_Bool/.test(t.name);
}

function pointeeStruct(table: BtfTable, id: number): string | undefined {
  const p = resolveBtf(table, id);
  if (p?.kind !== BTF_KIND.PTR) return undefined;
  const s = resolveBtf(table, p.sizeOrType);
  return s !== undefined && (s.kind === BTF_KIND.STRUCT || s.kind === BTF_KIND.UNION) ? s.name : undefined;
}

/** The view over `table`; `source` names the kernel it was read from. */
export function rawBtfView(table: BtfTable, source: string): RawBtfView {
  return {
    source,
    args: (tp) => {
      const p = btfHookParams(table, { kind: 'tp_btf', name: tp });
      return p.ok ? p.params.map((x) => x.type) : undefined;
    },
    btfId: (tp) => btfNamed(table, `btf_trace_${tp}`, BTF_KIND.TYPEDEF)?.id,
    member: (struct, path) => {
      const r = btfField(table, struct, path);
      if (!r.ok) return `BTF: ${r.error}`;
      const f = r.field;
      const pointee = pointeeStruct(table, f.type);
      return {
        offset: f.offset,
        size: f.size,
        ...(f.bit !== undefined ? { bit: f.bit } : {}),
        signed: signedType(table, f.type),
        ...(pointee !== undefined ? { pointee } : {}),
      };
    },
  };
}

/** C-like spelling of a type id (re-exported for callers that print argument lists). */
export const rawTypeName = btfTypeName;
