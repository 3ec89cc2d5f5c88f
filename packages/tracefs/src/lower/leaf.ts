// One tracefs predicate → one IR predicate, with the kernel's per-predicate semantics (tracefs spec
// §6.1–§6.10) restated in IR terms. Invariants: pure; never throws; the result is either an IR `Pred`
// whose evaluation equals the reference interpreter's leaf (evaluate.ts) on every record/context the
// lowering context can describe, or a diagnostic naming the predicate's span. Record fields are
// host order (little-endian). Where values come from:
//   ctx 'record'      fields: `record` loads; cpu: the `cpu` pseudo; comm: the `comm` source;
//                     with commonFields 'pseudo': common_pid → the `pid` pseudo, common_type → the
//                     event id constant, common_flags/common_preempt_count → diagnostic;
//   ctx 'trace-frame' fields: `frame` loads (record at frame byte 54); cpu: frame bytes 20–21 (u16 BE,
//                     `packet` base); comm: frame bytes 38–53 (`packet` base, a 16-byte array).

import type { Base, CmpOp, Expr, Pred, StrSource, Width } from '@tfc/ir';
import {
  and,
  arith,
  cmp,
  cpusPredicate,
  FALSE,
  inSet,
  konst,
  load,
  not,
  or,
  pseudo,
  str,
  TRUE,
} from '@tfc/ir';
import type {
  CpuPredicate,
  CpusPredicate,
  FieldRef,
  FunctionPredicate,
  IntOp,
  IntPredicate,
  Predicate,
  Span,
  StringPredicate,
} from '../ast.ts';
import { FRAME_HEADER } from '../frame.ts';
import type { EventFormat } from '../types.ts';

export type LowerCtx = 'record' | 'trace-frame';

export interface LeafEnv {
  readonly ctx: LowerCtx;
  readonly nrCpuIds: number;
  readonly commonFields: 'record' | 'pseudo';
  readonly event: EventFormat;
}

export interface LowerDiagnostic {
  readonly message: string;
  readonly span?: Span;
}

export type LeafResult =
  | { readonly ok: true; readonly pred: Pred }
  | { readonly ok: false; readonly diagnostic: LowerDiagnostic };

/** Frame offsets of the trace-frame header fields (docs/trace-over-ethernet.md). */

const INT_OPS: Readonly<Record<IntOp, CmpOp>> = {
  '==': 'eq',
  '!=': 'ne',
  '<': 'lt',
  '<=': 'le',
  '>': 'gt',
  '>=': 'ge',
  '&': 'set',
};

function isWidth(n: number): n is Width {
  return n === 1 || n === 2 || n === 4 || n === 8;
}

function fail(message: string, span: Span): LeafResult {
  return { ok: false, diagnostic: { message, span } };
}

function ok(pred: Pred): LeafResult {
  return { ok: true, pred };
}

function recordBase(env: LeafEnv): Base {
  return env.ctx === 'record' ? 'record' : 'frame';
}

/** The executing CPU as a 64-bit value whose low 32 bits are the signed int the kernel compares. */
function cpuExpr(env: LeafEnv): Expr {
  return env.ctx === 'record' ? pseudo('cpu') : load('packet', FRAME_HEADER.cpu, 2, 'be', false);
}

/**
 * The value of a scalar field of size 1/2/4/8 (signedness as the field), or why it has none here.
 * Other sizes are handled by the callers (the kernel makes them false).
 */
function scalarValue(field: FieldRef, width: Width, env: LeafEnv, span: Span): Expr | LowerDiagnostic {
  if (field.origin === 'common' && env.ctx === 'record' && env.commonFields === 'pseudo') {
    if (field.name === 'common_pid') return pseudo('pid');
    if (field.name === 'common_type') return konst(BigInt(env.event.id));
    return {
      message: `'${field.name}' is not available to tracepoint programs (record bytes 0–7 are unreadable); lower with commonFields 'record' or drop the predicate`,
      span,
    };
  }
  return load(recordBase(env), field.offset, width, 'le', field.signed);
}

function isDiag(x: Expr | LowerDiagnostic): x is LowerDiagnostic {
  return 'message' in x;
}

function lowerInt(p: IntPredicate, env: LeafEnv): LeafResult {
  const { field } = p;
  if (field.kind === 'stacktrace') return ok(FALSE);
  const size = field.size;
  if (!isWidth(size)) return ok(FALSE);
  const v = scalarValue(field, size, env, p.span);
  if (isDiag(v)) return { ok: false, diagnostic: v };
  return ok(cmp(INT_OPS[p.op], size, field.signed, v, p.value));
}

function lowerCpu(p: CpuPredicate, env: LeafEnv): LeafResult {
  if (p.op === '&') return ok(FALSE);
  return ok(cmp(INT_OPS[p.op], 4, true, cpuExpr(env), BigInt.asUintN(32, p.value)));
}

/** Byte j of a `__data_loc cpumask_t` bitmap: record byte (loc & 0xffff) + j. */
function maskByte(field: FieldRef, base: Base, j: number): Expr {
  const start = arith('&', load(base, field.offset, 4, 'le', false), konst(0xffff));
  return load(base, j === 0 ? start : arith('+', start, konst(j)), 1, 'le', false);
}

/** CPUS{} against a cpumask field: equality / intersection over the first nrCpuIds bits. */
function lowerCpumask(p: CpusPredicate, env: LeafEnv): Pred {
  const nr = p.nrCpuIds;
  const base = recordBase(env);
  const nBytes = Math.ceil(nr / 8);
  const want = new Uint8Array(nBytes);
  for (const c of p.cpus) if (c >= 0 && c < nr) want[c >> 3] = (want[c >> 3] as number) | (1 << (c & 7));
  if (p.op === '&') {
    const terms: Pred[] = [];
    for (let j = 0; j < nBytes; j++) {
      const m = want[j] as number;
      if (m !== 0) terms.push(cmp('set', 1, false, maskByte(p.field, base, j), m));
    }
    return or(...terms);
  }
  const eqs: Pred[] = [];
  for (let j = 0; j < nBytes; j++) {
    const valid = Math.min(8, nr - 8 * j);
    const vm = valid === 8 ? 0xff : (1 << valid) - 1;
    const b = maskByte(p.field, base, j);
    eqs.push(cmp('eq', 1, false, vm === 0xff ? b : arith('&', b, konst(vm)), want[j] as number));
  }
  const equal = and(...eqs);
  return p.op === '==' ? equal : not(equal);
}

function lowerCpus(p: CpusPredicate, env: LeafEnv): LeafResult {
  if (p.nrCpuIds !== env.nrCpuIds) {
    return fail(
      `CPUS{${p.listText}} was parsed for nr_cpu_ids=${p.nrCpuIds} but lowering targets nr_cpu_ids=${env.nrCpuIds}; parse the filter with the target's CPU count`,
      p.span,
    );
  }
  const op = p.op === '==' ? 'eq' : p.op === '!=' ? 'ne' : 'set';
  const { field } = p;
  if (field.kind === 'cpumask') return ok(lowerCpumask(p, env));
  if (field.kind === 'cpu') {
    const v = cpuExpr(env);
    if (p.cpus.length === 1)
      return ok(cmp(op === 'ne' ? 'ne' : 'eq', 4, false, v, BigInt(p.cpus[0] as number)));
    if (op === 'eq') return ok(FALSE);
    if (op === 'ne') return ok(TRUE);
    return ok(inSet(4, v, p.cpus.map(BigInt)));
  }
  const size = field.size;
  if (field.kind === 'stacktrace' || !isWidth(size)) return ok(FALSE);
  const v = scalarValue(field, size, env, p.span);
  if (isDiag(v)) return { ok: false, diagnostic: v };
  return ok(cpusPredicate(op, { kind: 'field', value: v, width: size }, p.cpus, p.nrCpuIds));
}

function stringSource(p: StringPredicate, env: LeafEnv): StrSource | LowerDiagnostic {
  const { field } = p;
  const base = recordBase(env);
  switch (field.kind) {
    case 'static_string':
      if (field.size < 1 || field.size > 65535)
        return {
          message: `char array '${field.name}' of size ${field.size} cannot be matched in the IR`,
          span: p.span,
        };
      return { kind: 'fixed', base, offset: field.offset, size: field.size };
    case 'dyn_string':
      return { kind: 'dataloc', base, offset: field.offset, rel: false, order: 'le' };
    case 'rdyn_string':
      return { kind: 'dataloc', base, offset: field.offset, rel: true, order: 'le' };
    case 'comm':
      return env.ctx === 'record'
        ? { kind: 'comm' }
        : { kind: 'fixed', base: 'packet', offset: FRAME_HEADER.comm, size: 16 };
    default:
      if (field.size !== 8)
        return {
          message: `pointer string '${field.name}' of size ${field.size}: the IR reads 8-byte pointers only`,
          span: p.span,
        };
      return { kind: 'ptr', base, offset: field.offset, order: 'le', space: p.ustring ? 'user' : 'kernel' };
  }
}

function lowerString(p: StringPredicate, env: LeafEnv): LeafResult {
  const src = stringSource(p, env);
  if ('message' in src) return { ok: false, diagnostic: src };
  // Before the 2026 glob fix the kernel's glob reads a char array or __data_loc string up to a NUL, past the
  // field's length; a program cannot reproduce reads past the field. comm and copied pointer strings always
  // end in a NUL within their length, so both readings agree there.
  if (p.unboundedGlob && (src.kind === 'fixed' || src.kind === 'dataloc') && p.field.kind !== 'comm')
    return fail(
      `glob on '${p.field.name}': this kernel's dialect matches globs up to a NUL past the field's length (before the 2026 glob fix), which a compiled program cannot reproduce; use a kernel profile with the fix or a non-glob pattern`,
      p.span,
    );
  let pattern = '';
  for (const b of p.needle) {
    if (b === 0) return fail('string pattern contains a NUL byte', p.span);
    pattern += String.fromCharCode(b);
  }
  if (pattern.length > 255)
    return fail(`string pattern of ${pattern.length} bytes (the IR allows 255)`, p.span);
  if (p.match === 'full' && p.strncmpFull !== true) return ok(lengthCheckedFull(pattern, src, p.negate));
  return ok(str(p.match, pattern, src, p.negate));
}

/**
 * `==`/`!=` since the regex_match_full() fix: a string whose known length is shorter than the pattern does not
 * match. A fixed array's length is known here; a locator's length (its high 16 bits, 0 = NUL-terminated) is
 * tested before the compare; comm is 16 bytes. A pointer string's length counts its NUL, so the check cannot
 * change its verdict and is left out.
 */
function lengthCheckedFull(pattern: string, src: StrSource, negate: boolean): Pred {
  const plen = pattern.length;
  const known = src.kind === 'fixed' ? src.size : src.kind === 'comm' ? 16 : undefined;
  if (known !== undefined && known < plen) return negate ? TRUE : FALSE;
  if (src.kind !== 'dataloc' || plen < 2) return str('full', pattern, src, negate);
  const len = arith('>>', load(src.base, src.offset, 4, src.order, false), konst(16));
  const long = or(cmp('eq', 4, false, len, 0n), cmp('ge', 4, false, len, BigInt(plen)));
  return negate
    ? or(not(long), str('full', pattern, src, true))
    : and(long, str('full', pattern, src, false));
}

function lowerFunction(p: FunctionPredicate, env: LeafEnv): LeafResult {
  const v = load(recordBase(env), p.field.offset, 8, 'le', false);
  const U64 = 1n << 64n;
  const lo = p.start >= U64 ? FALSE : p.start === 0n ? TRUE : cmp('ge', 8, false, v, p.start);
  const hi = p.end >= U64 ? TRUE : p.end <= 0n ? FALSE : cmp('lt', 8, false, v, p.end);
  const inside = and(lo, hi);
  return ok(p.op === '==' ? inside : not(inside));
}

/** Lower one predicate of a parsed filter. */
export function lowerPredicate(p: Predicate, env: LeafEnv): LeafResult {
  switch (p.type) {
    case 'int':
      return lowerInt(p, env);
    case 'cpu':
      return lowerCpu(p, env);
    case 'cpus':
      return lowerCpus(p, env);
    case 'string':
      return lowerString(p, env);
    case 'function':
      return lowerFunction(p, env);
  }
}
