// P4Runtime encodings of the filter table: WriteRequest INSERT updates as proto3 JSON and as protobuf text
// format, and a minimal p4info (text format). Invariants (P4Runtime spec §TableEntry, §Bytestrings):
//  - bytestrings are big-endian and canonical: the shortest form, 0 is one zero byte;
//  - proto3 JSON writes bytes as base64 and 64-bit integers as strings, omits default (zero) values, and
//    uses lowerCamelCase names (or the proto field names with `names: 'proto'`, which parsers also accept);
//  - text format escapes bytes like protobuf's CEscape: printable ASCII as is (\" \' \\ escaped),
//    \n \r \t, every other byte as a 3-digit octal escape;
//  - don't-care fields are omitted; priorities are the table's (non-zero, higher wins); output is
//    deterministic.
import {
  CONTROL_NAME,
  HIT_ACTION_ID,
  MISS_ACTION_ID,
  type P4Entry,
  type P4Table,
  TABLE_ID,
  TABLE_NAME,
} from './p4-table.ts';

/** Canonical P4Runtime bytestring: shortest big-endian form of a non-negative value. */
export function canonicalBytes(v: bigint): Uint8Array {
  if (v < 0n) throw new RangeError('negative bytestring value');
  const out: number[] = [];
  let x = v;
  do {
    out.unshift(Number(x & 0xffn));
    x >>= 8n;
  } while (x > 0n);
  return Uint8Array.from(out);
}

export function base64(b: Uint8Array): string {
  return Buffer.from(b).toString('base64');
}

/** Protobuf text-format escaping of a byte string (CEscape). */
export function textEscape(b: Uint8Array): string {
  let s = '';
  for (const c of b) {
    if (c === 0x0a) s += '\\n';
    else if (c === 0x0d) s += '\\r';
    else if (c === 0x09) s += '\\t';
    else if (c === 0x22) s += '\\"';
    else if (c === 0x27) s += "\\'";
    else if (c === 0x5c) s += '\\\\';
    else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += `\\${c.toString(8).padStart(3, '0')}`;
  }
  return s;
}

export interface P4RuntimeOptions {
  readonly deviceId?: bigint;
  /** Election id (low 64 bits); 0 is omitted. */
  readonly electionId?: bigint;
  /** `camel` (canonical proto3 JSON, default) or `proto` (field names as in p4runtime.proto). */
  readonly names?: 'camel' | 'proto';
}

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

const CAMEL: Record<string, string> = {
  table_id: 'tableId',
  field_id: 'fieldId',
  action_id: 'actionId',
  device_id: 'deviceId',
  election_id: 'electionId',
  table_entry: 'tableEntry',
};

function rename(j: Json, names: 'camel' | 'proto'): Json {
  if (names === 'proto' || j === null || typeof j !== 'object') return j;
  if (Array.isArray(j)) return j.map((x) => rename(x, names));
  return Object.fromEntries(Object.entries(j).map(([k, v]) => [CAMEL[k] ?? k, rename(v, names)]));
}

/** One TableEntry as proto3 JSON (proto field names; see `rename`). */
function tableEntryJson(table: P4Table, e: P4Entry): Json {
  const match: Json[] = [];
  table.fields.forEach((f, i) => {
    const m = e.matches[i];
    if (m === undefined) return;
    match.push(
      m.kind === 'ternary'
        ? {
            field_id: f.id,
            ternary: { value: base64(canonicalBytes(m.value)), mask: base64(canonicalBytes(m.mask)) },
          }
        : {
            field_id: f.id,
            range: { low: base64(canonicalBytes(m.low)), high: base64(canonicalBytes(m.high)) },
          },
    );
  });
  return {
    table_id: TABLE_ID,
    match,
    action: { action: { action_id: e.action === 'hit' ? HIT_ACTION_ID : MISS_ACTION_ID } },
    priority: e.priority,
  };
}

export function tableEntryToJson(table: P4Table, e: P4Entry, names: 'camel' | 'proto' = 'camel'): string {
  return JSON.stringify(rename(tableEntryJson(table, e), names));
}

/** WriteRequest with one INSERT update per entry, as proto3 JSON (one line per update). */
export function emitWriteRequestJson(table: P4Table, opts: P4RuntimeOptions = {}): string {
  const names = opts.names ?? 'camel';
  const head: { [k: string]: Json } = { device_id: (opts.deviceId ?? 1n).toString() };
  if ((opts.electionId ?? 1n) !== 0n) head.election_id = { low: (opts.electionId ?? 1n).toString() };
  const updates = table.entries.map((e) =>
    JSON.stringify(rename({ type: 'INSERT', entity: { table_entry: tableEntryJson(table, e) } }, names)),
  );
  const h = JSON.stringify(rename(head, names));
  if (updates.length === 0) return `${h}\n`;
  return `${h.slice(0, -1)},"updates":[\n${updates.join(',\n')}\n]}\n`;
}

function tableEntryText(table: P4Table, e: P4Entry, indent: string): string[] {
  const lines = [`${indent}table_id: ${TABLE_ID}`];
  table.fields.forEach((f, i) => {
    const m = e.matches[i];
    if (m === undefined) return;
    const q = (v: bigint): string => `"${textEscape(canonicalBytes(v))}"`;
    lines.push(
      m.kind === 'ternary'
        ? `${indent}match { field_id: ${f.id} ternary { value: ${q(m.value)} mask: ${q(m.mask)} } }`
        : `${indent}match { field_id: ${f.id} range { low: ${q(m.low)} high: ${q(m.high)} } }`,
    );
  });
  lines.push(
    `${indent}action { action { action_id: ${e.action === 'hit' ? HIT_ACTION_ID : MISS_ACTION_ID} } }`,
  );
  lines.push(`${indent}priority: ${e.priority}`);
  return lines;
}

export function tableEntryToText(table: P4Table, e: P4Entry): string {
  return `table_entry {\n${tableEntryText(table, e, '  ').join('\n')}\n}\n`;
}

/** WriteRequest with one INSERT update per entry, in protobuf text format. */
export function emitWriteRequestText(table: P4Table, opts: P4RuntimeOptions = {}): string {
  const out = [`device_id: ${opts.deviceId ?? 1n}`];
  const election = opts.electionId ?? 1n;
  if (election !== 0n) out.push(`election_id { low: ${election} }`);
  for (const e of table.entries) {
    out.push('updates {', '  type: INSERT', '  entity {', '    table_entry {');
    out.push(...tableEntryText(table, e, '      '));
    out.push('    }', '  }', '}');
  }
  return `${out.join('\n')}\n`;
}

/** Minimal p4info (text format) for the generated program. */
export function emitP4Info(table: P4Table): string {
  const out = ['pkg_info {', '  arch: "v1model"', '}', 'tables {', '  preamble {'];
  out.push(
    `    id: ${TABLE_ID}`,
    `    name: "${CONTROL_NAME}.${TABLE_NAME}"`,
    `    alias: "${TABLE_NAME}"`,
    '  }',
  );
  for (const f of table.fields)
    out.push(
      '  match_fields {',
      `    id: ${f.id}`,
      `    name: "${f.name}"`,
      `    bitwidth: ${f.bits}`,
      `    match_type: ${f.matchKind === 'range' ? 'RANGE' : 'TERNARY'}`,
      '  }',
    );
  out.push(
    `  action_refs {\n    id: ${HIT_ACTION_ID}\n  }`,
    `  action_refs {\n    id: ${MISS_ACTION_ID}\n  }`,
  );
  out.push(`  size: ${table.size}`, '}');
  for (const [id, name] of [
    [HIT_ACTION_ID, 'tfc_hit'],
    [MISS_ACTION_ID, 'tfc_miss'],
  ] as const)
    out.push(
      'actions {',
      '  preamble {',
      `    id: ${id}`,
      `    name: "${CONTROL_NAME}.${name}"`,
      `    alias: "${name}"`,
      '  }',
      '}',
    );
  return `${out.join('\n')}\n`;
}
