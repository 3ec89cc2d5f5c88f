// One predicate, parsed exactly like the kernel's parse_pred() (6.18): field name, optional
// `.ustring`/`.function` suffixes, operator by prefix match in the order ~ != == <= < >= > &, then
// the value dispatch (.function, CPUS, quote, digit/'-', else "Invalid value") with the kernel's
// check order and error positions (P = index of the predicate's first byte + 1 + offset).
// Invariants: pure; reads past the end of the input as NUL; returns either a resolved predicate and
// the number of bytes consumed, or an error value (bare = no message, as when no name starts here).

import type { FieldRef, IntOp, Predicate } from './ast.ts';
import { isStringKind } from './classify.ts';
import { parseCpulist } from './cpulist.ts';
import { FILTER_MESSAGES } from './errors.ts';
import { kstrtoll, kstrtoull } from './kstrtox.ts';
import { classifyPattern } from './match.ts';
import type { EventFormat, FieldKind } from './types.ts';

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
}

export type PredResult =
  | { ok: true; pred: Predicate; length: number }
  | { ok: false; bare: true }
  | { ok: false; bare: false; message: string; position: number };

type Op = IntOp | '~';
const OPS: readonly Op[] = ['~', '!=', '==', '<=', '<', '>=', '>', '&'];
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

const GENERIC: Readonly<Record<string, { kind: FieldKind; type: string; signed: boolean }>> = {
  CPU: { kind: 'cpu', type: 'int', signed: true },
  cpu: { kind: 'cpu', type: 'int', signed: true },
  common_cpu: { kind: 'cpu', type: 'int', signed: true },
  COMM: { kind: 'comm', type: 'char *', signed: false },
  comm: { kind: 'comm', type: 'char *', signed: false },
  stacktrace: { kind: 'stacktrace', type: 'char *', signed: false },
  STACKTRACE: { kind: 'stacktrace', type: 'char *', signed: false },
};

/** trace_find_event_field: the event's own fields, then generic pseudo-fields, then common fields. */
export function findField(event: EventFormat, name: string): FieldRef | undefined {
  for (const f of event.fields) {
    if (!f.common && f.name === name) return { ...pick(f), origin: 'event' };
  }
  const g = Object.hasOwn(GENERIC, name) ? GENERIC[name] : undefined;
  if (g) return { name, type: g.type, offset: 0, size: 0, signed: g.signed, kind: g.kind, origin: 'generic' };
  for (const f of event.fields) {
    if (f.common && f.name === name) return { ...pick(f), origin: 'common' };
  }
  return undefined;
}

function pick(f: EventFormat['fields'][number]): Omit<FieldRef, 'origin'> {
  return { name: f.name, type: f.type, offset: f.offset, size: f.size, signed: f.signed, kind: f.kind };
}

function latin(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.subarray(start, end)).toString('latin1');
}

/**
 * Parses the predicate starting at byte `start` (a non-blank byte). Positions in errors are absolute
 * (already include the kernel's +1).
 */
export function parsePred(bytes: Uint8Array, start: number, event: EventFormat, env: PredEnv): PredResult {
  const at = (k: number): number => (start + k < bytes.length ? (bytes[start + k] as number) : 0);
  const pos = start + 1;
  const fail = (message: string, k: number): PredResult => ({
    ok: false,
    bare: false,
    message,
    position: pos + k,
  });
  let i = 0;
  while (isSpace(at(i))) i++;
  let s = i;
  while (isAlnum(at(i)) || at(i) === 0x5f) i++;
  if (i === s) return { ok: false, bare: true };
  const fieldName = latin(bytes, start + s, start + i);
  const field = findField(event, fieldName);
  if (!field) return fail(FILTER_MESSAGES.fieldNotFound, i);
  const hasPrefix = (k: number, text: string): boolean => {
    for (let j = 0; j < text.length; j++) if (at(k + j) !== text.charCodeAt(j)) return false;
    return true;
  };
  let ustring = false;
  let fn = false;
  if (hasPrefix(i, '.ustring')) {
    ustring = true;
    i += 8;
  }
  if (hasPrefix(i, '.function')) {
    fn = true;
    i += 9;
  }
  while (isSpace(at(i))) i++;
  const op = OPS.find((o) => hasPrefix(i, o));
  if (op === undefined) return fail(FILTER_MESSAGES.invalidOp, i);
  i += op.length;
  while (isSpace(at(i))) i++;
  s = i;
  const span = (end: number) => ({ start, end: start + end });

  if (fn) {
    if (field.size !== SIZEOF_LONG) return fail(FILTER_MESSAGES.illegalFieldOp, i);
    if (op !== '==' && op !== '!=') return fail(FILTER_MESSAGES.invalidOp, i);
    let ip: bigint | undefined;
    let valueText: string;
    let sym: { start: bigint; size: bigint } | undefined;
    if (isDigit(at(i))) {
      while (isAlnum(at(i))) i++;
      if (i - s >= NUM_BUF) return fail(FILTER_MESSAGES.operandTooLong, i);
      valueText = latin(bytes, start + s, start + i);
      ip = kstrtoull(valueText);
      if (ip === undefined) return fail(FILTER_MESSAGES.invalidValue, i);
      sym = ip === 0n ? undefined : env.lookupSymbol?.(ip);
    } else {
      while (at(i) !== 0 && !isSpace(at(i))) i++;
      valueText = Buffer.from(bytes.subarray(start + s, start + i)).toString('utf8');
      sym = env.lookupSymbol?.(valueText);
      if (!sym || sym.start === 0n) return fail(FILTER_MESSAGES.noFunction, i);
    }
    if (!sym) return fail(FILTER_MESSAGES.noFunction, i);
    return {
      ok: true,
      length: i,
      pred: {
        type: 'function',
        field,
        span: span(i),
        ustring,
        op,
        start: sym.start,
        end: sym.start + sym.size,
        valueText,
      },
    };
  }

  if (hasPrefix(i, 'CPUS')) {
    if (field.kind !== 'cpumask' && field.kind !== 'cpu' && field.kind !== 'other') {
      return fail(FILTER_MESSAGES.illegalFieldOp, i);
    }
    if (op !== '==' && op !== '!=' && op !== '&') return fail(FILTER_MESSAGES.illegalFieldOp, i);
    i += 4;
    if (at(i++) !== 0x7b) return fail(FILTER_MESSAGES.missingBraceOpen, i);
    const maskStart = i;
    while (at(i) !== 0 && at(i) !== 0x7d) i++;
    if (at(i) !== 0x7d) return fail(FILTER_MESSAGES.missingBraceClose, i);
    if (maskStart === i) return fail(FILTER_MESSAGES.invalidCpulist, i);
    const listText = latin(bytes, start + maskStart, start + i);
    const parsed = parseCpulist(listText, env.nrCpuIds);
    if (!parsed.ok) return fail(FILTER_MESSAGES.invalidCpulist, i);
    i++;
    const mask = new Uint8Array(env.nrCpuIds);
    for (const c of parsed.cpus) mask[c] = 1;
    return {
      ok: true,
      length: i,
      pred: {
        type: 'cpus',
        field,
        span: span(i),
        ustring,
        op,
        cpus: parsed.cpus,
        mask,
        nrCpuIds: env.nrCpuIds,
        listText,
      },
    };
  }

  const q = at(i);
  if (q === 0x27 || q === 0x22) {
    if (op !== '==' && op !== '!=' && op !== '~') return fail(FILTER_MESSAGES.illegalFieldOp, i);
    if (!isStringKind(field.kind)) return fail(FILTER_MESSAGES.expectDigit, i);
    for (i++; at(i) !== 0; i++) if (at(i) === q) break;
    if (at(i) === 0) return fail(FILTER_MESSAGES.missingQuote, i);
    s++;
    if (i - s >= MAX_FILTER_STR_VAL) return fail(FILTER_MESSAGES.operandTooLong, i);
    const literal = bytes.slice(start + s, start + i);
    i++;
    const c =
      op === '~' ? classifyPattern(literal) : { kind: 'full' as const, needle: literal, negate: op === '!=' };
    return {
      ok: true,
      length: i,
      pred: {
        type: 'string',
        field,
        span: span(i),
        ustring,
        op,
        literal,
        quote: q === 0x27 ? "'" : '"',
        match: c.kind,
        needle: c.needle,
        negate: c.negate,
      },
    };
  }

  if (isDigit(q) || q === 0x2d) {
    if (isStringKind(field.kind)) return fail(FILTER_MESSAGES.expectString, i);
    if (op === '~') return fail(FILTER_MESSAGES.illegalFieldOp, i);
    if (at(i) === 0x2d) i++;
    while (isAlnum(at(i))) i++;
    if (i - s >= NUM_BUF) return fail(FILTER_MESSAGES.operandTooLong, i);
    const text = latin(bytes, start + s, start + i);
    const value = field.signed ? kstrtoll(text) : kstrtoull(text);
    if (value === undefined) return fail(FILTER_MESSAGES.illegalIntval, s);
    const type = field.kind === 'cpu' ? 'cpu' : 'int';
    return { ok: true, length: i, pred: { type, field, span: span(i), ustring, op, value } };
  }
  return fail(FILTER_MESSAGES.invalidValue, i);
}
