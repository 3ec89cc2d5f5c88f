// Reference evaluator: the executable semantics of the IR. Precondition: the filter passed verify()
// (bounded depth, valid ids). Invariants: pure and deterministic; and/or evaluate left to right with
// short-circuit; an out-of-bounds packet/frame read (or a division by zero) yields `abort`, which
// propagates through every connective, including not, to the whole filter; record reads past the end
// read zero bytes; a faulting pointer-string copy makes its leaf false regardless of `negate`; a
// zero-length __data_loc/__rel_loc locator hands the matcher the NUL-terminated string at its offset
// (the kernel's len-0 rule), and in a packet or frame a matcher reading past the packet's end aborts; a
// protochain walk (`chain`) runs as chain.ts defines it.

import { walkChain } from './chain.ts';
import { applyCmp } from './ops.ts';
import { matchString, patternBytes, zeroLenExtent } from './strmatch.ts';
import type { Base, Expr, Filter, LeafPred, Pred, StrSource, ValueDef, Width } from './types.ts';
import { FRAME_RECORD_OFFSET, U32_MAX, U64_MAX, widthMask } from './types.ts';

export interface MemoryRegion {
  readonly space: 'kernel' | 'user';
  readonly address: bigint;
  readonly bytes: Uint8Array;
}

export interface EvalInput {
  /** The trace event record (base `record`). */
  readonly record?: Uint8Array;
  /** The packet (base `packet`; base `frame` reads packet bytes from offset 54). */
  readonly packet?: Uint8Array;
  readonly cpu?: number;
  readonly pid?: number;
  /** The packet's skb->pkt_type (default 0, PACKET_HOST). */
  readonly pkttype?: number;
  /** The packet's skb->dev->ifindex (default 0). */
  readonly ifindex?: number;
  /** 1 when the kernel holds the frame's outer VLAN tag in the skb (skb_vlan_tag_present), else 0 (default). */
  readonly vlan_present?: number;
  /** That tag's TCI (skb->vlan_tci, 16 bits; default 0). */
  readonly vlan_tci?: number;
  /** current->comm, up to 16 bytes (NUL padded). */
  readonly comm?: Uint8Array;
  /** Memory that pointer strings may point into. */
  readonly memory?: readonly MemoryRegion[];
}

export type Outcome = 'accept' | 'reject' | 'abort';
/** Three-valued result of a predicate. */
export type Tri = 0 | 1 | 2;
export const TRI_FALSE: Tri = 0;
export const TRI_TRUE: Tri = 1;
export const TRI_ABORT: Tri = 2;

const ABORTED = -1n;
const EMPTY = new Uint8Array(0);
/** strncpy_from_*_nofault copies at most this many characters into the 1024-byte buffer. */
const PTR_STRING_MAX = 1023;

/** Evaluation context: the input plus the value table and its memo. */
export interface EvalContext {
  readonly input: EvalInput;
  readonly values: readonly ValueDef[];
  readonly memo: Map<number, bigint>;
}

export function makeContext(input: EvalInput, values: readonly ValueDef[] = []): EvalContext {
  return { input, values, memo: new Map() };
}

/** Verdict: abort counts as reject. */
export function evaluate(ir: Filter, input: EvalInput): 'accept' | 'reject' {
  return evaluateOutcome(ir, input) === 'accept' ? 'accept' : 'reject';
}

export function evaluateOutcome(ir: Filter, input: EvalInput): Outcome {
  const r = evalPred(ir.body, makeContext(input, ir.values));
  return r === TRI_TRUE ? 'accept' : r === TRI_FALSE ? 'reject' : 'abort';
}

export function evalPred(p: Pred, ctx: EvalContext): Tri {
  switch (p.kind) {
    case 'true':
      return TRI_TRUE;
    case 'false':
      return TRI_FALSE;
    case 'and':
      for (const a of p.args) {
        const r = evalPred(a, ctx);
        if (r !== TRI_TRUE) return r;
      }
      return TRI_TRUE;
    case 'or':
      for (const a of p.args) {
        const r = evalPred(a, ctx);
        if (r !== TRI_FALSE) return r;
      }
      return TRI_FALSE;
    case 'not': {
      const r = evalPred(p.arg, ctx);
      return r === TRI_ABORT ? r : r === TRI_TRUE ? TRI_FALSE : TRI_TRUE;
    }
    default:
      return evalLeaf(p, ctx);
  }
}

function truncate(v: bigint, width: Width, signed: boolean): bigint {
  const t = v & widthMask(width);
  if (!signed) return t;
  const bits = BigInt(width * 8);
  return t >= 1n << (bits - 1n) ? t - (1n << bits) : t;
}

export function evalLeaf(p: LeafPred, ctx: EvalContext): Tri {
  switch (p.kind) {
    case 'cmp': {
      const l = evalExpr(p.left, ctx);
      if (l === ABORTED) return TRI_ABORT;
      const r = evalExpr(p.right, ctx);
      if (r === ABORTED) return TRI_ABORT;
      return applyCmp(p.op, truncate(l, p.width, p.signed), truncate(r, p.width, p.signed))
        ? TRI_TRUE
        : TRI_FALSE;
    }
    case 'in': {
      const v = evalExpr(p.value, ctx);
      if (v === ABORTED) return TRI_ABORT;
      return binarySearch(p.set, v & widthMask(p.width)) ? TRI_TRUE : TRI_FALSE;
    }
    case 'str': {
      const view = stringView(p.source, ctx.input);
      if (view === 'abort') return TRI_ABORT;
      if (view === 'fault') return TRI_FALSE;
      const pat = patternBytes(p.pattern);
      // A zero-length locator in a packet/frame: the bytes the matcher reads must be inside it.
      if (view.avail !== undefined && zeroLenExtent(p.match, view.data, pat) > view.avail) return TRI_ABORT;
      const m = matchString(p.match, view.data, view.len, pat);
      return m !== p.negate ? TRI_TRUE : TRI_FALSE;
    }
    case 'chain':
      return walkChain(p, ctx.input.packet ?? EMPTY);
  }
}

function binarySearch(set: readonly bigint[], v: bigint): boolean {
  let lo = 0;
  let hi = set.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const m = set[mid]!;
    if (m === v) return true;
    if (m < v) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** Read n bytes; undefined means abort. */
function readBytes(input: EvalInput, base: Base, off: bigint, n: number): Uint8Array | undefined {
  if (base === 'record') {
    const rec = input.record ?? EMPTY;
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const k = off + BigInt(i);
      out[i] = k < BigInt(rec.length) ? rec[Number(k)]! : 0;
    }
    return out;
  }
  const pkt = input.packet ?? EMPTY;
  const start = off + BigInt(base === 'frame' ? FRAME_RECORD_OFFSET : 0);
  if (start + BigInt(n) > BigInt(pkt.length)) return undefined;
  return pkt.subarray(Number(start), Number(start) + n);
}

function bytesToValue(b: Uint8Array, order: 'le' | 'be'): bigint {
  let v = 0n;
  if (order === 'be') for (let i = 0; i < b.length; i++) v = (v << 8n) | BigInt(b[i]!);
  else for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
}

function s32(n: number): bigint {
  return BigInt.asUintN(64, BigInt(n | 0));
}

export function evalExpr(e: Expr, ctx: EvalContext): bigint {
  switch (e.kind) {
    case 'const':
      return e.value;
    case 'len':
      return BigInt((ctx.input.packet ?? EMPTY).length);
    case 'pseudo':
      return s32(ctx.input[e.name] ?? 0);
    case 'ref': {
      const m = ctx.memo.get(e.id);
      if (m !== undefined) return m;
      const def = ctx.values[e.id];
      const v = def === undefined ? ABORTED : evalExpr(def.expr, ctx);
      ctx.memo.set(e.id, v);
      return v;
    }
    case 'load': {
      const off = typeof e.offset === 'number' ? BigInt(e.offset) : evalExpr(e.offset, ctx);
      if (off === ABORTED) return ABORTED;
      const b = readBytes(ctx.input, e.base, off, e.width);
      if (b === undefined) return ABORTED;
      const v = bytesToValue(b, e.order);
      return e.signed ? BigInt.asUintN(64, BigInt.asIntN(e.width * 8, v)) : v;
    }
    case 'neg': {
      const a = evalExpr(e.arg, ctx);
      if (a === ABORTED) return ABORTED;
      return -(a & U32_MAX) & U32_MAX;
    }
    case 'arith': {
      const l = evalExpr(e.left, ctx);
      if (l === ABORTED) return ABORTED;
      const r = evalExpr(e.right, ctx);
      if (r === ABORTED) return ABORTED;
      return arith32(e.op, l & U32_MAX, r & U32_MAX);
    }
  }
}

/** libpcap arithmetic on u32 (bpf_filter.c): wraps mod 2^32; x/0 and x%0 abort; shifts ≥ 32 give 0. */
export function arith32(op: Extract<Expr, { kind: 'arith' }>['op'], l: bigint, r: bigint): bigint {
  switch (op) {
    case '+':
      return (l + r) & U32_MAX;
    case '-':
      return (l - r) & U32_MAX;
    case '*':
      return (l * r) & U32_MAX;
    case '/':
      return r === 0n ? ABORTED : l / r;
    case '%':
      return r === 0n ? ABORTED : l % r;
    case '&':
      return l & r;
    case '|':
      return l | r;
    case '^':
      return l ^ r;
    case '<<':
      return r >= 32n ? 0n : (l << r) & U32_MAX;
    case '>>':
      return r >= 32n ? 0n : l >> r;
  }
}

/** What a string matcher sees: its bytes and `len`; `avail` (zero-length locators in a packet or frame
 *  only) is how many of the bytes exist before the packet's end, `data` being exactly those. */
export interface StringView {
  readonly data: Uint8Array;
  readonly len: number;
  readonly avail?: number;
}

/** The view a string matcher sees, 'fault' for a failed pointer copy, or 'abort'. A __data_loc/__rel_loc
 *  locator of length 0 gives len 0 and the bytes from its offset on (the kernel's matchers then read the
 *  NUL-terminated string there): in a record up to its first NUL (bytes past the record read 0, so the
 *  record's end ends it too); in a packet or frame up to the packet's end, with `avail` set (an offset
 *  past the packet's end aborts, as start + len past it does for len > 0). */
export function stringView(src: StrSource, input: EvalInput): StringView | 'fault' | 'abort' {
  switch (src.kind) {
    case 'comm': {
      const c = new Uint8Array(16);
      c.set((input.comm ?? EMPTY).subarray(0, 16));
      return { data: c, len: 16 };
    }
    case 'fixed': {
      const b = readBytes(input, src.base, BigInt(src.offset), src.size);
      return b === undefined ? 'abort' : { data: b, len: src.size };
    }
    case 'dataloc': {
      const w = readBytes(input, src.base, BigInt(src.offset), 4);
      if (w === undefined) return 'abort';
      const loc = Number(bytesToValue(w, src.order));
      const len = loc >>> 16;
      const start = (loc & 0xffff) + (src.rel ? src.offset + 4 : 0);
      if (len === 0) return zeroLenView(input, src.base, start);
      const b = readBytes(input, src.base, BigInt(start), len);
      return b === undefined ? 'abort' : { data: b, len };
    }
    case 'ptr': {
      const w = readBytes(input, src.base, BigInt(src.offset), 8);
      if (w === undefined) return 'abort';
      const addr = bytesToValue(w, src.order) & U64_MAX;
      const copy = copyString(input.memory ?? [], src.space, addr);
      if (copy === undefined) return 'fault';
      return { data: copy, len: copy.length };
    }
  }
}

/** The string at `start` of a zero-length locator (see stringView). */
function zeroLenView(input: EvalInput, base: Base, start: number): StringView | 'abort' {
  if (base === 'record') {
    const rec = input.record ?? EMPTY;
    let end = start;
    while (end < rec.length && rec[end] !== 0) end++;
    return { data: start < rec.length ? rec.subarray(start, end) : EMPTY, len: 0 };
  }
  // As for len > 0 (start + len inside the packet), the offset itself must be inside or at the end.
  const pkt = input.packet ?? EMPTY;
  const from = start + (base === 'frame' ? FRAME_RECORD_OFFSET : 0);
  if (from > pkt.length) return 'abort';
  const data = pkt.subarray(from);
  return { data, len: 0, avail: data.length };
}

/** strncpy_from_*_nofault: copy up to 1023 chars or NUL; an unmapped byte before that faults.
 *  Returns the copied bytes plus the terminating NUL. */
function copyString(
  mem: readonly MemoryRegion[],
  space: 'kernel' | 'user',
  addr: bigint,
): Uint8Array | undefined {
  const out: number[] = [];
  let a = addr;
  for (;;) {
    if (out.length === PTR_STRING_MAX) break;
    const region = mem.find(
      (r) => r.space === space && a >= r.address && a < r.address + BigInt(r.bytes.length),
    );
    if (region === undefined || addr === 0n) return undefined;
    const c = region.bytes[Number(a - region.address)]!;
    if (c === 0) break;
    out.push(c);
    a++;
  }
  out.push(0);
  return Uint8Array.from(out);
}
