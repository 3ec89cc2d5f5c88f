// The P4 view of a decision list: the filter table's key fields (metadata fields holding each key's numeric
// value, a validity bit for keys that may lie past the frame end, the frame length) with P4Runtime ids, and
// its entries with one optional match per field. Invariants:
//  - key values are numeric (the program assembles little-endian fields from the frame bytes), so the list's
//    values carry over unchanged; a key past the frame end reads 0, and an entry matches only when every key
//    it constrains is valid (the TCAM evaluator's rule): through its largest-end key when that excludes 0,
//    else through that key's validity bit (bytes are parsed in order, so a longer key's validity implies
//    every shorter key's);
//  - ids: table 0x02000001, actions tfc_hit 0x01000001 and tfc_miss 0x01000002, match fields 1..n in order;
//  - with a header model the table's keys are the list's keys one for one: header-field expressions named by
//    `@name` after the list key, and header validity bits (`hdr.<h>.isValid()`), so the entries carry over as
//    they are (no validity bits are added: the list's own validity keys decide);
//  - every P4 identifier is sanitised and unique; priorities are the list's (N…1, higher wins).
import type { DecisionList, KeyMatch } from '@tfc/decision-list';
import { fieldSlices } from '@tfc/decision-list';

export const TABLE_ID = 0x02000001;
export const HIT_ACTION_ID = 0x01000001;
export const MISS_ACTION_ID = 0x01000002;
export const CONTROL_NAME = 'TfcIngress';
export const TABLE_NAME = 'tfc_filter';

export interface P4Field {
  readonly id: number;
  /** Metadata member name (without `meta.`; byte model), or the key's name (header model). */
  readonly member: string;
  /** The p4info match-field name: `meta.<member>` (byte model) or the decision-list key name, given to the key
   *  element by `@name` (header model). */
  readonly name: string;
  /** The key element's P4 expression: `meta.<member>`, or header fields (`hdr.tcp.dst_port`; a little-endian
   *  record field byte-swapped with slices), or `hdr.<h>.isValid()`. */
  readonly expr: string;
  readonly bits: number;
  readonly matchKind: 'ternary' | 'range';
  /** The decision-list key this field carries (its value, or its validity when `validity`). */
  readonly keyName: string;
  readonly validity: boolean;
}

export interface P4Entry {
  readonly priority: number;
  readonly action: 'hit' | 'miss';
  /** Parallel to the table's fields; undefined = don't care. */
  readonly matches: readonly (KeyMatch | undefined)[];
}

export interface P4Table {
  readonly fields: readonly P4Field[];
  readonly entries: readonly P4Entry[];
  /** Action when no entry matches (hit only for a keyless table whose list is a single catch-all hit). */
  readonly defaultAction: 'hit' | 'miss';
  readonly size: number;
}

function ident(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(s) ? s : `_${s}`;
}

/** A header-model key as a P4 expression over header fields (slices concatenated in value order). */
function keyExpr(list: DecisionList, k: DecisionList['keys'][number]): string {
  if (k.kind === 'valid') return `hdr.${k.header}.isValid()`;
  if (k.kind !== 'field' || k.header === undefined) throw new Error('not a header key');
  const h = list.headers!.headers.find((x) => x.name === k.header)!;
  const n = k.bits / 8;
  const ref = (s: { field: string; bits: number; hi: number; lo: number }): string =>
    s.hi === s.bits - 1 && s.lo === 0
      ? `hdr.${h.name}.${s.field}`
      : `hdr.${h.name}.${s.field}[${s.hi}:${s.lo}]`;
  const at = k.headerOffset! * 8;
  if (k.byteOrder === 'big')
    return fieldSlices(h, at, at + k.bits)
      .map(ref)
      .join(' ++ ');
  const parts: string[] = [];
  for (let i = n - 1; i >= 0; i--) parts.push(...fieldSlices(h, at + 8 * i, at + 8 * i + 8).map(ref));
  return parts.join(' ++ ');
}

function headerTable(list: DecisionList): P4Table {
  const fields: P4Field[] = list.keys.map((k, i): P4Field => {
    return {
      id: i + 1,
      member: k.name,
      name: k.name,
      expr: k.kind === 'length' ? '(bit<16>) standard_metadata.packet_length' : keyExpr(list, k),
      bits: k.bits,
      matchKind: k.match,
      keyName: k.name,
      validity: false,
    };
  });
  if (fields.length === 0) {
    const hit = list.entries.length > 0 && list.entries[0]!.action === 'hit';
    return { fields, entries: [], defaultAction: hit ? 'hit' : 'miss', size: 1 };
  }
  const entries = list.entries.map((e): P4Entry => {
    const m = new Map(e.match);
    return { priority: e.priority, action: e.action, matches: fields.map((f) => m.get(f.keyName)) };
  });
  return { fields, entries, defaultAction: 'miss', size: Math.max(1024, entries.length) };
}

export function p4Table(list: DecisionList): P4Table {
  if (list.headers !== undefined) return headerTable(list);
  const fields: P4Field[] = [];
  const taken = new Set<string>(['tfc_hit', 'frame_len']);
  const unique = (base: string): string => {
    let n = base;
    for (let i = 2; taken.has(n); i++) n = `${base}_${i}`;
    taken.add(n);
    return n;
  };
  const ends = new Map<string, number>();
  for (const k of list.keys) if (k.kind === 'field') ends.set(k.name, k.offset + k.bits / 8);
  // Per entry, the key whose validity must be matched: none when the frame is known long enough or when a
  // constrained key with the largest end excludes 0 (an invalid key reads 0, and the parser fills bytes in
  // order, so that key being valid makes every shorter key valid too).
  const needs = list.entries.map((e): string | undefined => {
    let end = 0;
    for (const [name] of e.match) end = Math.max(end, ends.get(name) ?? 0);
    if (end <= list.minFrameLength) return undefined;
    const last = e.match.filter(([name]) => ends.get(name) === end);
    if (last.some(([, m]) => excludesZero(m))) return undefined;
    return last[0]?.[0];
  });
  const needed = new Set(needs.filter((n): n is string => n !== undefined));
  for (const k of list.keys) {
    if (k.kind === 'length') {
      fields.push({
        id: fields.length + 1,
        member: 'frame_len',
        name: 'meta.frame_len',
        expr: 'meta.frame_len',
        bits: 16,
        matchKind: k.match,
        keyName: k.name,
        validity: false,
      });
      continue;
    }
    if (k.kind !== 'field') continue;
    const member = unique(`k_${ident(k.name)}`);
    fields.push({
      id: fields.length + 1,
      member,
      name: `meta.${member}`,
      expr: `meta.${member}`,
      bits: k.bits,
      matchKind: k.match,
      keyName: k.name,
      validity: false,
    });
    if (needed.has(k.name)) {
      const v = unique(`v_${ident(k.name)}`);
      fields.push({
        id: fields.length + 1,
        member: v,
        name: `meta.${v}`,
        expr: `meta.${v}`,
        bits: 1,
        matchKind: 'ternary',
        keyName: k.name,
        validity: true,
      });
    }
  }
  if (fields.length === 0) {
    const hit = list.entries.length > 0 && list.entries[0]!.action === 'hit';
    return { fields, entries: [], defaultAction: hit ? 'hit' : 'miss', size: 1 };
  }
  const entries = list.entries.map((e, i): P4Entry => {
    const m = new Map(e.match);
    return {
      priority: e.priority,
      action: e.action,
      matches: fields.map((f) => {
        if (f.validity) return needs[i] === f.keyName ? { kind: 'ternary', value: 1n, mask: 1n } : undefined;
        return m.get(f.keyName);
      }),
    };
  });
  return { fields, entries, defaultAction: 'miss', size: Math.max(1024, entries.length) };
}

function excludesZero(m: KeyMatch): boolean {
  return m.kind === 'ternary' ? m.value !== 0n : m.low > 0n;
}

/** BMv2 `simple_switch_CLI` commands: `table_add` with every key given and the inverted priority
 *  (BMv2: the lowest number wins), so the first entry gets priority 1. */
export function emitBmv2Commands(table: P4Table): string {
  const n = table.entries.length;
  const lines = table.entries.map((e) => {
    const keys = table.fields.map((f, i) => {
      const m = e.matches[i];
      const max = (1n << BigInt(f.bits)) - 1n;
      const hex = (v: bigint): string => `0x${v.toString(16)}`;
      if (f.matchKind === 'range') {
        if (m === undefined) return `0x0->${hex(max)}`;
        return m.kind === 'range'
          ? `${hex(m.low)}->${hex(m.high)}`
          : `${hex(m.value)}->${hex(m.value | (max & ~m.mask))}`;
      }
      if (m === undefined) return '0x0&&&0x0';
      if (m.kind !== 'ternary') throw new Error('range match on a ternary field');
      return `${hex(m.value)}&&&${hex(m.mask)}`;
    });
    const action = e.action === 'hit' ? 'tfc_hit' : 'tfc_miss';
    return `table_add ${CONTROL_NAME}.${TABLE_NAME} ${CONTROL_NAME}.${action} ${keys.join(' ')} => ${n + 1 - e.priority}`;
  });
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
