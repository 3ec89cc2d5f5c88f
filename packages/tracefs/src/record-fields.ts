// Record bytes → field values, for printing live events (`tfc trace --print/--json`): the inverse view of
// records.ts. Invariants: pure, never throws; reads past the record end as absent (the value is reported as
// truncated, not invented); integers of 1/2/4/8 bytes as the field's signedness says (little-endian), exact
// (bigint beyond 2^53 becomes a decimal string in JSON); `char[N]` and `__data_loc`/`__rel_loc` strings up to their
// NUL (Latin-1 bytes outside printable ASCII are escaped \xNN in text); other arrays as numbers; pointers and
// anything else as hex.

import type { EventFormat, FormatField } from './types.ts';

export type FieldValue = number | string | readonly number[];

function le(rec: Uint8Array, off: number, size: number, signed: boolean): bigint | undefined {
  if (off < 0 || off + size > rec.length) return undefined;
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(rec[off + i] as number);
  return signed ? BigInt.asIntN(size * 8, v) : v;
}

function num(v: bigint): number | string {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v.toString();
}

function text(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) {
    if (b === 0) break;
    s +=
      b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return s;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** The bytes a __data_loc / __rel_loc locator at `off` points at, or undefined when it points outside. */
function located(rec: Uint8Array, f: FormatField): Uint8Array | undefined {
  const loc = le(rec, f.offset, 4, false);
  if (loc === undefined) return undefined;
  const base = f.kind === 'rdyn_string' || f.type.startsWith('__rel_loc') ? f.offset + 4 : 0;
  const start = base + Number(loc & 0xffffn);
  const len = Number(loc >> 16n);
  if (start + len > rec.length) return undefined;
  return rec.subarray(start, start + len);
}

/** The value of one field of `rec`, or undefined when the record is too short for it. */
export function fieldValue(rec: Uint8Array, f: FormatField): FieldValue | undefined {
  const isLoc = f.type.startsWith('__data_loc') || f.type.startsWith('__rel_loc');
  if (f.kind === 'dyn_string' || f.kind === 'rdyn_string') {
    const b = located(rec, f);
    return b === undefined ? undefined : text(b);
  }
  if (isLoc) {
    const b = located(rec, f);
    return b === undefined ? undefined : hex(b);
  }
  if (f.offset + f.size > rec.length) return undefined;
  const bytes = rec.subarray(f.offset, f.offset + f.size);
  if (f.kind === 'static_string') return text(bytes);
  const n = f.arrayLength;
  if (n !== undefined && n > 0 && f.size % n === 0 && [1, 2, 4, 8].includes(f.size / n)) {
    const w = f.size / n;
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(Number(le(rec, f.offset + i * w, w, f.signed) ?? 0n));
    return out;
  }
  if (f.kind === 'ptr_string' || /\*/.test(f.type))
    return `0x${(le(rec, f.offset, f.size, false) ?? 0n).toString(16)}`;
  if (f.size === 1 || f.size === 2 || f.size === 4 || f.size === 8)
    return num(le(rec, f.offset, f.size, f.signed) ?? 0n);
  return hex(bytes);
}

/** Every field of the event's record (common fields first, as the format lists them). */
export function recordFields(event: EventFormat, rec: Uint8Array): Record<string, FieldValue | null> {
  const out: Record<string, FieldValue | null> = {};
  for (const f of event.fields) out[f.name] = fieldValue(rec, f) ?? null;
  return out;
}

/** `name=value` for every event (non-common) field, the way trace output lists them. */
export function formatRecordFields(event: EventFormat, rec: Uint8Array): string {
  const parts: string[] = [];
  for (const f of event.fields) {
    if (f.common) continue;
    const v = fieldValue(rec, f);
    parts.push(`${f.name}=${v === undefined ? '?' : Array.isArray(v) ? `{${v.join(',')}}` : String(v)}`);
  }
  return parts.join(' ');
}
