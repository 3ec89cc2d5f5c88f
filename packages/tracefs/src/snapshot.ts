// Compact snapshot encoding of many event formats (used for the bundled kernel snapshot).
// Invariants: encode/decode are pure and inverse of each other for formats whose common fields
// equal one of the stored common-field sets; output order is sorted by 'system/name' so the
// same input gives byte-identical output.

import { classifyType } from './classify.ts';
import type { EventFormat, FormatField } from './types.ts';

/** [name, type, offset, size, signed(0|1)] */
export type PackedField = readonly [string, string, number, number, number];
/** [system, name, id, commonSetIndex, fields, printFmt] */
export type PackedEvent = readonly [string, string, number, number, readonly PackedField[], string | null];

export interface Snapshot {
  readonly version: 1;
  readonly release: string;
  readonly commonSets: readonly (readonly PackedField[])[];
  readonly events: readonly PackedEvent[];
}

function packField(f: FormatField): PackedField {
  return [f.name, f.type, f.offset, f.size, f.signed ? 1 : 0];
}

function unpackField(p: PackedField, common: boolean): FormatField {
  const [name, type, offset, size, signed] = p;
  const m = /\[(\d+)\]$/.exec(type);
  const base = { name, type, offset, size, signed: signed === 1, common, kind: classifyType(type) };
  return m?.[1] !== undefined ? { ...base, arrayLength: Number(m[1]) } : base;
}

export function encodeSnapshot(
  release: string,
  events: readonly EventFormat[],
  withPrintFmt: boolean,
): Snapshot {
  const sorted = [...events].sort((a, b) => {
    const ka = `${a.system}/${a.name}`;
    const kb = `${b.system}/${b.name}`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  const setKeys: string[] = [];
  const commonSets: PackedField[][] = [];
  const packed: PackedEvent[] = [];
  for (const ev of sorted) {
    const common = ev.fields.filter((f) => f.common).map(packField);
    const key = JSON.stringify(common);
    let idx = setKeys.indexOf(key);
    if (idx < 0) {
      idx = setKeys.length;
      setKeys.push(key);
      commonSets.push(common);
    }
    const own = ev.fields.filter((f) => !f.common).map(packField);
    packed.push([ev.system, ev.name, ev.id, idx, own, withPrintFmt ? (ev.printFmt ?? null) : null]);
  }
  return { version: 1, release, commonSets, events: packed };
}

export function decodeEvent(snapshot: Snapshot, p: PackedEvent): EventFormat {
  const [system, name, id, setIdx, own, printFmt] = p;
  const common = (snapshot.commonSets[setIdx] ?? []).map((f) => unpackField(f, true));
  const fields = [...common, ...own.map((f) => unpackField(f, false))];
  return printFmt === null ? { system, name, id, fields } : { system, name, id, fields, printFmt };
}
