/*
 * expandIhl: loads behind the variable-length IPv4 header (offset 14 + 4·IHL + k, libpcap's transport header) as
 * one case per IHL value, `∨_v (ihl & 15 == v ∧ body[offsets at v])`, other constant-valued computed offsets
 * folded, so every load sits at a fixed offset u32 can key on. Built on @tfc/ir's rewrite helpers.
 * Invariants: exact for frames of at least 15 bytes (the case split reads the IHL byte first; loads are pure); the
 * input is returned as it is when it has no computed offset; undefined when an offset depends on anything but
 * `ihl-byte & m` (m ⊆ 0x0f) and constants, or folds past 0xffff; pure.
 */
import * as ir from '@tfc/ir';

/** Frame offset of the IPv4 header's version/IHL byte (Ethernet). */
const IHL_BYTE = 14;

const isIhlLoad = (e: ir.Expr): boolean =>
  e.kind === 'load' && e.base === 'packet' && e.offset === IHL_BYTE && e.width === 1;

/** `e` with every `ihl-byte & m` (m ⊆ 0x0f) replaced by `v & m`, folded; undefined when another use of the byte
 *  (or a non-constant part) remains. */
function offsetFor(e: ir.Expr, v: number): bigint | undefined {
  switch (e.kind) {
    case 'const':
      return e.value;
    case 'arith': {
      if (e.op === '&' && isIhlLoad(e.left) && e.right.kind === 'const' && (e.right.value & ~0xfn) === 0n)
        return BigInt(v) & e.right.value;
      const a = offsetFor(e.left, v);
      const b = offsetFor(e.right, v);
      if (a === undefined || b === undefined) return undefined;
      const m = 0xffffffffn;
      switch (e.op) {
        case '+':
          return (a + b) & m;
        case '-':
          return (a - b) & m;
        case '*':
          return (a * b) & m;
        case '<<':
          return b < 32n ? (a << b) & m : undefined;
        case '>>':
          return b < 32n ? a >> b : undefined;
        case '&':
          return a & b;
        case '|':
          return a | b;
        default:
          return undefined;
      }
    }
    default:
      return undefined;
  }
}

function usesIhl(e: ir.Expr): boolean {
  if (isIhlLoad(e)) return true;
  if (e.kind === 'arith') return usesIhl(e.left) || usesIhl(e.right);
  if (e.kind === 'neg') return usesIhl(e.arg);
  return false;
}

const isComputed = (e: ir.Expr): e is Extract<ir.Expr, { kind: 'load' }> & { offset: ir.Expr } =>
  e.kind === 'load' && typeof e.offset !== 'number';

/** `p` with every load at a computed offset replaced by `f` of it; undefined when `f` refuses one. */
function mapComputedLoads(
  p: ir.Pred,
  f: (e: ir.Expr & { kind: 'load' }) => ir.Expr | undefined,
): ir.Pred | undefined {
  let failed = false;
  const out = ir.mapPredExprs(p, (e) => {
    if (!isComputed(e)) return e;
    const r = f(e);
    if (r === undefined) failed = true;
    return r ?? e;
  });
  return failed ? undefined : out;
}

export function expandIhl(filter: ir.Filter): ir.Filter | undefined {
  const f = ir.inline(filter);
  let computed = false;
  let dependent = false;
  const probe = mapComputedLoads(f.body, (e) => {
    computed = true;
    if (usesIhl(e.offset as ir.Expr)) dependent = true;
    return offsetFor(e.offset as ir.Expr, 5) !== undefined ? e : undefined;
  });
  if (!computed) return filter;
  if (probe === undefined) return undefined;
  const at = (v: number) =>
    mapComputedLoads(f.body, (e) => {
      const o = offsetFor(e.offset as ir.Expr, v);
      if (o === undefined || o > 0xffffn) return undefined;
      return { ...e, offset: Number(o) };
    });
  if (!dependent) {
    const body = at(0);
    return body === undefined ? undefined : ir.filter(body);
  }
  const cases: ir.Pred[] = [];
  for (let v = 0; v < 16; v++) {
    const body = at(v);
    if (body === undefined) return undefined;
    cases.push(
      ir.and(
        ir.cmp(
          'eq',
          1,
          false,
          ir.arith('&', ir.load('packet', IHL_BYTE, 1, 'be', false), ir.konst(15)),
          BigInt(v),
        ),
        body,
      ),
    );
  }
  return ir.filter(ir.or(...cases));
}
