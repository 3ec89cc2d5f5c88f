// Parser for tracefs `format` files (events/<sys>/<name>/format).
// Invariants: never throws; a malformed file yields { ok: false } with a 1-based line number;
// fields keep file order; fields before the first blank line inside the field list are `common`;
// array suffixes are attached to the type text (`char comm[16]` → type `char[16]`), which is how the
// kernel registered the field and what kind classification (classify.ts) examines.

import { classifyType } from './classify.ts';
import type { EventFormat, FormatField } from './types.ts';

export type FormatParseResult =
  | { ok: true; event: EventFormat }
  | { ok: false; error: { message: string; line: number } };

const FIELD_RE =
  /^field(?:\s+special)?:(.*?);\s*offset:\s*(\d+);\s*size:\s*(\d+);(?:\s*signed:\s*(-?\d+);)?\s*$/;

/** Splits a field declaration (`unsigned short common_type`, `char comm[16]`) into type and name. */
export function splitDeclaration(
  decl: string,
): { type: string; name: string; arrayLength?: number } | undefined {
  let text = decl.trim();
  let suffix = '';
  if (text.endsWith(']')) {
    const open = text.lastIndexOf('[');
    if (open < 0) return undefined;
    suffix = text.slice(open);
    text = text.slice(0, open).trimEnd();
  }
  const m = /^(.*?)([A-Za-z_][A-Za-z0-9_]*)$/s.exec(text);
  if (!m || m[1] === undefined || m[2] === undefined) return undefined;
  const base = m[1].trim();
  if (base === '') return undefined;
  const type = base + suffix;
  const lenText = suffix.slice(1, -1).trim();
  if (suffix !== '' && /^\d+$/.test(lenText)) return { type, name: m[2], arrayLength: Number(lenText) };
  return { type, name: m[2] };
}

export function parseFormat(text: string, where?: { system?: string; name?: string }): FormatParseResult {
  const lines = text.split('\n');
  let name: string | undefined = where?.name;
  let id: number | undefined;
  let printFmt: string | undefined;
  let inFields = false;
  let common = true;
  let sawField = false;
  const fields: FormatField[] = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const line = raw.trim();
    const lineNo = i + 1;
    if (line.startsWith('name:')) {
      name = line.slice(5).trim();
      continue;
    }
    if (line.startsWith('ID:')) {
      const v = line.slice(3).trim();
      if (!/^\d+$/.test(v)) return { ok: false, error: { message: `invalid ID '${v}'`, line: lineNo } };
      id = Number(v);
      continue;
    }
    if (line === 'format:') {
      inFields = true;
      continue;
    }
    if (line.startsWith('print fmt:')) {
      // The print format may span several lines (embedded newlines): it runs to the end of the file.
      const rest = [raw.slice(raw.indexOf('print fmt:') + 'print fmt:'.length), ...lines.slice(i + 1)].join(
        '\n',
      );
      printFmt = rest.trim();
      break;
    }
    if (line === '') {
      if (inFields && sawField) common = false;
      continue;
    }
    if (inFields && line.startsWith('field')) {
      const m = FIELD_RE.exec(line);
      if (!m || m[1] === undefined || m[2] === undefined || m[3] === undefined) {
        return { ok: false, error: { message: `malformed field line '${line}'`, line: lineNo } };
      }
      const decl = splitDeclaration(m[1]);
      if (!decl)
        return { ok: false, error: { message: `cannot split declaration '${m[1].trim()}'`, line: lineNo } };
      const field: FormatField = {
        name: decl.name,
        type: decl.type,
        offset: Number(m[2]),
        size: Number(m[3]),
        signed: m[4] !== undefined && m[4] !== '0',
        common,
        kind: classifyType(decl.type),
        ...(decl.arrayLength !== undefined ? { arrayLength: decl.arrayLength } : {}),
      };
      fields.push(field);
      sawField = true;
      continue;
    }
    return { ok: false, error: { message: `unexpected line '${line}'`, line: lineNo } };
  }
  if (name === undefined) return { ok: false, error: { message: "missing 'name:' line", line: 1 } };
  if (id === undefined) return { ok: false, error: { message: "missing 'ID:' line", line: 1 } };
  if (!sawField) return { ok: false, error: { message: "missing 'format:' field list", line: lines.length } };
  const event: EventFormat = {
    system: where?.system ?? '',
    name,
    id,
    fields,
    ...(printFmt !== undefined ? { printFmt } : {}),
  };
  return { ok: true, event };
}
