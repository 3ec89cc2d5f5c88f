// Test helpers: rebase the random IR of packages/ir/test/arbitraries.ts onto one context, and build
// the inputs each runner needs. Invariants: transforms are pure and keep the filter verifiable
// (offsets stay small, widths unchanged); comm inputs are what bpf_get_current_comm can return
// (at most 15 non-NUL ASCII bytes, NUL padded).
import type { EvalInput, Expr, Filter, Pred, StrSource } from '@tfc/ir';

export type LoadMap = (l: Extract<Expr, { kind: 'load' }>) => Expr;

function mapExpr(e: Expr, f: LoadMap): Expr {
  switch (e.kind) {
    case 'load': {
      const off = typeof e.offset === 'number' ? e.offset : mapExpr(e.offset, f);
      return f({ ...e, offset: off });
    }
    case 'arith':
      return { ...e, left: mapExpr(e.left, f), right: mapExpr(e.right, f) };
    case 'neg':
      return { ...e, arg: mapExpr(e.arg, f) };
    default:
      return e;
  }
}

export function mapFilter(ir: Filter, f: LoadMap, s: (src: StrSource) => StrSource): Filter {
  const p = (x: Pred): Pred => {
    switch (x.kind) {
      case 'cmp':
        return { ...x, left: mapExpr(x.left, f), right: mapExpr(x.right, f) };
      case 'in':
        return { ...x, value: mapExpr(x.value, f) };
      case 'str':
        return { ...x, source: s(x.source) };
      case 'and':
      case 'or':
        return { ...x, args: x.args.map(p) };
      case 'not':
        return { ...x, arg: p(x.arg) };
      default:
        return x;
    }
  };
  return { ...ir, values: ir.values.map((v) => ({ ...v, expr: mapExpr(v.expr, f) })), body: p(ir.body) };
}

/** Tracepoint programs cannot read record bytes 0..7: constant-offset loads (of any base) become
 *  record loads 8 bytes up; fixed strings of other bases move to the record. */
export function forTracepoint(ir: Filter): Filter {
  return mapFilter(
    ir,
    (l) => (typeof l.offset === 'number' ? { ...l, base: 'record', offset: l.offset + 8 } : l),
    (s) => (s.kind === 'fixed' && s.base !== 'record' ? { ...s, base: 'record', offset: s.offset + 8 } : s),
  );
}

/** Trace frames carry the record at frame offset 54: record loads become frame loads. */
export function forFrame(ir: Filter): Filter {
  return mapFilter(
    ir,
    (l) => (l.base === 'record' ? { ...l, base: 'frame' } : l),
    (s) =>
      (s.kind === 'fixed' || s.kind === 'dataloc') && s.base === 'record' ? { ...s, base: 'frame' } : s,
  );
}

/** comm as bpf_get_current_comm returns it: ≤ 15 ASCII bytes, NUL padded to 16. */
export function sanitizeComm(c: Uint8Array | undefined): { bytes: Uint8Array; text: string } {
  const out: number[] = [];
  for (const b of c ?? []) {
    if (b === 0 || out.length === 15) break;
    out.push(b & 0x7f || 0x61);
  }
  const bytes = new Uint8Array(16);
  bytes.set(out);
  return { bytes, text: String.fromCharCode(...out) };
}

/** A trace frame: 54 header bytes (from `head`, ethertype 0x88B5) + the record, cut at `cut`. */
export function makeFrame(head: Uint8Array, record: Uint8Array, cut: number): Uint8Array {
  const f = new Uint8Array(54 + record.length);
  f.set(head.subarray(0, 54));
  f[12] = 0x88;
  f[13] = 0xb5;
  f.set(record, 54);
  return f.subarray(0, Math.max(14, Math.min(cut, f.length)));
}

export function withTracepointInput(i: EvalInput): EvalInput {
  return { ...i, comm: sanitizeComm(i.comm).bytes };
}
