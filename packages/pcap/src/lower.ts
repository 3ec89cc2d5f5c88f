// Lowering of the pcap AST to the IR with libpcap 1.10.3's gencode.c semantics (or a later libpcap's, as
// a dialect: dialect.ts) for the link types of linktypes.ts (link-layer tests: linklayer.ts). Each primitive becomes the same tests, in the same order, as libpcap's blocks (order
// matters: a load past the packet end aborts the whole filter, so which test runs first is
// observable). The reference is libpcap's unoptimized program (gencode's own semantics): libpcap's
// optimizer sometimes deletes loads it proves dead (mask-0 compares, contradictory guards, tautologies),
// which changes the verdict only on frames where such a load would have been out of bounds.
// Qualifier inheritance is an explicit parameter (`inherited`), as is the encapsulation state: in
// libpcap mode a `vlan`/`mpls` shifts the offsets of everything parsed after it; with scopedEncap
// the shift flows only through the `and` chain it appears in (not out of an `or`, `not` or
// parenthesis operand).
// For a live Linux capture (env.capture 'linux-live') the first `vlan` on Ethernet is libpcap's live code
// (lower-vlan-live.ts: the kernel's VLAN metadata and a run-time shift of 0 or 4), and a primitive that reads that
// shift where the vlan may not have run before it is refused.
// Invariants: all compares are 32-bit unsigned like cBPF's A register (loads zero-extend); errors are
// PcapFail values with libpcap's wording where it has one; no ambient state.
import {
  and,
  andOf,
  arith,
  cmp,
  FALSE,
  type Expr as IrExpr,
  LEN,
  not,
  or,
  orOf,
  type Pred,
  pseudo,
  ref,
  type ValueDef,
} from '@tfc/ir';
import { type Arith, type DirQual, type Expr, type Id, isWlanDir, type Qual } from './ast.ts';
import { irSize, MAX_IR_NODES } from './budget.ts';
import { fail } from './diagnostics.ts';
import { PCAP_DIALECTS, type PcapDialect } from './dialect.ts';
import { afterMpls, afterPppoes, afterVlan, type Encap, netOffset, prevMplsOffset } from './encap.ts';
import {
  isWlan,
  linkTypeTest,
  noLinkHeader,
  notIpv4,
  type WlanDirUse,
  wlanDirMisuse,
  wlanFrameControl,
  wlanHost,
  wlanMulticast,
  wlanOffsets,
} from './linklayer.ts';
import { linkTypeInfo } from './linktypes.ts';
import { ipBroadcast } from './lower-broadcast.ts';
import { decnetAddress, decnetHost } from './lower-decnet.ts';
import { isOsiProtoQual, nosnapOffset, osiProtoQual } from './lower-iso.ts';
import { lowerByte, lowerLlc } from './lower-llc.ts';
import { dynId, dynOff, eq, isDyn, ld, mcmp, offE, u } from './lower-ops.ts';
import { protochain } from './lower-protochain.ts';
import {
  itemRuns,
  LIVE_VLAN_SHIFT,
  liveVlan,
  type PcapCapture,
  type RunPair,
  runsBefore,
  stepRuns,
} from './lower-vlan-live.ts';
import type { NameDb } from './names/db.ts';
import { resolveName } from './names/resolve.ts';
import { parseIPv4, parseIPv6, parseMac } from './numbers.ts';
import type { ProtoName, Span } from './tokens.ts';

const ETH = { IP: 0x800, ARP: 0x806, REVARP: 0x8035, IPV6: 0x86dd, MPLS: 0x8847, PPPOED: 0x8863 } as const;
/** PPP protocol number of MPLS unicast (gen_mpls on DLT_PPP). */
const PPP_MPLS_UCAST = 0x0281;
const IPPROTO = { TCP: 6, UDP: 17, SCTP: 132, FRAGMENT: 44, ICMPV6: 58 } as const;

/** Qualifier flowing into a bare id; 'err' = libpcap's qerr (no id may follow). */
export type Inherited = Qual | 'err';

/** What the caller knows about the capture: names (NameDb), the IPv4 netmask (`ip broadcast`) and whether the
 *  program is for a live Linux capture (`vlan` reads the kernel's VLAN metadata: lower-vlan-live.ts). */
export interface LowerEnv {
  readonly names?: NameDb;
  readonly netmask?: number;
  readonly capture?: PcapCapture;
}

interface Ctx {
  readonly env: LowerEnv;
  /** IR nodes of the primitives lowered so far (budget.ts). */
  spent: number;
  /** How many `geneve` primitives have been lowered (each one moves the offsets). */
  geneves: number;
  /** The libpcap version whose semantics apply (dialect.ts). */
  readonly dialect: PcapDialect;
  encap: Encap;
  /** The expression being lowered runs only when a `geneve` earlier in its `and` chain matched (so
   *  libpcap's run-time offsets were written); other primitives after `geneve` are refused. */
  sure: boolean;
  readonly scoped: boolean;
  /** Shared values (protochain's loop state), appended in id order. */
  readonly values: ValueDef[];
  /** How many `vlan` primitives have been lowered (libpcap's vlan_stack_depth). */
  vlans: number;
  /** linux-live: the first `vlan` (gen_vlan_bpf_extensions) and the shared value of its run-time shift. */
  vlanLive?: { readonly node: Expr; readonly id: number };
  /** The expression being lowered runs only after that first `vlan` ran (so libpcap's shift register was set). */
  vlanSure: boolean;
}

// the shared IR vocabulary (constants, loads at constant or run-time offsets, gen_cmp/gen_mcmp)
export { DYN, dynOff, eq, ld, mcmp, offE, u } from './lower-ops.ts';

// ---------------------------------------------------------------- link types
/** gen_linktype for the link type in force (linklayer.ts). */
function linktype(ctx: Ctx, proto: number, span: Span): Pred {
  return linkTypeTest(ctx.encap, proto, span);
}

// ---------------------------------------------------------------- IP helpers
function ipv4HeaderLen(ctx: Ctx): IrExpr {
  return arith('<<', arith('&', ld(netOffset(ctx.encap), 1), u(0xf)), u(2));
}
/** Not a fragment other than the first (gen_ipfrag). */
function notLaterFragment(ctx: Ctx): Pred {
  return cmp('clear', 4, false, ld(netOffset(ctx.encap) + 6, 2), u(0x1fff));
}
function protoIp(ctx: Ctx, v: number, span: Span): Pred {
  return and(linktype(ctx, ETH.IP, span), eq(ld(netOffset(ctx.encap) + 9, 1), v));
}
function protoIp6(ctx: Ctx, v: number, span: Span): Pred {
  const n = netOffset(ctx.encap);
  return and(
    linktype(ctx, ETH.IPV6, span),
    or(eq(ld(n + 6, 1), v), and(eq(ld(n + 6, 1), IPPROTO.FRAGMENT), eq(ld(n + 40, 1), v))),
  );
}
function protoAny(ctx: Ctx, v: number, span: Span): Pred {
  return or(protoIp(ctx, v, span), protoIp6(ctx, v, span));
}

const SIMPLE_ETHERTYPES: Partial<Record<ProtoName, number>> = {
  ip: ETH.IP,
  ip6: ETH.IPV6,
  arp: ETH.ARP,
  rarp: ETH.REVARP,
  decnet: 0x6003,
  lat: 0x6004,
  sca: 0x6007,
  moprc: 0x6002,
  mopdl: 0x6001,
  stp: 0x42,
  netbeui: 0xf0,
  iso: 0xfe,
};

/** ISO sub-protocols over LLC SAP 0xfe: the NLPID (clnp, esis, isis), or IS-IS PDU types in libpcap's order
 *  (gen_proto_abbrev ors each new type in front of the ones before). */
const ISO_PROTOS: Partial<Record<ProtoName, { readonly nlpid: number; readonly pdus?: readonly number[] }>> =
  {
    clnp: { nlpid: 0x81 },
    esis: { nlpid: 0x82 },
    isis: { nlpid: 0x83 },
    l1: { nlpid: 0x83, pdus: [0x1a, 0x18, 0x12, 0x0f, 0x11] },
    l2: { nlpid: 0x83, pdus: [0x1b, 0x19, 0x14, 0x10, 0x11] },
    iih: { nlpid: 0x83, pdus: [0x11, 0x0f, 0x10] },
    lsp: { nlpid: 0x83, pdus: [0x12, 0x14] },
    snp: { nlpid: 0x83, pdus: [0x1b, 0x1a, 0x18, 0x19] },
    csnp: { nlpid: 0x83, pdus: [0x18, 0x19] },
    psnp: { nlpid: 0x83, pdus: [0x1a, 0x1b] },
  };
function isoProto(
  ctx: Ctx,
  p: { readonly nlpid: number; readonly pdus?: readonly number[] },
  span: Span,
): Pred {
  // OR_LINKPL_NOSNAP: after the LLC header on Ethernet, right after the protocol field on PPP (pppoes)
  const pl = nosnapOffset(ctx.encap);
  const nlpid = () => and(linktype(ctx, 0xfe, span), eq(ld(pl, 1), p.nlpid));
  if (p.pdus === undefined) return nlpid();
  // the PDU type byte, whole in 1.10.3 (mask 0xff), masked in current libpcap
  const m = ctx.dialect.isisPduMask;
  const pdu = (t: number) => (m === 0xff ? eq(ld(pl + 4, 1), t) : mcmp(ld(pl + 4, 1), t, m));
  return or(...p.pdus.map((t) => and(nlpid(), pdu(t))));
}

/** A protocol name on its own (gen_proto_abbrev). */
function protoAbbrev(ctx: Ctx, p: ProtoName, span: Span): Pred {
  const et = SIMPLE_ETHERTYPES[p];
  if (et !== undefined) return linktype(ctx, et, span);
  switch (p) {
    case 'tcp':
      return protoAny(ctx, IPPROTO.TCP, span);
    case 'udp':
      return protoAny(ctx, IPPROTO.UDP, span);
    case 'sctp':
      return protoAny(ctx, IPPROTO.SCTP, span);
    case 'icmp':
      return protoIp(ctx, 1, span);
    case 'igmp':
      return protoIp(ctx, 2, span);
    case 'igrp':
      return protoIp(ctx, 9, span);
    case 'pim':
      return protoAny(ctx, 103, span);
    case 'vrrp':
    case 'carp':
      return protoIp(ctx, 112, span);
    case 'icmp6':
      return protoIp6(ctx, IPPROTO.ICMPV6, span);
    case 'ah':
      return protoAny(ctx, 51, span);
    case 'esp':
      return protoAny(ctx, 50, span);
    case 'ipx':
      return linktype(ctx, 0xe0, span);
    case 'atalk':
      return linktype(ctx, 0x809b, span);
    case 'aarp':
      return linktype(ctx, 0x80f3, span);
    case 'link':
      return fail('qualifier', 'link layer applied in wrong context', span);
    case 'radio':
      return fail('qualifier', "'radio' is not a valid protocol type", span);
    default: {
      const iso = ISO_PROTOS[p];
      if (iso !== undefined) return isoProto(ctx, iso, span);
      return fail('unsupported', `'${p}' is not supported by tfc`, span);
    }
  }
}

// ---------------------------------------------------------------- hosts and nets
/** src / dst / both / either; an 802.11 address qualifier is libpcap's error for `what` (wlanDirMisuse). */
function dirCombine(
  dir: DirQual | undefined,
  src: () => Pred,
  dst: () => Pred,
  what: WlanDirUse,
  span: Span,
): Pred {
  if (isWlanDir(dir)) return wlanDirMisuse(dir, what, span);
  switch (dir) {
    case 'src':
      return src();
    case 'dst':
      return dst();
    case 'src and dst':
      return and(src(), dst());
    default:
      return or(src(), dst());
  }
}

function host4(ctx: Ctx, addr: number, mask: number, q: Qual, type: 'host' | 'net', span: Span): Pred {
  const n = netOffset(ctx.encap);
  const op = (et: number, so: number, dO: number) =>
    // current libpcap: an all-zeroes net is the link-type test alone (no address load)
    ctx.dialect.zeroMaskNoLoad && mask === 0 && addr === 0
      ? linktype(ctx, et, span)
      : dirCombine(
          q.dir,
          () => and(linktype(ctx, et, span), mcmp(ld(n + so, 4), addr, mask)),
          () => and(linktype(ctx, et, span), mcmp(ld(n + dO, 4), addr, mask)),
          'addresses',
          span,
        );
  switch (q.proto) {
    case undefined:
      // over MPLS only IPv4 is tested (libpcap skips ARP/RARP when a label stack was matched)
      if (ctx.encap.mplsDepth > 0) return op(ETH.IP, 12, 16);
      return or(op(ETH.IP, 12, 16), op(ETH.ARP, 14, 24), op(ETH.REVARP, 14, 24));
    case 'ip':
      return op(ETH.IP, 12, 16);
    case 'arp':
      return op(ETH.ARP, 14, 24);
    case 'rarp':
      return op(ETH.REVARP, 14, 24);
    case 'link':
      return fail('qualifier', `link-layer modifier applied to ${type}`, span);
    case 'ip6':
      return fail('qualifier', `'ip6' modifier applied to ip ${type}`, span);
    case 'decnet':
      return decnetHost(ctx.encap, addr, q.dir, (p) => linktype(ctx, p, span), span);
    default:
      return fail('qualifier', `'${q.proto}' modifier applied to ${type}`, span);
  }
}

function host6(
  ctx: Ctx,
  addr: Uint8Array,
  mask: Uint8Array,
  q: Qual,
  type: 'host' | 'net',
  span: Span,
): Pred {
  if (q.proto !== undefined && q.proto !== 'ip6') {
    if (q.proto === 'link') return fail('qualifier', `link-layer modifier applied to ip6 ${type}`, span);
    return fail('qualifier', `'${q.proto}' modifier applied to ip6 ${type}`, span);
  }
  const n = netOffset(ctx.encap);
  const word = (b: Uint8Array, i: number) =>
    ((b[4 * i]! << 24) | (b[4 * i + 1]! << 16) | (b[4 * i + 2]! << 8) | b[4 * i + 3]!) >>> 0;
  const side = (base: number) =>
    and(
      linktype(ctx, ETH.IPV6, span),
      ...[0, 1, 2, 3]
        .filter((i) => !(ctx.dialect.zeroMaskNoLoad && word(mask, i) === 0 && word(addr, i) === 0))
        .map((i) => mcmp(ld(n + base + 4 * i, 4), word(addr, i), word(mask, i))),
    );
  return dirCombine(
    q.dir,
    () => side(8),
    () => side(24),
    'addresses',
    span,
  );
}

/**
 * gen_prevlinkhdr_check after `geneve` (gen_geneve_ll_check): the inner frame has an Ethernet header — libpcap
 * compares the registers of the link header and payload offsets (their constant parts, which `vlan` moves, are
 * not compared): they differ exactly when the Geneve protocol type was 0x6558. Undefined elsewhere (no test).
 */
function geneveLinkCheck(e: Encap): Pred | undefined {
  if (!e.geneve || e.linkhdr === undefined) return undefined;
  const varPart = (off: number) => ref(dynId(off));
  return cmp('ne', 4, false, varPart(e.linkhdr), varPart(e.linkpl));
}

/** gen_ehostop at the link header (after `geneve`: the inner Ethernet header, behind gen_geneve_ll_check). */
function ether(ctx: Ctx, mac: Uint8Array, dir: DirQual | undefined, span: Span): Pred {
  const h = ctx.encap.linkhdr ?? 0;
  const at = (off: number) =>
    and(
      eq(ld(h + off + 2, 4), ((mac[2]! << 24) | (mac[3]! << 16) | (mac[4]! << 8) | mac[5]!) >>> 0),
      eq(ld(h + off, 2), (mac[0]! << 8) | mac[1]!),
    );
  const check = geneveLinkCheck(ctx.encap);
  const b = dirCombine(
    dir,
    () => at(6),
    () => at(0),
    'ether',
    span,
  );
  return check === undefined ? b : and(check, b);
}

// ---------------------------------------------------------------- ports
type L4 = 6 | 17 | 132 | undefined;
function portProto(q: Qual, what: 'port' | 'portrange', span: Span): L4 {
  switch (q.proto) {
    case 'tcp':
      return 6;
    case 'udp':
      return 17;
    case 'sctp':
      return 132;
    case undefined:
      return undefined;
    default:
      return fail('qualifier', `illegal qualifier of '${what}'`, span);
  }
}

function ports(
  ctx: Ctx,
  lo: number,
  hi: number,
  proto: L4,
  dir: DirQual | undefined,
  span: Span,
  what: 'port' | 'portrange',
  which: 'both' | 'v4' | 'v6' = 'both',
): Pred {
  // gen_portop / gen_portrangeop: an 802.11 address qualifier is an error before any code
  if (isWlanDir(dir)) return wlanDirMisuse(dir, what === 'port' ? 'ports' : 'port ranges', span);
  const n = netOffset(ctx.encap);
  const test = (l: IrExpr, l2: IrExpr) =>
    lo === hi ? eq(l, lo) : and(cmp('ge', 4, false, l, u(lo)), cmp('le', 4, false, l2, u(hi)));
  const at4 = (off: number) => ld(arith('+', ipv4HeaderLen(ctx), offE(n + off)), 2);
  const at6 = (off: number) => ld(n + 40 + off, 2);
  const op4 = (p: number) =>
    and(
      eq(ld(n + 9, 1), p),
      notLaterFragment(ctx),
      dirCombine(
        dir,
        () => test(at4(0), at4(0)),
        () => test(at4(2), at4(2)),
        'ports',
        span,
      ),
    );
  const op6 = (p: number) =>
    and(
      eq(ld(n + 6, 1), p),
      dirCombine(
        dir,
        () => test(at6(0), at6(0)),
        () => test(at6(2), at6(2)),
        'ports',
        span,
      ),
    );
  const each = (f: (p: number) => Pred) => (proto === undefined ? or(f(132), f(6), f(17)) : f(proto));
  const v6 = () => and(linktype(ctx, ETH.IPV6, span), each(op6));
  const v4 = () => and(linktype(ctx, ETH.IP, span), each(op4));
  return which === 'v4' ? v4() : which === 'v6' ? v6() : or(v6(), v4());
}

// ---------------------------------------------------------------- ids under a qualifier
const ADDR_ONLY_ERR = (addr: Qual['addr'], what: string, span: Span) => {
  if (addr === 'port' || addr === 'portrange' || addr === 'proto' || addr === 'protochain')
    fail('qualifier', `'${addr}' modifier applied to ${what}`, span);
};

function ipv4Text(text: string, span: Span): { value: number; bits: number } {
  const a = parseIPv4(text);
  if (a === undefined) return fail('address', `invalid IPv4 address '${text}'`, span);
  return a;
}

/** The current libpcap's assert_maxval on a protocol number (dialect.ts). */
function maxval(ctx: Ctx, what: string, v: number, max: number, span: Span): void {
  if (ctx.dialect.rangeChecks && v > max) fail('range', `${what} ${v} greater than maximum ${max}`, span);
}

/** The current libpcap's range checks on a `link proto` value, where its gen_linktype makes them. */
function linkProtoRange(ctx: Ctx, v: number, span: Span): void {
  const e = ctx.encap;
  if (e.mplsDepth > 0 || noLinkHeader(e)) return;
  if (e.ppp) maxval(ctx, 'PPP protocol', v, 0xffff, span);
  else if (e.link !== 'linux_sll2' && v <= 1500) maxval(ctx, 'LLC DSAP', v, 0xff, span);
  else maxval(ctx, 'EtherType', v, 0xffff, span);
}

function protoQual(ctx: Ctx, v: number, q: Qual, span: Span): Pred {
  if (q.proto === undefined || q.proto === 'ip' || q.proto === 'ip6')
    maxval(ctx, 'protocol number', v, 0xff, span);
  if (q.proto === 'link') linkProtoRange(ctx, v, span);
  switch (q.proto) {
    case undefined:
      return protoAny(ctx, v, span);
    case 'link':
      return linktype(ctx, v, span);
    case 'ip':
      return protoIp(ctx, v, span);
    case 'ip6':
      return protoIp6(ctx, v, span);
    case 'arp':
    case 'rarp':
      return fail('qualifier', `${q.proto} does not encapsulate another protocol`, span);
    default:
      if (isOsiProtoQual(q.proto))
        return osiProtoQual(ctx.encap, v, q.proto, (p) => linktype(ctx, p, span), span);
      return fail('qualifier', `'${q.proto} proto' is bogus`, span);
  }
}

function lowerNumId(ctx: Ctx, v: number, q: Qual, span: Span): Pred {
  switch (q.addr) {
    case undefined:
    case 'host':
    case 'net': {
      if (q.proto === 'link') return fail('qualifier', 'illegal link layer address', span);
      if (q.proto === 'decnet') return host4(ctx, v, 0, q, 'host', span);
      let mask = 0xffffffff;
      if (q.addr === 'net') {
        while (v !== 0 && (v & 0xff000000) === 0) {
          v = (v << 8) >>> 0;
          mask = (mask << 8) >>> 0;
        }
      }
      return host4(ctx, v >>> 0, mask, q, q.addr === 'net' ? 'net' : 'host', span);
    }
    case 'port':
    case 'portrange': {
      const p = portProto(q, q.addr, span);
      if (v > 65535) return fail('range', `illegal port number ${v} > 65535`, span);
      return ports(ctx, v, v, p, q.dir, span, q.addr);
    }
    case 'gateway':
      return fail('qualifier', "'gateway' requires a name", span);
    case 'proto':
      return protoQual(ctx, v, q, span);
    case 'protochain':
      if (q.proto === undefined || q.proto === 'ip' || q.proto === 'ip6')
        maxval(ctx, 'protocol number', v, 0xff, span);
      if (q.proto === undefined)
        return or(protochain(ctx.encap, v, 'ip', span), protochain(ctx.encap, v, 'ip6', span));
      if (q.proto === 'ip' || q.proto === 'ip6') return protochain(ctx.encap, v, q.proto, span);
      return fail('qualifier', "bad protocol applies for 'protochain'", span);
  }
}

function lowerId(ctx: Ctx, id: Id, inh: Inherited): Pred {
  if (id.kind === 'not') return not(lowerId(ctx, id.arg, inh));
  if (id.kind === 'list') {
    let acc = lowerId(ctx, id.first, inh);
    for (const l of id.rest) {
      const r = lowerId(ctx, l.item, inh);
      acc = l.op === 'and' ? and(acc, r) : or(acc, r);
    }
    return acc;
  }
  if (inh === 'err') return fail('syntax', 'syntax error in filter expression', id.span);
  const q = inh;
  const span = id.span;
  switch (id.kind) {
    case 'num':
      return lowerNumId(ctx, id.value, q, span);
    case 'hid': {
      if (q.proto === 'decnet' && q.addr !== 'gateway')
        return lowerNumId(ctx, decnetAddress(id.text, span), q, span);
      ADDR_ONLY_ERR(q.addr, 'IP address', span);
      const a = ipv4Text(id.text, span);
      if (q.addr === 'gateway') return fail('qualifier', "'gateway' requires a name", span);
      if (q.proto === 'link') return fail('qualifier', 'illegal link layer address', span);
      const shift = 32 - a.bits;
      const v = shift === 32 ? 0 : (a.value << shift) >>> 0;
      const mask = shift === 32 ? 0 : (0xffffffff << shift) >>> 0;
      return host4(ctx, v, mask, q, q.addr === 'net' ? 'net' : 'host', span);
    }
    case 'hid-len':
    case 'hid-mask': {
      ADDR_ONLY_ERR(q.addr, 'IP address and netmask', span);
      const a = ipv4Text(id.text, span);
      const n = a.bits === 32 ? a.value : (a.value << (32 - a.bits)) >>> 0;
      let m: number;
      let shown: string;
      if (id.kind === 'hid-mask') {
        const mm = ipv4Text(id.mask, span);
        m = mm.bits === 32 ? mm.value : (mm.value << (32 - mm.bits)) >>> 0;
        shown = `${id.text} mask ${id.mask}`;
      } else {
        if (id.len > 32) return fail('range', 'mask length must be <= 32', span);
        m = id.len === 0 ? 0 : (0xffffffff << (32 - id.len)) >>> 0;
        shown = `${id.text}/${id.len}`;
      }
      if ((n & ~m) >>> 0 !== 0) return fail('address', `non-network bits set in "${shown}"`, span);
      if (q.addr !== 'net') return fail('qualifier', 'Mask syntax for networks only', span);
      if (q.proto === 'link') return fail('qualifier', 'illegal link layer address', span);
      return host4(ctx, n, m, q, 'net', span);
    }
    case 'hid6': {
      ADDR_ONLY_ERR(q.addr, 'IP address', span);
      const len = id.len ?? 128;
      if (len > 128) return fail('range', 'mask length must be <= 128', span);
      const a = parseIPv6(id.text);
      if (a === undefined) return fail('address', `invalid ip6 address ${id.text}`, span);
      const m = new Uint8Array(16);
      for (let i = 0; i < 16; i++)
        m[i] = len >= 8 * (i + 1) ? 0xff : len <= 8 * i ? 0 : (0xff << (8 - (len - 8 * i))) & 0xff;
      if (a.some((b, i) => (b & ~m[i]!) !== 0))
        return fail('address', `non-network bits set in "${id.text}/${len}"`, span);
      if (q.addr === undefined || q.addr === 'host') {
        if (len !== 128) return fail('qualifier', 'Mask syntax for networks only', span);
      } else if (q.addr !== 'net') return fail('qualifier', 'invalid qualifier against IPv6 address', span);
      return host6(ctx, a, m, q, q.addr === 'net' ? 'net' : 'host', span);
    }
    case 'eid': {
      // gen_ecode: the qualifiers first, then the link type
      if (!((q.addr === undefined || q.addr === 'host') && q.proto === 'link'))
        return fail('qualifier', 'ethernet address used in non-ether expression', span);
      if ((ctx.encap.link !== 'ethernet' && !isWlan(ctx.encap)) || ctx.encap.ppp)
        return fail(
          'link',
          'ethernet addresses supported only on ethernet/FDDI/token ring/802.11/ATM LANE/Fibre Channel',
          span,
        );
      const mac = parseMac(id.text);
      if (mac === undefined) return fail('address', `invalid ethernet address ${id.text}`, span);
      if (isWlan(ctx.encap)) return wlanHost(ctx.encap, mac, q.dir);
      return ether(ctx, mac, q.dir, span);
    }
    case 'aid':
      return fail('link', 'aid supported only on ARCnet', span);
    case 'name': {
      const r = /^([0-9]+)-([0-9]+)$/.exec(id.text);
      if (q.addr === 'portrange' && r) {
        const p = portProto(q, 'portrange', span);
        let lo = Number.parseInt(r[1]!, 10);
        let hi = Number.parseInt(r[2]!, 10);
        if (lo > 65535) return fail('range', `illegal port number ${lo} > 65535`, span);
        if (hi > 65535) return fail('range', `illegal port number ${hi} > 65535`, span);
        if (lo > hi) [lo, hi] = [hi, lo];
        return ports(ctx, lo, hi, p, q.dir, span, 'portrange');
      }
      const link = {
        ethernet: ctx.encap.link === 'ethernet' && !ctx.encap.ppp,
        wlan: isWlan(ctx.encap) && !ctx.encap.ppp,
        typeField: ctx.encap.link !== 'raw' || ctx.encap.ppp,
      };
      const ids = resolveName(id.text, q, ctx.env.names, link, span);
      return or(...ids.map((r) => lowerId(ctx, r.id, r.q)));
    }
  }
}

// ---------------------------------------------------------------- arithmetic
interface Val {
  readonly expr: IrExpr;
  /** Protocol checks that libpcap and-s in front of the relation. */
  readonly guard: Pred | undefined;
}

const TRANSPORT_V4: Partial<Record<ProtoName, true>> = {
  tcp: true,
  udp: true,
  sctp: true,
  icmp: true,
  igmp: true,
  igrp: true,
  pim: true,
  vrrp: true,
  carp: true,
};
/** Protocols whose `proto[i]` indexes the network header (gen_load_internal), after their own test. */
const NET_INDEX: ReadonlySet<ProtoName> = new Set([
  'ip',
  'ip6',
  'arp',
  'rarp',
  'atalk',
  'decnet',
  'sca',
  'lat',
  'moprc',
  'mopdl',
]);
const withGuard = (g: Pred | undefined, p: Pred): Pred => (g === undefined ? p : and(g, p));

/**
 * An upper bound of the u32 value of `e` when one follows from its shape (constants, load widths,
 * masks, shifts, sums and products that cannot wrap), else undefined. It lets `indexed` use a plain
 * add where cBPF's `[x + k]` cannot pass 2^32 (`tcp[(tcp[12] & 0xf0) >> 2]`).
 */
function upperBound(e: IrExpr): number | undefined {
  const M = 0xffffffff;
  const fit = (v: number | undefined): number | undefined => (v !== undefined && v <= M ? v : undefined);
  switch (e.kind) {
    case 'const':
      return fit(Number(e.value & 0xffffffffn));
    case 'load':
      return e.width >= 4 ? M : 2 ** (8 * e.width) - 1;
    case 'arith': {
      const l = upperBound(e.left);
      const r = upperBound(e.right);
      switch (e.op) {
        case '&':
          return l === undefined ? r : r === undefined ? l : Math.min(l, r);
        case '|':
        case '^':
          return l === undefined || r === undefined
            ? undefined
            : 2 ** Math.ceil(Math.log2(Math.max(l, r) + 1)) - 1;
        case '+':
          return l === undefined || r === undefined ? undefined : fit(l + r);
        case '*':
          return l === undefined || r === undefined ? undefined : fit(l * r);
        case '>>':
          return l === undefined || e.right.kind !== 'const' ? l : Math.floor(l / 2 ** Number(e.right.value));
        case '<<':
          return l === undefined || e.right.kind !== 'const' || e.right.value > 31n
            ? undefined
            : fit(l * 2 ** Number(e.right.value));
        case '/':
        case '%':
          return l;
        case '-':
          return undefined;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}
const constOf = upperBound;

/**
 * The offset of cBPF's indexed load `[x + k]`: unlike the IR's u32 arithmetic, X + k does not wrap —
 * libpcap's bpf_filter rejects when it passes 2^32. `max` bounds x when known. For an unbounded x the
 * carry of the 32-bit add turns into a division by zero (an abort), and x is shared as a value.
 */
function indexed(ctx: Ctx, x: IrExpr, k: number, max: number | undefined): IrExpr {
  if (isDyn(k)) return arith('+', x, offE(k));
  if (max !== undefined && max + k <= 0xffffffff)
    return x.kind === 'const' ? u(Number(x.value) + k) : arith('+', x, u(k));
  if (k === 0) return x;
  const id = ctx.values.length;
  ctx.values.push({ id, expr: x });
  const v = ref(id);
  const sum = arith('+', v, u(k));
  const carry = arith(
    '>>',
    arith('|', arith('&', v, u(k)), arith('&', arith('|', v, u(k)), arith('^', sum, u(0xffffffff)))),
    u(31),
  );
  return arith('+', sum, arith('/', u(0), arith('-', u(1), carry)));
}

/** The constant of the first cBPF statement libpcap generates for `a` (`ld #k`), if it is one. */
function firstImmediate(a: Arith): number | undefined {
  let x = a;
  for (;;) {
    if (x.kind === 'num') return x.value;
    if (x.kind === 'len') return undefined;
    x = x.kind === 'index' ? x.index : x.kind === 'bin' ? x.left : x.arg;
  }
}

function lowerArith(ctx: Ctx, a: Arith): Val {
  switch (a.kind) {
    case 'num':
      return { expr: u(a.value), guard: undefined };
    case 'len':
      return { expr: LEN, guard: undefined };
    case 'neg': {
      const v = lowerArith(ctx, a.arg);
      return { expr: arith('-', u(0), v.expr), guard: v.guard };
    }
    case 'bin': {
      const l = lowerArith(ctx, a.left);
      const r = lowerArith(ctx, a.right);
      // gen_arth inspects the *first statement* of the right operand: an immediate load of 0 (or > 31
      // for shifts) is an error even when it is only the index of `proto[0]` or the left of `0 + x`
      const k = firstImmediate(a.right);
      if (k !== undefined) {
        if (a.op === '/' && k === 0) fail('range', 'division by zero', a.span);
        if (a.op === '%' && k === 0) fail('range', 'modulus by zero', a.span);
        if ((a.op === '<<' || a.op === '>>') && k > 31) fail('range', 'shift by more than 31 bits', a.span);
      }
      // libpcap 1.10.3's gen_arth keeps only the left operand's protocol checks
      return { expr: arith(a.op, l.expr, r.expr), guard: l.guard };
    }
    case 'index': {
      const idx = lowerArith(ctx, a.index);
      const n = netOffset(ctx.encap);
      const p = a.proto;
      if (p === 'link') {
        // after `pppoes` the link header is the PPP protocol field (libpcap's off_linkhdr): an indexed load
        if (ctx.encap.linkhdr !== undefined)
          return { expr: ld(arith('+', idx.expr, offE(ctx.encap.linkhdr)), a.size), guard: idx.guard };
        if (ctx.encap.ppp)
          return {
            expr: ld(indexed(ctx, idx.expr, ctx.encap.linktype, constOf(idx.expr)), a.size),
            guard: idx.guard,
          };
        return { expr: ld(idx.expr, a.size), guard: idx.guard };
      }
      if (NET_INDEX.has(p))
        return {
          expr: ld(indexed(ctx, idx.expr, n, constOf(idx.expr)), a.size),
          guard: withGuard(idx.guard, protoAbbrev(ctx, p, a.span)),
        };
      if (TRANSPORT_V4[p]) {
        const k = constOf(idx.expr);
        const off = indexed(
          ctx,
          arith('+', idx.expr, ipv4HeaderLen(ctx)),
          n,
          k === undefined ? undefined : k + 60,
        );
        const guard = and(
          linktype(ctx, ETH.IP, a.span),
          ...(idx.guard ? [idx.guard] : []),
          protoAbbrev(ctx, p, a.span),
          notLaterFragment(ctx),
        );
        return { expr: ld(off, a.size), guard };
      }
      if (p === 'radio') {
        // gen_load_internal's Q_RADIO: the packet's own offset (the radiotap header), radiotap captures only
        if (ctx.encap.link !== 'ieee802_11_radio' || ctx.encap.ppp || ctx.encap.geneve)
          return fail('link', 'radio information not present in capture', a.span);
        return { expr: ld(indexed(ctx, idx.expr, 0, constOf(idx.expr)), a.size), guard: idx.guard };
      }
      if (p === 'icmp6') {
        const guard = and(...(idx.guard ? [idx.guard] : []), protoIp6Direct(ctx, IPPROTO.ICMPV6, a.span));
        return { expr: ld(indexed(ctx, idx.expr, n + 40, constOf(idx.expr)), a.size), guard };
      }
      return fail('unsupported', `'${p}[...]' is not supported by tfc`, a.span);
    }
  }
}

/** ip6 with next header = v directly (no fragment header), as icmp6[] requires. */
function protoIp6Direct(ctx: Ctx, v: number, span: Span): Pred {
  return and(linktype(ctx, ETH.IPV6, span), eq(ld(netOffset(ctx.encap) + 6, 1), v));
}

const REL = {
  '>': 'gt',
  '>=': 'ge',
  '=': 'eq',
  '<': 'lt',
  '<=': 'le',
  '!=': 'ne',
} as const;

// ---------------------------------------------------------------- expressions
interface Lowered {
  readonly pred: Pred;
  /** The qualifier a following bare id inherits. */
  readonly q: Inherited;
}

function lowerExpr(ctx: Ctx, e: Expr, inh: Inherited): Lowered {
  const r = lowerTerm(ctx, e, inh);
  if (e.kind !== 'chain' && e.kind !== 'paren' && e.kind !== 'not') spend(ctx, r.pred, e.span);
  return r;
}

function lowerTerm(ctx: Ctx, e: Expr, inh: Inherited): Lowered {
  switch (e.kind) {
    case 'chain': {
      const start = ctx.encap;
      const gen0 = ctx.geneves;
      const first = lowerExpr(ctx, e.first, inh);
      // left-associative, equal precedence: operands of a run of the same operator are collected and
      // built once (linear time for long chains)
      let run: Pred[] = [first.pred];
      let runOp: 'and' | 'or' | undefined;
      let q = first.q;
      const outerSure = ctx.sure;
      const outerVlanSure = ctx.vlanSure;
      // does the chain so far (left-associative) hold only where a geneve matched?
      let left = impliesGeneve(e.first);
      // which outcomes of the chain so far imply that the first live `vlan` ran (once it is inside it)
      let vlanRan = ctx.vlanLive === undefined ? undefined : runsBefore(e.first, ctx.vlanLive.node);
      for (const link of e.rest) {
        // scoped: (X or Y) starts Y where X started and leaks no shift; (X and Y) threads X's shifts into Y
        if (ctx.scoped && link.op === 'or') ctx.encap = start;
        // the offsets in force are the latest geneve's: an outer chain's guarantee lapses once a geneve is
        // lowered inside this one, and an item that lowers a geneve restarts `left`
        ctx.sure = (outerSure && ctx.geneves === gen0) || (link.op === 'and' && left);
        ctx.vlanSure = outerVlanSure || vlanRan?.[link.op === 'and' ? 1 : 0] === true;
        const before = ctx.geneves;
        const r = lowerExpr(ctx, link.item, q);
        ctx.sure = outerSure;
        ctx.vlanSure = outerVlanSure;
        vlanRan = nextVlanRan(ctx, vlanRan, link.item, link.op);
        const it = impliesGeneve(link.item);
        if (ctx.geneves !== before) left = link.op === 'and' && it;
        else left = link.op === 'and' ? left || it : left && it;
        if (runOp !== undefined && runOp !== link.op) run = [runOp === 'and' ? andOf(run) : orOf(run)];
        runOp = link.op;
        run.push(r.pred);
        q = r.q;
        if (ctx.scoped && link.op === 'or') ctx.encap = start;
      }
      return { pred: runOp === 'or' ? orOf(run) : andOf(run), q };
    }
    case 'not': {
      const save = ctx.encap;
      const r = lowerExpr(ctx, e.arg, inh);
      if (ctx.scoped) ctx.encap = save;
      return { pred: not(r.pred), q: r.q };
    }
    case 'paren': {
      const r = lowerExpr(ctx, e.body, inh);
      return { pred: r.pred, q: inh };
    }
    case 'qualified':
      return { pred: afterGeneve(ctx, e.span, () => lowerId(ctx, e.id, e.qual)), q: e.qual };
    case 'id':
      return { pred: afterGeneve(ctx, e.span, () => lowerId(ctx, e.id, inh)), q: inh };
    case 'proto':
      return { pred: afterGeneve(ctx, e.span, () => protoAbbrev(ctx, e.proto, e.span)), q: 'err' };
    case 'rel': {
      const rel = (): Pred => {
        const l = lowerArith(ctx, e.left);
        const r = lowerArith(ctx, e.right);
        const guards = [l.guard, r.guard].filter((g): g is Pred => g !== undefined);
        return and(...guards, cmp(REL[e.op], 4, false, l.expr, r.expr));
      };
      const reads = readsHeaders(e.left) || readsHeaders(e.right);
      return { pred: reads ? afterGeneve(ctx, e.span, rel) : rel(), q: 'err' };
    }
    case 'cast':
      return { pred: afterGeneve(ctx, e.span, () => lowerCast(ctx, e.what, e.proto, e.span)), q: 'err' };
    case 'size':
      return { pred: cmp(e.what === 'less' ? 'le' : 'ge', 4, false, LEN, u(e.value)), q: 'err' };
    case 'direction': {
      const sll = cookedMeta(ctx, 'direction');
      if (sll !== undefined) return { pred: e.outbound ? sll : not(sll), q: 'err' };
      // libpcap on Linux: pkt_type == PACKET_OUTGOING (4), inverted for inbound
      const out = eq(linuxMeta(ctx, 'pkttype', e.outbound ? 'outbound' : 'inbound', e.span), 4);
      return { pred: e.outbound ? out : not(out), q: 'err' };
    }
    case 'ifindex': {
      const sll = cookedMeta(ctx, 'ifindex');
      if (sll !== undefined) return { pred: eq(sll, e.value), q: 'err' };
      return { pred: eq(linuxMeta(ctx, 'ifindex', 'ifindex', e.span), e.value), q: 'err' };
    }
    case 'wlan':
      return {
        pred: afterGeneve(ctx, e.span, () => wlanFrameControl(ctx.encap, e.byte, e.value, e.mask, e.span)),
        q: 'err',
      };
    case 'pppoed':
      return { pred: afterGeneve(ctx, e.span, () => linktype(ctx, ETH.PPPOED, e.span)), q: 'err' };
    case 'llc':
      return { pred: afterGeneve(ctx, e.span, () => lowerLlc(ctx.encap, e.sub, e.span)), q: 'err' };
    case 'byte':
      return {
        pred: afterGeneve(ctx, e.span, () => lowerByte(ctx.encap, e.index, e.op, e.value, e.span)),
        q: 'err',
      };
    case 'encap':
      return { pred: afterGeneve(ctx, e.span, () => lowerEncap(ctx, e, e.span)), q: 'err' };
  }
}

function lowerCast(
  ctx: Ctx,
  what: 'broadcast' | 'multicast',
  proto: ProtoName | undefined,
  span: Span,
): Pred {
  const eth = ctx.encap.link === 'ethernet';
  const wlan = isWlan(ctx.encap) && !ctx.encap.ppp;
  // Ethernet (also the inner one after `geneve`): at the link header, behind gen_prevlinkhdr_check
  const h = ctx.encap.linkhdr ?? 0;
  const checked = (p: Pred): Pred => {
    const c = geneveLinkCheck(ctx.encap);
    return c === undefined ? p : and(c, p);
  };
  if (what === 'broadcast') {
    if (proto === undefined || proto === 'link') {
      if (wlan) return wlanHost(ctx.encap, new Uint8Array(6).fill(0xff), 'dst');
      if (!eth || ctx.encap.ppp) return fail('link', 'not a broadcast link', span);
      return checked(and(eq(ld(h + 2, 4), 0xffffffff), eq(ld(h, 2), 0xffff)));
    }
    if (proto === 'ip') return ipBroadcast(ctx.encap, ctx.env.netmask, (p) => linktype(ctx, p, span), span);
    return fail('qualifier', 'only link-layer/IP broadcast filters supported', span);
  }
  if (proto === undefined || proto === 'link') {
    if (wlan) return wlanMulticast(ctx.encap);
    if (!eth || ctx.encap.ppp)
      return fail(
        'link',
        'link-layer multicast filters supported only on ethernet/FDDI/token ring/ARCNET/802.11/ATM LANE/Fibre Channel',
        span,
      );
    return checked(cmp('set', 4, false, ld(h, 1), u(1)));
  }
  const n = netOffset(ctx.encap);
  if (proto === 'ip')
    return and(
      linktype(ctx, ETH.IP, span),
      ctx.dialect.ipMulticastPrefix
        ? mcmp(ld(n + 16, 1), 0xe0, 0xf0)
        : cmp('ge', 4, false, ld(n + 16, 1), u(224)),
    );
  if (proto === 'ip6') return and(linktype(ctx, ETH.IPV6, span), eq(ld(n + 24, 1), 255));
  return fail(
    'qualifier',
    'only IP multicast filters supported on ethernet/FDDI/token ring/ARCNET/802.11/ATM LANE/Fibre Channel',
    span,
  );
}

/** The chain's run pair after `left op item` (lower-vlan-live.ts), once the first live `vlan` is known. */
function nextVlanRan(ctx: Ctx, left: RunPair | undefined, item: Expr, op: 'and' | 'or'): RunPair | undefined {
  if (left !== undefined) return stepRuns(left, op);
  if (ctx.vlanLive === undefined) return undefined;
  const r = runsBefore(item, ctx.vlanLive.node);
  return r === undefined ? undefined : itemRuns(r, op);
}

/** gen_vlan: libpcap's live Linux code for the first `vlan` on the outer Ethernet header (lower-vlan-live.ts), else
 *  the TPID (and VID) tests at the offsets in force, which move 4 bytes on. */
function lowerVlan(ctx: Ctx, node: Expr, tpid: Pred, value: number | undefined): Pred {
  const e = ctx.encap;
  const first = ctx.vlans === 0 || ctx.scoped;
  ctx.vlans++;
  if (ctx.env.capture === 'linux-live' && first && e.link === 'ethernet' && !e.geneve && e.linktype === 12) {
    const id = ctx.values.length;
    ctx.values.push({ id, expr: LIVE_VLAN_SHIFT });
    if (ctx.vlanLive === undefined) ctx.vlanLive = { node, id };
    ctx.encap = { ...e, linktype: dynOff(id, e.linktype), linkpl: dynOff(id, e.linkpl) };
    return liveVlan(tpid, value, netOffset(e));
  }
  ctx.encap = afterVlan(e);
  return value === undefined ? tpid : and(tpid, mcmp(ld(netOffset(e), 2), value, 0x0fff));
}

function lowerEncap(ctx: Ctx, node: Extract<Expr, { kind: 'encap' }>, span: Span): Pred {
  const { what, value } = node;
  const e = ctx.encap;
  // after a matched geneve, vlan/mpls/pppoes/geneve read the inner offsets (shared values) like any primitive there
  if (what === 'vlan') {
    // gen_vlan: MPLS first, then the link type (Ethernet and 802.11, not after `pppoes`)
    if (e.mplsDepth > 0) return fail('qualifier', 'no VLAN match after MPLS', span);
    if (e.ppp) return fail('link', 'no VLAN support for PPP', span);
    if (e.link !== 'ethernet' && !isWlan(e))
      return fail('link', `no VLAN support for ${linkTypeInfo(e.link).description}`, span);
    if (value !== undefined && value > 4095)
      return fail('range', `VLAN tag ${value} greater than maximum 4095`, span);
    // gen_vlan_tpid_test: the link-type tests (on 802.11: a data frame with that SNAP type)
    const tpid = or(linktype(ctx, 0x8100, span), linktype(ctx, 0x88a8, span), linktype(ctx, 0x9100, span));
    return lowerVlan(ctx, node, tpid, value);
  }
  if (what === 'mpls') {
    // gen_mpls: inside a label stack the previous label's bottom-of-stack bit is clear (OR_PREVMPLSHDR: after
    // `mpls … geneve` that is 2 bytes before the inner payload, a load bpf_filter rejects: lower-ops.ts), else
    // the link type is MPLS (after `geneve` libpcap's link type is Ethernet, whatever the outer one)
    if (e.link !== 'ethernet' && !e.ppp)
      return fail('link', `no MPLS support for ${linkTypeInfo(e.link).description}`, span);
    const head =
      e.mplsDepth > 0
        ? mcmp(ld(prevMplsOffset(e) + 2, 1), 0, 1)
        : eq(ld(e.linktype, 2), e.ppp ? PPP_MPLS_UCAST : ETH.MPLS);
    let p = head;
    if (value !== undefined) {
      if (value > 0xfffff) return fail('range', `MPLS label ${value} greater than maximum 1048575`, span);
      p = and(head, mcmp(ld(netOffset(e), 4), value * 4096, 0xfffff000));
    }
    ctx.encap = afterMpls(e);
    return p;
  }
  if ((what === 'geneve' || what === 'pppoes') && ctx.vlanLive !== undefined)
    // gen_geneve allocates new offset registers and gen_pppoes points the link type at the payload's: the live
    // vlan's shift code then reads a register libpcap's prologue never zeroes
    return fail(
      'unsupported',
      `on a live Linux capture, '${what}' after 'vlan' is not supported: libpcap 1.10.3's program then reads scratch memory it never wrote (the kernel refuses to attach it)`,
      span,
    );
  if (what === 'geneve') return geneve(ctx, value, span);
  if (what === 'pppoes') {
    // on raw IP (before any PPP) libpcap's link-type test is the constant false (`ld #1; jeq #0`)
    const head = noLinkHeader(e) && e.link === 'raw' ? FALSE : linktype(ctx, 0x8864, span);
    if (value !== undefined && value > 0xffff)
      return fail('range', `PPPoE session number ${value} greater than maximum 65535`, span);
    const p = value === undefined ? head : and(head, mcmp(ld(netOffset(e), 4), value, 0xffff));
    ctx.encap = afterPppoes(e);
    return p;
  }
  return fail('unsupported', `'${what}' is not supported by tfc yet`, span);
}

/**
 * gen_geneve: UDP dst port 6081 with Geneve version 0 (and the VNI) over IPv4 or IPv6, then libpcap
 * computes the inner offsets, loading the option-length byte and the protocol type — those loads
 * are kept (a short packet aborts there, as in libpcap) through an always-true compare.
 */
function geneve(ctx: Ctx, vni: number | undefined, span: Span): Pred {
  const e = ctx.encap;
  if (vni !== undefined && vni > 0xffffff)
    return fail('range', `Geneve VNI ${vni} greater than maximum 16777215`, span);
  const n = netOffset(e);
  const check = (at: (off: number, w: 1 | 4) => IrExpr) =>
    and(
      mcmp(at(8, 1), 0, 0xc0),
      ...(vni === undefined ? [] : [mcmp(at(12, 4), (vni * 256) >>> 0, 0xffffff00)]),
    );
  const v4 = and(
    ports(ctx, 6081, 6081, 17, 'dst', span, 'port', 'v4'),
    check((off, w) => ld(arith('+', ipv4HeaderLen(ctx), offE(n + off)), w)),
  );
  const v6 = and(
    ports(ctx, 6081, 6081, 17, 'dst', span, 'port', 'v6'),
    check((off, w) => ld(n + 40 + off, w)),
  );
  // libpcap joins the two paths with A = the transport offset of the path that matched, then loads the
  // option length and the protocol type: each path keeps its own always-true probe of those loads
  const offsets = (tran: IrExpr) => {
    const g = arith('+', tran, offE(n + 8));
    return cmp('ge', 4, false, arith('|', ld(g, 1), ld(arith('+', g, u(2)), 2)), u(0));
  };
  const off4 = offsets(ipv4HeaderLen(ctx));
  const off6 = offsets(u(40));
  const def = (expr: IrExpr): number => {
    const id = ctx.values.length;
    ctx.values.push({ id, expr });
    return id;
  };
  // libpcap's inner offsets, for primitives that run only when this geneve matched: the path that
  // matched is the one whose link-type test holds (v4 and v6 exclude each other)
  const notV4 = notIpv4(ctx.encap);
  const tran = arith('+', arith('*', arith('-', u(1), notV4), ipv4HeaderLen(ctx)), arith('*', notV4, u(40)));
  const g = ref(def(arith('+', tran, offE(n + 8))));
  const m1 = ref(def(arith('+', arith('+', g, u(8)), arith('*', arith('&', ld(g, 1), u(0x3f)), u(4)))));
  const notTeb = arith('>>', arith('+', arith('^', ld(arith('+', g, u(2)), 2), u(0x6558)), u(0xffff)), u(16));
  const teb = arith('-', u(1), notTeb);
  const m0 = def(arith('+', arith('*', teb, arith('+', m1, u(12))), arith('*', notTeb, arith('+', g, u(2)))));
  const m2 = def(arith('+', m1, arith('*', teb, u(14))));
  const m1id = m1.kind === 'ref' ? m1.id : 0;
  ctx.geneves++;
  ctx.encap = {
    ...e,
    link: 'ethernet',
    linktype: dynOff(m0),
    linkpl: dynOff(m2),
    linkhdr: dynOff(m1id),
    nl: 0,
    // gen_geneve_offsets resets off_nl only: off_nl_nosnap keeps the outer link type's (0 on raw IP, cooked, PPP)
    nlNosnap: e.nlNosnap,
    // libpcap keeps label_stack_depth: after `mpls … geneve` its link-type tests are still the MPLS ones, at the
    // inner payload (the bottom-of-stack bit 2 bytes before it: a load that aborts, lower-ops.ts)
    ppp: false,
    geneve: true,
  };
  return or(and(v4, off4), and(v6, off6));
}

/** Does `e` hold only on packets where a `geneve` primitive in it matched (through and-chains)? */
function impliesGeneve(e: Expr): boolean {
  switch (e.kind) {
    case 'encap':
      return e.what === 'geneve';
    case 'paren':
      return impliesGeneve(e.body);
    case 'not':
      return e.arg.kind === 'not' && impliesGeneve(e.arg.arg);
    case 'chain': {
      let v = impliesGeneve(e.first);
      for (const l of e.rest) v = l.op === 'and' ? v || impliesGeneve(l.item) : v && impliesGeneve(l.item);
      return v;
    }
    default:
      return false;
  }
}

function readsHeaders(a: Arith): boolean {
  const stack: Arith[] = [a];
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (x.kind === 'index') return true;
    if (x.kind === 'bin') stack.push(x.left, x.right);
    else if (x.kind === 'neg') stack.push(x.arg);
  }
  return false;
}

/**
 * A primitive after `geneve` (lowered by `lower`) is compiled where that geneve matched (in its `and` chain: libpcap
 * wrote the inner offsets), or where it reads nothing through them: after `mpls … geneve` a primitive whose first
 * test is libpcap's MPLS link-type test loads at `x + 0xfffffffe` first, which bpf_filter rejects whatever the
 * (possibly unwritten) register x holds — the IR then aborts at its first test (`abortsFirst`). Other primitives
 * there would read scratch memory libpcap may not have written: refused.
 */
function afterGeneve(ctx: Ctx, span: Span, lower: () => Pred): Pred {
  return afterLiveVlan(ctx, span, afterGeneveOnly(ctx, span, lower));
}

/**
 * A primitive that reads through the first live `vlan`'s run-time shift is compiled where that vlan ran (libpcap's
 * register then holds 0 or 4 by where the tag is); reached another way libpcap reads its zeroed register: refused.
 */
function afterLiveVlan(ctx: Ctx, span: Span, p: Pred): Pred {
  const live = ctx.vlanLive;
  if (live === undefined || ctx.vlanSure || ctx.scoped || !refsReached(p, ctx.values).has(live.id)) return p;
  return fail(
    'unsupported',
    "on a live Linux capture, tfc supports primitives after the first 'vlan' only where that vlan ran before them (after it in an 'and' chain, or after it failed in an 'or' chain): elsewhere libpcap's offsets depend on the path taken",
    span,
  );
}

function afterGeneveOnly(ctx: Ctx, span: Span, lower: () => Pred): Pred {
  if (!ctx.encap.geneve || ctx.sure) return lower();
  const labelled = ctx.encap.mplsDepth > 0 && ctx.encap.nl === 0;
  const p = labelled ? lower() : undefined;
  if (p !== undefined && abortsFirst(p)) return p;
  return fail(
    'unsupported',
    "after 'geneve', tfc supports primitives only where the geneve test matched (in its 'and' chain)",
    span,
  );
}

/** Does evaluating `p` abort before it decides anything, whatever the packet (its first test always aborts)? */
function abortsFirst(p: Pred): boolean {
  switch (p.kind) {
    case 'and':
    case 'or':
      return p.args.length > 0 && abortsFirst(p.args[0]!);
    case 'not':
      return abortsFirst(p.arg);
    case 'cmp':
      return alwaysAborts(p.left) || alwaysAborts(p.right);
    case 'in':
      return alwaysAborts(p.value);
    default:
      return false;
  }
}

/** Does evaluating `x` abort whatever the packet (a division by the constant 0 on a path it always takes)? */
function alwaysAborts(x: IrExpr): boolean {
  switch (x.kind) {
    case 'arith':
      return (
        ((x.op === '/' || x.op === '%') && x.right.kind === 'const' && x.right.value === 0n) ||
        alwaysAborts(x.left) ||
        alwaysAborts(x.right)
      );
    case 'neg':
      return alwaysAborts(x.arg);
    case 'load':
      return typeof x.offset !== 'number' && alwaysAborts(x.offset);
    default:
      return false;
  }
}

function spend(ctx: Ctx, p: Pred, span: Span): void {
  ctx.spent += irSize(p);
  if (ctx.spent > MAX_IR_NODES)
    fail(
      'size',
      `filter too large: its IR passes ${MAX_IR_NODES.toLocaleString('en')} nodes (at the primitive at offset ${span.start}); split it into smaller filters`,
      { start: 0, end: 0 },
    );
}

/** gen_inbound / gen_ifindex on Linux cooked captures: the packet type (outgoing = 4) and, in v2, the interface
 *  index are fields of the link header. After `pppoes` libpcap's link type is DLT_PPP, which has no such case:
 *  the Linux ancillary load of linuxMeta, at the PPP header's offset. */
function cookedMeta(ctx: Ctx, what: 'direction'): Pred | undefined;
function cookedMeta(ctx: Ctx, what: 'ifindex'): IrExpr | undefined;
function cookedMeta(ctx: Ctx, what: 'direction' | 'ifindex'): Pred | IrExpr | undefined {
  const e = ctx.encap;
  if (e.ppp) return undefined;
  if (e.link === 'linux_sll' && what === 'direction') return eq(ld(0, 2), 4);
  if (e.link !== 'linux_sll2') return undefined;
  return what === 'direction' ? eq(ld(10, 1), 4) : ld(4, 4);
}

/** SKF_AD_OFF (-4096 as a u32) and the SKF_AD_* offsets of the Linux ancillary loads (include/uapi/linux/filter.h),
 *  for naming what libpcap reads. */
const SKF_AD_OFF = 0xfffff000;
const SKF_AD_SPAN = 0x1000;
const SKF_AD: Readonly<Record<number, string>> = {
  0: 'skb->protocol',
  4: 'skb->pkt_type',
  8: 'the device ifindex',
  12: 'a netlink attribute',
  16: 'a nested netlink attribute',
  20: 'skb->mark',
  24: 'skb->queue_mapping',
  28: "the device's hardware type",
  32: 'skb->hash',
  36: 'the CPU number',
  40: 'A ^ X',
  44: 'the VLAN tag',
  48: 'VLAN tag presence',
  52: 'the payload offset',
  56: 'a random number',
  60: 'the VLAN protocol',
};

/** gen_inbound / gen_ifindex on a live Linux capture: the ancillary load SKF_AD_OFF + (4 pkt_type | 8 ifindex),
 *  made at libpcap's link-header offset L (as `link[…]` is: the inner frame after `geneve`, the PPP field after
 *  `pppoes`, radiotap's length). L = 0 (every link type outside those) is the packet's metadata: the IR's
 *  `pkttype` / `ifindex` pseudo-field. Elsewhere libpcap 1.10.3 adds L to the ancillary offset: where the sum is
 *  another SKF_AD_* field (after `pppoes` on Ethernet: skb->queue_mapping, the device type) the filter tests other
 *  metadata, refused, naming it; any other constant sum is a load past every packet, and a run-time L an indexed
 *  load whose k (2^32 − 4092 + …) bpf_filter refuses whatever x: both abort, as libpcap's program does. */
function linuxMeta(ctx: Ctx, name: 'pkttype' | 'ifindex', what: string, span: Span): IrExpr {
  const e = ctx.encap;
  const ad = name === 'pkttype' ? 4 : 8;
  const size = name === 'pkttype' ? 2 : 4;
  const hdr = e.linkhdr ?? (e.ppp ? e.linktype : 0);
  if (hdr === 0) return pseudo(name);
  if (isDyn(hdr)) return ld(hdr + ad - SKF_AD_SPAN, size);
  const other = SKF_AD[ad + hdr];
  if (other === undefined) return ld((SKF_AD_OFF + ad + hdr) >>> 0, size);
  return fail(
    'unsupported',
    `'${what}' is not supported by tfc here: libpcap 1.10.3 makes the load at the link header's offset (${hdr}), so it reads ${other} (SKF_AD_OFF + ${ad + hdr}) instead of ${name === 'pkttype' ? 'skb->pkt_type' : 'the ifindex'}`,
    span,
  );
}

export function lowerFilter(
  e: Expr,
  encap: Encap,
  scoped: boolean,
  env: LowerEnv = {},
  dialect: PcapDialect = PCAP_DIALECTS['1.10'],
): { readonly body: Pred; readonly values: readonly ValueDef[] } {
  const values: ValueDef[] = [];
  const wlan = isWlan(encap) ? wlanOffsets(encap, values) : undefined;
  const ctx: Ctx = {
    env,
    dialect,
    spent: 0,
    geneves: 0,
    encap: wlan?.encap ?? encap,
    sure: false,
    scoped,
    values,
    vlans: 0,
    vlanSure: false,
  };
  const body = lowerExpr(ctx, e, 'err').pred;
  if (wlan === undefined) return { body, values };
  // libpcap computes the 802.11 offsets first, before any test, when the filter uses them at all: the
  // loads of that prologue run (and may reject a short frame) whatever the filter's own path
  const used = refsReached(body, values);
  const probe = (id: number) => cmp('ge', 4, false, ref(id), u(0));
  if (used.has(wlan.pl)) return { body: and(probe(wlan.pl), body), values };
  if (wlan.hdr !== undefined && used.has(wlan.hdr)) return { body: and(probe(wlan.hdr), body), values };
  return { body, values };
}

/** The shared-value ids the body reaches (directly or through other values). */
function refsReached(body: Pred, values: readonly ValueDef[]): ReadonlySet<number> {
  const seen = new Set<number>();
  const exprs: IrExpr[] = [];
  const preds: Pred[] = [body];
  while (preds.length > 0 || exprs.length > 0) {
    const p = preds.pop();
    if (p !== undefined) {
      if (p.kind === 'and' || p.kind === 'or') for (const a of p.args) preds.push(a);
      else if (p.kind === 'not') preds.push(p.arg);
      else if (p.kind === 'cmp') exprs.push(p.left, p.right);
      else if (p.kind === 'in') exprs.push(p.value);
      continue;
    }
    const x = exprs.pop()!;
    if (x.kind === 'ref') {
      if (!seen.has(x.id)) {
        seen.add(x.id);
        exprs.push(values[x.id]!.expr);
      }
    } else if (x.kind === 'arith') exprs.push(x.left, x.right);
    else if (x.kind === 'neg') exprs.push(x.arg);
    else if (x.kind === 'load' && typeof x.offset !== 'number') exprs.push(x.offset);
  }
  return seen;
}
