// The reference interpreter: Linux 6.18 filter semantics over record bytes (host = little-endian).
// Invariants: never throws for any record bytes; a record shorter than the format reads as if it
// were zero-extended (missing bytes are 0); runs the kernel's linear branch program iteratively
// (no recursion over nesting depth); each leaf is compiled once per Filter into a closure (cached in
// a WeakMap keyed by the immutable Filter) so the per-record path reads bytes directly, uses no
// BigInt for integer fields and allocates nothing for numeric predicates.
// Semantics (spec §6): integer ==/!= compare the low `size` bytes; ordered ops compare as the field's
// C type after truncating the literal; `&` is (F & V) != 0; sizes other than 1/2/4/8 are false for
// every op; generic cpu compares signed 32-bit, `cpu & N` is false; CPUS{} per §6.4; strings per
// §6.5–6.8 (match.ts); a pointer string whose copy faults is false before negation; `.function`
// tests start <= F < end.

import type { CpusPredicate, Filter, FunctionPredicate, IntOp, Predicate, StringPredicate } from './ast.ts';
import { matchString } from './match.ts';

export interface EvalContext {
  /** CPU executing the tracepoint (generic cpu/CPU/common_cpu). */
  readonly cpu: number;
  /** current->comm, 16 bytes (generic comm/COMM). */
  readonly comm: Uint8Array;
  /** Copies the NUL-terminated string at `address` (kernel or, with user=true, user memory); null = fault. */
  readonly readString?: (address: bigint, user: boolean) => Uint8Array | null;
}

type Leaf = (rec: Uint8Array, ctx: EvalContext) => boolean;

const USTRING_BUF_SIZE = 1024;

function u32At(rec: Uint8Array, o: number): number {
  if (o >= 0 && o + 4 <= rec.length) {
    return (
      ((rec[o] as number) |
        ((rec[o + 1] as number) << 8) |
        ((rec[o + 2] as number) << 16) |
        ((rec[o + 3] as number) << 24)) >>>
      0
    );
  }
  let v = 0;
  for (let k = 3; k >= 0; k--) v = v * 256 + (o + k >= 0 && o + k < rec.length ? (rec[o + k] as number) : 0);
  return v >>> 0;
}

function uAt(rec: Uint8Array, o: number, size: number): number {
  if (size === 4) return u32At(rec, o);
  let v = 0;
  for (let k = size - 1; k >= 0; k--)
    v = v * 256 + (o + k >= 0 && o + k < rec.length ? (rec[o + k] as number) : 0);
  return v;
}

function u64At(rec: Uint8Array, o: number): bigint {
  return (BigInt(u32At(rec, o + 4)) << 32n) | BigInt(u32At(rec, o));
}

function signExtend(v: number, size: number): number {
  const bits = size * 8;
  return v >= 2 ** (bits - 1) ? v - 2 ** bits : v;
}

function cmpOrdered(op: IntOp, a: number, b: number): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    default:
      return false;
  }
}

/** Integer leaf for a field of `size` bytes at `offset`, literal already a 64-bit pattern. */
function intLeaf(offset: number, size: number, signed: boolean, op: IntOp, value: bigint): Leaf {
  if (size !== 1 && size !== 2 && size !== 4 && size !== 8) return () => false;
  if (size === 8) {
    const litLo = Number(value & 0xffffffffn);
    const litHi = Number((value >> 32n) & 0xffffffffn);
    const litHiS = signed ? litHi | 0 : litHi;
    switch (op) {
      case '==':
        return (r) => u32At(r, offset) === litLo && u32At(r, offset + 4) === litHi;
      case '!=':
        return (r) => u32At(r, offset) !== litLo || u32At(r, offset + 4) !== litHi;
      case '&':
        return (r) => (u32At(r, offset) & litLo) !== 0 || (u32At(r, offset + 4) & litHi) !== 0;
      default:
        return (r) => {
          const hiRaw = u32At(r, offset + 4);
          const hi = signed ? hiRaw | 0 : hiRaw;
          if (hi !== litHiS) return cmpOrdered(op, hi, litHiS);
          return cmpOrdered(op, u32At(r, offset), litLo);
        };
    }
  }
  const mask = BigInt(2 ** (size * 8) - 1);
  const litU = Number(value & mask);
  const lit = signed ? signExtend(litU, size) : litU;
  switch (op) {
    case '==':
      return (r) => uAt(r, offset, size) === litU;
    case '!=':
      return (r) => uAt(r, offset, size) !== litU;
    case '&':
      return (r) => (uAt(r, offset, size) & litU) >>> 0 !== 0;
    default:
      return (r) => {
        const u = uAt(r, offset, size);
        return cmpOrdered(op, signed ? signExtend(u, size) : u, lit);
      };
  }
}

function cpuLeaf(op: IntOp, value: bigint): Leaf {
  const cmp = Number(BigInt.asIntN(32, value));
  if (op === '&') return () => false;
  return (_r, ctx) => cmpOrdered(op, ctx.cpu | 0, cmp);
}

function cpusLeaf(p: CpusPredicate): Leaf {
  const { field, mask, nrCpuIds } = p;
  const test = (cpu: number): boolean => cpu >= 0 && cpu < nrCpuIds && mask[cpu] === 1;
  const recordMaskBit = (r: Uint8Array, start: number, i: number): boolean => {
    const o = start + (i >> 3);
    return o < r.length && (((r[o] as number) >> (i & 7)) & 1) === 1;
  };
  if (p.cpus.length === 1) {
    const k = p.cpus[0] as number;
    const op = p.op === '&' ? '==' : p.op;
    if (field.kind === 'cpu') return op === '==' ? (_r, ctx) => ctx.cpu === k : (_r, ctx) => ctx.cpu !== k;
    if (field.kind === 'cpumask') {
      return (r) => {
        const start = u32At(r, field.offset) & 0xffff;
        const has = recordMaskBit(r, start, k);
        if (p.op === '&') return has;
        let only = has;
        for (let i = 0; only && i < nrCpuIds; i++) if (i !== k && recordMaskBit(r, start, i)) only = false;
        return p.op === '==' ? only : !only;
      };
    }
    return intLeaf(field.offset, field.size, false, op, BigInt(k));
  }
  const scalar = (cpu: number): boolean => (p.op === '==' ? false : p.op === '!=' ? true : test(cpu));
  if (field.kind === 'cpu') return (_r, ctx) => scalar(ctx.cpu);
  if (field.kind === 'cpumask') {
    return (r) => {
      const start = u32At(r, field.offset) & 0xffff;
      let equal = true;
      let intersects = false;
      for (let i = 0; i < nrCpuIds; i++) {
        const a = recordMaskBit(r, start, i);
        const b = mask[i] === 1;
        if (a !== b) equal = false;
        if (a && b) intersects = true;
      }
      return p.op === '==' ? equal : p.op === '!=' ? !equal : intersects;
    };
  }
  const size = field.size;
  if (size !== 1 && size !== 2 && size !== 4 && size !== 8) return () => false;
  const readSize = size === 8 ? 4 : size;
  return (r) => {
    const cpu = uAt(r, field.offset, readSize);
    if (cpu >= nrCpuIds) return false;
    return scalar(cpu);
  };
}

function stringLeaf(p: StringPredicate): Leaf {
  const { field, match, needle, negate } = p;
  const off = field.offset;
  // Before the 2026 glob fix a glob reads up to the string's NUL whatever the field's length.
  const L = p.unboundedGlob
    ? (_len: number): number => Number.POSITIVE_INFINITY
    : (len: number): number => len;
  // Since the regex_match_full() fix a full match of a string with a known length shorter than the pattern fails.
  const checked = match === 'full' && p.strncmpFull !== true;
  const m = (r: Uint8Array, start: number, len: number): boolean =>
    checked && len !== 0 && len < needle.length ? false : matchString(match, needle, r, start, L(len));
  switch (field.kind) {
    case 'static_string':
      return (r) => m(r, off, field.size) !== negate;
    case 'dyn_string':
      return (r) => {
        const loc = u32At(r, off);
        return m(r, loc & 0xffff, loc >>> 16) !== negate;
      };
    case 'rdyn_string':
      return (r) => {
        const loc = u32At(r, off);
        return m(r, off + 4 + (loc & 0xffff), loc >>> 16) !== negate;
      };
    case 'comm':
      return (_r, ctx) => m(ctx.comm, 0, 16) !== negate;
    default: {
      const user = p.ustring;
      const size = field.size;
      return (r, ctx) => {
        const addr = size === 4 ? BigInt(u32At(r, off)) : u64At(r, off);
        if (addr === 0n || !ctx.readString) return false;
        const copy = ctx.readString(addr, user);
        if (copy === null) return false;
        let n = 0;
        while (n < copy.length && n < USTRING_BUF_SIZE - 1 && copy[n] !== 0) n++;
        return m(copy.subarray(0, n), 0, n + 1) !== negate;
      };
    }
  }
}

function functionLeaf(p: FunctionPredicate): Leaf {
  const { start, end } = p;
  const off = p.field.offset;
  const eq = p.op === '==';
  return (r) => {
    const v = u64At(r, off);
    return (v >= start && v < end) === eq;
  };
}

export function compileLeaf(p: Predicate): Leaf {
  switch (p.type) {
    case 'int':
      return intLeaf(p.field.offset, p.field.size, p.field.signed, p.op, p.value);
    case 'cpu':
      return cpuLeaf(p.op, p.value);
    case 'cpus':
      return cpusLeaf(p);
    case 'string':
      return stringLeaf(p);
    case 'function':
      return functionLeaf(p);
  }
}

interface Compiled {
  readonly leaves: readonly Leaf[];
  readonly when: Uint8Array;
  readonly target: Int32Array;
  readonly n: number;
}

const cache = new WeakMap<Filter, Compiled>();

function compile(filter: Filter): Compiled {
  const hit = cache.get(filter);
  if (hit) return hit;
  const n = filter.preds.length;
  const when = new Uint8Array(n + 2);
  const target = new Int32Array(n + 2);
  filter.program.forEach((e, i) => {
    when[i] = e.whenToBranch ? 1 : 0;
    target[i] = e.target;
  });
  const c: Compiled = { leaves: filter.preds.map(compileLeaf), when, target, n };
  cache.set(filter, c);
  return c;
}

/**
 * Compiles a filter once into a record predicate (what evaluate() does behind its cache); use it in
 * hot loops to skip the cache lookup. A null filter keeps everything.
 */
export function compileFilter(filter: Filter | null): (record: Uint8Array, ctx: EvalContext) => boolean {
  if (filter === null) return () => true;
  const c = compile(filter);
  return (record, ctx) => run(c, record, ctx);
}

/** True = the record is kept. A null filter (none / cleared) keeps everything. */
export function evaluate(filter: Filter | null, record: Uint8Array, ctx: EvalContext): boolean {
  if (filter === null) return true;
  return run(compile(filter), record, ctx);
}

function run(c: Compiled, record: Uint8Array, ctx: EvalContext): boolean {
  const { leaves, when, target, n } = c;
  let i = 0;
  while (i < n) {
    const m = (leaves[i] as Leaf)(record, ctx) ? 1 : 0;
    if (m === when[i]) i = target[i] as number;
    i++;
  }
  // Entry n is the TRUE sentinel, n + 1 the FALSE one.
  return i === n;
}
