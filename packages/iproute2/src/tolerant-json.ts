/*
 * A tolerant JSON reader for iproute2's `-j` output. iproute2 6.1 prints objects with duplicate keys (u32 prints one
 * "match" object per key) and, with u32 `offset`/`eat`, keyless strings inside objects (`…,"    offset ",…," eat "}`),
 * which JSON.parse rejects. Invariants: objects keep every entry in source order, duplicates included; a string in
 * key position not followed by ':' is kept as a keyless entry (key null) instead of failing; numbers are kept as
 * numbers when they are safe integers or non-integers, as bigint otherwise (64-bit counters stay exact); the parser is
 * iterative (no recursion), so deep input cannot overflow the stack; it never throws: bad input is an error value with
 * the byte offset.
 */

export type JsonValue = null | boolean | number | bigint | string | JsonArray | JsonObject;
export interface JsonArray {
  readonly kind: 'array';
  readonly items: JsonValue[];
}
export interface JsonEntry {
  /** null for iproute2's keyless strings (" eat ", "    offset "). */
  readonly key: string | null;
  readonly value: JsonValue;
}
export interface JsonObject {
  readonly kind: 'object';
  readonly entries: JsonEntry[];
}

export type TolerantParse =
  | { readonly ok: true; readonly value: JsonValue }
  | { readonly ok: false; readonly error: string; readonly offset: number };

/** Largest nesting accepted (far above anything iproute2 prints). */
export const MAX_JSON_DEPTH = 10_000;

type Frame =
  | { readonly t: 'array'; readonly node: JsonArray }
  | { readonly t: 'object'; readonly node: JsonObject; key: string | null | undefined };

const WS = new Set([' ', '\t', '\n', '\r']);

export function parseTolerantJson(text: string): TolerantParse {
  let i = 0;
  const stack: Frame[] = [];
  let root: JsonValue | undefined;
  const fail = (error: string): TolerantParse => ({ ok: false, error, offset: i });
  const skip = (): void => {
    while (i < text.length && WS.has(text[i] as string)) i++;
  };
  const readString = (): string | undefined => {
    // text[i] === '"'
    i++;
    let out = '';
    while (i < text.length) {
      const c = text[i] as string;
      if (c === '"') {
        i++;
        return out;
      }
      if (c === '\\') {
        const e = text[i + 1];
        const simple: Record<string, string> = {
          '"': '"',
          '\\': '\\',
          '/': '/',
          b: '\b',
          f: '\f',
          n: '\n',
          r: '\r',
          t: '\t',
        };
        if (e !== undefined && simple[e] !== undefined) {
          out += simple[e];
          i += 2;
          continue;
        }
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(Number.parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
          continue;
        }
        return undefined;
      }
      out += c;
      i++;
    }
    return undefined;
  };
  const readScalar = (): JsonValue | undefined => {
    const rest = text.slice(i, i + 5);
    if (rest.startsWith('true')) {
      i += 4;
      return true;
    }
    if (rest.startsWith('false')) {
      i += 5;
      return false;
    }
    if (rest.startsWith('null')) {
      i += 4;
      return null;
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) return undefined;
    i += m[0].length;
    if (m[2] === undefined && m[3] === undefined) {
      const n = Number(m[0]);
      return Number.isSafeInteger(n) ? n : BigInt(m[0]);
    }
    return Number(m[0]);
  };
  // Attaches a completed value to the innermost container (or makes it the root).
  const attach = (v: JsonValue): string | undefined => {
    const top = stack[stack.length - 1];
    if (top === undefined) {
      root = v;
      return undefined;
    }
    if (top.t === 'array') top.node.items.push(v);
    else {
      if (top.key === undefined) return 'value without a key';
      top.node.entries.push({ key: top.key, value: v });
      top.key = undefined;
    }
    return undefined;
  };
  // After a value inside a container: expect ',' or the closer.
  let expectValue = true;
  for (;;) {
    skip();
    const top = stack[stack.length - 1];
    if (!expectValue) {
      if (top === undefined) {
        if (i < text.length) return fail('trailing characters after the JSON value');
        return { ok: true, value: root ?? null };
      }
      const c = text[i];
      if (c === ',') {
        i++;
        expectValue = true;
        if (top.t === 'object') {
          skip();
          if (text[i] === '}') return fail('trailing comma');
        }
        continue;
      }
      const closer = top.t === 'array' ? ']' : '}';
      if (c === closer) {
        i++;
        stack.pop();
        const e = attach(top.node);
        if (e) return fail(e);
        expectValue = false;
        continue;
      }
      return fail(`expected ',' or '${closer}'`);
    }
    if (i >= text.length) return fail('unexpected end of input');
    const c = text[i] as string;
    if (top?.t === 'object' && top.key === undefined) {
      // Key position: a string, then ':' — or a keyless string (iproute2 quirk), or '}' for an empty object.
      if (c === '}' && top.node.entries.length === 0) {
        expectValue = false;
        continue;
      }
      if (c !== '"') return fail('expected a string key');
      const k = readString();
      if (k === undefined) return fail('bad string');
      skip();
      if (text[i] === ':') {
        i++;
        top.key = k;
        continue;
      }
      top.node.entries.push({ key: null, value: k });
      expectValue = false;
      continue;
    }
    if (c === '{' || c === '[') {
      if (stack.length >= MAX_JSON_DEPTH) return fail(`nesting deeper than ${MAX_JSON_DEPTH}`);
      i++;
      if (c === '[') {
        stack.push({ t: 'array', node: { kind: 'array', items: [] } });
        skip();
        if (text[i] === ']') expectValue = false;
      } else {
        stack.push({ t: 'object', node: { kind: 'object', entries: [] }, key: undefined });
      }
      continue;
    }
    if (c === ']' && top?.t === 'array' && top.node.items.length === 0) {
      expectValue = false;
      continue;
    }
    let v: JsonValue | undefined;
    if (c === '"') {
      v = readString();
      if (v === undefined) return fail('bad string');
    } else {
      v = readScalar();
      if (v === undefined) return fail(`unexpected character '${c}'`);
    }
    const e = attach(v);
    if (e) return fail(e);
    expectValue = false;
  }
}

export function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && (v as JsonObject).kind === 'object';
}

export function isArray(v: JsonValue | undefined): v is JsonArray {
  return typeof v === 'object' && v !== null && (v as JsonArray).kind === 'array';
}

/** The first value under `key` (JSON.parse keeps the last; iproute2 never repeats the keys read with this). */
export function field(o: JsonValue | undefined, key: string): JsonValue | undefined {
  if (!isObject(o)) return undefined;
  return o.entries.find((e) => e.key === key)?.value;
}

/** Every value under `key`, in order (u32's repeated "match"). */
export function fields(o: JsonValue | undefined, key: string): JsonValue[] {
  if (!isObject(o)) return [];
  return o.entries.filter((e) => e.key === key).map((e) => e.value);
}

/** An integer field as a bigint (undefined when absent or not an integer). */
export function intField(o: JsonValue | undefined, key: string): bigint | undefined {
  const v = field(o, key);
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return undefined;
}

export function stringField(o: JsonValue | undefined, key: string): string | undefined {
  const v = field(o, key);
  return typeof v === 'string' ? v : undefined;
}

export function items(v: JsonValue | undefined): JsonValue[] {
  return isArray(v) ? v.items : [];
}

/** Plain JS form (last duplicate wins, keyless strings dropped), for comparisons in tests and debugging. */
export function toPlain(v: JsonValue): unknown {
  // Iterative post-order conversion.
  const out = new Map<JsonValue, unknown>();
  const work: { v: JsonValue; done: boolean }[] = [{ v, done: false }];
  while (work.length > 0) {
    const w = work.pop() as { v: JsonValue; done: boolean };
    if (isArray(w.v)) {
      if (!w.done) {
        work.push({ v: w.v, done: true });
        for (const x of w.v.items) work.push({ v: x, done: false });
      } else
        out.set(
          w.v,
          w.v.items.map((x) => (typeof x === 'object' && x !== null ? out.get(x) : x)),
        );
    } else if (isObject(w.v)) {
      if (!w.done) {
        work.push({ v: w.v, done: true });
        for (const e of w.v.entries) work.push({ v: e.value, done: false });
      } else {
        const o: Record<string, unknown> = {};
        for (const e of w.v.entries)
          if (e.key !== null)
            // An own property, as JSON.parse makes it: assignment would set the prototype for "__proto__".
            Object.defineProperty(o, e.key, {
              value: typeof e.value === 'object' && e.value !== null ? out.get(e.value) : e.value,
              enumerable: true,
              writable: true,
              configurable: true,
            });
        out.set(w.v, o);
      }
    }
  }
  return typeof v === 'object' && v !== null ? out.get(v) : v;
}
