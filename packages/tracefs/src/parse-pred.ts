// One predicate, parsed exactly like the kernel's parse_pred() (6.18): field name, optional
// `.ustring`/`.function` suffixes, operator by prefix match in the order ~ != == <= < >= > &, then
// the value dispatch (.function, CPUS, quote, digit/'-', else "Invalid value") with the kernel's
// check order and error positions (P = index of the predicate's first byte + 1 + offset).
// Invariants: pure (the only write is to the caller's per-filter field cache); no closures or
// allocations beyond the result on the hot path; reads past the end of the input as NUL; returns
// either a resolved predicate and the number of bytes consumed, or an error value (bare = no message,
// as when no name starts here). Suffixes, CPUS{}, generic fields, messages and the glob bound follow the
// environment's dialect (default: the newest profile).

import type { FieldRef, IntOp, Predicate } from './ast.ts';
import { isStringKind } from './classify.ts';
import { parseCpulist } from './cpulist.ts';
import type { FilterDialect, FilterMessages, GenericFieldName } from './dialect/model.ts';
import { NEWEST } from './dialect/profiles.ts';
import { kstrtoll, kstrtoull } from './kstrtox.ts';
import { classifyPattern } from './match.ts';
import type { EventFormat, FieldKind, FormatField } from './types.ts';

/** What the filter language depends on beyond the event format (machine-specific facts). */
export interface PredEnv {
  /** The kernel's nr_cpu_ids (= nr_cpumask_bits): CPUS{} validity and the CPUS out-of-range rule. */
  readonly nrCpuIds: number;
  /**
   * Kernel symbol lookup for `.function`: a name gives that symbol's {start, size}; an address gives
   * the symbol containing it. Absent: every `.function` value is "Function not found".
   * See symbolLookupFromKallsyms.
   */
  readonly lookupSymbol?: (nameOrAddress: string | bigint) => { start: bigint; size: bigint } | undefined;
  /** The kernel's filter dialect (dialect/profiles.ts); default the newest profile. */
  readonly dialect?: FilterDialect;
}

export type PredResult =
  | { ok: true; pred: Predicate; length: number }
  | { ok: false; bare: true }
  | { ok: false; bare: false; message: string; position: number };

type Op = IntOp | '~';
const MAX_FILTER_STR_VAL = 256;
const NUM_BUF = 24;
const SIZEOF_LONG = 8;

export function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}
function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function isAlnum(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

const GENERIC: Readonly<Record<GenericFieldName, { kind: FieldKind; type: string; signed: boolean }>> = {
  CPU: { kind: 'cpu', type: 'int', signed: true },
  cpu: { kind: 'cpu', type: 'int', signed: true },
  common_cpu: { kind: 'cpu', type: 'int', signed: true },
  COMM: { kind: 'comm', type: 'char *', signed: false },
  comm: { kind: 'comm', type: 'char *', signed: false },
  stacktrace: { kind: 'stacktrace', type: 'char *', signed: false },
  STACKTRACE: { kind: 'stacktrace', type: 'char *', signed: false },
};

/**
 * trace_find_event_field: the event's own fields, then the dialect's generic pseudo-fields, then common
 * fields (`generic` defaults to the newest profile's list).
 */
export function findField(
  event: EventFormat,
  name: string,
  generic: readonly GenericFieldName[] = NEWEST.genericFields,
): FieldRef | undefined {
  const fields = event.fields;
  for (let k = 0; k < fields.length; k++) {
    const f = fields[k] as FormatField;
    if (!f.common && f.name === name) return fieldRef(f, 'event');
  }
  const g = (generic as readonly string[]).includes(name) ? GENERIC[name as GenericFieldName] : undefined;
  if (g) return { name, type: g.type, offset: 0, size: 0, signed: g.signed, kind: g.kind, origin: 'generic' };
  for (let k = 0; k < fields.length; k++) {
    const f = fields[k] as FormatField;
    if (f.common && f.name === name) return fieldRef(f, 'common');
  }
  return undefined;
}

function fieldRef(f: FormatField, origin: FieldRef['origin']): FieldRef {
  return {
    name: f.name,
    type: f.type,
    offset: f.offset,
    size: f.size,
    signed: f.signed,
    kind: f.kind,
    origin,
  };
}

/**
 * Field lookups of one parse: each distinct name is resolved once (FieldRef values are immutable, so
 * predicates naming the same field may share one).
 */
export type FieldCache = Map<string, FieldRef | null>;

function lookupField(
  event: EventFormat,
  name: string,
  generic: readonly GenericFieldName[],
  cache: FieldCache | undefined,
): FieldRef | undefined {
  if (!cache) return findField(event, name, generic);
  const hit = cache.get(name);
  if (hit !== undefined) return hit ?? undefined;
  const f = findField(event, name, generic);
  cache.set(name, f ?? null);
  return f;
}

/** bytes[k], or 0 (NUL) at and beyond the end. */
function byteAt(bytes: Uint8Array, k: number): number {
  return k < bytes.length ? (bytes[k] as number) : 0;
}

/** Latin-1 text of bytes[start, end); a char-code loop for the short names and numbers of the hot path. */
function latin(bytes: Uint8Array, start: number, end: number): string {
  if (end - start > 64)
    return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
  let s = '';
  for (let k = start; k < end; k++) s += String.fromCharCode(bytes[k] as number);
  return s;
}

function hasPrefix(bytes: Uint8Array, k: number, text: string): boolean {
  for (let j = 0; j < text.length; j++) if (byteAt(bytes, k + j) !== text.charCodeAt(j)) return false;
  return true;
}

/** The operator at bytes[k], by prefix match in the kernel's order (~ != == <= < >= > &). */
function matchOp(bytes: Uint8Array, k: number): Op | undefined {
  const c = byteAt(bytes, k);
  const c1 = byteAt(bytes, k + 1);
  switch (c) {
    case 0x7e:
      return '~';
    case 0x21:
      return c1 === 0x3d ? '!=' : undefined;
    case 0x3d:
      return c1 === 0x3d ? '==' : undefined;
    case 0x3c:
      return c1 === 0x3d ? '<=' : '<';
    case 0x3e:
      return c1 === 0x3d ? '>=' : '>';
    case 0x26:
      return '&';
    default:
      return undefined;
  }
}

function failAt(message: string, position: number): PredResult {
  return { ok: false, bare: false, message, position };
}

/**
 * Parses the predicate starting at byte `start` (a non-blank byte). Positions in errors are absolute
 * (already include the kernel's +1). `fields` memoizes field lookups across the predicates of one filter.
 */
export function parsePred(
  bytes: Uint8Array,
  start: number,
  event: EventFormat,
  env: PredEnv,
  fields?: FieldCache,
): PredResult {
  // Indexes below are absolute; the kernel's P (error position) is index + 1.
  const dialect = env.dialect ?? NEWEST;
  const M = dialect.messages;
  let i = start;
  while (isSpace(byteAt(bytes, i))) i++;
  let s = i;
  while (isAlnum(byteAt(bytes, i)) || byteAt(bytes, i) === 0x5f) i++;
  if (i === s) return { ok: false, bare: true };
  const field = lookupField(event, latin(bytes, s, i), dialect.genericFields, fields);
  if (!field) return failAt(M.fieldNotFound, i + 1);
  let ustring = false;
  let fn = false;
  if (dialect.suffixes.ustring && hasPrefix(bytes, i, '.ustring')) {
    ustring = true;
    i += 8;
  }
  if (dialect.suffixes.function && hasPrefix(bytes, i, '.function')) {
    fn = true;
    i += 9;
  }
  while (isSpace(byteAt(bytes, i))) i++;
  const op = matchOp(bytes, i);
  if (op === undefined) return failAt(M.invalidOp, i + 1);
  i += op.length;
  while (isSpace(byteAt(bytes, i))) i++;
  s = i;
  if (fn) return functionPred(bytes, start, s, field, ustring, op, env, M);
  if (dialect.cpusLiterals && hasPrefix(bytes, i, 'CPUS'))
    return cpusPred(bytes, start, i, field, ustring, op, env, M);
  const q = byteAt(bytes, i);
  if (q === 0x27 || q === 0x22) return stringPred(bytes, start, s, field, ustring, op, q, dialect, M);

  if (isDigit(q) || q === 0x2d) {
    if (isStringKind(field.kind)) return failAt(M.expectString, i + 1);
    if (op === '~') return failAt(M.illegalFieldOp, i + 1);
    if (byteAt(bytes, i) === 0x2d) i++;
    while (isAlnum(byteAt(bytes, i))) i++;
    if (i - s >= NUM_BUF) return failAt(M.operandTooLong, i + 1);
    const value = field.signed ? kstrtoll(latin(bytes, s, i)) : kstrtoull(latin(bytes, s, i));
    if (value === undefined) return failAt(M.illegalIntval, s + 1);
    const type = field.kind === 'cpu' ? 'cpu' : 'int';
    return {
      ok: true,
      length: i - start,
      pred: { type, field, span: { start, end: i }, ustring, op, value },
    };
  }
  return failAt(M.invalidValue, i + 1);
}

/** `FIELD.function == SYMBOL|ADDRESS`; `s` is the value's first byte. */
function functionPred(
  bytes: Uint8Array,
  start: number,
  s: number,
  field: FieldRef,
  ustring: boolean,
  op: Op,
  env: PredEnv,
  M: FilterMessages,
): PredResult {
  let i = s;
  if (field.size !== SIZEOF_LONG) return failAt(M.illegalFieldOp, i + 1);
  if (op !== '==' && op !== '!=') return failAt(M.invalidOp, i + 1);
  let valueText: string;
  let sym: { start: bigint; size: bigint } | undefined;
  if (isDigit(byteAt(bytes, i))) {
    while (isAlnum(byteAt(bytes, i))) i++;
    if (i - s >= NUM_BUF) return failAt(M.operandTooLong, i + 1);
    valueText = latin(bytes, s, i);
    const ip = kstrtoull(valueText);
    if (ip === undefined) return failAt(M.invalidValue, i + 1);
    sym = ip === 0n ? undefined : env.lookupSymbol?.(ip);
  } else {
    while (byteAt(bytes, i) !== 0 && !isSpace(byteAt(bytes, i))) i++;
    valueText = Buffer.from(bytes.subarray(s, i)).toString('utf8');
    sym = env.lookupSymbol?.(valueText);
    if (!sym || sym.start === 0n) return failAt(M.noFunction, i + 1);
  }
  if (!sym) return failAt(M.noFunction, i + 1);
  return {
    ok: true,
    length: i - start,
    pred: {
      type: 'function',
      field,
      span: { start, end: i },
      ustring,
      op,
      start: sym.start,
      end: sym.start + sym.size,
      valueText,
    },
  };
}

/** `FIELD OP CPUS{list}`; `i` is the index of "CPUS". */
function cpusPred(
  bytes: Uint8Array,
  start: number,
  i: number,
  field: FieldRef,
  ustring: boolean,
  op: Op,
  env: PredEnv,
  M: FilterMessages,
): PredResult {
  if (field.kind !== 'cpumask' && field.kind !== 'cpu' && field.kind !== 'other') {
    return failAt(M.illegalFieldOp, i + 1);
  }
  if (op !== '==' && op !== '!=' && op !== '&') return failAt(M.illegalFieldOp, i + 1);
  i += 4;
  if (byteAt(bytes, i++) !== 0x7b) return failAt(M.missingBraceOpen, i + 1);
  const maskStart = i;
  while (byteAt(bytes, i) !== 0 && byteAt(bytes, i) !== 0x7d) i++;
  if (byteAt(bytes, i) !== 0x7d) return failAt(M.missingBraceClose, i + 1);
  if (maskStart === i) return failAt(M.invalidCpulist, i + 1);
  const listText = latin(bytes, maskStart, i);
  const parsed = parseCpulist(listText, env.nrCpuIds);
  if (!parsed.ok) return failAt(M.invalidCpulist, i + 1);
  i++;
  const mask = new Uint8Array(env.nrCpuIds);
  for (const c of parsed.cpus) mask[c] = 1;
  return {
    ok: true,
    length: i - start,
    pred: {
      type: 'cpus',
      field,
      span: { start, end: i },
      ustring,
      op,
      cpus: parsed.cpus,
      mask,
      nrCpuIds: env.nrCpuIds,
      listText,
    },
  };
}

/** `FIELD OP 'text'` or `"text"`; `s` is the index of the opening quote `q`. */
function stringPred(
  bytes: Uint8Array,
  start: number,
  s: number,
  field: FieldRef,
  ustring: boolean,
  op: Op,
  q: number,
  dialect: FilterDialect,
  M: FilterMessages,
): PredResult {
  let i = s;
  if (op !== '==' && op !== '!=' && op !== '~') return failAt(M.illegalFieldOp, i + 1);
  if (!isStringKind(field.kind)) return failAt(M.expectDigit, i + 1);
  for (i++; byteAt(bytes, i) !== 0; i++) if (byteAt(bytes, i) === q) break;
  if (byteAt(bytes, i) === 0) return failAt(M.missingQuote, i + 1);
  s++;
  if (i - s >= MAX_FILTER_STR_VAL) return failAt(M.operandTooLong, i + 1);
  const literal = bytes.slice(s, i);
  i++;
  const c =
    op === '~' ? classifyPattern(literal) : { kind: 'full' as const, needle: literal, negate: op === '!=' };
  return {
    ok: true,
    length: i - start,
    pred: {
      type: 'string',
      field,
      span: { start, end: i },
      ustring,
      op,
      literal,
      quote: q === 0x27 ? "'" : '"',
      match: c.kind,
      needle: c.needle,
      negate: c.negate,
      ...(c.kind === 'glob' && dialect.globBound === 'nul' ? { unboundedGlob: true as const } : {}),
      ...(c.kind === 'full' && dialect.fullMatch === 'strncmp' ? { strncmpFull: true as const } : {}),
    },
  };
}
