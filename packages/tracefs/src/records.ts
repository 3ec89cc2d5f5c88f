// Records from JSON (one line of `tfc eval --records FILE.jsonl`): builds the record bytes of an
// event plus the evaluation context. Accepted forms:
//   { "<field>": value, ... }  integers as JSON numbers, decimal strings, "0x" hex strings (bit
//     patterns), negative numbers for signed fields; strings for string fields (null for a
//     __data_loc string: zero-length locator, as a failed fetch records; char[N] may also be
//     an array of byte values, to model bytes after the NUL); arrays of numbers for non-char arrays
//     (for numeric __data_loc arrays the elements become the payload; an integer is the raw word);
//     __data_loc cpumask_t as an array of CPU numbers; `char *` fields as a string (kernel memory),
//     {"user": "..."} (user memory, readable only with .ustring), null (NULL, faults) or an integer
//     (raw pointer with nothing mapped: faults); missing fields are zero, missing __data_loc strings
//     empty (a lone NUL), missing cpumasks empty.
//   { "raw": "<hex of the whole record>" }.
// Pseudo-keys "cpu"/"CPU"/"common_cpu" and "comm"/"COMM" set the executing CPU and current comm
// unless the event has a field of that name (then they are the field); by default the CPU is 0 and
// comm is empty. Unknown keys and values out
// of range for their field are errors naming the key. Layout: the fixed part is as long as the
// furthest field end; __data_loc/__rel_loc payloads are appended in field order, strings with their
// NUL, loc word = len << 16 | offset (offset from record start, or from the byte after the word for
// __rel_loc). Invariant: never throws; deterministic (keys are processed in sorted order, so synthetic pointer values
// do not depend on the JSON key order).

import type { EvalContext } from './evaluate.ts';
import type { EventFormat, FormatField } from './types.ts';

export type RecordResult = { ok: true; record: Uint8Array; ctx: EvalContext } | { ok: false; error: string };

const KERNEL_PTR_BASE = 0xffff888000000000n;
const USER_PTR_BASE = 0x00007f0000000000n;
const CPU_KEYS = new Set(['cpu', 'CPU', 'common_cpu']);
const COMM_KEYS = new Set(['comm', 'COMM']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses an integer JSON value to a bigint (not yet range-checked). */
function toBigInt(v: unknown): bigint | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : undefined;
  if (typeof v === 'string') {
    const t = v.trim();
    if (/^0[xX][0-9a-fA-F]+$/.test(t)) return BigInt(t);
    if (/^-?\d+$/.test(t)) return BigInt(t);
  }
  return undefined;
}

/** Range check (unsigned: 0…2^n−1; signed: −2^(n−1)…2^n−1, i.e. either reading) and bit pattern. */
function intPattern(v: unknown, size: number, signed: boolean): bigint | string {
  if (typeof v === 'string') {
    // More significant digits than any value of the field can have: out of range, decided without
    // converting (and without echoing) a string that may be megabytes long.
    const digits = v.trim().replace(/^-?(0[xX])?0*/, '');
    if (digits.length > size * 3 + 2 && /^-?(0[xX][0-9a-fA-F]+|\d+)$/.test(v.trim()))
      return `value of ${v.trim().length} characters out of range for a ${size}-byte field`;
  }
  const n = toBigInt(v);
  if (n === undefined) return 'expected an integer (number, decimal string or 0x hex string)';
  const bits = BigInt(size * 8);
  const umax = (1n << bits) - 1n;
  if (n < 0n) {
    if (!signed) return `negative value ${n} for an unsigned field`;
    if (n < -(1n << (bits - 1n))) return `value ${n} out of range for a signed ${size}-byte field`;
    return BigInt.asUintN(Number(bits), n);
  }
  if (n > umax) return `value ${n} out of range for a ${size}-byte field`;
  return n;
}

function writeUint(buf: Uint8Array, offset: number, size: number, value: bigint): void {
  let v = value;
  for (let k = 0; k < size; k++) {
    buf[offset + k] = Number(v & 0xffn);
    v >>= 8n;
  }
}

/** Byte sizes of the C integer types tracefs formats use for array elements (shared with the dissector). */
export const ELEMENT_SIZES: Readonly<Record<string, 1 | 2 | 4 | 8>> = {
  u8: 1,
  s8: 1,
  __u8: 1,
  __s8: 1,
  char: 1,
  'unsigned char': 1,
  'signed char': 1,
  bool: 1,
  u16: 2,
  s16: 2,
  __u16: 2,
  __s16: 2,
  short: 2,
  'unsigned short': 2,
  __be16: 2,
  __le16: 2,
  u32: 4,
  s32: 4,
  __u32: 4,
  __s32: 4,
  int: 4,
  'unsigned int': 4,
  __be32: 4,
  __le32: 4,
  u64: 8,
  s64: 8,
  __u64: 8,
  __s64: 8,
  long: 8,
  'unsigned long': 8,
  'long long': 8,
  'unsigned long long': 8,
  __be64: 8,
  __le64: 8,
};

function elementSize(f: FormatField): number {
  if (f.arrayLength !== undefined && f.arrayLength > 0)
    return Math.max(1, Math.floor(f.size / f.arrayLength));
  const base = f.type.replace(/\[.*$/, '').replace('__data_loc', '').replace('__rel_loc', '').trim();
  return ELEMENT_SIZES[base] ?? 1;
}

interface Pending {
  readonly field: FormatField;
  readonly bytes: Uint8Array;
}

export function recordFromJson(event: EventFormat, json: unknown): RecordResult {
  if (!isRecord(json)) return { ok: false, error: 'a record must be a JSON object' };
  const byName = new Map<string, FormatField>();
  for (const f of event.fields) if (!byName.has(f.name) || !f.common) byName.set(f.name, f);
  let cpu = 0;
  let comm = new Uint8Array(0);
  const fixedSize = event.fields.reduce((m, f) => Math.max(m, f.offset + f.size), 0);
  let raw: Uint8Array | undefined;
  let fieldsGiven = false;
  const fixed = new Uint8Array(fixedSize);
  const tail: Pending[] = [];
  const pointees = new Map<bigint, { bytes: Uint8Array; user: boolean }>();
  let nextKernel = KERNEL_PTR_BASE;
  let nextUser = USER_PTR_BASE;
  const err = (key: string, msg: string): RecordResult => ({ ok: false, error: `field '${key}': ${msg}` });

  const explicit = new Set(Object.keys(json));
  for (const key of Object.keys(json).sort()) {
    const v = json[key];
    const field = byName.get(key);
    if (key === 'raw' && !field) {
      const hex = typeof v === 'string' ? v.replace(/\s+/g, '') : '';
      // No capturing repetition here: a backtracking regex over megabytes of hex overflows V8's stack.
      if (typeof v !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
        return err(key, 'expected a hex string of whole bytes');
      }
      raw = Uint8Array.from(Buffer.from(hex, 'hex'));
      continue;
    }
    if (!field && CPU_KEYS.has(key)) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535)
        return err(key, 'expected a CPU number');
      cpu = v;
      continue;
    }
    if (!field && COMM_KEYS.has(key)) {
      if (typeof v !== 'string') return err(key, 'expected a string');
      const b = new TextEncoder().encode(v);
      if (b.length > 15) return err(key, 'comm is at most 15 bytes');
      comm = b;
      continue;
    }
    if (!field) return { ok: false, error: `unknown field '${key}' for event ${event.system}/${event.name}` };
    fieldsGiven = true;
    switch (field.kind) {
      case 'static_string': {
        let b: Uint8Array;
        if (typeof v === 'string') b = new TextEncoder().encode(v);
        else if (Array.isArray(v) && v.every((x) => Number.isInteger(x) && x >= 0 && x <= 255))
          b = Uint8Array.from(v as number[]);
        else return err(key, 'expected a string or an array of byte values');
        if (b.length > field.size) return err(key, `longer than the ${field.size}-byte array`);
        fixed.set(b, field.offset);
        break;
      }
      case 'dyn_string':
      case 'rdyn_string': {
        if (v === null) {
          // A failed fetch (e.g. a uprobe string): zero length, locator pointing at the tail end.
          tail.push({ field, bytes: new Uint8Array(0) });
          break;
        }
        if (typeof v !== 'string') return err(key, 'expected a string or null');
        const s = new TextEncoder().encode(v);
        const b = new Uint8Array(s.length + 1);
        b.set(s);
        tail.push({ field, bytes: b });
        break;
      }
      case 'cpumask': {
        if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x) && x >= 0 && x < 65536)) {
          return err(key, 'expected an array of CPU numbers');
        }
        const max = v.reduce((m: number, x: number) => Math.max(m, x), 0);
        const b = new Uint8Array(Math.ceil((max + 1) / 64) * 8);
        for (const c of v as number[]) b[c >> 3] = (b[c >> 3] as number) | (1 << (c & 7));
        tail.push({ field, bytes: b });
        break;
      }
      case 'ptr_string': {
        let addr: bigint;
        if (v === null) addr = 0n;
        else if (typeof v === 'string') {
          addr = nextKernel;
          nextKernel += 0x1000n;
          pointees.set(addr, { bytes: new TextEncoder().encode(v), user: false });
        } else if (isRecord(v) && typeof v.user === 'string' && Object.keys(v).length === 1) {
          addr = nextUser;
          nextUser += 0x1000n;
          pointees.set(addr, { bytes: new TextEncoder().encode(v.user), user: true });
        } else {
          const p = intPattern(v, field.size, false);
          if (typeof p === 'string')
            return err(key, `expected a string, {"user": string}, null or a pointer value: ${p}`);
          addr = p;
        }
        writeUint(fixed, field.offset, field.size, addr);
        break;
      }
      default: {
        const dynamic = field.type.includes('__data_loc') || field.type.includes('__rel_loc');
        if (Array.isArray(v) && dynamic) {
          // Numeric dynamic array (e.g. `__data_loc u64[]`): payload appended, locator word set.
          const es = elementSize(field);
          const b = new Uint8Array(v.length * es);
          for (let k = 0; k < v.length; k++) {
            const p = intPattern(v[k], es, field.signed);
            if (typeof p === 'string') return err(key, `element ${k}: ${p}`);
            writeUint(b, k * es, es, p);
          }
          tail.push({ field, bytes: b });
          break;
        }
        if (Array.isArray(v)) {
          if (!field.type.includes('[')) return err(key, 'an array value needs an array field');
          const es = elementSize(field);
          if (v.length * es > field.size) return err(key, `too many elements for a ${field.size}-byte array`);
          for (let k = 0; k < v.length; k++) {
            const p = intPattern(v[k], es, field.signed);
            if (typeof p === 'string') return err(key, `element ${k}: ${p}`);
            writeUint(fixed, field.offset + k * es, es, p);
          }
          break;
        }
        if (field.size < 1 || field.size > 8)
          return err(key, `a ${field.size}-byte field needs an array value`);
        const p = intPattern(v, field.size, field.signed);
        if (typeof p === 'string') return err(key, p);
        writeUint(fixed, field.offset, field.size, p);
      }
    }
  }
  if (raw === undefined) {
    // Missing dynamic fields are empty: a lone NUL for strings, an all-zero 64-bit mask for cpumasks,
    // no elements for numeric dynamic arrays.
    const given = new Set(tail.map((t) => t.field));
    for (const f of event.fields) {
      if (given.has(f)) continue;
      if (f.kind === 'dyn_string' || f.kind === 'rdyn_string')
        tail.push({ field: f, bytes: new Uint8Array(1) });
      if (f.kind === 'cpumask') tail.push({ field: f, bytes: new Uint8Array(8) });
      if (f.kind === 'other' && /__data_loc|__rel_loc/.test(f.type) && !explicit.has(f.name)) {
        tail.push({ field: f, bytes: new Uint8Array(0) });
      }
    }
  }
  let record: Uint8Array;
  if (raw !== undefined) {
    if (fieldsGiven) return { ok: false, error: "'raw' cannot be combined with field values" };
    record = raw;
  } else {
    const total = fixedSize + tail.reduce((s, t) => s + t.bytes.length, 0);
    if (total > 0xffff) return { ok: false, error: 'record too large for 16-bit __data_loc offsets' };
    record = new Uint8Array(total);
    record.set(fixed);
    let at = fixedSize;
    tail.sort((a, b) => a.field.offset - b.field.offset);
    for (const t of tail) {
      record.set(t.bytes, at);
      const rel = t.field.kind === 'rdyn_string' ? at - (t.field.offset + 4) : at;
      writeUint(record, t.field.offset, 4, (BigInt(t.bytes.length) << 16n) | BigInt(rel));
      at += t.bytes.length;
    }
  }
  const commBuf = new Uint8Array(16);
  commBuf.set(comm);
  const readString = (address: bigint, user: boolean): Uint8Array | null => {
    const e = pointees.get(address);
    if (!e || e.user !== user) return null;
    return e.bytes;
  };
  return { ok: true, record, ctx: { cpu, comm: commBuf, readString } };
}
