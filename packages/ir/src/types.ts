// IR types: the plain-data intermediate representation shared by both front ends and every target.
// Invariants (checked by verify.ts, which lists them in full):
//  - every node is a readonly object tagged by `kind`; values are JSON-serialisable except bigint constants;
//  - expression values are 64-bit unsigned bit patterns (bigint in [0, 2^64));
//  - a load reads `width` ∈ {1,2,4,8} bytes in byte `order` and zero- or sign-extends them to 64 bits;
//    sizes other than 1/2/4/8 never reach the IR: front ends lower such predicates to `false` (kernel §6.2);
//  - pcap arithmetic works on the low 32 bits of its operands and yields a u32 (libpcap's A/X registers);
//  - a compare looks only at the low `width` bytes of both sides; `signed` is meaningful for ordered ops only;
//  - and/or are n-ary and evaluated left to right with short-circuit; an out-of-bounds packet/frame load
//    or a division by zero *aborts*: the whole filter rejects, regardless of any enclosing not/or (libpcap);
//    record (tracefs) loads never abort: bytes past the record read as zero;
//  - string patterns are byte strings stored as JS strings of char codes 1..255 (no NUL), ≤ 255 bytes;
//  - a `chain` leaf is a loop (libpcap's protochain header walk) run at most `bound` steps: its loads abort
//    as packet loads do, and a walk still going after `bound` steps aborts too (libpcap would loop on).

/** Where a load reads from. `frame`: the record carried in a trace frame, byte k = packet byte 54 + k. */
export type Base = 'record' | 'packet' | 'frame';
export const BASES: readonly Base[] = ['record', 'packet', 'frame'];
/** Byte offset of the record inside a trace frame (Ethernet 14 + trace header 40). */
export const FRAME_RECORD_OFFSET = 54;

export type Width = 1 | 2 | 4 | 8;
export const WIDTHS: readonly Width[] = [1, 2, 4, 8];
export type ByteOrder = 'le' | 'be';

export type ArithOp = '+' | '-' | '*' | '/' | '%' | '&' | '|' | '^' | '<<' | '>>';
export const ARITH_OPS: readonly ArithOp[] = ['+', '-', '*', '/', '%', '&', '|', '^', '<<', '>>'];

/** Values of the environment a filter runs in, not of its input bytes. Trace events: `cpu`, `pid`. Packets:
 *  `pkttype` (skb->pkt_type: 0 host, 1 broadcast, 2 multicast, 3 other host, 4 outgoing) and `ifindex`
 *  (skb->dev->ifindex), the Linux metadata libpcap's live filters read through SKF_AD_PKTTYPE / SKF_AD_IFINDEX;
 *  `vlan_present` (0/1: the kernel moved the frame's outer VLAN tag into the skb, SKF_AD_VLAN_TAG_PRESENT) and
 *  `vlan_tci` (that tag's 16-bit TCI, SKF_AD_VLAN_TAG), which libpcap's live `vlan` reads. */
export type PseudoName = 'cpu' | 'pid' | 'pkttype' | 'ifindex' | 'vlan_present' | 'vlan_tci';
/** Every pseudo-field name, for parsers and the verifier. */
export const PSEUDO_NAMES: readonly PseudoName[] = [
  'cpu',
  'pid',
  'pkttype',
  'ifindex',
  'vlan_present',
  'vlan_tci',
];

export type Expr =
  | { readonly kind: 'const'; readonly value: bigint }
  | {
      readonly kind: 'load';
      readonly base: Base;
      readonly offset: Expr | number;
      readonly width: Width;
      readonly order: ByteOrder;
      readonly signed: boolean;
    }
  /** cpu: smp_processor_id() (s32); pid: current pid (s32); pkttype, ifindex, vlan_present, vlan_tci: the packet's
   *  (s32). Sign-extended to
   *  64 bits. */
  | { readonly kind: 'pseudo'; readonly name: PseudoName }
  /** Packet length in bytes. */
  | { readonly kind: 'len' }
  | { readonly kind: 'arith'; readonly op: ArithOp; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'neg'; readonly arg: Expr }
  /** A shared value (common load elimination); evaluates the value table entry `id`. */
  | { readonly kind: 'ref'; readonly id: number };

export type LoadExpr = Extract<Expr, { kind: 'load' }>;

/** Compare and bit-test operators; properties live in ops.ts (the one op table). */
export type CmpOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'set' | 'clear';
export const CMP_OP_NAMES: readonly CmpOp[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'set', 'clear'];

/** String sources, with the length the kernel's matchers are given (tracefs spec §6.5). */
export type StrSource =
  /** char[size] at offset: the `size` bytes; len = size. */
  | { readonly kind: 'fixed'; readonly base: Base; readonly offset: number; readonly size: number }
  /** __data_loc (rel=false) / __rel_loc (rel=true) u32 word at offset; data at (loc & 0xffff)
   *  from the record start (+ offset + 4 when rel); len = loc >> 16. len 0 (a failed fetch) is the
   *  kernel's "dynamic, ends with NUL": full/front/middle read the NUL-terminated string at the data
   *  offset, end never matches, glob sees "" (eval.ts stringView, strmatch.ts). */
  | {
      readonly kind: 'dataloc';
      readonly base: Base;
      readonly offset: number;
      readonly rel: boolean;
      readonly order: ByteOrder;
    }
  /** char * at offset (8-byte pointer, `order`); copied with the nofault copy of `space`
   *  (≤ 1023 chars); len = strlen + 1; a faulting copy makes the predicate false before negation. */
  | {
      readonly kind: 'ptr';
      readonly base: Base;
      readonly offset: number;
      readonly order: ByteOrder;
      readonly space: 'kernel' | 'user';
    }
  /** current->comm: 16 bytes from the environment; len = 16. */
  | { readonly kind: 'comm' };

export type StrMatch = 'full' | 'front' | 'middle' | 'end' | 'glob';
export const STR_MATCHES: readonly StrMatch[] = ['full', 'front', 'middle', 'end', 'glob'];

/** Derived quirk flags, stored so that dumps and targets see them; verify checks they match the source. */
export interface StrFlags {
  /** `end` on a fixed array/comm: compares the bytes just before the array's last byte, ignoring NUL. */
  readonly endWindow: boolean;
  /** `middle` on a fixed array/comm: scans all N bytes, past NUL. */
  readonly pastNul: boolean;
  /** pointer source: a faulting copy makes the leaf false for both polarities. */
  readonly faultFalse: boolean;
}

export type Pred =
  | { readonly kind: 'true' }
  | { readonly kind: 'false' }
  /** low `width` bytes of left OP low `width` bytes of right; ordered ops signed iff `signed`.
   *  set: (L & R) != 0; clear: (L & R) == 0. */
  | {
      readonly kind: 'cmp';
      readonly op: CmpOp;
      readonly width: Width;
      readonly signed: boolean;
      readonly left: Expr;
      readonly right: Expr;
    }
  /** low `width` bytes of value ∈ set (sorted ascending, unique, each < 2^(8·width)). */
  | { readonly kind: 'in'; readonly width: Width; readonly value: Expr; readonly set: readonly bigint[] }
  | {
      readonly kind: 'str';
      readonly match: StrMatch;
      readonly pattern: string;
      readonly negate: boolean;
      readonly source: StrSource;
      readonly flags: StrFlags;
    }
  /** libpcap's gen_protochain: a walk over the extension headers after the network header at packet offset
   *  `net`. Start: `ip`: A = P[net+9], X = (P[net] & 0xf) << 2; `ip6`: A = P[net+6], X = 40. Each step: A = proto
   *  → true; A ∈ ext (`ip6`: 0, 43, 44, 60) → A' = P[net+X], X' = X + (P[net+X+1] + 1) · 8; A = 51 (AH) → A' =
   *  P[net+X], X' = (P[net+X+1] + 2) · 4 (ah `reset`: libpcap 1.10.3, which forgets the old X) or X + that
   *  (ah `advance`); else false. Both bytes of a step are read before its next test (an out-of-bounds one aborts);
   *  a walk taking more than `bound` steps aborts (with `reset` an AH may point back at itself: libpcap loops
   *  forever). Arithmetic is u32 as libpcap's A/X registers. */
  | {
      readonly kind: 'chain';
      readonly family: 'ip' | 'ip6';
      readonly net: number;
      readonly proto: number;
      readonly ah: ChainAh;
      readonly bound: number;
    }
  | { readonly kind: 'and'; readonly args: readonly Pred[] }
  | { readonly kind: 'or'; readonly args: readonly Pred[] }
  | { readonly kind: 'not'; readonly arg: Pred };

/** How a protochain walk steps over an AH header: `reset` X = (len + 2) · 4 (libpcap 1.10.3), `advance` X += it. */
export type ChainAh = 'reset' | 'advance';
export const CHAIN_AH: readonly ChainAh[] = ['reset', 'advance'];
/** Extension headers a walk steps over besides AH (`ip6` only): hop-by-hop, routing, fragment, destination options. */
export const CHAIN_EXT6: readonly number[] = [0, 43, 44, 60];
/** IPPROTO_AH. */
export const CHAIN_AH_PROTO = 51;
/** Largest `bound` verify accepts. */
export const CHAIN_MAX_BOUND = 1 << 20;

export type CmpPred = Extract<Pred, { kind: 'cmp' }>;
export type InPred = Extract<Pred, { kind: 'in' }>;
export type StrPred = Extract<Pred, { kind: 'str' }>;
export type ChainPred = Extract<Pred, { kind: 'chain' }>;
/** Leaves are the predicates a decision DAG branches on. */
export type LeafPred = CmpPred | InPred | StrPred | ChainPred;

export interface ValueDef {
  readonly id: number;
  readonly expr: Expr;
}

/** A whole filter: a table of shared values (ids 0..n-1, each may refer only to smaller ids) and a body. */
export interface Filter {
  readonly kind: 'filter';
  readonly values: readonly ValueDef[];
  readonly body: Pred;
}

/** Maximum nesting depth of expressions/predicates; verify() and the parser enforce it so that
 *  every recursive pass stays far from the JS stack limit. */
export const MAX_DEPTH = 1000;

export interface IrDiagnostic {
  readonly severity: 'error';
  /** Stable machine-readable code, e.g. `load-width`. */
  readonly code: string;
  readonly message: string;
  /** Where: a path such as `body.args[2].left` or a text offset `@17`. */
  readonly at: string;
}

export const U64_MAX = (1n << 64n) - 1n;
export const U32_MAX = 0xffffffffn;

/** Largest unsigned value of `width` bytes. */
export function widthMask(width: Width): bigint {
  return (1n << BigInt(width * 8)) - 1n;
}
