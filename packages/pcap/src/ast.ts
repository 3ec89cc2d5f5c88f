// AST of a pcap-filter expression. It records syntax only: qualifier inheritance ("host a and b",
// "tcp port 80 or 443") is *not* resolved here; a bare id carries no qualifier and the lowering passes
// the inherited one down explicitly (libpcap's `$<blk>0`, made an explicit parameter).
// Invariants: plain readonly data with spans into the source text; and/or chains are flat lists
// evaluated left to right at equal precedence (so a 10,000-term chain is not 10,000 levels deep).
import type { ProtoName, Span } from './tokens.ts';

/** Direction qualifiers; `addr1`..`addr4`, `ra`, `ta` name 802.11 address fields (grammar.y's ADDR1..TA). */
export type DirQual = 'src' | 'dst' | 'src or dst' | 'src and dst' | WlanDir;
export type WlanDir = 'addr1' | 'addr2' | 'addr3' | 'addr4' | 'ra' | 'ta';
export const isWlanDir = (d: DirQual | undefined): d is WlanDir =>
  d !== undefined && d !== 'src' && d !== 'dst' && d !== 'src or dst' && d !== 'src and dst';
export type AddrQual = 'host' | 'net' | 'port' | 'portrange' | 'proto' | 'protochain' | 'gateway';

/** A qualifier set (libpcap `struct qual`); `undefined` members are Q_DEFAULT. */
export interface Qual {
  readonly proto: ProtoName | undefined;
  readonly dir: DirQual | undefined;
  readonly addr: AddrQual | undefined;
}

export type ArithOp = '+' | '-' | '*' | '/' | '%' | '&' | '|' | '^' | '<<' | '>>';
export type RelOp = '>' | '>=' | '=' | '<' | '<=' | '!=';

export type Arith =
  | { readonly kind: 'num'; readonly value: number; readonly span: Span }
  | { readonly kind: 'len'; readonly span: Span }
  | {
      readonly kind: 'index';
      readonly proto: ProtoName;
      readonly index: Arith;
      readonly size: 1 | 2 | 4;
      readonly span: Span;
    }
  | {
      readonly kind: 'bin';
      readonly op: ArithOp;
      readonly left: Arith;
      readonly right: Arith;
      readonly span: Span;
    }
  | { readonly kind: 'neg'; readonly arg: Arith; readonly span: Span };

/** An `id`: what follows a qualifier head, or a bare id after and/or that inherits one. */
export type Id =
  | { readonly kind: 'num'; readonly value: number; readonly span: Span }
  | { readonly kind: 'hid'; readonly text: string; readonly span: Span }
  | { readonly kind: 'hid-len'; readonly text: string; readonly len: number; readonly span: Span }
  | { readonly kind: 'hid-mask'; readonly text: string; readonly mask: string; readonly span: Span }
  | { readonly kind: 'hid6'; readonly text: string; readonly len: number | undefined; readonly span: Span }
  | { readonly kind: 'eid'; readonly text: string; readonly span: Span }
  | { readonly kind: 'aid'; readonly text: string; readonly span: Span }
  | { readonly kind: 'name'; readonly text: string; readonly span: Span }
  | { readonly kind: 'not'; readonly arg: Id; readonly span: Span }
  /** `( pid )`: ids joined by and/or, all with the same inherited qualifier. */
  | {
      readonly kind: 'list';
      readonly first: Id;
      readonly rest: readonly ChainLink<Id>[];
      readonly span: Span;
    };

export interface ChainLink<T> {
  readonly op: 'and' | 'or';
  readonly item: T;
}

export type EncapKind = 'vlan' | 'mpls' | 'pppoes' | 'geneve';

export type Expr =
  | {
      readonly kind: 'chain';
      readonly first: Expr;
      readonly rest: readonly ChainLink<Expr>[];
      readonly span: Span;
    }
  | { readonly kind: 'not'; readonly arg: Expr; readonly span: Span }
  | { readonly kind: 'paren'; readonly body: Expr; readonly span: Span }
  /** `head id`: explicit qualifiers. */
  | { readonly kind: 'qualified'; readonly qual: Qual; readonly id: Id; readonly span: Span }
  /** A bare id (after and/or): takes the qualifier of the previous term. */
  | { readonly kind: 'id'; readonly id: Id; readonly span: Span }
  /** A protocol name alone (`tcp`, `ip6`). */
  | { readonly kind: 'proto'; readonly proto: ProtoName; readonly span: Span }
  | {
      readonly kind: 'rel';
      readonly op: RelOp;
      readonly left: Arith;
      readonly right: Arith;
      readonly span: Span;
    }
  | {
      readonly kind: 'cast';
      readonly what: 'broadcast' | 'multicast';
      readonly proto: ProtoName | undefined;
      readonly span: Span;
    }
  | { readonly kind: 'size'; readonly what: 'less' | 'greater'; readonly value: number; readonly span: Span }
  | {
      readonly kind: 'encap';
      readonly what: EncapKind;
      readonly value: number | undefined;
      readonly span: Span;
    }
  | { readonly kind: 'pppoed'; readonly span: Span }
  /** 802.11 `type`/`subtype`/`dir` (parse-wlan.ts): (frame control byte `byte` & mask) == value. */
  | {
      readonly kind: 'wlan';
      readonly byte: 0 | 1;
      readonly value: number;
      readonly mask: number;
      readonly span: Span;
    }
  /** inbound / outbound: Linux packet metadata (pkt_type; the IR's `pkttype` pseudo-field). */
  | { readonly kind: 'direction'; readonly outbound: boolean; readonly span: Span }
  /** `llc` alone, or `llc i|s|u` or an S/U subtype name (`rr`, `ua`, ... case-insensitive, as grammar.y). */
  | { readonly kind: 'llc'; readonly sub: string | undefined; readonly span: Span }
  /** `byte N op V` (libpcap's CBYTE byteop): the link header's byte N compared or masked with V. */
  | {
      readonly kind: 'byte';
      readonly index: number;
      readonly op: '&' | '|' | '<' | '>' | '=';
      readonly value: number;
      readonly span: Span;
    }
  /** ifindex N: the receiving/sending device's index (Linux metadata, as direction). */
  | { readonly kind: 'ifindex'; readonly value: number; readonly span: Span };
