// Constructors for IR nodes. They return plain frozen-shape objects and normalise trivially:
// and/or of zero args are true/false, of one arg the arg itself, nested same-kind args are spliced; constants are reduced to 64 bits;
// compare constants are truncated to the compare width (the kernel's cast at match time, spec §6.1);
// string flags are derived from source and matcher. They never throw for representable input.
import type {
  ArithOp,
  Base,
  ByteOrder,
  CmpOp,
  Expr,
  Filter,
  Pred,
  PseudoName,
  StrFlags,
  StrMatch,
  StrSource,
  ValueDef,
  Width,
} from './types.ts';
import { U64_MAX, widthMask } from './types.ts';

export const TRUE: Pred = { kind: 'true' };
export const FALSE: Pred = { kind: 'false' };

export function konst(value: bigint | number): Expr {
  return { kind: 'const', value: BigInt(value) & U64_MAX };
}

export function load(
  base: Base,
  offset: Expr | number,
  width: Width,
  order: ByteOrder = 'le',
  signed = false,
): Expr {
  return { kind: 'load', base, offset, width, order, signed };
}

export function pseudo(name: PseudoName): Expr {
  return { kind: 'pseudo', name };
}

export const LEN: Expr = { kind: 'len' };

export function arith(op: ArithOp, left: Expr, right: Expr): Expr {
  return { kind: 'arith', op, left, right };
}

export function neg(arg: Expr): Expr {
  return { kind: 'neg', arg };
}

export function ref(id: number): Expr {
  return { kind: 'ref', id };
}

/** Compare; constant operands are truncated to the width (bit pattern). */
export function cmp(
  op: CmpOp,
  width: Width,
  signed: boolean,
  left: Expr,
  right: Expr | bigint | number,
): Pred {
  const r = typeof right === 'object' ? right : konst(BigInt(right) & widthMask(width));
  const rr = r.kind === 'const' ? konst(r.value & widthMask(width)) : r;
  const ll = left.kind === 'const' ? konst(left.value & widthMask(width)) : left;
  const ordered = op === 'lt' || op === 'le' || op === 'gt' || op === 'ge';
  return { kind: 'cmp', op, width, signed: ordered && signed, left: ll, right: rr };
}

/** Set membership; the set is truncated to the width, sorted and deduplicated. Empty set → false. */
export function inSet(width: Width, value: Expr, set: Iterable<bigint | number>): Pred {
  const m = widthMask(width);
  const vals = [...new Set([...set].map((v) => BigInt(v) & m))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (vals.length === 0) return FALSE;
  return { kind: 'in', width, value, set: vals };
}

export function strFlags(source: StrSource, match: StrMatch): StrFlags {
  const array = source.kind === 'fixed' || source.kind === 'comm';
  return {
    endWindow: array && match === 'end',
    pastNul: array && match === 'middle',
    faultFalse: source.kind === 'ptr',
  };
}

export function str(match: StrMatch, pattern: string, source: StrSource, negate = false): Pred {
  return { kind: 'str', match, pattern, negate, source, flags: strFlags(source, match) };
}

/** n-ary and; nested ands among the arguments are spliced in (associativity holds under short-circuit
 *  and abort), so left-deep chains from binary grammars stay flat instead of nesting deeply. */
export function and(...args: Pred[]): Pred {
  return andOf(args);
}

/** n-ary or, flattened like `and`. */
export function or(...args: Pred[]): Pred {
  return orOf(args);
}

/** `and` of an array: for operand lists too long to spread into a call (a 300,000-term chain). */
export function andOf(args: readonly Pred[]): Pred {
  return joined('and', args, TRUE);
}

/** `or` of an array (see andOf). */
export function orOf(args: readonly Pred[]): Pred {
  return joined('or', args, FALSE);
}

function joined(kind: 'and' | 'or', args: readonly Pred[], unit: Pred): Pred {
  const flat: Pred[] = [];
  for (const a of args) {
    if (a.kind === kind) for (const x of a.args) flat.push(x);
    else flat.push(a);
  }
  if (flat.length === 0) return unit;
  if (flat.length === 1) return flat[0]!;
  return { kind, args: flat };
}

export function not(arg: Pred): Pred {
  return { kind: 'not', arg };
}

export function filter(body: Pred, values: readonly ValueDef[] = []): Filter {
  return { kind: 'filter', values, body };
}

/**
 * Integer field predicate with the kernel's rules (tracefs spec §6.1/§6.2): fields whose size is not
 * 1/2/4/8 give `false` for every operator; the literal is truncated to the field width; == / != / &
 * ignore signedness.
 */
export function fieldPredicate(
  op: CmpOp,
  field: { readonly base: Base; readonly offset: number; readonly size: number; readonly signed: boolean },
  value: bigint,
  order: ByteOrder = 'le',
): Pred {
  const size = field.size;
  if (size !== 1 && size !== 2 && size !== 4 && size !== 8) return FALSE;
  return cmp(op, size, field.signed, load(field.base, field.offset, size, order, field.signed), value);
}

/**
 * `field OP CPUS{mask}` with the kernel's rules (tracefs spec §6.4), for a scalar field or the `cpu`
 * pseudo-field; `nrCpuIds` is the target machine's nr_cpu_ids. A single-CPU mask is a plain compare
 * (`&` becomes `==`; scalar fields compare their full width unsigned). Otherwise, for scalars the value
 * is converted to u32 and every op is false when it is ≥ nr_cpu_ids; `==` is false, `!=` true and `&`
 * is membership. (Masks on `__data_loc cpumask_t` fields are not covered here.)
 */
export function cpusPredicate(
  op: 'eq' | 'ne' | 'set',
  target: { readonly kind: 'cpu' } | { readonly kind: 'field'; readonly value: Expr; readonly width: Width },
  mask: readonly number[],
  nrCpuIds: number,
): Pred {
  const cpus = [...new Set(mask)].sort((a, b) => a - b);
  const value = target.kind === 'cpu' ? pseudo('cpu') : target.value;
  const width: Width = target.kind === 'cpu' ? 4 : target.width;
  if (cpus.length === 1) return cmp(op === 'ne' ? 'ne' : 'eq', width, false, value, BigInt(cpus[0]!));
  if (op === 'eq') return FALSE;
  if (target.kind === 'cpu') return op === 'ne' ? TRUE : inSet(4, value, cpus.map(BigInt));
  if (op === 'ne') return cmp('lt', 4, false, value, BigInt(nrCpuIds));
  return inSet(4, value, cpus.filter((c) => c < nrCpuIds).map(BigInt));
}

/**
 * Classify a tracefs `~` pattern the way the kernel does (tracefs spec §6.6): a leading `!` negates;
 * a digit-initial pattern is a literal full match; a leading `*` means suffix, a trailing `*` prefix
 * (both: substring); a `*` elsewhere or any `?`, `[`, `\` makes the whole pattern a glob (leading `*`
 * kept). For `==`/`!=` use `str('full', literal, …)` directly: there the pattern is always literal.
 */
export function classifyPattern(text: string): {
  readonly match: StrMatch;
  readonly pattern: string;
  readonly negate: boolean;
} {
  const negate = text.startsWith('!');
  const p = negate ? text.slice(1) : text;
  if (/^[0-9]/.test(p)) return { match: 'full', pattern: p, negate };
  let match: StrMatch = 'full';
  let end = p.length;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '*') {
      if (i === 0) match = 'end';
      else if (i === p.length - 1) {
        match = match === 'end' ? 'middle' : 'front';
        end = i;
        break;
      } else {
        match = 'glob';
        break;
      }
    } else if (c === '?' || c === '[' || c === '\\') {
      match = 'glob';
      break;
    }
  }
  if (match === 'glob') return { match, pattern: p, negate };
  const start = match === 'end' || match === 'middle' ? 1 : 0;
  return { match, pattern: p.slice(start, end), negate };
}
