/*
 * tfc's own decode of a record into field values, by the layouts of layout.ts: what `tfc trace --print` shows and
 * what the generated Wireshark dissector must agree with. Invariants: pure, never throws, never reads outside the
 * record; integers are bigints (signed as the layout says), pointers unsigned; strings are the bytes up to the
 * first NUL (or the payload's end) decoded as UTF-8 with U+FFFD for bad sequences; a `__data_loc` word is
 * `len << 16 | offset` from the record start, `__rel_loc` from the byte after the word; a field that does not fit
 * in the record, or whose payload runs past it, is reported in `errors` and has no value (the rest still decode).
 */
import type { EventFormat, FormatField } from '@tfc/tracefs';
import { type FieldLayout, fieldLayout, type IntSize } from './layout.ts';

export type FieldValue = bigint | string | Uint8Array;

export interface DecodedField {
  readonly field: FormatField;
  readonly layout: FieldLayout;
  /** One value for scalars, strings and bytes; one per element for arrays. */
  readonly values: readonly FieldValue[];
}

export interface DecodedRecord {
  readonly fields: readonly DecodedField[];
  /** Fields that could not be decoded, with the reason. */
  readonly errors: readonly { readonly field: string; readonly error: string }[];
}

function readInt(rec: Uint8Array, at: number, size: IntSize, signed: boolean, le: boolean): bigint {
  let v = 0n;
  for (let k = 0; k < size; k++) {
    const b = BigInt(rec[le ? at + size - 1 - k : at + k] as number);
    v = (v << 8n) | b;
  }
  return signed ? BigInt.asIntN(size * 8, v) : v;
}

const utf8 = new TextDecoder('utf-8');

/** Bytes up to the first NUL, as UTF-8. */
export function cString(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  return utf8.decode(nul < 0 ? bytes : bytes.subarray(0, nul));
}

/** The payload of a variable-length field: [start, end) in the record, or an error. */
function payload(
  rec: Uint8Array,
  f: FormatField,
  layout: FieldLayout,
  le: boolean,
): { start: number; end: number } | string {
  const placement = layout.kind === 'int' ? 'fixed' : layout.placement;
  if (placement === 'fixed') {
    const size =
      layout.kind === 'int' ? layout.size : layout.kind === 'array' ? layout.elem * layout.count : f.size;
    if (f.offset + size > rec.length)
      return `needs bytes ${f.offset}..${f.offset + size} of a ${rec.length}-byte record`;
    return { start: f.offset, end: f.offset + size };
  }
  if (placement === 'rest') {
    if (f.offset > rec.length) return `starts at ${f.offset}, past the ${rec.length}-byte record`;
    return { start: f.offset, end: rec.length };
  }
  if (f.offset + 4 > rec.length) return `locator at ${f.offset} past the ${rec.length}-byte record`;
  const word = Number(readInt(rec, f.offset, 4, false, le));
  const len = word >>> 16;
  const start = (word & 0xffff) + (placement === 'rel_loc' ? f.offset + 4 : 0);
  if (start + len > rec.length)
    return `payload ${start}..${start + len} runs past the ${rec.length}-byte record`;
  return { start, end: start + len };
}

export function decodeField(rec: Uint8Array, f: FormatField, le: boolean): DecodedField | string {
  const layout = fieldLayout(f);
  const where = payload(rec, f, layout, le);
  if (typeof where === 'string') return where;
  const bytes = rec.subarray(where.start, where.end);
  switch (layout.kind) {
    case 'int':
      return { field: f, layout, values: [readInt(rec, where.start, layout.size, layout.signed, le)] };
    case 'string':
      return { field: f, layout, values: [cString(bytes)] };
    case 'bytes':
      return { field: f, layout, values: [bytes.slice()] };
    case 'array': {
      const n = Math.floor(bytes.length / layout.elem);
      const values: bigint[] = [];
      for (let i = 0; i < n; i++)
        values.push(readInt(rec, where.start + i * layout.elem, layout.elem, layout.signed, le));
      return { field: f, layout, values };
    }
  }
}

/** Decodes every field of the event (common fields included) from the record. */
export function decodeRecord(event: EventFormat, record: Uint8Array, littleEndian = true): DecodedRecord {
  const fields: DecodedField[] = [];
  const errors: { field: string; error: string }[] = [];
  for (const f of event.fields) {
    const d = decodeField(record, f, littleEndian);
    if (typeof d === 'string') errors.push({ field: f.name, error: d });
    else fields.push(d);
  }
  return { fields, errors };
}

/** One value as text: decimal integers, hex for pointers, strings as they are, bytes as hex pairs with ':'. */
export function formatValue(layout: FieldLayout, v: FieldValue): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return [...v].map((b) => b.toString(16).padStart(2, '0')).join(':');
  if (layout.kind === 'int' && layout.hex) return `0x${v.toString(16)}`;
  return v.toString();
}
