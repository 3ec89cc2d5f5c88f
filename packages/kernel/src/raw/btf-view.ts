// The running kernel's BTF as the raw tracepoint resolver asks for it: a raw tracepoint's argument types and attach
// id, and struct members by path with offset, size, bitfield, sign and the struct a pointer member points to.
// The shape is declared once, by its consumer (the compiler's `RawBtf` / `RawBtfMember`, front/raw-layout.ts): this
// package imports nothing of ours (docs/layers.md), so the view is an object literal whose type is inferred
// (RawBtfView below) and matched structurally where the compiler takes it.
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
export function rawBtfView(table: BtfTable, source: string) {
  return {
    source,
    args: (tp: string): readonly string[] | undefined => {
      const p = btfHookParams(table, { kind: 'tp_btf', name: tp });
      return p.ok ? p.params.map((x) => x.type) : undefined;
    },
    /** attach_btf_id of `tp_btf/NAME` (the btf_trace_NAME typedef). */
    btfId: (tp: string): number | undefined => btfNamed(table, `btf_trace_${tp}`, BTF_KIND.TYPEDEF)?.id,
    member: (struct: string, path: readonly string[]) => {
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

/** The view's type (inferred: see the header). */
export type RawBtfView = ReturnType<typeof rawBtfView>;

/** C-like spelling of a type id (re-exported for callers that print argument lists). */
export const rawTypeName = btfTypeName;
