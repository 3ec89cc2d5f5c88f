/*
 * u32 rules through a linked hash table for libpcap's transport-header loads (frame offset 14 + 4·IHL + j, IHL the
 * low nibble of frame byte 14): the root's one knode links every frame to table 1 with `offset at 0 mask 0x0f00
 * shift 6` (no eat: off2 = 4·IHL, exactly libpcap's offset for every IHL value 0…15), and table 1 holds the whole
 * decision list with transport keys `at nexthdr+K`. Invariants:
 *  - the list is built from a two-region IR: every transport load (j, width) becomes a load at VIRTUAL_BASE + j, all
 *    other loads stay; on a frame that holds every fixed load, that IR reads the same bytes with the same bounds
 *    (a transport load is in bounds iff 14 + 4·IHL + j + width ≤ frame length, which the virtual length
 *    VIRTUAL_BASE + that distance encodes), so its list is exact there: the contract is `contractMin` = the end of
 *    the last fixed word (at least 16: the link reads the 16-bit word at network offset 0);
 *  - refused (the caller falls back to one case per IHL): no transport load, any other computed offset, the
 *    packet length (`len`), fixed loads past VIRTUAL_BASE − 80; pure and deterministic;
 *  - the two-region IR is optimised by the caller's `optimize` (the compiler's passes stage): no back end runs the
 *    IR passes itself.
 */
import { buildDecisionList } from '@tfc/decision-list';
import * as ir from '@tfc/ir';
import { refusalReason } from './refusal-words.ts';
import { type U32Rules, u32FromList } from './u32.ts';

/** Frame offset of the virtual transport region (past any fixed load tfc links for). */
export const VIRTUAL_BASE = 0x1000;
/** Frame offset of the IPv4 version/IHL byte (Ethernet). */
const IHL_BYTE = 14;

export type U32LinkResult =
  | { readonly ok: true; readonly rules: U32Rules; readonly note: string }
  | { readonly ok: false; readonly reason: string };

/** The u32 value of an offset expression when the IHL byte is `b`; undefined when it reads anything else. */
function offsetAt(e: ir.Expr, b: number): bigint | undefined {
  const M = 0xffffffffn;
  switch (e.kind) {
    case 'const':
      return e.value & M;
    case 'load':
      return e.base === 'packet' && e.offset === IHL_BYTE && e.width === 1 ? BigInt(b) : undefined;
    case 'neg': {
      const a = offsetAt(e.arg, b);
      return a === undefined ? undefined : -a & M;
    }
    case 'arith': {
      const x = offsetAt(e.left, b);
      const y = offsetAt(e.right, b);
      if (x === undefined || y === undefined) return undefined;
      switch (e.op) {
        case '+':
          return (x + y) & M;
        case '-':
          return (x - y) & M;
        case '*':
          return (x * y) & M;
        case '&':
          return x & y;
        case '|':
          return x | y;
        case '^':
          return x ^ y;
        case '<<':
          return y < 32n ? (x << y) & M : 0n;
        case '>>':
          return y < 32n ? x >> y : 0n;
        default:
          return undefined; // division: refuse rather than model a zero divisor
      }
    }
    default:
      return undefined;
  }
}

/** j when `e` is 14 + 4·(byte 14 & 15) + j for every value of byte 14, else undefined. */
function transportOffset(e: ir.Expr): number | undefined {
  let j: bigint | undefined;
  for (let b = 0; b < 256; b++) {
    const o = offsetAt(e, b);
    if (o === undefined) return undefined;
    const here = o - BigInt(IHL_BYTE + 4 * (b & 15));
    if (j === undefined) j = here;
    else if (here !== j) return undefined;
  }
  return j !== undefined && j >= 0n && j < 0x8000n ? Number(j) : undefined;
}

class Refuse {
  readonly reason: string;
  constructor(reason: string) {
    this.reason = reason;
  }
}

/** The two-region IR, the end of the last fixed load, and whether any transport load was seen. */
function virtualIr(f: ir.Filter): { ir: ir.Filter; fixedEnd: number; transport: boolean } {
  const inl = ir.inline(f);
  let fixedEnd = 0;
  let transport = false;
  const ex = (e: ir.Expr): ir.Expr => {
    switch (e.kind) {
      case 'load': {
        if (e.base !== 'packet') throw new Refuse(`a ${e.base} load`);
        if (typeof e.offset === 'number') {
          fixedEnd = Math.max(fixedEnd, e.offset + e.width);
          return e;
        }
        const j = transportOffset(e.offset);
        if (j === undefined) throw new Refuse('a computed offset other than the IPv4 transport header');
        transport = true;
        return { ...e, offset: VIRTUAL_BASE + j };
      }
      case 'len':
        throw new Refuse('the packet length');
      case 'arith':
        return { ...e, left: ex(e.left), right: ex(e.right) };
      case 'neg':
        return { ...e, arg: ex(e.arg) };
      case 'ref':
        throw new Refuse('a shared value left after inlining');
      default:
        return e;
    }
  };
  const pr = (q: ir.Pred): ir.Pred => {
    switch (q.kind) {
      case 'cmp':
        return { ...q, left: ex(q.left), right: ex(q.right) };
      case 'in':
        return { ...q, value: ex(q.value) };
      case 'str':
        throw new Refuse('a string match');
      case 'chain':
        throw new Refuse('a protochain header walk');
      case 'and':
        return { kind: 'and', args: q.args.map(pr) };
      case 'or':
        return { kind: 'or', args: q.args.map(pr) };
      case 'not':
        return { kind: 'not', arg: pr(q.arg) };
      default:
        return q;
    }
  };
  const body = pr(inl.body);
  if (fixedEnd > VIRTUAL_BASE - 80) throw new Refuse(`a fixed load ending at ${fixedEnd}`);
  return { ir: ir.filter(body), fixedEnd, transport };
}

/** The IR passes, as the caller runs them (this back end never optimises by itself): the optimised IR, or why
 *  not. */
export type Optimize = (
  filter: ir.Filter,
) => { readonly ok: true; readonly ir: ir.Filter } | { readonly ok: false; readonly reason: string };

/** u32 rules for a pcap filter's IR (Ethernet) through a linked table, or why not; the two-region IR goes through
 *  the caller's `optimize` (the pipeline's passes stage) before its decision list is built. */
export function u32LinkFromIr(filter: ir.Filter, optimize: Optimize): U32LinkResult {
  let v: ReturnType<typeof virtualIr>;
  try {
    v = virtualIr(filter);
  } catch (e) {
    if (e instanceof Refuse) return { ok: false, reason: e.reason };
    throw e;
  }
  if (!v.transport) return { ok: false, reason: 'no transport-header load' };
  const o = optimize(v.ir);
  if (!o.ok) return o;
  // Every fixed word in the frame, and the link's 16-bit read at network offset 0.
  const contractMin = Math.max(16, 14 + Math.ceil((v.fixedEnd - 14) / 4) * 4);
  const list = buildDecisionList(o.ir, { ranges: false, minFrameLength: contractMin });
  if (!list.ok) return { ok: false, reason: list.refusals.map((r) => refusalReason(r, 'u32')).join('; ') };
  const u = u32FromList(list.list, { transportBase: VIRTUAL_BASE });
  if (!u.ok) return { ok: false, reason: u.diagnostics.map((d) => d.message).join('; ') };
  const transportKeys = u.rules.knodes.some((k) => k.keys.some((x) => x.nexthdr === true));
  if (!transportKeys) return { ok: false, reason: 'no transport-header key left in the rules' };
  return {
    ok: true,
    rules: u.rules,
    note: `transport-header keys are read through a linked u32 table (link + offset at 0 mask 0x0f00 shift 6: the IPv4 header length; exact for frames of at least ${contractMin} bytes)`,
  };
}
