// verify(): the IR's invariants, checked and reported as diagnostics (never thrown). Every invariant
// has a code; test/verify.test.ts breaks each one by hand.
//   depth          nesting of predicates and expressions ≤ MAX_DEPTH (checked first, iteratively)
//   kind           every node's `kind` is one the IR defines (input may come from JSON)
//   value-ids      values[i].id === i
//   ref            a ref names an existing value; inside values[i] only ids < i (acyclic)
//   const          a constant is a bigint in [0, 2^64)
//   base           a load/string base is record | packet | frame
//   load-width     a load's width is 1, 2, 4 or 8
//   load-offset    a constant offset is a non-negative safe integer
//   order          byte order is le | be
//   arith-op       arithmetic operator is one of + - * / % & | ^ << >>
//   pseudo         a pseudo-field is one of PSEUDO_NAMES (cpu, pid, pkttype, ifindex, vlan_present, vlan_tci)
//   cmp-op         a compare operator is in the op table
//   cmp-width      a compare/set width is 1, 2, 4 or 8
//   cmp-signed     `signed` is set only on ordered compares (lt le gt ge)
//   cmp-const      a constant compare operand is already truncated to the compare width
//   set            a membership set is non-empty, strictly ascending, each element < 2^(8·width)
//   str-match      the matcher is full | front | middle | end | glob
//   str-pattern    a pattern has ≤ 255 bytes, each char code in 1..255
//   str-source     source offsets are non-negative safe integers; fixed size in 1..65535; ptr space kernel|user
//   str-flags      flags equal strFlags(source, match) (they restate the kernel's quirks)
//   nary           and/or have at least 2 arguments
//   chain          a protochain walk: family ip | ip6, net and bound safe integers (net ≥ 0, bound in
//                  0..CHAIN_MAX_BOUND), proto in [0, 2^32), ah reset | advance
import { strFlags } from './build.ts';
import { OPS } from './ops.ts';
import type { Expr, Filter, IrDiagnostic, Pred, StrSource } from './types.ts';
import {
  ARITH_OPS,
  BASES,
  CHAIN_AH,
  CHAIN_MAX_BOUND,
  MAX_DEPTH,
  PSEUDO_NAMES,
  STR_MATCHES,
  U64_MAX,
  widthMask,
} from './types.ts';

const WIDTH_SET: ReadonlySet<unknown> = new Set([1, 2, 4, 8]);
const BASE_SET: ReadonlySet<unknown> = new Set(BASES);
const ARITH_SET: ReadonlySet<unknown> = new Set(ARITH_OPS);
const MATCH_SET: ReadonlySet<unknown> = new Set(STR_MATCHES);

function isOffset(n: unknown): boolean {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

const CHILD_KEYS = ['offset', 'left', 'right', 'arg', 'value', 'expr'] as const;

/** Whether any path from the root (any node shape: input may come from JSON) is longer than MAX_DEPTH; iterative,
 *  with parallel stacks of nodes and depths. */
function maxDepthExceeded(root: unknown): boolean {
  const nodes: unknown[] = [root];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const n = nodes.pop();
    const d = depths.pop()!;
    if (d > MAX_DEPTH) return true;
    if (typeof n !== 'object' || n === null) continue;
    const o = n as Record<string, unknown>;
    for (const k of CHILD_KEYS) {
      const c = o[k];
      if (typeof c === 'object' && c !== null) {
        nodes.push(c);
        depths.push(d + 1);
      }
    }
    if (Array.isArray(o.args))
      for (const c of o.args) {
        nodes.push(c);
        depths.push(d + 1);
      }
  }
  return false;
}

export function verify(ir: Filter): IrDiagnostic[] {
  const diags: IrDiagnostic[] = [];
  const err = (code: string, message: string, at: string): void => {
    diags.push({ severity: 'error', code, message, at });
  };
  for (const v of ir.values) {
    if (maxDepthExceeded(v.expr)) {
      err('depth', `nesting deeper than ${MAX_DEPTH}`, `values[${v.id}]`);
      return diags;
    }
  }
  if (maxDepthExceeded(ir.body)) {
    err('depth', `nesting deeper than ${MAX_DEPTH}`, 'body');
    return diags;
  }

  const expr = (e: Expr, at: string, refLimit: number): void => {
    switch (e.kind) {
      case 'const':
        if (typeof e.value !== 'bigint' || e.value < 0n || e.value > U64_MAX)
          err('const', 'constant outside [0, 2^64)', at);
        return;
      case 'ref':
        if (!Number.isInteger(e.id) || e.id < 0 || e.id >= refLimit)
          err('ref', `ref %${e.id} does not name an earlier value`, at);
        return;
      case 'len':
        return;
      case 'pseudo':
        if (!PSEUDO_NAMES.includes(e.name)) err('pseudo', `unknown pseudo-field '${String(e.name)}'`, at);
        return;
      case 'load':
        if (!BASE_SET.has(e.base)) err('base', `unknown base '${String(e.base)}'`, at);
        if (!WIDTH_SET.has(e.width))
          err('load-width', `load width ${String(e.width)} is not 1, 2, 4 or 8`, at);
        if (e.order !== 'le' && e.order !== 'be') err('order', 'byte order must be le or be', at);
        if (typeof e.offset === 'number') {
          if (!isOffset(e.offset)) err('load-offset', `bad load offset ${e.offset}`, at);
        } else expr(e.offset, at + '.offset', refLimit);
        return;
      case 'neg':
        expr(e.arg, at + '.arg', refLimit);
        return;
      case 'arith':
        if (!ARITH_SET.has(e.op)) err('arith-op', `unknown arithmetic operator '${String(e.op)}'`, at);
        expr(e.left, at + '.left', refLimit);
        expr(e.right, at + '.right', refLimit);
        return;
      default:
        err('kind', `unknown expression kind '${String((e as { kind: unknown }).kind)}'`, at);
    }
  };

  const source = (s: StrSource, at: string): void => {
    if (s.kind === 'comm') return;
    if (s.kind !== 'fixed' && s.kind !== 'dataloc' && s.kind !== 'ptr') {
      err('kind', `unknown string source '${String((s as { kind: unknown }).kind)}'`, at);
      return;
    }
    if (!BASE_SET.has(s.base)) err('base', `unknown base '${String(s.base)}'`, at);
    if (!isOffset(s.offset)) err('str-source', `bad string offset ${s.offset}`, at);
    if (s.kind === 'fixed' && (!Number.isInteger(s.size) || s.size < 1 || s.size > 65535))
      err('str-source', `bad array size ${s.size}`, at);
    if (s.kind !== 'fixed' && s.order !== 'le' && s.order !== 'be')
      err('order', 'byte order must be le or be', at);
    if (s.kind === 'ptr' && s.space !== 'kernel' && s.space !== 'user')
      err('str-source', 'pointer space must be kernel or user', at);
  };

  const pred = (p: Pred, at: string, refLimit: number): void => {
    switch (p.kind) {
      case 'true':
      case 'false':
        return;
      case 'cmp': {
        const info = OPS[p.op] as (typeof OPS)[keyof typeof OPS] | undefined;
        if (info === undefined) err('cmp-op', `unknown compare operator '${String(p.op)}'`, at);
        if (!WIDTH_SET.has(p.width))
          err('cmp-width', `compare width ${String(p.width)} is not 1, 2, 4 or 8`, at);
        if (p.signed && info !== undefined && !info.ordered)
          err('cmp-signed', `'${p.op}' compares bit patterns; signed must be false`, at);
        for (const [side, e] of [
          ['left', p.left],
          ['right', p.right],
        ] as const) {
          if (e.kind === 'const' && WIDTH_SET.has(p.width) && e.value > widthMask(p.width))
            err('cmp-const', `constant ${e.value} is wider than ${p.width} bytes`, `${at}.${side}`);
          expr(e, `${at}.${side}`, refLimit);
        }
        return;
      }
      case 'in': {
        if (!WIDTH_SET.has(p.width)) err('cmp-width', `set width ${String(p.width)} is not 1, 2, 4 or 8`, at);
        const m = WIDTH_SET.has(p.width) ? widthMask(p.width) : U64_MAX;
        if (p.set.length === 0) err('set', 'empty set', at);
        for (let i = 0; i < p.set.length; i++) {
          const v = p.set[i]!;
          if (typeof v !== 'bigint' || v < 0n || v > m)
            err('set', `set element ${String(v)} out of range`, at);
          else if (i > 0 && !(p.set[i - 1]! < v)) err('set', 'set is not strictly ascending', at);
        }
        expr(p.value, at + '.value', refLimit);
        return;
      }
      case 'str': {
        if (!MATCH_SET.has(p.match)) err('str-match', `unknown string match '${String(p.match)}'`, at);
        if (typeof p.pattern !== 'string' || p.pattern.length > 255)
          err('str-pattern', 'pattern longer than 255 bytes', at);
        else
          for (let i = 0; i < p.pattern.length; i++) {
            const c = p.pattern.charCodeAt(i);
            if (c < 1 || c > 255) {
              err('str-pattern', `pattern byte ${i} has char code ${c} (allowed 1..255)`, at);
              break;
            }
          }
        source(p.source, at + '.source');
        const d = strFlags(p.source, p.match);
        if (
          d.endWindow !== p.flags.endWindow ||
          d.pastNul !== p.flags.pastNul ||
          d.faultFalse !== p.flags.faultFalse
        )
          err('str-flags', 'string flags do not match the source and matcher', at);
        return;
      }
      case 'chain':
        if (p.family !== 'ip' && p.family !== 'ip6')
          err('chain', `unknown protochain family '${String(p.family)}'`, at);
        if (!isOffset(p.net))
          err('chain', 'protochain network offset is not a non-negative safe integer', at);
        if (!isOffset(p.proto) || p.proto > 0xffffffff)
          err('chain', 'protochain protocol outside [0, 2^32)', at);
        if (!CHAIN_AH.includes(p.ah)) err('chain', `unknown protochain AH rule '${String(p.ah)}'`, at);
        if (!isOffset(p.bound) || p.bound > CHAIN_MAX_BOUND)
          err('chain', `protochain bound outside 0..${CHAIN_MAX_BOUND}`, at);
        return;
      case 'and':
      case 'or':
        if (p.args.length < 2) err('nary', `${p.kind} needs at least 2 arguments`, at);
        p.args.forEach((a, i) => {
          pred(a, `${at}.args[${i}]`, refLimit);
        });
        return;
      case 'not':
        pred(p.arg, at + '.arg', refLimit);
        return;
      default:
        err('kind', `unknown predicate kind '${String((p as { kind: unknown }).kind)}'`, at);
    }
  };

  ir.values.forEach((v, i) => {
    if (v.id !== i) err('value-ids', `values[${i}] has id ${v.id}`, `values[${i}]`);
    expr(v.expr, `values[${i}]`, i);
  });
  pred(ir.body, 'body', ir.values.length);
  return diags;
}
