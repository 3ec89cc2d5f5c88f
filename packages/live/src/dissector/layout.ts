/*
 * How a record field is laid out and shown: the one classification shared by tfc's own decode (decode.ts) and the
 * Wireshark dissector generator (lua.ts), so both read the same bytes the same way.
 * Invariants: pure function of the FormatField; strings follow the kernel's kind (filter_assign_type: `char[N]`,
 * `__data_loc char[]`, `__rel_loc char[]`); integers are 1/2/4/8 bytes in the record's byte order, signed as the
 * format's `signed:` says, pointers (`*` in the type, `char *` included) unsigned and shown in hex; arrays have
 * elements of 1/2/4/8 bytes (fixed count, `__data_loc`/`__rel_loc` payload, or `[]` running to the record's end);
 * anything else (cpumask_t, odd sizes, structs) is raw bytes. Every layout has a short code used in the Lua tables.
 */
import { ELEMENT_SIZES, type EventFormat, type FormatField } from '@tfc/tracefs';

export type IntSize = 1 | 2 | 4 | 8;
/** Where a variable-length payload is: a `__data_loc` word, a `__rel_loc` word, or from the field to the end. */
export type Placement = 'fixed' | 'data_loc' | 'rel_loc' | 'rest';

export type FieldLayout =
  | { readonly kind: 'int'; readonly size: IntSize; readonly signed: boolean; readonly hex: boolean }
  | { readonly kind: 'string'; readonly placement: Placement; readonly size: number }
  | {
      readonly kind: 'array';
      readonly placement: Placement;
      readonly elem: IntSize;
      readonly signed: boolean;
      /** Element count of a fixed array (0 for the other placements). */
      readonly count: number;
    }
  | { readonly kind: 'bytes'; readonly placement: Placement; readonly size: number };

const isIntSize = (n: number): n is IntSize => n === 1 || n === 2 || n === 4 || n === 8;

function placementOf(f: FormatField): Placement {
  if (f.type.includes('__data_loc')) return 'data_loc';
  if (f.type.includes('__rel_loc')) return 'rel_loc';
  return f.size === 0 ? 'rest' : 'fixed';
}

/** The element type of an array type text: `__data_loc unsigned int[]` → `unsigned int`. */
function baseType(type: string): string {
  return type
    .replace(/\[.*$/, '')
    .replace(/__data_loc|__rel_loc|\bconst\b|\bvolatile\b/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export function fieldLayout(f: FormatField): FieldLayout {
  const placement = placementOf(f);
  if (f.kind === 'static_string' || f.kind === 'dyn_string' || f.kind === 'rdyn_string')
    return { kind: 'string', placement, size: f.size };
  if (f.kind === 'ptr_string' || (f.type.includes('*') && !f.type.includes('['))) {
    if (isIntSize(f.size)) return { kind: 'int', size: f.size, signed: false, hex: true };
    return { kind: 'bytes', placement: 'fixed', size: f.size };
  }
  if (f.kind === 'cpumask') return { kind: 'bytes', placement, size: f.size };
  if (f.type.includes('[')) {
    let elem: number | undefined;
    if (placement === 'fixed' && f.arrayLength !== undefined && f.arrayLength > 0) {
      if (f.size % f.arrayLength === 0) elem = f.size / f.arrayLength;
    } else elem = ELEMENT_SIZES[baseType(f.type)];
    if (elem !== undefined && isIntSize(elem)) {
      const count = placement === 'fixed' ? f.size / elem : 0;
      if (Number.isInteger(count)) return { kind: 'array', placement, elem, signed: f.signed, count };
    }
    return { kind: 'bytes', placement, size: f.size };
  }
  if (placement !== 'fixed') return { kind: 'bytes', placement, size: f.size };
  if (isIntSize(f.size)) return { kind: 'int', size: f.size, signed: f.signed, hex: false };
  return { kind: 'bytes', placement: 'fixed', size: f.size };
}

/** `sys:name` (just `name` for a format file that did not say its system). */
export function eventLabel(event: EventFormat): string {
  return event.system === '' ? event.name : `${event.system}:${event.name}`;
}

/** `tfc.SYS.NAME`: the display-filter name present on the event's frames (`tfc.NAME` without a system). */
export function eventAbbrev(event: EventFormat): string {
  return `tfc.${eventLabel(event).replace(':', '.')}`;
}

/** `tfc.SYS.NAME.FIELD`: the display-filter name of an event's record field. */
export function fieldAbbrev(event: EventFormat, field: FormatField): string {
  return `${eventAbbrev(event)}.${field.name}`;
}

/** `tfc.common_pid`: common fields, shared by every event whose common layout is the usual one. */
export function commonAbbrev(field: FormatField): string {
  return `tfc.${field.name}`;
}

/** Wireshark accepts letters, digits, '-', '_' and '.' in a field name. */
export function validAbbrevPart(s: string): boolean {
  return /^[A-Za-z0-9_-]+$/.test(s);
}
